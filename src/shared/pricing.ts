/**
 * Phosor's inference prices (10 credits = 1 USD), computed in integer micro-credits so that a price,
 * its LoRA surcharge and every ledger sum are exact: 0.002 credits a frame is 2 000 µc, ×1.25 is 2 500 µc.
 */

/** Micro-credits in one credit (the ledger's unit). */
export const MICRO_PER_CREDIT = 1_000_000;

/** The price tiers of Phosor's table. */
export type PriceTier = '480p' | '720p' | '1080p';

/** Price of one frame in micro-credits, by tier: 0.002, 0.006 and 0.012 credits. */
export const PER_FRAME_MICRO: Readonly<Record<PriceTier, number>> = { '480p': 2_000, '720p': 6_000, '1080p': 12_000 };

/** The LoRA multiplier 1.25 as a fraction; every per-frame price is divisible by 4, so the product stays whole. */
export const LORA_MULTIPLIER = { numerator: 5, denominator: 4 } as const;

/**
 * The tier a resolution is billed at: the smallest whose short side (480, 720, 1080) holds the frame's
 * short side. Phosor's presets land on their own tier; smaller model-specific sizes (256×144) bill as 480p.
 */
export function priceTier(width: number, height: number): PriceTier {
  const shortSide = Math.min(width, height);
  if (shortSide <= 480) return '480p';
  if (shortSide <= 720) return '720p';
  return '1080p';
}

/** What a job is billed for. */
export interface PricedJob {
  width: number;
  height: number;
  /** The frame count after alignment: what is generated is what is billed. */
  numFrames: number;
  /** Any LoRA, whatever its scale, applies the 1.25× multiplier. */
  withLora: boolean;
}

/** The price of a job in micro-credits: frames × per-frame price of its tier × 1.25 with a LoRA. */
export function jobCostMicro(job: PricedJob): number {
  if (!Number.isSafeInteger(job.numFrames) || job.numFrames < 1)
    throw new RangeError(`numFrames must be a positive integer; got ${job.numFrames}.`);
  const perFrame = PER_FRAME_MICRO[priceTier(job.width, job.height)];
  const withLora = job.withLora ? (perFrame * LORA_MULTIPLIER.numerator) / LORA_MULTIPLIER.denominator : perFrame;
  return job.numFrames * withLora;
}

/** Micro-credits as credits, for JSON and people; the integer stays the exact value. */
export function microToCredits(micro: number): number {
  return micro / MICRO_PER_CREDIT;
}
