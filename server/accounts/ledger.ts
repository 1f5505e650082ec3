/**
 * The credit ledger: append-only rows, the balance is their sum. Charges and refunds are tied to a job
 * and run inside the caller's transaction, so the job's state and its money change together.
 */
import { toInt, type Database, type Queryable, type Transaction } from '../db/database';
import { InsufficientCreditsError, JobAlreadyChargedError } from './errors';
import { lockUser } from './user-lock';

/** What a ledger row records. */
export type LedgerKind = 'grant' | 'charge' | 'refund' | 'adjustment';

/** One ledger row; amounts are micro-credits, negative for charges. */
export interface LedgerEntry {
  id: number;
  userId: string;
  jobId: string | null;
  kind: LedgerKind;
  amountMicro: number;
  note: string;
  createdAt: Date;
}

interface LedgerRow {
  id: unknown;
  user_id: string;
  job_id: string | null;
  kind: LedgerKind;
  amount: unknown;
  note: string;
  created_at: Date | string;
}

const toEntry = (r: LedgerRow): LedgerEntry => ({
  id: toInt(r.id),
  userId: r.user_id,
  jobId: r.job_id,
  kind: r.kind,
  amountMicro: toInt(r.amount),
  note: r.note,
  createdAt: new Date(r.created_at),
});

/** Appends one row; the table's checks and unique index refuse what would break the ledger's rules. */
export async function appendEntry(
  q: Queryable,
  e: { userId: string; kind: LedgerKind; amountMicro: number; jobId?: string; note?: string },
): Promise<LedgerEntry> {
  const { rows } = await q.query<LedgerRow>(
    'INSERT INTO credit_ledger (user_id, job_id, kind, amount, note) VALUES ($1, $2, $3, $4, $5) RETURNING *',
    [e.userId, e.jobId ?? null, e.kind, e.amountMicro, e.note ?? ''],
  );
  return toEntry(rows[0]!);
}

/** The user's balance in micro-credits: the sum of their ledger. */
export async function balance(q: Queryable, userId: string): Promise<number> {
  const { rows } = await q.query<{ sum: unknown }>(
    'SELECT COALESCE(SUM(amount), 0)::bigint AS sum FROM credit_ledger WHERE user_id = $1',
    [userId],
  );
  return toInt(rows[0]!.sum);
}

/** One page of the user's ledger, newest first, and the number of rows in all. */
export async function ledger(
  q: Queryable,
  userId: string,
  page: { page: number; pageSize: number },
): Promise<{ entries: LedgerEntry[]; total: number }> {
  const [list, count] = await Promise.all([
    q.query<LedgerRow>('SELECT * FROM credit_ledger WHERE user_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3', [
      userId,
      page.pageSize,
      (page.page - 1) * page.pageSize,
    ]),
    q.query<{ n: unknown }>('SELECT COUNT(*) AS n FROM credit_ledger WHERE user_id = $1', [userId]),
  ]);
  return { entries: list.rows.map(toEntry), total: toInt(count.rows[0]!.n) };
}

/**
 * Adds credits (a grant) or, when negative, takes them away (an adjustment that may not leave the
 * balance below zero). For the admin CLI and payments.
 */
export function addCredits(db: Database, userId: string, amountMicro: number, note = ''): Promise<LedgerEntry> {
  return db.transaction(async (tx) => {
    await lockUser(tx, userId);
    if (amountMicro < 0) {
      const current = await balance(tx, userId);
      if (current + amountMicro < 0) throw new InsufficientCreditsError(current, -amountMicro);
    }
    return appendEntry(tx, { userId, kind: amountMicro > 0 ? 'grant' : 'adjustment', amountMicro, note });
  });
}

/**
 * Charges a job's price inside the caller's transaction. The user row lock makes concurrent charges of
 * one user run one after another, so two of them cannot both spend the same credits.
 * Throws InsufficientCreditsError (402) or JobAlreadyChargedError.
 */
export async function chargeForJob(
  tx: Transaction,
  userId: string,
  jobId: string,
  costMicro: number,
): Promise<LedgerEntry> {
  if (!Number.isSafeInteger(costMicro) || costMicro <= 0)
    throw new RangeError(`A charge must be a positive whole number of micro-credits, got ${costMicro}.`);
  await lockUser(tx, userId);
  // Checked before inserting: a unique violation would abort the caller's whole PostgreSQL transaction.
  const existing = await tx.query("SELECT 1 FROM credit_ledger WHERE job_id = $1 AND kind = 'charge'", [jobId]);
  if (existing.rows.length > 0) throw new JobAlreadyChargedError(jobId);
  const current = await balance(tx, userId);
  if (current < costMicro) throw new InsufficientCreditsError(current, costMicro);
  return appendEntry(tx, { userId, jobId, kind: 'charge', amountMicro: -costMicro, note: 'job charge' });
}

/**
 * Gives a job's charge back inside the caller's transaction. Returns the refund row, or undefined when
 * the job was never charged or is already refunded: refunding twice is a no-op, never a double refund.
 */
export async function refundJob(tx: Transaction, jobId: string, note = 'job refund'): Promise<LedgerEntry | undefined> {
  const { rows } = await tx.query<LedgerRow>(
    `INSERT INTO credit_ledger (user_id, job_id, kind, amount, note)
     SELECT user_id, job_id, 'refund', -amount, $2 FROM credit_ledger WHERE job_id = $1 AND kind = 'charge'
     ON CONFLICT (job_id, kind) WHERE kind IN ('charge', 'refund') DO NOTHING
     RETURNING *`,
    [jobId, note],
  );
  return rows[0] && toEntry(rows[0]);
}
