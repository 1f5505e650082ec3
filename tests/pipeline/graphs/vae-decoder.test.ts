/**
 * The VAE decoder in bands of rows: the built-in model's decoder samples its features at source
 * coordinates, so the pipeline renders a large frame in bands whose largest tensor stays within the
 * backend's limit (a WebGPU binding holds 128 MiB by default; a 720p head layer is 236 MB). Banding
 * must change nothing a viewer can see.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsPackageSource } from '../../../server/models/fs-package-source';
import { ortNodeBackend } from '../../../server/inference/ort-node';
import type { OrtBackend } from '../../../src/pipeline/backend/types';
import {
  decodeToFrames,
  gatherLatentFrames,
  planRowBands,
  sourceCoordinates,
} from '../../../src/pipeline/graphs/vae-decoder';
import { loadModelPackage } from '../../../src/pipeline/model-package/load';
import { createVideoPipeline, type VideoPipeline } from '../../../src/pipeline/video-pipeline';

const V1 = path.resolve(process.env.V1_DIR ?? 'models/phosphene-v1');

/**
 * The Node backend with another tensor limit, recording the row count of every decoder run and the
 * latent frames of every trunk run.
 */
function limitedBackend(maxBytes: number, rowsSeen: number[], trunkRuns: number[] = []): OrtBackend {
  return {
    ...ortNodeBackend,
    maxTensorBytes: async () => maxBytes,
    async createSession(model, options) {
      const session = await ortNodeBackend.createSession(model, options);
      return {
        ...session,
        run(feeds) {
          if (feeds.out_rows) rowsSeen.push(feeds.out_rows.dims[0]!);
          else if (session.outputNames.includes('features')) trunkRuns.push(feeds.latents!.dims[2]!);
          return session.run(feeds);
        },
      };
    },
  };
}

/** Smooth latents that TypeScript rebuilds exactly: x[i] = sin(0.37 i). */
function latents(dims: number[]): Float32Array {
  const n = dims.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37));
}

describe('planRowBands', () => {
  it('keeps the largest tensor within the limit, with as few equal bands as that allows', () => {
    // 1280×720 at 256 B per output pixel is 236 MB: two bands of 360 rows fit 128 MiB.
    expect(planRowBands(720, 1280, 256, 128 * 2 ** 20)).toEqual({ rows: 360, count: 2 });
    // 1920×1080 (531 MB): 273 rows fit, so four bands of 270.
    expect(planRowBands(1080, 1920, 256, 128 * 2 ** 20)).toEqual({ rows: 270, count: 4 });
    // What fits stays whole; a limit below one row still renders one row at a time.
    expect(planRowBands(480, 854, 256, 128 * 2 ** 20)).toEqual({ rows: 480, count: 1 });
    expect(planRowBands(10, 100, 256, 1)).toEqual({ rows: 1, count: 10 });
  });
});

describe('sourceCoordinates', () => {
  it("is bilinear's align_corners = false rule, clamped at 0", () => {
    expect([...sourceCoordinates(4, 2)]).toEqual([0, 0.25, 0.75, 1.25]);
    expect([...sourceCoordinates(3, 3)]).toEqual([0, 1, 2]);
  });
});

describe('gatherLatentFrames', () => {
  it("takes a run of latent frames per channel, unscaled, repeating the clip's ends past its edges", () => {
    // [1, C=2, F=3, 1, 2]: channel c, frame f holds 100c + 10f + pixel.
    const dims = [1, 2, 3, 1, 2];
    const z = Float32Array.from(
      { length: 12 },
      (_, i) => 100 * Math.floor(i / 6) + 10 * Math.floor((i % 6) / 2) + (i % 2),
    );
    const got = gatherLatentFrames(z, dims, -1, 5, 2);
    // Frames -1..3 read 0, 0, 1, 2, 2; every value halved.
    expect([...got]).toEqual(
      [0, 1, 0, 1, 10, 11, 20, 21, 20, 21, 100, 101, 100, 101, 110, 111, 120, 121, 120, 121].map((v) => v / 2),
    );
  });
});

describe('decodeToFrames with context latent frames (phosphene-v1)', () => {
  it('decodes a clip alike in chunks of 1 and of 2 latent frames: each chunk is fed its true neighbours', async () => {
    const pkg = await loadModelPackage(fsPackageSource(V1));
    expect(pkg.manifest.graphs.vae_decoder.context_latent_frames).toBe(1);
    const byTwo = {
      ...pkg,
      manifest: {
        ...pkg.manifest,
        graphs: {
          ...pkg.manifest.graphs,
          vae_decoder: { ...pkg.manifest.graphs.vae_decoder, chunk_latent_frames: 2 },
        },
      },
    };
    const one = createVideoPipeline(pkg, ortNodeBackend, 'cpu');
    const two = createVideoPipeline(byTwo, ortNodeBackend, 'cpu');
    try {
      const dims = [1, 16, 4, 9, 16];
      const z = latents(dims);
      const a = await decodeToFrames(one, z, dims, 128, 72);
      const b = await decodeToFrames(two, z, dims, 128, 72);
      expect(a.frames.numFrames).toBe(13);
      let worst = 0;
      for (let i = 0; i < a.frames.rgba.length; i++)
        worst = Math.max(worst, Math.abs(a.frames.rgba[i]! - b.frames.rgba[i]!));
      expect(worst).toBeLessThanOrEqual(1);
    } finally {
      await one.release();
      await two.release();
    }
  });
});

