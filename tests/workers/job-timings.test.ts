/**
 * The worker's job timings (the engine benchmark's figures): every graph run through the worker's backend
 * wrapper is counted and timed per graph, and a job's stages add up in the slot the job started. Run on the
 * tiny fixture in onnxruntime-node through the same wrapper the worker uses (its yields need MessageChannel,
 * which Node has).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ortNodeBackend } from '../../server/inference/ort-node';
import { fsPackageSource } from '../../server/models/fs-package-source';
import { loadModelPackage } from '../../src/pipeline/model-package/load';
import { resolveParams } from '../../src/pipeline/params';
import { textToVideo } from '../../src/pipeline/text-to-video';
import { createVideoPipeline, type VideoPipeline } from '../../src/pipeline/video-pipeline';
import { recordStage, startTimings, timed } from '../../src/workers/job-timings';
import { yieldingBackend } from '../../src/workers/yielding-backend';

describe('job timings', () => {
  let pipe: VideoPipeline;
  beforeAll(async () => {
    const pkg = await loadModelPackage(fsPackageSource('tests/fixtures/models/phosphene-tiny'));
    pipe = createVideoPipeline(pkg, yieldingBackend(ortNodeBackend), 'cpu');
  });
  afterAll(() => pipe?.release());

  it("counts and times each graph's runs: one prompt encode, one denoiser run per step, guided or not", async () => {
    const params = (guidance_scale: number) =>
      resolveParams(pipe.manifest, {
        prompt: 'a red circle moving right',
        width: 64,
        height: 64,
        num_frames: 5,
        num_inference_steps: 3,
        guidance_scale,
      });
    const plain = startTimings();
    await textToVideo(pipe, params(1));
    expect(plain.graphs.denoiser?.runs).toBe(3);
    expect(plain.graphs.text_encoder?.runs).toBeGreaterThanOrEqual(1);
    for (const g of Object.values(plain.graphs)) expect(g.ms).toBeGreaterThan(0);
    const guided = startTimings();
    await textToVideo(pipe, params(3));
    expect(guided.graphs.denoiser?.runs).toBe(3); // the guided and unguided passes share one batched run
    expect(plain.graphs.denoiser?.runs).toBe(3); // the earlier job's slot is left as it was
    expect(plain.compileMs).toBeGreaterThan(0); // the first job compiled its sessions
    const again = startTimings();
    await textToVideo(pipe, params(1));
    expect(again.compileMs).toBe(0); // the same shapes: every session kept
    expect(again.graphs.denoiser?.runs).toBe(3);
  });

  it('adds stage times to the job being timed, and nothing once none is', async () => {
    const t = startTimings();
    recordStage('previewMs', 1.5);
    recordStage('previewMs', 2);
    const value = await timed('encodeMs', () => new Promise<number>((ok) => setTimeout(() => ok(7), 20)));
    expect(value).toBe(7);
    expect(t.previewMs).toBe(3.5);
    expect(t.encodeMs).toBeGreaterThanOrEqual(15);
    const failing = () => new Promise((_, fail) => setTimeout(() => fail(new Error('no')), 10));
    await expect(timed('loadMs', failing)).rejects.toThrow('no');
    expect(t.loadMs).toBeGreaterThanOrEqual(5); // a failed stage still counts its time
  });
});
