/**
 * Credit amounts. The ledger stores integer micro-credits (1 credit = 1 000 000 µc): Phosor's prices
 * (0.002 credits a frame, ×1.25 with a LoRA) are exact there, and sums of integers cannot drift.
 */

/** Micro-credits in one credit. */
export const MICRO_PER_CREDIT = 1_000_000;

/** Converts credits (a number from JSON or a price table) to micro-credits, refusing sub-micro precision. */
export function creditsToMicro(credits: number): number {
  const micro = Math.round(credits * MICRO_PER_CREDIT);
  // The tolerance absorbs float noise such as 0.1 * 1e6 = 100000.00000000001.
  if (!Number.isSafeInteger(micro) || Math.abs(credits * MICRO_PER_CREDIT - micro) > 1e-3) {
    throw new RangeError(`${credits} credits is not a whole number of micro-credits (at most 6 decimals).`);
  }
  return micro;
}

/** Parses a decimal string such as `100`, `-2.5` or `0.000001` exactly, without going through a float. */
export function parseCredits(text: string): number {
  const match = /^(-?)(\d{1,12})(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!match)
    throw new RangeError(
      `"${text}" is not an amount of credits: use a decimal number with at most 6 decimals, e.g. 100 or 2.5.`,
    );
  const [, sign, whole, fraction = ''] = match;
  const micro = Number(whole) * MICRO_PER_CREDIT + Number(fraction.padEnd(6, '0'));
  return sign === '-' ? -micro : micro;
}

/** Micro-credits as credits, for display and JSON; the stored integer stays the exact value. */
export function microToCredits(micro: number): number {
  return micro / MICRO_PER_CREDIT;
}
