/** Users: an email, a tier, and (through the ledger) a balance. */
import { randomUUID } from 'node:crypto';
import { sqlState, type Database, type Queryable } from '../db/database';
import { EmailTakenError, UnknownUserError } from './errors';
import { appendEntry } from './ledger';
import type { Tier } from './tiers';

/** A user as stored. */
export interface User {
  id: string;
  email: string;
  tier: Tier;
  createdAt: Date;
}

interface UserRow {
  id: string;
  email: string;
  tier: Tier;
  created_at: Date | string;
}

const toUser = (r: UserRow): User => ({ id: r.id, email: r.email, tier: r.tier, createdAt: new Date(r.created_at) });

/** Emails compare case-insensitively; we store them trimmed and lower-cased. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** Creates a user, granting `initialMicro` micro-credits in the same transaction when it is above zero. */
export async function createUser(
  db: Database,
  input: { email: string; tier: Tier; initialMicro?: number },
): Promise<User> {
  const email = normaliseEmail(input.email);
  try {
    return await db.transaction(async (tx) => {
      const { rows } = await tx.query<UserRow>('INSERT INTO users (id, email, tier) VALUES ($1, $2, $3) RETURNING *', [
        `usr_${randomUUID()}`,
        email,
        input.tier,
      ]);
      const user = toUser(rows[0]!);
      if (input.initialMicro)
        await appendEntry(tx, {
          userId: user.id,
          kind: 'grant',
          amountMicro: input.initialMicro,
          note: 'initial credits',
        });
      return user;
    });
  } catch (error) {
    if (sqlState(error) === '23505') throw new EmailTakenError(email);
    throw error;
  }
}

/** The user with this id, or undefined. */
export async function findUser(q: Queryable, id: string): Promise<User | undefined> {
  const { rows } = await q.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
  return rows[0] && toUser(rows[0]);
}

/** The user with this email (any case); throws UnknownUserError when there is none. */
export async function userByEmail(q: Queryable, email: string): Promise<User> {
  const { rows } = await q.query<UserRow>('SELECT * FROM users WHERE email = $1', [normaliseEmail(email)]);
  if (!rows[0]) throw new UnknownUserError(`with email ${normaliseEmail(email)}`);
  return toUser(rows[0]);
}
