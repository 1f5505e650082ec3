/**
 * `npm run admin -- <command>`: accounts from the command line, on the database the server uses
 * (DATABASE_URL, else PGlite in DATA_DIR; stop a PGlite server first, its lock file forbids a second opener).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { microToCredits, parseCredits } from '../accounts/credits';
import { createKey, revokeKey } from '../accounts/keys';
import { addCredits, balance } from '../accounts/ledger';
import { TIERS, type Tier } from '../accounts/tiers';
import { createUser, userByEmail } from '../accounts/users';
import type { Database } from '../db/database';
import { databaseSettings, openDatabase } from '../db/open';

/** How to call it; printed with every usage error. */
export const USAGE = `usage: npm run admin -- <command> [options]
  create-user --email <email> --tier <${TIERS.join('|')}> [--credits <n>]   create a user and print a first API key
  add-credits --email <email> --credits <n>                                grant credits (negative: take back, not below 0)
  create-key  --email <email> [--name <label>]                             print a new API key (shown once)
  revoke-key  --key-id <key_…>                                             revoke a key`;

/** A mistake in the command line: printed with the usage, exit status 1. */
export class UsageError extends Error {
  override name = 'UsageError';
}

// Deliberately loose: the address is a login name here, and Phosor's own example is `a@b.c`.
const email = z
  .string()
  .trim()
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: '--email must be an email address like a@b.c' });
const tier = z.enum(TIERS, { message: `--tier must be one of ${TIERS.join(', ')}` });

/** One parsed, valid command line. */
export type AdminCommand =
  | { command: 'create-user'; email: string; tier: Tier; initialMicro: number }
  | { command: 'add-credits'; email: string; amountMicro: number }
  | { command: 'create-key'; email: string; name: string }
  | { command: 'revoke-key'; keyId: string };

function need<T>(schema: z.ZodType<T>, value: unknown, flag: string): T {
  if (value === undefined) throw new UsageError(`${flag} is required`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? `${flag} is invalid`);
  return parsed.data;
}

function credits(value: string | undefined): number {
  if (value === undefined) throw new UsageError('--credits is required');
  try {
    return parseCredits(value);
  } catch (error) {
    throw new UsageError(`--credits: ${(error as Error).message}`);
  }
}

/** Checks the command line before any database is opened; throws UsageError saying what is wrong. */
export function parseAdminArgs(argv: string[]): AdminCommand {
  const [command, ...rest] = argv;
  let v: Record<string, string | undefined>;
  try {
    const options = {
      email: { type: 'string' },
      tier: { type: 'string' },
      credits: { type: 'string' },
      'key-id': { type: 'string' },
      name: { type: 'string' },
    } as const;
    v = parseArgs({ args: rest, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  switch (command) {
    case 'create-user': {
      const initialMicro = v.credits === undefined ? 0 : credits(v.credits);
      if (initialMicro < 0) throw new UsageError('--credits must not be negative for a new user');
      return { command, email: need(email, v.email, '--email'), tier: need(tier, v.tier, '--tier'), initialMicro };
    }
    case 'add-credits': {
      const amountMicro = credits(v.credits);
      if (amountMicro === 0) throw new UsageError('--credits must not be 0');
      return { command, email: need(email, v.email, '--email'), amountMicro };
    }
    case 'create-key':
      return { command, email: need(email, v.email, '--email'), name: v.name ?? '' };
    case 'revoke-key':
      return { command, keyId: need(z.string().min(1), v['key-id'], '--key-id') };
    default:
      throw new UsageError(command ? `unknown command ${command}` : 'a command is required');
  }
}

/** Runs one parsed command against `db`, writing what it reports to `print`. */
export async function runAdmin(cmd: AdminCommand, db: Database, print: (line: string) => void): Promise<void> {
  switch (cmd.command) {
    case 'create-user': {
      const user = await createUser(db, cmd);
      const { key, secret } = await createKey(db, user.id, 'created by admin');
      print(`created user ${user.id} ${user.email} (${user.tier}) with ${microToCredits(cmd.initialMicro)} credits`);
      print(`API key ${key.id} (shown once, store it now):`);
      print(secret);
      return;
    }
    case 'add-credits': {
      const user = await userByEmail(db, cmd.email);
      await addCredits(db, user.id, cmd.amountMicro, 'admin');
      print(
        `${user.email}: ${cmd.amountMicro > 0 ? '+' : ''}${microToCredits(cmd.amountMicro)} credits, balance ${microToCredits(await balance(db, user.id))}`,
      );
      return;
    }
    case 'create-key': {
      const user = await userByEmail(db, cmd.email);
      const { key, secret } = await createKey(db, user.id, cmd.name);
      print(`API key ${key.id} for ${user.email} (shown once, store it now):`);
      print(secret);
      return;
    }
    case 'revoke-key': {
      const key = await revokeKey(db, cmd.keyId);
      if (!key) throw new UsageError(`no API key ${cmd.keyId}`);
      print(`revoked ${key.id} (${key.prefix}…) at ${key.revokedAt?.toISOString()}`);
      return;
    }
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
    console.log(USAGE);
    return argv.length === 0 ? 1 : 0;
  }
  let db: Database | undefined;
  try {
    const cmd = parseAdminArgs(argv);
    db = await openDatabase(databaseSettings(process.env));
    await runAdmin(cmd, db, (line) => console.log(line));
    return 0;
  } catch (error) {
    console.error(`admin: ${(error as Error).message}${error instanceof UsageError ? `\n${USAGE}` : ''}`);
    return 1;
  } finally {
    await db?.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href)
  process.exitCode = await main();
