/**
 * Captures ONNX Runtime's own log lines in the browser. onnxruntime-web's wasm module binds
 * `console.error` once, when ORT initialises (`M=console.error.bind(console)` in
 * ort.webgpu.bundle.min.mjs), and prints the native logger's lines through it. Wrapping
 * `console.error` before that moment lets us read the verbose "Node placements" lines of a session we
 * are creating, and keep the hundreds of other verbose lines of that window out of the console.
 * This module must be evaluated before onnxruntime-web is first used; `ort-web.ts` imports it first.
 */

type Sink = (line: string) => void;

const ORT_LINE = /\[[VIWEF]:onnxruntime:/;
let active: Sink | undefined;

const original = console.error.bind(console);
console.error = (...args: unknown[]) => {
  const text = args.map(String).join(' ');
  // Inside a capture window ONNX Runtime's verbose and info lines are ours; warnings and errors still show.
  if (active && ORT_LINE.test(text)) {
    active(text);
    if (/\[[VI]:onnxruntime:/.test(text)) return;
  }
  original(...args);
};

let queue: Promise<unknown> = Promise.resolve();

/** Runs `work` while collecting ORT log lines; windows are serialised so lines cannot mix. */
export function captureOrtLog<T>(work: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const run = async () => {
    const lines: string[] = [];
    active = (line) => lines.push(line);
    try {
      return { result: await work(), lines };
    } finally {
      active = undefined;
    }
  };
  const next = queue.then(run, run);
  queue = next.catch(() => undefined);
  return next;
}
