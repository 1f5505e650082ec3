import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../server/db/migrate';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';

async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'phosphene-migrations-'));
  for (const [name, sql] of Object.entries(files)) await writeFile(path.join(dir, name), sql);
  return dir;
}

describe.each(DATABASE_KINDS)('migrations on %s', (kind) => {
  const db = useTestDatabase(kind);

  describe('a migrated database', () => {
    it('records each migration and applies nothing on a re-run', async () => {
      const { rows } = await db().query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toContain('001_accounts');
      expect(await migrate(db())).toEqual([]);
      expect(await migrate(db())).toEqual([]);
    });
  });

  describe('a folder with a new migration', () => {
    it('applies it in name order, once', async () => {
      const dir = await migrationsDir({
        '902_b.sql': 'ALTER TABLE probe ADD COLUMN b int;',
        '901_a.sql': 'CREATE TABLE probe (a int);',
        'notes.txt': 'ignored',
      });
      expect(await migrate(db(), dir)).toEqual(['901_a', '902_b']);
      expect(await migrate(db(), dir)).toEqual([]);
      await db().query('INSERT INTO probe (a, b) VALUES (1, 2)');
    });
  });

  describe('a migration that fails', () => {
    it('rolls back the whole run', async () => {
      const dir = await migrationsDir({
        '911_ok.sql': 'CREATE TABLE half (a int);',
        '912_bad.sql': 'CREATE TABLE broken (;',
      });
      await expect(migrate(db(), dir)).rejects.toThrow();
      const { rows } = await db().query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half'");
      expect(rows).toHaveLength(0);
    });
  });

  describe('an applied migration that was edited', () => {
    it('is refused with a message that says what to do', async () => {
      const dir = await migrationsDir({ '921_x.sql': 'CREATE TABLE edited (a int);' });
      await migrate(db(), dir);
      await writeFile(path.join(dir, '921_x.sql'), 'CREATE TABLE edited (a bigint);');
      await expect(migrate(db(), dir)).rejects.toThrow(/921_x was changed after it was applied; .*add a new migration/);
    });
  });
});
