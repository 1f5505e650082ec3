/**
 * Device faults in the browser: a lost GPU device, running out of memory, a shader that does not compile.
 * Each ends the job with a named error that says what to try next (`DEVICE_FAULTS`); the page then restarts
 * this worker, so the next job starts on a fresh device without a reload.
 */
import { DeviceOutOfMemoryError, GpuDeviceLostError, GpuShaderError, PhospheneError } from '../shared/errors';

/** The slice of `GPUDevice` watched here (TypeScript's lib has no WebGPU types). */
interface WatchedDevice {
  lost: Promise<{ reason?: string; message?: string }>;
}

let current: WatchedDevice | null = null;
let lostAs: string | null = null;

/** Notes when `device` is lost; call it for the device each WebGPU session runs on. */
export function watchGpuDevice(device: WatchedDevice): void {
  if (current === device) return;
  current = device;
  void device.lost.then((info) => {
    lostAs = [info.reason, info.message].filter(Boolean).join(': ') || 'no reason given';
  });
}

/**
 * Waits up to `ms` for the watched device's loss to be noted: the `lost` promise can settle a few tasks
 * after the failed GPU call that a job's error comes from.
 */
async function settleLoss(ms: number): Promise<void> {
  if (!current || lostAs !== null) return;
  await Promise.race([current.lost, new Promise((resolve) => setTimeout(resolve, ms))]);
  await Promise.resolve(); // let the `then` above record it
}

/** Whether a watched GPU device has been lost in this worker. */
export function gpuDeviceLost(): boolean {
  return lostAs !== null;
}

const SUGGEST = 'choose a smaller preset or fewer frames, the WASM device, or generate on the server';

/**
 * The named fault an error from a job stands for, or null when it is none of them. A lost device explains
 * any error that follows it; out of memory and shader failures are recognised by the messages that
 * onnxruntime-web, WebAssembly and WebGPU give them.
 */
export async function deviceFault(error: unknown): Promise<PhospheneError | null> {
  if (error instanceof PhospheneError) return null; // already named (a cancelled job stays cancelled)
  await settleLoss(250);
  const message = error instanceof Error ? error.message : String(error);
  if (lostAs !== null)
    return new GpuDeviceLostError(
      `The GPU was lost during the job (${lostAs}), as happens when the driver resets or the browser reclaims ` +
        `the GPU. Run it again: the next job starts on a fresh GPU device. If it happens again, ${SUGGEST}.`,
    );
  if (/out of memory|\bOOM\b|failed to allocate|allocation failed|cannot allocate|enlarge memory/i.test(message))
    return new DeviceOutOfMemoryError(`This device ran out of memory for the job (${message}); ${SUGGEST}.`);
  if (/shader|wgsl|createShaderModule|compilation/i.test(message))
    return new GpuShaderError(
      `A GPU program of the model failed to compile on this device (${message}). Choose the WASM device or ` +
        `another variant, or generate on the server.`,
    );
  return null;
}
