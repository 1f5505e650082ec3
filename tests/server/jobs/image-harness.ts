/**
 * The inference harness with real image storage: uploads go through the storage routes into a
 * temporary file store, submits look them up with `findUserImage`, and the worker reads them back.
 * `generate` is wrapped to record what each run was given and produced, so tests can tell the image
 * path from the text path.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../../../server/app';
import type { Database } from '../../../server/db/database';
import { findUserLora } from '../../../server/loras/loras';
import { streamFramesNode, type NodeGenerate } from '../../../server/models/node-generate';
import { frameCollector } from '../../../src/pipeline/frames';
import { DiskFileStore } from '../../../server/storage/file-store';
import { findUserImage } from '../../../server/storage/images';
import type { WorkerOptions } from '../../../server/worker/worker';
import type { InferenceOptions } from '../../../server/routes/inference';
import type { ImageConditioning } from '../../../src/pipeline/image-to-video';
import type { RawFrames } from '../../../src/shared/protocol';
import { inferenceHarness, type InferenceHarness } from './inference-harness';

/** What one `generate` call was given and returned. */
export interface GenerateRun {
  seed: number;
  conditioning?: ImageConditioning;
  frames: RawFrames;
}

/** The harness, an app with storage routes, its file store and the recorded runs. */
export interface ImageHarness extends Pick<InferenceHarness, 'user' | 'storage'> {
  app: ReturnType<typeof createApp>;
  files: DiskFileStore;
  runs: GenerateRun[];
  /** A worker that reads images from `files` and records its runs. */
  worker(options?: Partial<WorkerOptions>): ReturnType<InferenceHarness['worker']>;
}

/**
 * Builds the image harness on `db`, serving the fixture packages and those in `extraModelDirs`, with
 * `jobs` added to the inference options.
 */
export async function imageHarness(
  db: Database,
  extraModelDirs: string[] = [],
  jobs: Partial<InferenceOptions> = {},
): Promise<ImageHarness> {
  const h = await inferenceHarness(db, extraModelDirs);
  const files = await DiskFileStore.open(await mkdtemp(path.join(tmpdir(), 'phosphene-images-')));
  const app = createApp({
    registry: h.registry,
    distDir: '/nonexistent',
    db,
    rateLimit: { limit: 10_000, windowMs: 60_000 },
    storage: { files },
    jobs: { storage: h.storage, lookups: { findImage: findUserImage, findLora: findUserLora }, ...jobs },
  });
  const runs: GenerateRun[] = [];
  const generate: NodeGenerate = async (req, sink) => {
    const kept = frameCollector();
    const result = await streamFramesNode(req, async (chunk) => {
      kept.sink(chunk);
      await sink(chunk);
    });
    runs.push({ seed: result.params.seed, conditioning: req.conditioning, frames: kept.frames() });
    return result;
  };
  return {
    app,
    files,
    runs,
    user: h.user,
    storage: h.storage,
    worker: (options = {}) => h.worker({ files, generate, ...options }),
  };
}

/** Uploads `bytes` as the caller's image and returns its key. */
export async function uploadImage(app: ReturnType<typeof createApp>, key: string, bytes: Buffer): Promise<string> {
  const res = await request(app)
    .post('/api/v1/storage/image/upload')
    .set('X-API-Key', key)
    .attach('file', bytes, 'frame')
    .expect(200);
  return res.body.key as string;
}

/** Peak signal-to-noise ratio in dB between two RGBA images of one size, over R, G and B. */
export function psnrRgb(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue;
    sum += (a[i]! - b[i]!) ** 2;
    n++;
  }
  return sum === 0 ? Infinity : 10 * Math.log10((255 * 255) / (sum / n));
}

/** Fetches the completed job's MP4 through its signed result URL, as a Phosor client does. */
export async function downloadVideo(app: ReturnType<typeof createApp>, key: string, id: string): Promise<Buffer> {
  const result = await request(app).get(`/api/v1/inference/result/${id}`).set('X-API-Key', key).expect(200);
  const url = new URL(result.body.data.video.url as string, 'http://relative.invalid');
  const res = await request(app)
    .get(url.pathname + url.search)
    .buffer(true)
    .parse((response, callback) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => callback(null, Buffer.concat(chunks)));
    })
    .expect(200);
  return res.body as Buffer;
}
