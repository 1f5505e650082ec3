/** The running job as the UI shows it: stage, step n/N, overall fraction, result or error. */
import type { GenerateResult, ProgressEvent, SerializedError } from '../../shared/protocol';
import type { JobEvent, Quote } from '../server/phosor-client';
import type { LivePreview } from '../worker/generate-client';
import { measuredSpeed, saveDeviceSpeed, StepClock } from './device-speed';

/** Where a job is. */
export type JobStatus = 'idle' | 'running' | 'done' | 'failed' | 'cancelled' | 'waiting';

const STAGE_LABELS: Record<ProgressEvent['type'], string> = {
  load: 'Loading model',
  'encode-prompt': 'Encoding prompt',
  step: 'Denoising',
  decode: 'Decoding frames',
  'encode-video': 'Encoding MP4',
  done: 'Done',
};

/** Each stage's share of the progress bar: [start, end). Denoising dominates. */
const STAGE_SPANS: Record<ProgressEvent['type'], [number, number]> = {
  load: [0, 0.1],
  'encode-prompt': [0.1, 0.15],
  step: [0.15, 0.85],
  decode: [0.85, 0.92],
  'encode-video': [0.92, 1],
  done: [1, 1],
};

/** The server's stages as the worker's, for the same labels ('queued' and 'storing' keep the last one). */
const SERVER_STAGES: Partial<Record<JobEvent['stage'], ProgressEvent['type']>> = {
  loading: 'load',
  encoding_prompt: 'encode-prompt',
  denoising: 'step',
  decoding: 'decode',
  encoding_video: 'encode-video',
  completed: 'done',
};

/** Reactive state of the current job. */
export class JobState {
  status = $state<JobStatus>('idle');
  stage = $state<ProgressEvent['type'] | null>(null);
  detail = $state('');
  fraction = $state(0);
  error = $state<SerializedError | null>(null);
  result = $state.raw<GenerateResult | null>(null);
  /** The last denoising step reported, `[step, totalSteps]`. */
  lastStep = $state.raw<[number, number] | null>(null);
  /** Where the job runs and why, as the device plan decided. */
  plan = $state.raw<{ where: string; reasons: string[]; estimatedSeconds?: number | null } | null>(null);
  /** A server job's price and the balance before it, shown while it runs. */
  quote = $state.raw<Quote | null>(null);
  /** The latest live preview (a small RGBA picture after a denoising step), while the job runs. */
  preview = $state.raw<LivePreview | null>(null);
  /** Times this job's denoising steps: the estimate while it runs, the device's measured speed after. */
  #clock = new StepClock();

  /** The current stage in words, e.g. "Denoising". */
  get stageLabel(): string {
    const stage = this.stage ? STAGE_LABELS[this.stage] : 'Starting';
    if (this.status === 'failed') return `Failed (${stage.toLowerCase()})`;
    if (this.status === 'cancelled') return 'Cancelled';
    if (this.status === 'waiting') return 'Waiting for the network';
    return stage;
  }

  start(): void {
    this.status = 'running';
    this.stage = null;
    this.detail = 'Starting…';
    this.fraction = 0;
    this.error = null;
    this.result = null;
    this.lastStep = null;
    this.preview = null;
    this.plan = null;
    this.quote = null;
    this.#clock = new StepClock();
  }

  /** Shows the picture the worker sent after a denoising step. */
  showPreview(image: LivePreview): void {
    if (this.status === 'running') this.preview = image;
  }

  /** Applies one progress event from the worker. */
  progress(event: ProgressEvent, now = performance.now()): void {
    // Events come through their own message port and can arrive after the job's answer: keep what it ended on.
    if (this.status !== 'running') return;
    const [from, to] = STAGE_SPANS[event.type];
    this.stage = event.type;
    this.#clock.event(event, now);
    switch (event.type) {
      case 'load': {
        const part = event.totalBytes > 0 ? event.loadedBytes / event.totalBytes : 0;
        this.detail = `${event.file} ${(event.loadedBytes / 1e6).toFixed(1)} / ${(event.totalBytes / 1e6).toFixed(1)} MB`;
        this.fraction = from + (to - from) * part;
        break;
      }
      case 'step':
        this.lastStep = [event.step, event.totalSteps];
        this.detail = `step ${event.step}/${event.totalSteps}${stepsLeft(this.#clock.secondsPerStep(), event.totalSteps - event.step)}`;
        this.fraction = from + ((to - from) * event.step) / Math.max(1, event.totalSteps);
        break;
      case 'encode-video':
        this.detail = `frame ${event.frame}/${event.totalFrames}`;
        this.fraction = from + ((to - from) * event.frame) / Math.max(1, event.totalFrames);
        break;
      case 'done':
        this.detail = `finished in ${(event.elapsedMs / 1000).toFixed(1)} s`;
        this.fraction = 1;
        break;
      default:
        this.detail = '';
        this.fraction = from;
    }
  }

  /** Applies one event of a server job (its stage, step and overall percentage). */
  serverProgress(event: JobEvent): void {
    const stage = SERVER_STAGES[event.stage];
    if (stage) this.stage = stage;
    if (event.stage === 'denoising' || event.step > 0) this.lastStep = [event.step, event.total_steps];
    const eta = event.eta_seconds === undefined ? '' : ` · about ${event.eta_seconds} s left`;
    this.detail =
      event.stage === 'queued'
        ? `queued on the server${event.queue_position ? `, position ${event.queue_position}` : ''}${eta}`
        : event.stage === 'denoising'
          ? `step ${event.step}/${event.total_steps} on the server${eta}`
          : `${event.stage.replace('_', ' ')} on the server${eta}`;
    this.fraction = event.progress / 100;
  }

  /** A local job finished: its speed becomes the device's measured speed for `run`'s model (if given). */
  succeed(result: GenerateResult, run?: { model: string; guidance: number }): void {
    const speed = run ? measuredSpeed(this.#clock, result, this.lastStep?.[1] ?? 0, run) : null;
    if (speed) saveDeviceSpeed(speed);
    this.status = 'done';
    this.result = result;
    this.fraction = 1;
  }

  /** A server job that could not be sent (offline) waits in this browser. */
  waitForNetwork(): void {
    this.status = 'waiting';
    this.fraction = 0;
    this.detail = 'the server cannot be reached: the job is kept here and sent when the connection returns';
  }

  /** A server job finished (its MP4 is downloaded). */
  succeedOnServer(elapsedMs: number, provider: string): void {
    this.status = 'done';
    this.stage = 'done';
    this.fraction = 1;
    this.detail = `finished in ${(elapsedMs / 1000).toFixed(1)} s on the server${provider === 'local' ? '' : ` (via ${provider})`}`;
  }

  fail(error: SerializedError): void {
    this.status = error.name === 'JobAbortedError' ? 'cancelled' : 'failed';
    this.error = error.name === 'JobAbortedError' ? null : error;
    if (this.status === 'cancelled') {
      this.detail = this.lastStep ? `Cancelled after step ${this.lastStep[0]}/${this.lastStep[1]}.` : 'Cancelled.';
    }
  }
}

/** " · about 3 s of denoising left", once a step has been timed. */
function stepsLeft(secondsPerStep: number | null, steps: number): string {
  if (secondsPerStep === null || steps <= 0) return '';
  return ` · about ${Math.max(1, Math.round(secondsPerStep * steps))} s of denoising left`;
}
