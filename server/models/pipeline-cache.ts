/**
 * Loaded pipelines kept across jobs in an inference worker process: reading, hashing and compiling a
 * package once instead of per job (`generateFramesNode` does all three every call). Entries are keyed
 * by package folder (and its manifest's mtime, so a rebuilt package is reloaded), variant and provider,
 * and all are released after `idleMs` without a job, or on demand when a job needs the memory.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ortNodeBackend } from '../../src/pipeline/backend/ort-node';
import { imageToVideo } from '../../src/pipeline/image-to-video';
import { loadModelPackage } from '../../src/pipeline/model-package/load';
import { resolveParams } from '../../src/pipeline/params';
import { textToVideo } from '../../src/pipeline/text-to-video';
import { createVideoPipeline, type VideoPipeline } from '../../src/pipeline/video-pipeline';
import { fsPackageSource } from './fs-package-source';
import { recipeFor, type generateFramesNode, type NodeGenerateRequest } from './node-generate';

/** A cache of pipelines with a `generate` shaped like `generateFramesNode`. */
export interface PipelineCache {
  /** `generateFramesNode`, on a cached pipeline. */
  generate: typeof generateFramesNode;
  /** How many pipelines are loaded. */
  size(): number;
  /** Releases every pipeline (none may be running). */
  releaseAll(): Promise<void>;
}

/** A cache that releases everything after `idleMs` without a job. */
export function pipelineCache({ idleMs }: { idleMs: number }): PipelineCache {
  const pipes = new Map<string, Promise<VideoPipeline>>();
  let running = 0;
  let idleTimer: NodeJS.Timeout | undefined;

  const releaseAll = async () => {
    const all = await Promise.allSettled(pipes.values());
    pipes.clear();
    await Promise.all(all.map((p) => (p.status === 'fulfilled' ? p.value.release() : undefined)));
  };

  const open = async (request: NodeGenerateRequest): Promise<VideoPipeline> => {
    const dir = path.resolve(request.modelDir);
    const { mtimeMs } = await stat(path.join(dir, 'model.json'));
    const key = JSON.stringify([dir, mtimeMs, request.variant ?? null, request.device ?? 'auto']);
    let pipe = pipes.get(key);
    if (!pipe) {
      // Progress and abort belong to the job that loads; a later job finds the pipeline ready.
      pipe = (async () => {
        const pkg = await loadModelPackage(fsPackageSource(dir), {
          variant: request.variant,
          onProgress: request.onProgress,
          signal: request.signal,
        });
        const requires = pkg.manifest.variants[pkg.variant]?.requires;
        const device = await ortNodeBackend.resolveDevice(request.device ?? 'auto', requires);
        return createVideoPipeline(pkg, ortNodeBackend, device);
      })();
      pipes.set(key, pipe);
      pipe.catch(() => pipes.delete(key));
    }
    return pipe;
  };

  const generate: typeof generateFramesNode = async (request) => {
    clearTimeout(idleTimer);
    running++;
    try {
      const pipe = await open(request);
      const params = resolveParams(pipe.manifest, request.params);
      const options = {
        onProgress: request.onProgress,
        signal: request.signal,
        lora: request.lora,
        onPreview: request.onPreview,
      };
      const result = request.conditioning
        ? await imageToVideo(pipe, params, request.conditioning, options)
        : await textToVideo(pipe, params, options);
      return { ...result, params, recipe: recipeFor(pipe, params, request) };
    } finally {
      running--;
      if (running === 0) {
        idleTimer = setTimeout(() => void releaseAll(), idleMs);
        idleTimer.unref();
      }
    }
  };

  return { generate, size: () => pipes.size, releaseAll };
}
