/**
 * The shipped model's adherence, measured as a user would get it: 24 held-out prompts at 256×144×17
 * with Phosor's defaults (4 steps, guidance 1, fixed seeds) through the Node pipeline, each clip read by
 * the world's evaluator, and image-to-video's first-frame PSNR against the given image.
 *
 * The goals (`models/world/gate.ts`: colour and background 95 %, count, shape and motion 90 %;
 * 30 dB): background, count, colour and the first frame's 30 dB are met; shape and motion are NOT yet. Measured 2026-12-02 on this set: the first export (DiT step 4,294) background 75 %,
 * count 17 %, colour 0 %, shape 0 %, motion 12.5 %, 22.4 dB; the second (retrained VAE, DiT step 8,974 with
 * object-weighted loss) background 100 %, count 37.5 %, colour 8.3 %, shape 12.5 %, motion 20.8 %, 25.9 dB;
 * the third (2026-12-06, DiT step 14,839) background 95.8 %, count 79.2 %, colour 79.2 %, shape 8.3 %,
 * motion 41.7 %, 25.9 dB; the fourth (2026-12-06, DiT step 22,663, lr decayed) background 91.7 %, count
 * 95.8 %, colour 100 %, shape 12.5 %, motion 66.7 %, 25.9 dB; the fifth (2026-12-06, DiT step 28,096, lr
 * decayed again) background 91.7 %, count 95.8 %, colour 100 %, shape 12.5 %, motion 54.2 %, 25.9 dB. It
 * ships because it is better on 256 held-out prompts (count 73.4 vs 71.5 %, motion 49.2 vs 48.0 %, all
 * correct 5.1 vs 4.3 %), though this set of 24 reads motion two clips lower. The sixth (2026-12-06, the
 * fifth's DiT with a deeper decoder trained decoder-only) background 100 %, count 91.7 %, colour 100 %, shape
 * 12.5 %, motion 50.0 %, 28.5 dB; on 256 prompts all five right in 7.8 vs 5.1 %. The seventh (2026-12-06,
 * the DiT grown from 6 to 8 blocks and trained 1,740 steps more, step 29,836) background 100 %, count 91.7 %,
 * colour 100 %, shape 16.7 %, motion 54.2 %, 28.5 dB; on 256 prompts colour 94.5 vs 91.8 %, motion 53.5 vs
 * 51.2 %, all five 7.0 vs 7.8 %. The eighth (2026-12-06, DiT step 30,448 and the decoder with context of the
 * neighbouring latent frames, trained on frame-to-frame changes) background 100 %, count 100 %, colour 100 %,
 * shape 12.5 %, motion 75.0 %, 29.1 dB; on 256 prompts count 95.3 vs 80.5 %, colour 98.8 vs 94.5 %, motion
 * 58.2 vs 53.5 %, all five 8.6 vs 7.0 %. The tenth (2026-12-06, DiT step 33,532, the ninth's blending
 * decoder) background, count and colour 100 %, shape 12.5 %, motion 83.3 %, 29.8 dB; on 256 prompts motion
 * 72.7 vs 66.4 %. The eleventh (2026-12-07, the tenth's DiT, the decoder fine-tuned for the first frame)
 * background, count and colour 100 %, shape 12.5 %, motion 87.5 %, **30.35 dB** (the goal). The twelfth
 * (2026-12-07, DiT step 35,329 with a bag of words in the text encoder, which made the DiT read "up"/"down")
 * background, count and colour 100 %, shape 12.5 %, **motion 95.8 %**, judder 0.81, 30.36 dB; on 256 prompts
 * motion 87.9 vs 75.8 %, count 96.9 vs 98.4 %. The thirteenth (2026-12-07, DiT step 36,409, 1,080 steps more with
 * "up" at +10 % of the clips) background, count, colour and **motion 100 %**, shape 16.7 %, judder 0.54, 30.35 dB;
 * on 256 prompts motion 99.2 vs 87.9 %, shape 25.8 vs 19.5 %, count 97.7 vs 96.9 %. The fourteenth (2026-12-08, DiT
 * step 37,528, 1,119 steps more of the same recipe) the same but shape **29.2 %** (41.7 % at g 3.5); on 256 prompts
 * shape 33.6 vs 25.8 %, all five 32.0 vs 25.4 %. These floors sit
 * about one clip or more below the latest export, so the test fails when a new export regresses; raise them
 * with every better export until they are the goals.
 */
