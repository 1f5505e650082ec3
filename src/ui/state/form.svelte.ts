/** The generate form: every control's value, defaults from the chosen model, and the request it makes. */
import type { DeviceRequest, GenerateParams } from '../../shared/protocol';
import type { ModelChoice } from '../models/catalog';
import { ImageSlot } from './image-slot.svelte';
import { LoraSlot } from './lora-slot.svelte';

/** Where a job runs: this device (`auto` lets the device plan decide, and may pick the server) or the server. */
export type RunOn = DeviceRequest | 'server';

/** The value of the resolution control for a custom size. */
export const CUSTOM_RESOLUTION = 'custom';

const resolutionKey = (r: { width: number; height: number }) => `${r.width}x${r.height}`;

/** Reactive values of the form's controls. */
export class FormState {
  prompt = $state('');
  negativePrompt = $state('');
  resolution = $state('');
  customWidth = $state(256);
  customHeight = $state(144);
  numFrames = $state(17);
  steps = $state(4);
  guidance = $state(1);
  seed = $state(42);
  fps = $state(16);
  device = $state<RunOn>('auto');
  /** The first frame (image-to-video), shown when the model lists an image mode. */
  readonly startImage = new ImageSlot();
  /** The last frame (first-last-frame), shown when the model lists that mode. */
  readonly endImage = new ImageSlot();
  /** A LoRA pair and its scale, shown when the model takes LoRAs. */
  readonly lora = new LoraSlot();

  /** Resets the model-dependent controls to the model's defaults; the smallest resolution gives a quick first clip. */
  applyModel(model: ModelChoice): void {
    const first = [...model.resolutions].sort((a, b) => a.width * a.height - b.width * b.height)[0]!;
    this.resolution = resolutionKey(first);
    this.customWidth = first.width;
    this.customHeight = first.height;
    this.numFrames = Math.min(model.defaultFrames, first.max_frames);
    this.steps = model.defaultSteps;
    this.guidance = model.defaultGuidance;
    this.fps = model.defaultFps;
  }

  /** Restores a past job's parameters, e.g. from a history entry. */
  applyParams(params: GenerateParams, model: ModelChoice): void {
    const preset = model.resolutions.find((r) => r.width === params.width && r.height === params.height);
    this.resolution = preset ? resolutionKey(preset) : CUSTOM_RESOLUTION;
    this.customWidth = params.width;
    this.customHeight = params.height;
    this.prompt = params.prompt;
    this.negativePrompt = params.negative_prompt;
    this.numFrames = params.num_frames;
    this.steps = params.num_inference_steps;
    this.guidance = params.guidance_scale;
    this.seed = params.seed;
    this.fps = params.frames_per_second;
  }

  /** A new random seed. */
  shuffleSeed(): void {
    this.seed = crypto.getRandomValues(new Uint32Array(1))[0]!;
  }

  /** The parameters the controls describe, unchecked. */
  params(model: ModelChoice): GenerateParams {
    const preset = model.resolutions.find((r) => resolutionKey(r) === this.resolution);
    return {
      prompt: this.prompt.trim(),
      negative_prompt: this.negativePrompt.trim(),
      width: preset ? preset.width : Number(this.customWidth),
      height: preset ? preset.height : Number(this.customHeight),
      num_frames: Number(this.numFrames),
      num_inference_steps: Number(this.steps),
      guidance_scale: Number(this.guidance),
      seed: Number(this.seed),
      frames_per_second: Number(this.fps),
    };
  }
}

/** The `<option>` value of a preset resolution. */
export { resolutionKey };
