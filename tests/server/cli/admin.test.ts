import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { authenticate } from '../../../server/accounts/keys';
import { balance } from '../../../server/accounts/ledger';
import { userByEmail } from '../../../server/accounts/users';
import { parseAdminArgs, runAdmin, UsageError } from '../../../server/cli/admin';
import { useTestDatabase } from '../../helpers/databases';

describe('admin CLI', () => {
  const db = useTestDatabase('pglite');
  const admin = async (...argv: string[]) => {
    const lines: string[] = [];
    await runAdmin(parseAdminArgs(argv), db(), (line) => lines.push(line));
    return lines;
  };

  describe('create-user', () => {
    it('creates the user with credits and prints a working key once', async () => {
      const lines = await admin('create-user', '--email', 'A@b.c', '--tier', 'pro', '--credits', '100');
      const user = await userByEmail(db(), 'a@b.c');
      expect(lines[0]).toMatch(/created user usr_.* a@b\.c \(pro\) with 100 credits/);
      expect(await balance(db(), user.id)).toBe(100_000_000);
      expect(await authenticate(db(), lines[2]!)).toMatchObject({ user: { id: user.id } });
    });
  });

  describe('add-credits, create-key, revoke-key', () => {
    it('change the balance and the keys', async () => {
      await admin('create-user', '--email', 'k@b.c', '--tier', 'starter');
      expect((await admin('add-credits', '--email', 'k@b.c', '--credits', '2.5'))[0]).toBe(
        'k@b.c: +2.5 credits, balance 2.5',
      );
      const [heading, secret] = await admin('create-key', '--email', 'k@b.c', '--name', 'ci');
      const keyId = /API key (key_\S+)/.exec(heading!)![1]!;
      expect((await admin('revoke-key', '--key-id', keyId))[0]).toMatch(`revoked ${keyId}`);
      expect(await authenticate(db(), secret!)).toBeUndefined();
    });
  });

  describe('bad arguments', () => {
    it.each([
      [[], /a command is required/],
      [['launch'], /unknown command launch/],
      [['create-user', '--email', 'a@b.c'], /--tier is required/],
      [['create-user', '--email', 'a@b.c', '--tier', 'gold'], /--tier must be one of starter, standard, pro/],
      [['create-user', '--email', 'nope', '--tier', 'pro'], /--email must be an email address/],
      [['add-credits', '--email', 'a@b.c', '--credits', '1.0000001'], /--credits: .*at most 6 decimals/],
      [['create-key', '--email', 'a@b.c', '--bogus'], /Unknown option '--bogus'/],
    ])('%j is a UsageError', (argv, message) => {
      expect(() => parseAdminArgs(argv)).toThrow(UsageError);
      expect(() => parseAdminArgs(argv)).toThrow(message);
    });

    it('exit 1 with the message and the usage', () => {
      const result = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'server/cli/admin.ts', 'create-user', '--tier', 'pro'],
        { encoding: 'utf8' },
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/admin: --email is required\nusage: npm run admin/);
    });
  });

  describe('an unknown email', () => {
    it('says how to create the user', async () => {
      await expect(admin('add-credits', '--email', 'ghost@b.c', '--credits', '1')).rejects.toThrow(
        /No user with email ghost@b\.c; create one with/,
      );
    });
  });
});