import { describe, expect, it } from 'vitest';
import { adherenceGate } from '../../../models/world/gate';
import { runEval } from '../../../models/world/run-eval';
import { CI_SET } from './ci-set';

const MODEL = 'models/phosphene-v1';
const settings = CI_SET;
/** Measured minus a margin (see the module comment); the random-weight package scores 3 % / 0 %. */
const FLOORS = { background: 0.95, count: 0.95, color: 0.95, shape: 0.2, motion: 0.95 };
/** The goal, met by the eleventh export (30.35 dB on this set's 8 clips; 30.54 dB on 64 held-out). */
const PSNR_FLOOR_DB = 30;
/**
 * Guidance 3.5 at 4 steps (Phosor's largest guidance, the default steps): with the manifest's guidance interval
 * (no guidance at σ = 1) this set reads background, count, colour and motion 100 %, shape 41.7 % (thirteenth
 * export; the twelfth: shape 25 %, motion 95.8 %; the eleventh: shape 20.8 %, motion 83.3 %); guided
 * at every step it read count 91.7 %, motion 58.3 % — the interval is what keeps high-guidance clips correct.
 */
const GUIDED_FLOORS = { background: 0.95, count: 0.95, color: 0.95, shape: 0.33, motion: 0.95 };
/**
 * Judder (the largest frame-to-frame change above the median one, 0–255): the eighth export, whose decoder held
 * one picture per latent frame and jumped at each seam, read 3.5; the ninth, which blends between latent frames, 1.0.
 */
const JUDDER_CEILING = 2;

describe('phosphene-v1 on held-out prompts (Node pipeline, CPU)', () => {
  it('stays at or above the shipped model’s measured adherence', { timeout: 240_000 }, async () => {
    const report = await runEval(MODEL, settings);
    const gate = adherenceGate(report.summary);
    console.info('phosphene-v1 adherence', JSON.stringify(report.summary.accuracy), 'goals met:', gate.pass);
    for (const [attribute, floor] of Object.entries(FLOORS))
      expect.soft(report.summary.accuracy[attribute as keyof typeof FLOORS], attribute).toBeGreaterThanOrEqual(floor);
    console.info('phosphene-v1 judder', report.summary.meanJudder.toFixed(2));
    expect.soft(report.summary.meanJudder, 'judder').toBeLessThanOrEqual(JUDDER_CEILING);
  });

  it('keeps clips correct at guidance 3.5', { timeout: 240_000 }, async () => {
    const report = await runEval(MODEL, { ...settings, guidance_scale: 3.5 });
    console.info('phosphene-v1 adherence at guidance 3.5', JSON.stringify(report.summary.accuracy));
    for (const [attribute, floor] of Object.entries(GUIDED_FLOORS))
      expect
        .soft(report.summary.accuracy[attribute as keyof typeof GUIDED_FLOORS], attribute)
        .toBeGreaterThanOrEqual(floor);
  });

  it('starts image-to-video clips near the given image (first-frame PSNR)', { timeout: 240_000 }, async () => {
    const report = await runEval(MODEL, { ...settings, n: 8, imageToVideo: true });
    console.info('phosphene-v1 first-frame PSNR', report.firstFramePsnr);
    expect(report.firstFramePsnr).toBeGreaterThanOrEqual(PSNR_FLOOR_DB);
  });
});
