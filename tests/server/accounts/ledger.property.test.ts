/**
 * Random sequences of grants, charges, refunds, double refunds and transactions that crash after
 * charging, on PGlite, checked against a plain model after every step: the balance equals the model's
 * and the sum of the ledger and never goes negative, a job is charged once and refunded at most once.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balance, addCredits, chargeForJob, refundJob } from '../../../server/accounts/ledger';
import { createUser } from '../../../server/accounts/users';
import type { Database } from '../../../server/db/database';
import { openTestDatabase } from '../../helpers/databases';

type Op =
  | { type: 'grant'; amount: number }
  | { type: 'charge'; job: number; cost: number }
  | { type: 'refund'; job: number }
  | { type: 'crash'; job: number; cost: number };

const job = fc.integer({ min: 0, max: 5 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant('grant' as const), amount: fc.integer({ min: 1, max: 1_000 }) }),
  fc.record({ type: fc.constant('charge' as const), job, cost: fc.integer({ min: 1, max: 600 }) }),
  fc.record({ type: fc.constant('refund' as const), job }),
  fc.record({ type: fc.constant('crash' as const), job, cost: fc.integer({ min: 1, max: 600 }) }),
);

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase('pglite');
});
afterAll(() => db.close());

/** What the ledger should say, kept in plain JS next to the database. */
interface Model {
  balance: number;
  charged: Map<string, number>;
  refunded: Set<string>;
}

async function apply(userId: string, prefix: string, o: Op, model: Model): Promise<void> {
  const jobId = 'job' in o ? `${prefix}-${o.job}` : '';
  if (o.type === 'grant') {
    await addCredits(db, userId, o.amount);
    model.balance += o.amount;
  } else if (o.type === 'refund') {
    const refund = await db.transaction((tx) => refundJob(tx, jobId));
    const expected = model.charged.has(jobId) && !model.refunded.has(jobId);
    expect(Boolean(refund)).toBe(expected);
    if (expected) {
      model.refunded.add(jobId);
      model.balance += model.charged.get(jobId)!;
    }
  } else {
    const crash = o.type === 'crash';
    const ok = await db
      .transaction(async (tx) => {
        await chargeForJob(tx, userId, jobId, o.cost);
        if (crash) throw new Error('crash mid-transaction');
      })
      .then(
        () => true,
        (error: Error) => (error.message.includes('crash mid-transaction') ? false : error.name),
      );
    const expected = model.charged.has(jobId)
      ? 'JobAlreadyChargedError'
      : model.balance < o.cost
        ? 'InsufficientCreditsError'
        : !crash;
    expect(ok).toBe(expected);
    if (ok === true) {
      model.charged.set(jobId, o.cost);
      model.balance -= o.cost;
    }
  }
  expect(await balance(db, userId)).toBe(model.balance);
}

describe('ledger invariants (fast-check, PGlite)', () => {
  it('hold after any sequence of operations', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const prefix = `p${++run}`;
        const user = await createUser(db, { email: `${prefix}-${Date.now()}@example.test`, tier: 'pro' });
        const model: Model = { balance: 0, charged: new Map(), refunded: new Set() };
        for (const o of ops) {
          await apply(user.id, prefix, o, model);
          expect(model.balance).toBeGreaterThanOrEqual(0);
        }
        const { rows } = await db.query<{ job_id: string | null; kind: string; amount: number }>(
          'SELECT job_id, kind, amount FROM credit_ledger WHERE user_id = $1',
          [user.id],
        );
        expect(await balance(db, user.id)).toBe(rows.reduce((a, r) => a + Number(r.amount), 0));
        const perJob = new Map<string, { charges: number[]; refunds: number[] }>();
        for (const r of rows.filter((r) => r.job_id)) {
          const entry = perJob.get(r.job_id!) ?? { charges: [], refunds: [] };
          (r.kind === 'charge' ? entry.charges : entry.refunds).push(Number(r.amount));
          perJob.set(r.job_id!, entry);
        }
        for (const { charges, refunds } of perJob.values()) {
          expect(charges.length).toBe(1);
          expect(refunds.length).toBeLessThanOrEqual(1);
          if (refunds.length) expect(refunds[0]).toBe(-charges[0]!);
        }
      }),
      { numRuns: 60 },
    );
  });
});
