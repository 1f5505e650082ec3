/** Named errors that say how to fix the problem. Each crosses boundaries as `{ name, message }`. */

/**
 * Base class. Each class spells its `name` out rather than reading the constructor's name, which a
 * minifier renames (a `DigestMismatchError` once reached the UI as "Li").
 */
export class PhospheneError extends Error {
  override name = 'PhospheneError';
}

/** Parameters that the model or the API does not accept. */
export class InvalidParamsError extends PhospheneError {
  override name = 'InvalidParamsError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A model package whose manifest is malformed or whose files do not match it. */
export class ModelPackageError extends PhospheneError {
  override name = 'ModelPackageError';
}

/** A file whose sha256 differs from the one its manifest declares. */
export class DigestMismatchError extends ModelPackageError {
  override name = 'DigestMismatchError';
}

/** A LoRA file that is not valid safetensors or does not fit the model's adapted layers. */
export class LoraError extends PhospheneError {
  override name = 'LoraError';
}

/** The requested device cannot run here. */
export class WebGpuUnavailableError extends PhospheneError {
  override name = 'WebGpuUnavailableError';
}

/** A job cancelled by its caller. */
export class JobAbortedError extends PhospheneError {
  override name = 'JobAbortedError';
  constructor(message = 'The job was cancelled.') {
    super(message);
  }
}

/** The GPU device was lost mid-job (a driver reset, the browser reclaiming it); the next job gets a fresh one. */
export class GpuDeviceLostError extends PhospheneError {
  override name = 'GpuDeviceLostError';
}

/** The device ran out of memory for this job. */
export class DeviceOutOfMemoryError extends PhospheneError {
  override name = 'DeviceOutOfMemoryError';
}

/** The browser's storage cannot hold what was to be kept (a model for offline use). */
export class StorageFullError extends PhospheneError {
  override name = 'StorageFullError';
}

/** The page's generate worker did not start (its script did not load: offline before the app was kept). */
export class WorkerStartError extends PhospheneError {
  override name = 'WorkerStartError';
}

/** A GPU program of the model did not compile on this device. */
export class GpuShaderError extends PhospheneError {
  override name = 'GpuShaderError';
}

/**
 * Device faults: after one, the page restarts its generate worker (and so its WebGPU device and WASM heap),
 * so the next job runs without reloading the page.
 */
export const DEVICE_FAULTS: readonly string[] = ['GpuDeviceLostError', 'DeviceOutOfMemoryError', 'GpuShaderError'];

/** Turns any thrown value into the `{ name, message }` shape that crosses boundaries. */
export function serializeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}
