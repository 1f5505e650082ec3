/**
 * Loaded pipelines kept across jobs in an inference worker process: reading, hashing and compiling a
 * package once instead of per job (`generateFramesNode` does all three every call). Entries are keyed
 * by package folder (and its manifest's mtime, so a rebuilt package is reloaded), variant and provider,
 * and all are released after `idleMs` without a job, or on demand when a job needs the memory. The
 * caching itself is the pipeline's (`src/pipeline/pipeline-cache.ts`), shared with the browser's worker.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ortNodeBackend } from '../inference/ort-node';
import { loadModelPackage } from '../../src/pipeline/model-package/load';
import { createPipelineCache } from '../../src/pipeline/pipeline-cache';
import { createVideoPipeline, type VideoPipeline } from '../../src/pipeline/video-pipeline';
import { fsPackageSource } from './fs-package-source';
import { generateOn, type NodeGenerate, type NodeGenerateRequest } from './node-generate';

/** A cache of pipelines with a `generate` shaped like `streamFramesNode`. */
export interface PipelineCache {
  /** `streamFramesNode`, on a cached pipeline. */
  generate: NodeGenerate;
  /** How many pipelines are loaded. */
  size(): number;
  /** Releases every pipeline (none may be running). */
  releaseAll(): Promise<void>;
}

/** A cache that releases everything after `idleMs` without a job (the pipeline's shared cache). */
export function pipelineCache({ idleMs }: { idleMs: number }): PipelineCache {
  const cache = createPipelineCache({ idleMs });

  const keyOf = async (request: NodeGenerateRequest): Promise<string> => {
    const dir = path.resolve(request.modelDir);
    const { mtimeMs } = await stat(path.join(dir, 'model.json'));
    return JSON.stringify([dir, mtimeMs, request.variant ?? null, request.device ?? 'auto']);
  };

  // Progress and abort belong to the job that loads; a later job finds the pipeline ready.
  const load = (request: NodeGenerateRequest) => async (): Promise<VideoPipeline> => {
    const pkg = await loadModelPackage(fsPackageSource(path.resolve(request.modelDir)), {
      variant: request.variant,
      onProgress: request.onProgress,
      signal: request.signal,
    });
    const requires = pkg.manifest.variants[pkg.variant]?.requires;
    const device = await ortNodeBackend.resolveDevice(request.device ?? 'auto', requires);
    return createVideoPipeline(pkg, ortNodeBackend, device);
  };

  const generate: NodeGenerate = async (request, sink) =>
    cache.use(await keyOf(request), load(request), (pipe) => generateOn(pipe, request, sink));

  return { generate, size: cache.size, releaseAll: cache.releaseAll };
}
