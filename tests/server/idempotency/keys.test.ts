import { describe, expect, it } from 'vitest';
import { createUser } from '../../../server/accounts/users';
import { jsonFingerprint, partsFingerprint } from '../../../server/idempotency/header';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  STALE_RESERVATION_MS,
  type IdempotentRequest,
} from '../../../server/idempotency/keys';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';

describe('fingerprints', () => {
  it('ignore key order and whitespace but not values', () => {
    expect(jsonFingerprint({ a: 1, b: { c: [1, 2], d: null } })).toBe(
      jsonFingerprint({ b: { d: null, c: [1, 2] }, a: 1 }),
    );
    expect(jsonFingerprint({ a: 1 })).not.toBe(jsonFingerprint({ a: '1' }));
    expect(jsonFingerprint({ a: [1, 2] })).not.toBe(jsonFingerprint({ a: [2, 1] }));
  });
  it('tell parts apart by name and by where one ends', () => {
    const ab = partsFingerprint([{ name: 'a', bytes: Buffer.from('xy') }]);
    expect(partsFingerprint([{ name: 'b', bytes: Buffer.from('xy') }])).not.toBe(ab);
    expect(
      partsFingerprint([
        { name: 'a', bytes: Buffer.from('x') },
        { name: 'y', bytes: Buffer.alloc(0) },
      ]),
    ).not.toBe(ab);
  });
});

describe.each(DATABASE_KINDS)('idempotency records on %s', (kind) => {
  const db = useTestDatabase(kind);
  let n = 0;
  const request = async (): Promise<IdempotentRequest> => {
    const user = await createUser(db(), { email: `idem-${++n}-${Date.now()}@example.test`, tier: 'standard' });
    return { userId: user.id, route: 'POST /test', key: 'k', fingerprint: 'f1' };
  };
  const age = (r: IdempotentRequest, ms: number) =>
    db().query(
      `UPDATE idempotency_keys SET created_at = now() - ($4::double precision * interval '1 millisecond')
       WHERE user_id = $1 AND route = $2 AND key = $3`,
      [r.userId, r.route, r.key, ms],
    );

  it('reserves, answers 409 while running, then replays the stored answer', async () => {
    const r = await request();
    expect(await claimIdempotencyKey(db(), r)).toBeUndefined();
    await expect(claimIdempotencyKey(db(), r)).rejects.toMatchObject({ status: 409, code: 'idempotency_key_in_use' });
    await completeIdempotencyKey(db(), r, { statusCode: 200, body: { id: 'x' } });
    expect(await claimIdempotencyKey(db(), r)).toEqual({ statusCode: 200, body: { id: 'x' } });
  });

  it('lets a new request take over a reservation abandoned for longer than the stale limit', async () => {
    const r = await request();
    await claimIdempotencyKey(db(), r);
    await age(r, STALE_RESERVATION_MS - 60_000);
    await expect(claimIdempotencyKey(db(), r)).rejects.toMatchObject({ status: 409 });
    await age(r, STALE_RESERVATION_MS + 1000);
    expect(await claimIdempotencyKey(db(), { ...r, fingerprint: 'f2' })).toBeUndefined();
    await expect(claimIdempotencyKey(db(), r)).rejects.toMatchObject({ status: 422, code: 'idempotency_key_reused' });
  });

  it('never takes over a completed answer younger than a day', async () => {
    const r = await request();
    await claimIdempotencyKey(db(), r);
    await completeIdempotencyKey(db(), r, { statusCode: 200, body: 1 });
    await age(r, STALE_RESERVATION_MS + 1000);
    expect(await claimIdempotencyKey(db(), r)).toEqual({ statusCode: 200, body: 1 });
  });
});
