/** A heading for an error shown to a person; the message underneath says how to fix it. */
const TITLES: Record<string, string> = {
  InvalidParamsError: 'These settings cannot be generated',
  DigestMismatchError: 'The model download is corrupted',
  ModelPackageError: 'The model package cannot be used',
  WebGpuUnavailableError: 'WebGPU is not available',
  JobAbortedError: 'Cancelled',
  GpuDeviceLostError: 'The GPU was lost',
  DeviceOutOfMemoryError: 'This device ran out of memory',
  GpuShaderError: 'The GPU could not compile the model',
  WorkerStartError: 'The generator did not start',
};

/** The heading for an error name, e.g. `DigestMismatchError` → "The model download is corrupted". */
export function errorTitle(name: string): string {
  return TITLES[name] ?? (name.replace(/Error$/, '').replace(/([a-z])([A-Z])/g, '$1 $2') || 'Something went wrong');
}
