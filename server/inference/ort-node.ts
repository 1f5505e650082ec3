/**
 * The Node backend: the only module that imports onnxruntime-node. `cpu` is the default; `webgpu` uses
 * the WebGPU execution provider that onnxruntime-node 1.30 bundles (Dawn; used on GPU servers).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { DeviceRequest, GraphPlacement, ResolvedDevice } from '../../src/shared/protocol';
import { countProfiledNodes, renameProviders } from '../../src/pipeline/backend/placement';
import { runOnHostTensors } from '../../src/pipeline/backend/ort-tensors';
import {
  DEFAULT_BINDING_BYTES,
  HOST_TENSOR_BYTES,
  type CreateSessionOptions,
  type GraphSession,
  type OrtBackend,
} from '../../src/pipeline/backend/types';

const PROVIDER_NAMES = { CPUExecutionProvider: 'cpu', WebGpuExecutionProvider: 'webgpu' };

/** The onnxruntime-node backend. */
export const ortNodeBackend: OrtBackend = {
  name: 'onnxruntime-node',
  // There is no WASM on the server: `wasm` and `auto` mean the CPU provider, the server's equivalent.
  resolveDevice: async (request: DeviceRequest): Promise<ResolvedDevice> => (request === 'webgpu' ? 'webgpu' : 'cpu'),
  createSession: createNodeSession,
  // Dawn's adapter limits are not exposed by onnxruntime-node: plan with WebGPU's default binding size.
  maxTensorBytes: async (device) => (device === 'webgpu' ? DEFAULT_BINDING_BYTES : HOST_TENSOR_BYTES),
};

async function createNodeSession(model: Uint8Array, options: CreateSessionOptions): Promise<GraphSession> {
  // onnxruntime-node's verbose log goes to the native stderr, out of reach of JS, so placement comes from
  // the profiler instead: profile the first run, read the per-node `provider` fields, stop profiling.
  // (onnxruntime-node 1.30 also ignores `freeDimensionOverrides`: its binding does not read that option.)
  const profileDir = await mkdtemp(path.join(tmpdir(), 'phosphene-ort-profile-'));
  const session = await ort.InferenceSession.create(model, {
    executionProviders: [options.device === 'webgpu' ? 'webgpu' : 'cpu'],
    graphOptimizationLevel: 'all',
    enableProfiling: true,
    profileFilePrefix: path.join(profileDir, 'profile'),
  });
  let placement: GraphPlacement | undefined;
  return {
    graphName: options.graphName,
    device: options.device,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds) {
      const out = await runOnHostTensors(session, ort.Tensor, feeds);
      if (!placement)
        placement = { graph: options.graphName, nodesByProvider: await readPlacement(session, profileDir) };
      return out;
    },
    placement: () => placement,
    async release() {
      await session.release();
      await rm(profileDir, { recursive: true, force: true });
    },
  };
}

/** Ends profiling (the profiler writes its JSON then) and counts the nodes per provider in it. */
async function readPlacement(session: ort.InferenceSession, profileDir: string): Promise<Record<string, number>> {
  await session.endProfiling();
  const files = (await readdir(profileDir)).filter((f) => f.endsWith('.json'));
  const counts: Record<string, number> = {};
  for (const file of files) {
    const profiled = countProfiledNodes(JSON.parse(await readFile(path.join(profileDir, file), 'utf8')));
    for (const [provider, n] of Object.entries(profiled)) counts[provider] = (counts[provider] ?? 0) + n;
  }
  await rm(profileDir, { recursive: true, force: true });
  return renameProviders(counts, PROVIDER_NAMES);
}
