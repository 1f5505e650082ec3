/**
 * A loaded model ready to generate: the package, its tokenizer, the scheduler configuration and a
 * cache of ONNX sessions. Sessions are compiled per graph and per set of static shapes (the first
 * job of a shape pays for compilation; later jobs of that shape reuse it).
 */
import type { GraphPlacement, ResolvedDevice } from '../shared/protocol';
import { freeDimensionOverridesFor, readOnnxInputShapes, type OnnxInputShapes } from './backend/onnx-inputs';
import type { GraphSession, OrtBackend } from './backend/types';
import type { ModelManifest } from './model-package/manifest';
import type { GraphRole, ModelPackage } from './model-package/load';
import { ModelPackageError } from '../shared/errors';
import { FlowMatchEulerScheduler } from './schedulers/flow-match-euler';
import { WordTokenizer } from './tokenizer';

/** A model on a device, with its compiled sessions. */
export interface VideoPipeline {
  readonly manifest: ModelManifest;
  readonly variant: string;
  readonly tokenizer: WordTokenizer;
  readonly backend: OrtBackend;
  readonly device: ResolvedDevice;
  /** A new scheduler configured from the manifest (one per job: it holds the job's schedule). */
  createScheduler(): FlowMatchEulerScheduler;
  /** The session of `role` compiled for these input dims (by ONNX input name), created on first use. */
  session(role: GraphRole, feedDims: Record<string, readonly number[]>): Promise<GraphSession>;
  /** Releases every session; the pipeline cannot run afterwards. */
  release(): Promise<void>;
}

/** Prepares a pipeline for a loaded package on a resolved device; sessions are compiled lazily. */
export function createVideoPipeline(pkg: ModelPackage, backend: OrtBackend, device: ResolvedDevice): VideoPipeline {
  const { manifest } = pkg;
  const tokenizer = WordTokenizer.fromJson(pkg.tokenizerJson, `${pkg.label} ${manifest.tokenizer.file}`);
  const inputShapes = new Map<GraphRole, OnnxInputShapes>();
  const sessions = new Map<string, Promise<GraphSession>>();

  const session = (role: GraphRole, feedDims: Record<string, readonly number[]>): Promise<GraphSession> => {
    const model = pkg.graphs[role];
    if (!model) throw new ModelPackageError(`${pkg.label} variant ${pkg.variant} has no ${role} graph.`);
    let shapes = inputShapes.get(role);
    if (!shapes) inputShapes.set(role, (shapes = readOnnxInputShapes(model)));
    const freeDimensionOverrides = freeDimensionOverridesFor(shapes, feedDims);
    const key = `${role} ${JSON.stringify(freeDimensionOverrides)}`;
    let created = sessions.get(key);
    if (!created) {
      created = backend.createSession(model, { device, graphName: role, freeDimensionOverrides });
      sessions.set(key, created);
      created.catch(() => sessions.delete(key)); // a failed compile may succeed later (e.g. after freeing memory)
    }
    return created;
  };

  return {
    manifest,
    variant: pkg.variant,
    tokenizer,
    backend,
    device,
    createScheduler: () =>
      new FlowMatchEulerScheduler({
        shift: manifest.scheduler.shift,
        numTrainTimesteps: manifest.scheduler.num_train_timesteps,
        spacing: manifest.scheduler.timestep_spacing,
      }),
    session,
    async release() {
      const all = await Promise.allSettled(sessions.values());
      sessions.clear();
      await Promise.all(all.map((s) => (s.status === 'fulfilled' ? s.value.release() : undefined)));
    },
  };
}

/** Where each session's nodes ran, for a job's result (an empty count where the backend cannot tell). */
export function placementOf(sessions: readonly GraphSession[]): GraphPlacement[] {
  return sessions.map((s) => s.placement() ?? { graph: s.graphName, nodesByProvider: {} });
}
