/** The write clock: which statements move which tables' versions, and that PGlite counts its writes. */
import { describe, expect, it } from 'vitest';
import { openMemoryPglite } from '../../../server/db/pglite';
import { WriteClock } from '../../../server/db/write-clock';

describe('WriteClock', () => {
  const moved = (sql: string) => {
    const clock = new WriteClock();
    const tables = ['jobs', 'api_keys', 'users', 'credit_ledger'];
    const before = tables.map((t) => clock.version(t));
    clock.note(sql);
    return tables.filter((t, i) => clock.version(t) !== before[i]);
  };

  it('moves exactly the tables a statement writes', () => {
    expect(moved('SELECT * FROM jobs WHERE id = $1')).toEqual([]);
    expect(moved('SELECT id FROM users WHERE id = $1 FOR UPDATE')).toEqual([]);
    expect(moved('UPDATE jobs SET progress = $2 WHERE id = $1')).toEqual(['jobs']);
    expect(moved('update  "api_keys" set revoked_at = now()')).toEqual(['api_keys']);
    expect(moved('INSERT INTO credit_ledger (user_id) VALUES ($1)')).toEqual(['credit_ledger']);
    expect(moved('DELETE FROM ONLY users WHERE id = $1')).toEqual(['users']);
    expect(
      moved('WITH c AS (UPDATE jobs SET status = $1 RETURNING user_id) INSERT INTO credit_ledger SELECT 1'),
    ).toEqual(['jobs', 'credit_ledger']);
  });

  it('moves every table for a statement it cannot read', () => {
    expect(moved('ALTER TABLE jobs ADD COLUMN x int')).toEqual(['jobs', 'api_keys', 'users', 'credit_ledger']);
    const clock = new WriteClock();
    clock.noteScript();
    expect(clock.version('anything')).toBe(1);
    expect(clock.versionOf(['a', 'b'])).toBe(2);
  });

  it('is kept by PGlite for every write, inside transactions too, and not for reads', async () => {
    const db = await openMemoryPglite();
    try {
      const clock = db.writes!;
      await db.exec('CREATE TABLE jobs (id int); CREATE TABLE users (id int)');
      const [jobs, users] = [clock.version('jobs'), clock.version('users')];
      await db.query('SELECT * FROM jobs');
      expect(clock.version('jobs')).toBe(jobs);
      await db.transaction((tx) => tx.query('INSERT INTO jobs VALUES (1)'));
      expect(clock.version('jobs')).toBeGreaterThan(jobs);
      expect(clock.version('users')).toBe(users);
      await expect(db.query('UPDATE users SET id = $1 WHERE nope', [1])).rejects.toThrow();
      expect(clock.version('users')).toBeGreaterThan(users);
    } finally {
      await db.close();
    }
  });
});