describe("decodeToFrames: which of latent frame 0's frames starts the clip (first_frame)", () => {
  /** The Node backend, but every decoded frame is one grey level: 10 × its index in the chunk's output. */
  const numberedFrames: OrtBackend = {
    ...ortNodeBackend,
    async createSession(model, options) {
      const session = await ortNodeBackend.createSession(model, options);
      return {
        ...session,
        async run(feeds) {
          const out = await session.run(feeds);
          if (!out.frames) return out;
          const [, , f, h, w] = out.frames.dims as number[];
          const data = new Float32Array(out.frames.data.length);
          for (let c = 0; c < 3; c++)
            for (let k = 0; k < f!; k++)
              data.fill((10 * k) / 127.5 - 1, (c * f! + k) * h! * w!, (c * f! + k + 1) * h! * w!);
          return { ...out, frames: { ...out.frames, data } };
        },
      };
    },
  };

  it.each([
    ['first', [0, 0, 10, 20, 30, 0, 10, 20, 30]],
    ['last', [30, 0, 10, 20, 30, 0, 10, 20, 30]],
  ] as const)('%s', async (firstFrame, greys) => {
    const pkg = await loadModelPackage(fsPackageSource(V1));
    const spec = { ...pkg.manifest.graphs.vae_decoder, first_frame: firstFrame };
    const manifest = { ...pkg.manifest, graphs: { ...pkg.manifest.graphs, vae_decoder: spec } };
    const pipe = createVideoPipeline({ ...pkg, manifest }, numberedFrames, 'cpu');
    try {
      const dims = [1, 16, 3, 9, 16];
      const { frames } = await decodeToFrames(pipe, latents(dims), dims, 32, 18);
      expect(frames.numFrames).toBe(9);
      const frameBytes = 32 * 18 * 4;
      expect(Array.from({ length: 9 }, (_, i) => frames.rgba[i * frameBytes])).toEqual(greys);
    } finally {
      await pipe.release();
    }
  });
});

describe('decodeToFrames in bands (phosphene-v1)', () => {
  let whole: VideoPipeline;
  let banded: VideoPipeline;
  const rowsSeen: number[] = [];
  const trunkRuns: number[] = [];
  beforeAll(async () => {
    const pkg = await loadModelPackage(fsPackageSource(V1));
    whole = createVideoPipeline(pkg, ortNodeBackend, 'cpu');
    // 256 B per pixel × 256 columns × 40 rows = 2.6 MB: a 144-row frame needs 4 bands of 36 rows.
    banded = createVideoPipeline(pkg, limitedBackend(256 * 256 * 40, rowsSeen, trunkRuns), 'cpu');
  });
  afterAll(async () => {
    await whole?.release();
    await banded?.release();
  });

  it('the manifest declares coordinate size inputs and its largest tensor per pixel', () => {
    const spec = whole.manifest.graphs.vae_decoder;
    expect(spec.size_inputs?.values).toBe('source_coordinates');
    expect(spec.bytes_per_output_pixel).toBe(256);
  });

  it('gives the frames of a whole-frame decode, with every run within the limit', async () => {
    const dims = [1, 16, 3, 9, 16];
    const z = latents(dims);
    const a = await decodeToFrames(whole, z, dims, 256, 144);
    const b = await decodeToFrames(banded, z, dims, 256, 144);
    expect(b.frames.numFrames).toBe(9);
    expect(b.frames.rgba.length).toBe(a.frames.rgba.length);
    let worst = 0;
    for (let i = 0; i < a.frames.rgba.length; i++)
      worst = Math.max(worst, Math.abs(a.frames.rgba[i]! - b.frames.rgba[i]!));
    expect(worst).toBeLessThanOrEqual(1);
    // 3 latent frames × 4 bands, each of 36 rows (one compiled shape); the trunk ran once per latent frame
    // (each with one frame of context each side), not once per band or per chunk that reads it.
    expect(rowsSeen).toEqual(Array(12).fill(36));
    expect(trunkRuns).toEqual([3, 3, 3]);
    // The frames are not blank: banding that dropped rows would leave zeros.
    const alpha = b.frames.rgba.filter((_, i) => i % 4 === 3);
    expect(alpha.every((v) => v === 255)).toBe(true);
  });
});
