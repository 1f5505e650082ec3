/** Named errors that say how to fix the problem. Each crosses boundaries as `{ name, message }`. */

/** Base class: sets `name` from the subclass so it survives serialisation. */
export class PhospheneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Parameters that the model or the API does not accept. */
export class InvalidParamsError extends PhospheneError {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A model package whose manifest is malformed or whose files do not match it. */
export class ModelPackageError extends PhospheneError {}

/** A file whose sha256 differs from the one its manifest declares. */
export class DigestMismatchError extends ModelPackageError {}

/** The requested device cannot run here. */
export class WebGpuUnavailableError extends PhospheneError {}

/** A job cancelled by its caller. */
export class JobAbortedError extends PhospheneError {
  constructor(message = 'The job was cancelled.') {
    super(message);
  }
}

/** Turns any thrown value into the `{ name, message }` shape that crosses boundaries. */
export function serializeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}
