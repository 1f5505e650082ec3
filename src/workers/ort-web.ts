/**
 * The browser backend: the only module that imports onnxruntime-web, and only its `webgpu` entry (the
 * native WebGPU execution provider; the default entry loads the deprecated JSEP backend).
 */
// Keep first: the log tap must wrap console.error before onnxruntime-web's wasm module binds it.
import { captureOrtLog } from './ort-log-tap';
import * as ort from 'onnxruntime-web/webgpu';
import { WebGpuUnavailableError } from '../shared/errors';
import { watchGpuDevice } from './device-faults';
import type { DeviceRequest, GraphPlacement, ResolvedDevice } from '../shared/protocol';
import { countPlacementLogLines, renameProviders } from '../pipeline/backend/placement';
import { runOnHostTensors } from '../pipeline/backend/ort-tensors';
import {
  DEFAULT_BINDING_BYTES,
  HOST_TENSOR_BYTES,
  type CreateSessionOptions,
  type GraphSession,
  type OrtBackend,
} from '../pipeline/backend/types';

/** ORT's EP names → protocol device names; ort-web's CPU EP is its WebAssembly build. */
const PROVIDER_NAMES = { WebGpuExecutionProvider: 'webgpu', CPUExecutionProvider: 'wasm' };

/** The slice of WebGPU this module uses (TypeScript's lib has no WebGPU types). */
interface GpuAdapterProbe {
  features: { has(feature: string): boolean };
  info: { isFallbackAdapter?: boolean };
  limits?: { maxStorageBufferBindingSize?: number; maxBufferSize?: number };
}

/** Options of the web backend. */
export interface WebBackendOptions {
  /** WASM threads; default: the core count when cross-origin isolated (threads need SharedArrayBuffer), else 1. */
  numThreads?: number;
  /** Where ORT's `.wasm`/`.mjs` files are served, when the bundler does not emit them. */
  wasmPaths?: string;
  /**
   * Learn each graph's node placement from a second, verbose compile (see `probePlacement`). It doubles
   * session start-up, so only tests and debug pages ask for it; without it placements are unknown.
   */
  probePlacement?: boolean;
}

/** The onnxruntime-web backend with default options, for workers that need nothing else. */
export const ortWebBackend: OrtBackend = createWebBackend();

/** Creates the onnxruntime-web backend; sets ORT's global WASM options, so create one per worker. */
export function createWebBackend(options: WebBackendOptions = {}): OrtBackend {
  // ORT's own default is ceil(cores / 2) capped at 4: one thread on the 2-core machines we measured, where
  // two threads were 1.1–1.7× faster. Threads need cross-origin isolation, else ORT warns and uses one.
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  ort.env.wasm.numThreads = options.numThreads ?? (globalThis.crossOriginIsolated ? Math.min(4, cores) : 1);
  if (options.wasmPaths) ort.env.wasm.wasmPaths = options.wasmPaths;
  let gpuTensorBytes: Promise<number> | undefined; // the adapter's limits do not change: ask once
  return {
    name: 'onnxruntime-web',
    resolveDevice: resolveWebDevice,
    createSession: (model, opts) => createWebSession(model, opts, options.probePlacement ?? false),
    maxTensorBytes: async (device) =>
      device === 'webgpu' ? (gpuTensorBytes ??= webGpuTensorBytes()) : HOST_TENSOR_BYTES,
  };
}

/** The adapter's binding limit (capped by its buffer limit): no one tensor of a graph may be larger. */
async function webGpuTensorBytes(): Promise<number> {
  const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<GpuAdapterProbe | null> } } | undefined)
    ?.gpu;
  const limits = (gpu ? await gpu.requestAdapter().catch(() => null) : null)?.limits;
  const binding = limits?.maxStorageBufferBindingSize ?? DEFAULT_BINDING_BYTES;
  return Math.min(binding, limits?.maxBufferSize ?? binding);
}

