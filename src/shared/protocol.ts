/**
 * The wire protocol between the UI and the generate worker: requests, progress events and
 * results. Everything that crosses the worker boundary is declared here and nowhere else.
 */

/** Where a job's ONNX graphs run. `auto` picks WebGPU on a hardware adapter, else WASM. */
export type DeviceRequest = 'auto' | 'webgpu' | 'wasm';

/** The execution provider a job actually ran on (`cpu` is onnxruntime-node's). */
export type ResolvedDevice = 'webgpu' | 'wasm' | 'cpu';

/** Generation parameters; names and meaning match Phosor's submit parameters. */
export interface GenerateParams {
  prompt: string;
  negative_prompt: string;
  width: number;
  height: number;
  num_frames: number;
  num_inference_steps: number;
  guidance_scale: number;
  seed: number;
  frames_per_second: number;
}

/** What a job generates from: text alone, a first frame, or a first and a last frame. */
export type GenerateMode = 'text-to-video' | 'image-to-video' | 'first-last-frame';

/** A decoded picture to condition on: straight (not premultiplied) RGBA bytes, row-major, any size. */
export interface ConditioningImage {
  /** `width * height * 4` bytes; alpha is ignored (the pipeline reads RGB). */
  rgba: Uint8Array;
  width: number;
  height: number;
}

/**
 * A Phosor LoRA: two safetensors files, one for the early (high-noise) steps and one for the late
 * (low-noise) steps, and a strength `scale` from 0 to 2 (Phosor's `lora_scale`).
 */
export interface LoraWeights {
  high_noise: Uint8Array;
  low_noise: Uint8Array;
  scale: number;
  /** What a person calls it (a file or server name), for the clip's recipe. */
  name?: string;
}

/**
 * One generation job as the UI hands it to the worker. The images sit beside `params`, not inside:
 * `params` stays the small, Phosor-named JSON that history records keep and forms restore, while the
 * images are large buffers that cross the boundary with `Comlink.transfer`.
 */
export interface GenerateRequest {
  jobId: string;
  /** URL of the model package's `model.json`, resolved against the page. */
  modelUrl: string;
  device: DeviceRequest;
  /** The package variant to load (e.g. `q4`); the manifest's `default_variant` when absent. */
  variant?: string;
  params: GenerateParams;
  /** The first frame (image-to-video); with `last_image`, the first of two (first-last-frame). */
  image?: ConditioningImage;
  /** The last frame (first-last-frame); needs `image` too. */
  last_image?: ConditioningImage;
  /** A LoRA pair applied to the denoiser, as the server applies a `lora_id` (its buffers are transferred). */
  lora?: LoraWeights;
}

/** The mode a request's images ask for: none → text, `image` → first frame, both → first and last. */
export function modeForImages(images: { image?: unknown; last_image?: unknown }): GenerateMode {
  if (images.last_image !== undefined) return 'first-last-frame';
  return images.image !== undefined ? 'image-to-video' : 'text-to-video';
}

/** Progress of a job, in the order the stages happen. */
export type ProgressEvent =
  | { type: 'load'; file: string; loadedBytes: number; totalBytes: number }
  | { type: 'encode-prompt' }
  | { type: 'step'; step: number; totalSteps: number; timestep: number }
  | { type: 'decode' }
  | { type: 'encode-video'; frame: number; totalFrames: number }
  | { type: 'done'; elapsedMs: number };

/** The names of the progress stages, in order. */
export const PROGRESS_STAGES = [
  'load',
  'encode-prompt',
  'step',
  'decode',
  'encode-video',
  'done',
] as const satisfies readonly ProgressEvent['type'][];

/** How each ONNX graph of a job was placed on execution providers. */
export interface GraphPlacement {
  graph: string;
  /** Execution provider name → number of nodes assigned to it. */
  nodesByProvider: Record<string, number>;
}

/** Decoded RGBA frames, `numFrames * height * width * 4` bytes, row-major, frame after frame. */
export interface RawFrames {
  rgba: Uint8Array;
  width: number;
  height: number;
  numFrames: number;
}

/** A clip's size without its pixels. */
export type ClipSize = Omit<RawFrames, 'rgba'>;

/**
 * Frames `[first, first + count)` of a clip as the VAE decodes them (`rgba`: `count` frames of RGBA, row-major,
 * frame after frame), handed to a `FrameSink` so an encoder can take them while the next ones decode and the
 * whole clip never has to be in memory at once.
 */
export interface FrameChunk extends ClipSize {
  rgba: Uint8Array;
  /** The clip's index of the chunk's first frame. */
  first: number;
  /** Frames in this chunk; `numFrames` is the whole clip's. */
  count: number;
}

/**
 * Takes each decoded chunk in order; the decoder waits for its promise before decoding the next one, and
 * does not reuse a chunk's bytes after handing them over.
 */
export type FrameSink = (chunk: FrameChunk) => void | Promise<void>;

/** The result of a finished job: an MP4 and what produced it. */
export interface GenerateResult {
  jobId: string;
  mp4: ArrayBuffer;
  mimeType: 'video/mp4';
  width: number;
  height: number;
  numFrames: number;
  fps: number;
  seed: number;
  device: ResolvedDevice;
  encoder: 'webcodecs' | 'ffmpeg.wasm';
  placement: GraphPlacement[];
  elapsedMs: number;
  /** Where the time went (the engine benchmark's figures). */
  timings: JobTimings;
}

/** A job's time by stage, in milliseconds, measured in the worker. */
export interface JobTimings {
  /** Reading and verifying the model package; 0 when it was kept from a job before. */
  loadMs: number;
  /** Creating ONNX Runtime sessions (compiled per graph and input shape, on first use): 0 when all were kept. */
  compileMs: number;
  /** Inside ONNX Runtime, per graph (`text_encoder`, `denoiser`, …): summed `session.run` time and runs. */
  graphs: Record<string, { ms: number; runs: number }>;
  /** Making the live previews from the latents. */
  previewMs: number;
  /** Handing frames to the MP4 encoder and finishing the file. */
  encodeMs: number;
}

/** Frames and final latents without video encoding, for parity checks between providers. */
export interface FramesResult extends StreamedResult {
  frames: RawFrames;
}

/** What a generation returns when its frames went to a `FrameSink`: their size, the final latents, placement. */
export interface StreamedResult {
  frames: ClipSize;
  latents: Float32Array;
  latentDims: number[];
  device: ResolvedDevice;
  placement: GraphPlacement[];
}

/** An error as it crosses a boundary: a name a program can switch on and a message a person can act on. */
export interface SerializedError {
  name: string;
  message: string;
}
