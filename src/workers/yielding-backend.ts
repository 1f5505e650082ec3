/**
 * Lets a worker hear `cancel` between graph runs. onnxruntime-web's WASM `session.run` settles through
 * microtasks only, so a denoising loop of awaited runs never gives the worker's event loop a turn:
 * the `cancel(jobId)` message waits in the queue until the whole job is over. Yielding one macrotask
 * before each run lets the message in, the job's AbortController fires, and the loop stops at its
 * next `signal.aborted` check. See https://html.spec.whatwg.org/multipage/webappapis.html#event-loop-processing-model
 */
import type { GraphSession, OrtBackend } from '../pipeline/backend/types';
import { recordGraphRun, timed } from './job-timings';

/** Resolves on a fresh task (MessageChannel: no 4 ms clamp as with nested `setTimeout`). */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

function yieldingSession(session: GraphSession): GraphSession {
  return {
    graphName: session.graphName,
    device: session.device,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds) {
      await nextTask();
      const started = performance.now();
      const out = await session.run(feeds);
      recordGraphRun(session.graphName, performance.now() - started);
      return out;
    },
    placement: () => session.placement(),
    release: () => session.release(),
  };
}

/** Wraps `backend` so that every graph run starts on a new task (and is timed for the job's `timings`). */
export function yieldingBackend(backend: OrtBackend): OrtBackend {
  return {
    name: backend.name,
    resolveDevice: (request) => backend.resolveDevice(request),
    createSession: async (model, options) =>
      yieldingSession(await timed('compileMs', () => backend.createSession(model, options))),
    maxTensorBytes: (device) => backend.maxTensorBytes(device),
  };
}
