import { describe, expect, it } from 'vitest';
import { InsufficientCreditsError, JobAlreadyChargedError } from '../../../server/accounts/errors';
import { addCredits, balance, chargeForJob, ledger, refundJob } from '../../../server/accounts/ledger';
import { createUser } from '../../../server/accounts/users';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';

let n = 0;
const email = () => `ledger-${++n}-${Date.now()}@example.test`;

describe.each(DATABASE_KINDS)('credit ledger on %s', (kind) => {
  const db = useTestDatabase(kind);

  const sumOfLedger = async (userId: string) => {
    const { entries } = await ledger(db(), userId, { page: 1, pageSize: 100 });
    return entries.reduce((a, e) => a + e.amountMicro, 0);
  };

  describe('a user with a grant', () => {
    it('has the grant as balance, equal to the sum of the ledger', async () => {
      const user = await createUser(db(), { email: email(), tier: 'pro', initialMicro: 5_000_000 });
      await addCredits(db(), user.id, 2_500_000, 'top-up');
      expect(await balance(db(), user.id)).toBe(7_500_000);
      expect(await sumOfLedger(user.id)).toBe(7_500_000);
    });
  });

  describe('charging a job', () => {
    it('takes the price once and refunds it at most once', async () => {
      const user = await createUser(db(), { email: email(), tier: 'starter', initialMicro: 1_000_000 });
      await db().transaction((tx) => chargeForJob(tx, user.id, `job-${user.id}`, 162_000));
      expect(await balance(db(), user.id)).toBe(838_000);
      await expect(
        db().transaction((tx) => chargeForJob(tx, user.id, `job-${user.id}`, 162_000)),
      ).rejects.toBeInstanceOf(JobAlreadyChargedError);
      const refund = await db().transaction((tx) => refundJob(tx, `job-${user.id}`));
      expect(refund).toMatchObject({ kind: 'refund', amountMicro: 162_000, jobId: `job-${user.id}` });
      expect(await db().transaction((tx) => refundJob(tx, `job-${user.id}`))).toBeUndefined();
      expect(await balance(db(), user.id)).toBe(1_000_000);
      expect(await sumOfLedger(user.id)).toBe(1_000_000);
    });

    it('refuses a price above the balance with InsufficientCredits (402)', async () => {
      const user = await createUser(db(), { email: email(), tier: 'starter', initialMicro: 100 });
      const attempt = db().transaction((tx) => chargeForJob(tx, user.id, `big-${user.id}`, 101));
      await expect(attempt).rejects.toBeInstanceOf(InsufficientCreditsError);
      await expect(attempt).rejects.toMatchObject({ status: 402, code: 'insufficient_credits' });
      expect(await balance(db(), user.id)).toBe(100);
    });

    it('rolls back with the transaction that failed after it', async () => {
      const user = await createUser(db(), { email: email(), tier: 'starter', initialMicro: 1000 });
      const crash = db().transaction(async (tx) => {
        await chargeForJob(tx, user.id, `crash-${user.id}`, 400);
        throw new Error('worker crashed before the job row was written');
      });
      await expect(crash).rejects.toThrow('worker crashed');
      expect(await balance(db(), user.id)).toBe(1000);
      expect(await db().transaction((tx) => refundJob(tx, `crash-${user.id}`))).toBeUndefined();
    });
  });

  describe('parallel charges', () => {
    it('cannot overdraw: exactly as many succeed as the balance covers', async () => {
      const user = await createUser(db(), { email: email(), tier: 'pro', initialMicro: 55 });
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          db().transaction((tx) => chargeForJob(tx, user.id, `par-${user.id}-${i}`, 10)),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
      expect(
        results
          .filter((r) => r.status === 'rejected')
          .every((r) => (r as PromiseRejectedResult).reason instanceof InsufficientCreditsError),
      ).toBe(true);
      expect(await balance(db(), user.id)).toBe(5);
    });

    it('charge one job once even when both tries run at once', async () => {
      const user = await createUser(db(), { email: email(), tier: 'pro', initialMicro: 1000 });
      const tries = await Promise.allSettled(
        [1, 2, 3].map(() => db().transaction((tx) => chargeForJob(tx, user.id, `same-${user.id}`, 10))),
      );
      expect(tries.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await balance(db(), user.id)).toBe(990);
    });

    it('refund one job once even when both refunds run at once', async () => {
      const user = await createUser(db(), { email: email(), tier: 'pro', initialMicro: 1000 });
      await db().transaction((tx) => chargeForJob(tx, user.id, `rr-${user.id}`, 300));
      const refunds = await Promise.all([1, 2, 3].map(() => db().transaction((tx) => refundJob(tx, `rr-${user.id}`))));
      expect(refunds.filter(Boolean)).toHaveLength(1);
      expect(await balance(db(), user.id)).toBe(1000);
    });
  });

  describe('taking credits back', () => {
    it('is an adjustment that may not go below zero', async () => {
      const user = await createUser(db(), { email: email(), tier: 'standard', initialMicro: 300 });
      expect(await addCredits(db(), user.id, -200)).toMatchObject({ kind: 'adjustment', amountMicro: -200 });
      await expect(addCredits(db(), user.id, -101)).rejects.toBeInstanceOf(InsufficientCreditsError);
      expect(await balance(db(), user.id)).toBe(100);
    });
  });

  describe('the ledger table', () => {
    it('is append-only: updates and deletes are refused', async () => {
      const user = await createUser(db(), { email: email(), tier: 'starter', initialMicro: 10 });
      await expect(
        db().query('UPDATE credit_ledger SET amount = 1000000 WHERE user_id = $1', [user.id]),
      ).rejects.toThrow(/append-only/);
      await expect(db().query('DELETE FROM credit_ledger WHERE user_id = $1', [user.id])).rejects.toThrow(
        /append-only/,
      );
    });

    it('pages newest first', async () => {
      const user = await createUser(db(), { email: email(), tier: 'starter', initialMicro: 1 });
      for (let i = 2; i <= 5; i++) await addCredits(db(), user.id, i);
      const first = await ledger(db(), user.id, { page: 1, pageSize: 2 });
      const last = await ledger(db(), user.id, { page: 3, pageSize: 2 });
      expect(first.total).toBe(5);
      expect(first.entries.map((e) => e.amountMicro)).toEqual([5, 4]);
      expect(last.entries.map((e) => e.amountMicro)).toEqual([1]);
    });
  });
});
