/** Account tiers and what each allows (Phosor's limits). */

/** The tiers, cheapest first. */
export const TIERS = ['starter', 'standard', 'pro'] as const;

/** An account tier. */
export type Tier = (typeof TIERS)[number];

/** How many jobs a user of each tier may have queued or running at once. */
export const CONCURRENT_JOBS: Readonly<Record<Tier, number>> = { starter: 1, standard: 5, pro: 20 };

/** Active (unrevoked) API keys a user may hold. */
export const MAX_KEYS_PER_USER = 10;

/** Whether `value` names a tier. */
export function isTier(value: unknown): value is Tier {
  return typeof value === 'string' && (TIERS as readonly string[]).includes(value);
}