/**
 * `auto` → WebGPU only on a hardware adapter: a software adapter (`isFallbackAdapter`, SwiftShader in
 * CI) ran our graphs 50–300× slower than WASM. An explicit `webgpu` request is honoured on any adapter.
 */
async function resolveWebDevice(
  request: DeviceRequest,
  requiredFeatures: readonly string[] = [],
): Promise<ResolvedDevice> {
  if (request === 'wasm') return 'wasm';
  const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<GpuAdapterProbe | null> } } | undefined)
    ?.gpu;
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  const missing = adapter ? requiredFeatures.filter((f) => !adapter.features.has(f)) : [];
  if (request === 'auto') return adapter && !adapter.info.isFallbackAdapter && missing.length === 0 ? 'webgpu' : 'wasm';
  if (!gpu)
    throw new WebGpuUnavailableError(
      'WebGPU is not available in this browser; choose the WASM device or generate on the server.',
    );
  if (!adapter)
    throw new WebGpuUnavailableError(
      'No WebGPU adapter was found (GPU blocklisted or disabled); choose the WASM device or generate on the server.',
    );
  if (missing.length > 0)
    throw new WebGpuUnavailableError(
      `This GPU lacks the WebGPU features ${missing.join(', ')} the model needs; choose the WASM device or generate on the server.`,
    );
  return 'webgpu';
}

let gpuSessionCreated = false;

/** The slice of `GPUDevice` used here (TypeScript's lib has no WebGPU types). */
interface GpuDeviceHandle {
  lost: Promise<{ reason?: string; message?: string }>;
  destroy(): void;
}

/**
 * Destroys ORT's WebGPU device, as a driver reset would lose it: how tests force a lost device (debug
 * workers only). False when no WebGPU session has made a device yet.
 */
export async function loseGpuDevice(): Promise<boolean> {
  // Reading `env.webgpu.device` before any session would create a device instead.
  if (!gpuSessionCreated) return false;
  ((await ort.env.webgpu.device) as GpuDeviceHandle).destroy();
  return true;
}

async function createWebSession(
  model: Uint8Array,
  options: CreateSessionOptions,
  withPlacement: boolean,
): Promise<GraphSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: [options.device === 'webgpu' ? 'webgpu' : 'wasm'],
    graphOptimizationLevel: 'all',
    freeDimensionOverrides: options.freeDimensionOverrides ?? {},
  };
  const placement = withPlacement ? await probePlacement(model, sessionOptions, options.graphName) : undefined;
  const session = await ort.InferenceSession.create(model, sessionOptions);
  if (options.device === 'webgpu') {
    // The device exists once a WebGPU session does; a loss is noted so the job's error can name it.
    gpuSessionCreated = true;
    watchGpuDevice((await ort.env.webgpu.device) as GpuDeviceHandle);
  }
  return {
    graphName: options.graphName,
    device: options.device,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    run: (feeds) => runOnHostTensors(session, ort.Tensor, feeds),
    placement: () => placement,
    release: () => session.release(),
  };
}

/**
 * Compiles the graph once with verbose logging, reads ORT's "Node placements" lines through the log tap
 * (see placement.ts), and releases it. A separate session, because a verbose session keeps logging:
 * the WebGPU EP logs the programs it starts at INFO through the session's logger (~240 console lines for
 * a 2-step job of the tiny fixture in Chromium 156). Placement depends only on the graph, the EP and the static
 * shapes, which the running session shares.
 */
async function probePlacement(
  model: Uint8Array,
  sessionOptions: ort.InferenceSession.SessionOptions,
  graph: string,
): Promise<GraphPlacement | undefined> {
  const { result: probe, lines } = await captureOrtLog(() =>
    ort.InferenceSession.create(model, { ...sessionOptions, logSeverityLevel: 0 }),
  );
  await probe.release();
  const counts = countPlacementLogLines(lines);
  return Object.keys(counts).length > 0
    ? { graph, nodesByProvider: renameProviders(counts, PROVIDER_NAMES) }
    : undefined;
}
