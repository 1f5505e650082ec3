/**
 * Where a job's time went, measured in the worker: model load, session compiles, each graph's time inside ONNX Runtime, the
 * live previews and the MP4 encoder. The engine benchmark (`npm run bench -- engine`) reads them from the
 * result; they cost a few `performance.now()` calls per graph run. One job runs at a time in the worker (the
 * pipeline cache holds one model), so the job being timed is a module-level slot.
 */
import type { JobTimings } from '../shared/protocol';

let current: JobTimings | null = null;

type Stage = 'loadMs' | 'compileMs' | 'previewMs' | 'encodeMs';

/** Starts timing a job; what the backend and the job record until the next call lands in the returned object. */
export function startTimings(): JobTimings {
  current = { loadMs: 0, compileMs: 0, graphs: {}, previewMs: 0, encodeMs: 0 };
  return current;
}

/** Adds one `session.run` of `graph` that took `ms`. */
export function recordGraphRun(graph: string, ms: number): void {
  if (!current) return;
  const entry = (current.graphs[graph] ??= { ms: 0, runs: 0 });
  entry.ms += ms;
  entry.runs++;
}

/** Adds `ms` to one of the job's other stages. */
export function recordStage(stage: Stage, ms: number): void {
  if (current) current[stage] += ms;
}

/** Runs `work` and adds its time to `stage`. */
export async function timed<T>(stage: Stage, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    recordStage(stage, performance.now() - started);
  }
}
