/**
 * The time estimate: a job this device ran, scaled to another job of the same model. Checked on the
 * shipped model's manifest (16×9 latent cells at every size, so its steps grow with frames only) and on the
 * tiny fixture (its grid grows with the picture).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/pipeline/model-package/manifest';
import {
  estimateJobSeconds,
  latentTokens,
  parseMeasuredJobs,
  type MeasuredJob,
} from '../../src/pipeline/time-estimate';

const manifest = (dir: string) => parseManifest(JSON.parse(readFileSync(`${dir}/model.json`, 'utf8')));
const v1 = manifest('models/phosphene-v1');
const tiny = manifest('tests/fixtures/models/phosphene-tiny');
const measured: MeasuredJob = {
  device: 'wasm',
  width: 256,
  height: 144,
  numFrames: 17,
  guidance: 1,
  secondsPerStep: 0.25,
  promptSeconds: 0.05,
  gridSeconds: 0.3,
  pixelSeconds: 0.4,
};
const job = { width: 256, height: 144, num_frames: 17, num_inference_steps: 4, guidance_scale: 1 };

describe('estimateJobSeconds', () => {
  it('gives the measured job back: prompt + steps × step + decoder trunk + pixel work', () => {
    expect(estimateJobSeconds(v1, job, measured)).toBeCloseTo(0.05 + 4 * 0.25 + 0.3 + 0.4, 9);
  });

  it('scales steps by their count and by guidance’s second pass, and the pixel work by pixels', () => {
    expect(estimateJobSeconds(v1, { ...job, num_inference_steps: 8 }, measured)).toBeCloseTo(0.05 + 2 + 0.3 + 0.4, 9);
    expect(estimateJobSeconds(v1, { ...job, guidance_scale: 3 }, measured)).toBeCloseTo(0.05 + 2 + 0.3 + 0.4, 9);
    expect(estimateJobSeconds(v1, job, { ...measured, guidance: 3 })).toBeCloseTo(0.05 + 0.5 + 0.3 + 0.4, 9);
    // 854×480 keeps v1's 16×9 latent grid: the steps and the decoder's trunk cost as much, its head draws 11× the pixels.
    const big = estimateJobSeconds(v1, { ...job, width: 854, height: 480 }, measured);
    expect(big).toBeCloseTo(0.05 + 1 + 0.3 + 0.4 * ((854 * 480) / (256 * 144)), 9);
  });

  it('scales steps by latent tokens: frames for v1, frames and picture for a model whose grid grows', () => {
    expect(latentTokens(v1, { width: 854, height: 480, num_frames: 17 })).toBe(latentTokens(v1, job));
    const frames81 = latentTokens(v1, { ...job, num_frames: 81 }) / latentTokens(v1, job); // 21 / 5 latent frames
    expect(frames81).toBeCloseTo(21 / 5, 9);
    const t = { ...measured, width: 64, height: 64, numFrames: 5 };
    const ratio =
      latentTokens(tiny, { width: 128, height: 128, num_frames: 5 }) /
      latentTokens(tiny, { width: 64, height: 64, num_frames: 5 });
    expect(ratio).toBe(4);
    const est = estimateJobSeconds(tiny, { ...job, width: 128, height: 128, num_frames: 5 }, t);
    expect(est).toBeCloseTo(0.05 + 4 * 0.25 * 4 + 0.3 * 4 + 0.4 * 4, 9);
  });
});

describe('parseMeasuredJobs', () => {
  it('keeps well-formed measurements and drops the rest (they come from page storage)', () => {
    expect(parseMeasuredJobs([measured, { ...measured, device: 'cpu' }, { ...measured, secondsPerStep: 0 }])).toEqual([
      measured,
    ]);
    expect(
      parseMeasuredJobs([{ ...measured, pixelSeconds: Number.NaN }, { ...measured, gridSeconds: -1 }, null, 'x']),
    ).toEqual([]);
    expect(parseMeasuredJobs('nope')).toEqual([]);
    expect(parseMeasuredJobs(undefined)).toEqual([]);
  });
});
