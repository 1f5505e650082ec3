import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUser, type User } from '../../../server/accounts/users';
import { deleteUserLora, markLoraReady, reserveLora } from '../../../server/loras/lifecycle';
import { findUserLora, LORA_PARTS, loraFileKey, type Lora } from '../../../server/loras/loras';
import { startLoraSweeper, sweepLoras } from '../../../server/loras/sweeper';
import { DiskFileStore } from '../../../server/storage/file-store';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';

let n = 0;

describe.each(DATABASE_KINDS)('LoRA sweeper on %s', (kind) => {
  const db = useTestDatabase(kind);
  let files: DiskFileStore;
  let user: User;

  beforeAll(async () => {
    files = await DiskFileStore.open(await mkdtemp(path.join(tmpdir(), 'phosphene-sweep-')));
    user = await createUser(db(), { email: `sweep-${++n}-${Date.now()}@example.test`, tier: 'pro' });
  });

  /** A LoRA with both files on disk, ready unless told otherwise. */
  async function loraWithFiles(ready = true): Promise<Lora> {
    const lora = await reserveLora(db(), { userId: user.id, source: 'upload' });
    for (const part of LORA_PARTS) await files.write(loraFileKey(lora.id, part), Buffer.from('weights'));
    if (ready) await markLoraReady(db(), lora.id, { bytes: { high_noise: 7, low_noise: 7 } });
    return lora;
  }
  const hasFiles = async (lora: Lora) => (await files.size(loraFileKey(lora.id, 'high_noise'))) !== undefined;
  const age = (lora: Lora, column: 'expires_at' | 'created_at', hours: number) =>
    db().query(`UPDATE loras SET ${column} = now() - $2::int * interval '1 hour' WHERE id = $1`, [lora.id, hours]);

  describe('a LoRA past its day', () => {
    it('is soft-deleted and its files removed', async () => {
      const old = await loraWithFiles();
      const fresh = await loraWithFiles();
      await age(old, 'expires_at', 1);
      const result = await sweepLoras(db(), files);
      expect(result).toMatchObject({ expired: 1 });
      expect(await hasFiles(old)).toBe(false);
      expect(await hasFiles(fresh)).toBe(true);
      expect(await findUserLora(db(), user.id, old.id)).toBeUndefined();
      const { rows } = await db().query('SELECT deleted_at, files_removed_at FROM loras WHERE id = $1', [old.id]);
      expect(rows[0]).toEqual({ deleted_at: expect.any(Date), files_removed_at: expect.any(Date) });
      expect(await sweepLoras(db(), files)).toEqual({ expired: 0, interrupted: 0, filesRemoved: 0 });
    });
  });

  describe('a deleted LoRA', () => {
    it('loses its files unless an upload may still be writing them', async () => {
      const done = await loraWithFiles();
      const uploading = await loraWithFiles(false);
      await deleteUserLora(db(), user.id, done.id);
      await deleteUserLora(db(), user.id, uploading.id);
      await sweepLoras(db(), files);
      expect(await hasFiles(done)).toBe(false);
      expect(await hasFiles(uploading)).toBe(true);
    });
  });

  describe('a LoRA processing for hours', () => {
    it('is marked failed as interrupted', async () => {
      const stuck = await loraWithFiles(false);
      await age(stuck, 'created_at', 4);
      expect((await sweepLoras(db(), files)).interrupted).toBe(1);
      expect(await findUserLora(db(), user.id, stuck.id)).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/interrupted/),
      });
    });
  });

  describe('startLoraSweeper', () => {
    it('sweeps at once and stops cleanly', async () => {
      const old = await loraWithFiles();
      await age(old, 'expires_at', 1);
      const sweeper = startLoraSweeper(db(), files, 60_000);
      await sweeper.stop();
      expect(await hasFiles(old)).toBe(false);
    });
  });
});
