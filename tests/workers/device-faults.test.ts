/**
 * Naming device faults: errors from a job become `DeviceOutOfMemoryError` or `GpuShaderError` by their
 * message, any error after the watched WebGPU device was lost becomes `GpuDeviceLostError`, and errors that
 * are already named (a cancelled job) stay as they are. The e2e `device-faults.spec.ts` loses a real device.
 */
import { describe, expect, it } from 'vitest';
import { InvalidParamsError, JobAbortedError } from '../../src/shared/errors';
import { deviceFault, gpuDeviceLost, watchGpuDevice } from '../../src/workers/device-faults';

describe('deviceFault', () => {
  it.each([
    'Aborted(OOM)',
    'RangeError: WebAssembly.Memory.grow(): Maximum memory size exceeded; Cannot enlarge memory arrays',
    'Failed to allocate a buffer of 1073741824 bytes',
    'GPUOutOfMemoryError: Out of memory',
  ])('names %j out of memory, with what to try', async (message) => {
    const fault = await deviceFault(new Error(message));
    expect(fault?.name).toBe('DeviceOutOfMemoryError');
    expect(fault?.message).toMatch(/smaller preset or fewer frames, the WASM device, or generate on the server/);
  });

  it('names a shader that failed to compile', async () => {
    const fault = await deviceFault(new Error('Error while parsing WGSL: unresolved identifier'));
    expect(fault?.name).toBe('GpuShaderError');
    expect(fault?.message).toMatch(/Choose the WASM device or another variant/);
  });

  it('leaves other errors, and errors that are already named, as they are', async () => {
    expect(await deviceFault(new Error('input_ids has the wrong shape'))).toBeNull();
    expect(await deviceFault(new JobAbortedError())).toBeNull();
    expect(await deviceFault(new InvalidParamsError('out of memory words are not enough'))).toBeNull();
  });

  it('names any error after the watched device was lost, waiting for the loss to be noted', async () => {
    let lose!: (info: { reason: string; message: string }) => void;
    watchGpuDevice({ lost: new Promise((resolve) => (lose = resolve)) });
    expect(await deviceFault(new Error('mapAsync failed'))).toBeNull();
    expect(gpuDeviceLost()).toBe(false);
    // The failed GPU call's error can arrive before the device's `lost` promise settles.
    setTimeout(() => lose({ reason: 'unknown', message: 'Device lost' }), 20);
    const fault = await deviceFault(new Error('mapAsync failed'));
    expect(fault?.name).toBe('GpuDeviceLostError');
    expect(fault?.message).toMatch(/lost during the job \(unknown: Device lost\).*Run it again/);
  });
});
