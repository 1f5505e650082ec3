/** Users and jobs for the job tests: a user with credits, and a small priced job for them. */
import { createUser, type User } from '../../../server/accounts/users';
import type { Tier } from '../../../server/accounts/tiers';
import type { Database } from '../../../server/db/database';
import type { NewJob } from '../../../server/jobs/job-store';

let n = 0;

/** The parameters of a tiny-model test job: 64×64×5, one step. */
export const TINY_PARAMS = {
  prompt: 'a red ball',
  negative_prompt: '',
  width: 64,
  height: 64,
  num_frames: 5,
  num_inference_steps: 1,
  guidance_scale: 1,
  seed: 7,
  frames_per_second: 16,
};

/** A fresh user of the tier holding `credits` micro-credits. */
export function userWith(db: Database, initialMicro: number, tier: Tier = 'pro'): Promise<User> {
  return createUser(db, { email: `jobs-${process.pid}-${++n}-${Date.now()}@example.test`, tier, initialMicro });
}

/** A 64×64×5 tiny-model job costing `costMicro`. */
export function newJob(user: User, costMicro = 10_000): NewJob {
  return {
    userId: user.id,
    tier: user.tier,
    modelId: 'phosphene/tiny-test/text-to-video',
    modelSlug: 'phosphene-tiny',
    params: { ...TINY_PARAMS },
    costMicro,
  };
}
