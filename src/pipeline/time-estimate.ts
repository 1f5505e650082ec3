/**
 * How long a job would take on this device, from a job this device has run with the same model: its warm
 * step time scaled by the denoiser's work (latent tokens, and the second pass of guidance), the decoder's
 * trunk by the latent grid (it works at the latent base size), and what draws and encodes the frames by
 * their pixels. (`npm run bench -- engine` checks it against runs at other sizes.) The measurement is the calibration: a real job of
 * the user's, kept per model and device by the page, rather than a synthetic run that would cost a job's
 * time of its own. Model load is left out (it happens once per model and device).
 */
import type { JobTimings } from '../shared/protocol';
import type { ModelManifest } from './model-package/manifest';
import { latentGrid } from './latents';

/** What a finished local job measured, as the page keeps it. */
export interface MeasuredJob {
  device: 'webgpu' | 'wasm';
  width: number;
  height: number;
  numFrames: number;
  guidance: number;
  /** A warm denoising step. */
  secondsPerStep: number;
  /** The text encoder (the prompt, and the empty one with guidance). */
  promptSeconds: number;
  /** The decoder's first stage (`vae_decoder_trunk`): it works on the latent grid, whatever the output size. */
  gridSeconds: number;
  /** The decoder's last stage, MP4 encode and previews: the work that grows with the clip's pixels. */
  pixelSeconds: number;
}

/**
 * A finished job's stage times as the estimate scales them: the text encoder, the decoder's trunk (latent
 * grid) and what grows with the pixels (the decoder's last stage, MP4 encode, previews). One rule for the
 * page's measurements and the benchmark that checks the estimate.
 */
export function stageSeconds(t: JobTimings): Pick<MeasuredJob, 'promptSeconds' | 'gridSeconds' | 'pixelSeconds'> {
  const graph = (name: string) => (t.graphs[name]?.ms ?? 0) / 1000;
  return {
    promptSeconds: graph('text_encoder'),
    gridSeconds: graph('vae_decoder_trunk'),
    pixelSeconds: graph('vae_decoder') + (t.encodeMs + t.previewMs) / 1000,
  };
}

/** The job whose time is estimated. */
export interface TimedJob {
  width: number;
  height: number;
  num_frames: number;
  num_inference_steps: number;
  guidance_scale: number;
}

/** Latent tokens the denoiser attends over for a clip of this size (patches of the latent grid). */
export function latentTokens(m: ModelManifest, job: { width: number; height: number; num_frames: number }): number {
  const [pt, ph, pw] = m.graphs.denoiser.patch_size;
  const [, , f, h, w] = latentGrid(m, job.width, job.height, job.num_frames).dims as number[];
  return Math.ceil(f! / pt) * Math.ceil(h! / ph) * Math.ceil(w! / pw);
}

/** Guidance runs the denoiser on a batch of two (with and without the prompt): twice the work per step. */
const passes = (guidance: number) => (guidance > 1 ? 2 : 1);

/**
 * Seconds `job` would take on the device that ran `measured` (same model), load aside. Linear in tokens:
 * at these sizes the projections and MLPs dominate a step; attention's quadratic part is a few percent.
 */
export function estimateJobSeconds(m: ModelManifest, job: TimedJob, measured: MeasuredJob): number {
  const tokens = latentTokens(m, job) / latentTokens(m, { ...measured, num_frames: measured.numFrames });
  const work = (passes(job.guidance_scale) / passes(measured.guidance)) * tokens;
  const pixels = (job.width * job.height * job.num_frames) / (measured.width * measured.height * measured.numFrames);
  return (
    measured.promptSeconds +
    job.num_inference_steps * measured.secondsPerStep * work +
    measured.gridSeconds * tokens +
    measured.pixelSeconds * pixels
  );
}

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
const nonNegative = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** The measurements a worker message carries (the page's storage, so untrusted): the well-formed ones. */
export function parseMeasuredJobs(value: unknown): MeasuredJob[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (v): v is MeasuredJob =>
      typeof v === 'object' &&
      v !== null &&
      (v.device === 'webgpu' || v.device === 'wasm') &&
      [v.width, v.height, v.numFrames, v.guidance, v.secondsPerStep].every(positive) &&
      [v.promptSeconds, v.gridSeconds, v.pixelSeconds].every(nonNegative),
  );
}
