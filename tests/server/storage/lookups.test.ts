import { beforeAll, describe, expect, it } from 'vitest';
import { createUser, type User } from '../../../server/accounts/users';
import { checkAssets, type AssetLookups } from '../../../server/jobs/asset-lookups';
import { deleteUserLora, markLoraReady, reserveLora } from '../../../server/loras/lifecycle';
import { findUserLora } from '../../../server/loras/loras';
import { findUserImage, insertImage, newImageKey } from '../../../server/storage/images';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';

// The lookups the server hands to the inference routes (server/index.ts): typed as the jobs seam wants.
const lookups: AssetLookups = { findImage: findUserImage, findLora: findUserLora };
let n = 0;

describe.each(DATABASE_KINDS)('storage lookups behind a submit on %s', (kind) => {
  const db = useTestDatabase(kind);
  let owner: User;
  let other: User;
  let key: string;

  beforeAll(async () => {
    owner = await createUser(db(), { email: `lookup-${++n}-${Date.now()}@example.test`, tier: 'pro' });
    other = await createUser(db(), { email: `lookup-${++n}-${Date.now()}@example.test`, tier: 'pro' });
    key = newImageKey('png');
    const info = { format: 'png' as const, width: 2, height: 2 };
    await insertImage(db(), { key, userId: owner.id, info, sizeBytes: 10, source: 'upload' });
  });

  const check = (userId: string, assets: { imageKey?: string; loraId?: string }) =>
    checkAssets(db(), lookups, userId, assets);

  describe('image_url', () => {
    it("passes for the owner's key and is 404 for anyone else or an unknown key", async () => {
      await expect(check(owner.id, { imageKey: key })).resolves.toBeUndefined();
      await expect(check(other.id, { imageKey: key })).rejects.toMatchObject({ status: 404 });
      await expect(check(owner.id, { imageKey: 'images/img_x.png' })).rejects.toMatchObject({ status: 404 });
    });
  });

  describe('lora_id', () => {
    it('passes only for a ready, undeleted LoRA of the caller', async () => {
      const lora = await reserveLora(db(), { userId: owner.id, source: 'upload' });
      await expect(check(owner.id, { loraId: lora.id })).rejects.toThrow(/not ready/);
      await markLoraReady(db(), lora.id, { bytes: { high_noise: 1, low_noise: 1 } });
      await expect(check(owner.id, { loraId: lora.id })).resolves.toBeUndefined();
      await expect(check(other.id, { loraId: lora.id })).rejects.toMatchObject({ status: 404 });
      await deleteUserLora(db(), owner.id, lora.id);
      await expect(check(owner.id, { loraId: lora.id })).rejects.toMatchObject({ status: 404 });
    });
  });
});
