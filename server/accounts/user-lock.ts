/** The per-user row lock that serialises a user's charges and key creations. */
import type { Queryable } from '../db/database';
import { UnknownUserError } from './errors';

/** Locks the user's row until the transaction ends (`FOR UPDATE`); throws UnknownUserError when there is none. */
export async function lockUser(tx: Queryable, userId: string): Promise<void> {
  const { rows } = await tx.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [userId]);
  if (rows.length === 0) throw new UnknownUserError(userId);
}
