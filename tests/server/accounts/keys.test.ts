import { describe, expect, it } from 'vitest';
import { EmailTakenError, KeyLimitError } from '../../../server/accounts/errors';
import { authenticate, createKey, listKeys, revokeKey } from '../../../server/accounts/keys';
import { API_KEY_PATTERN, hashSecret } from '../../../server/accounts/secret';
import { MAX_KEYS_PER_USER } from '../../../server/accounts/tiers';
import { createUser, userByEmail } from '../../../server/accounts/users';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';

let n = 0;
const email = () => `keys-${++n}-${Date.now()}@example.test`;

describe.each(DATABASE_KINDS)('users and API keys on %s', (kind) => {
  const db = useTestDatabase(kind);

  describe('users', () => {
    it('are found by email in any case and refused twice', async () => {
      const address = email();
      const user = await createUser(db(), { email: address.toUpperCase(), tier: 'standard' });
      expect(user.email).toBe(address);
      expect((await userByEmail(db(), address)).id).toBe(user.id);
      await expect(createUser(db(), { email: address, tier: 'pro' })).rejects.toBeInstanceOf(EmailTakenError);
    });
  });

  describe('a new key', () => {
    it('is returned once and only its hash is stored', async () => {
      const user = await createUser(db(), { email: email(), tier: 'pro' });
      const { key, secret } = await createKey(db(), user.id, 'laptop');
      expect(secret).toMatch(API_KEY_PATTERN);
      expect(key.prefix).toBe(secret.slice(0, 12));
      const { rows } = await db().query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = $1', [key.id]);
      expect(rows[0]!.secret_sha256).toBe(hashSecret(secret));
      expect(JSON.stringify(rows[0])).not.toContain(secret);
      expect(await listKeys(db(), user.id)).toEqual([
        expect.objectContaining({ id: key.id, name: 'laptop', revokedAt: null }),
      ]);
    });

    it('authenticates its user until revoked', async () => {
      const user = await createUser(db(), { email: email(), tier: 'pro' });
      const { key, secret } = await createKey(db(), user.id);
      expect(await authenticate(db(), secret)).toMatchObject({ keyId: key.id, user: { id: user.id, tier: 'pro' } });
      expect(await revokeKey(db(), key.id, user.id)).toMatchObject({ id: key.id, revokedAt: expect.any(Date) });
      expect(await authenticate(db(), secret)).toBeUndefined();
    });
  });

  describe('unknown secrets', () => {
    it.each([
      ['empty', ''],
      ['malformed', 'phk_short'],
      ['well-formed but unknown', `phk_${'A'.repeat(43)}`],
    ])('%s is refused', async (_name, secret) => {
      expect(await authenticate(db(), secret)).toBeUndefined();
    });
  });

  describe("another user's key", () => {
    it('cannot be revoked by someone else', async () => {
      const owner = await createUser(db(), { email: email(), tier: 'pro' });
      const other = await createUser(db(), { email: email(), tier: 'pro' });
      const { key, secret } = await createKey(db(), owner.id);
      expect(await revokeKey(db(), key.id, other.id)).toBeUndefined();
      expect(await authenticate(db(), secret)).toBeDefined();
    });
  });

  describe('the key limit', () => {
    it(`allows ${MAX_KEYS_PER_USER} active keys even when created in parallel, and one more after a revoke`, async () => {
      const user = await createUser(db(), { email: email(), tier: 'pro' });
      const results = await Promise.allSettled(
        Array.from({ length: MAX_KEYS_PER_USER + 2 }, () => createKey(db(), user.id)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(MAX_KEYS_PER_USER);
      expect(
        results
          .filter((r) => r.status === 'rejected')
          .every((r) => (r as PromiseRejectedResult).reason instanceof KeyLimitError),
      ).toBe(true);
      const [first] = await listKeys(db(), user.id);
      await revokeKey(db(), first!.id, user.id);
      await expect(createKey(db(), user.id)).resolves.toBeDefined();
    });
  });
});
