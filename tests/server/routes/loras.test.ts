import { readdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../../server/accounts/keys';
import { createUser, type User } from '../../../server/accounts/users';
import { markLoraReady, reserveLora } from '../../../server/loras/lifecycle';
import { findUserLora, loraFileKey, MAX_LORAS_PER_USER } from '../../../server/loras/loras';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';
import { startFileServer, type FileServer } from '../../helpers/file-server';
import { fileFromHeader, fileFromObject, headerFor, tinyLora } from '../../helpers/safetensors';
import { as, storageApps, TEST_LIMITS } from '../../helpers/storage-app';

let n = 0;
const email = () => `loras-${++n}-${Date.now()}@example.test`;

const F32x4 = { dtype: 'F32', shape: [4], data_offsets: [0, 16] };
const BAD_FILES: [string, Buffer, RegExp][] = [
  ['a header length past the file', fileFromHeader(Buffer.from('{}'), 0, 5000), /Truncated|header length/],
  ['a header that is not JSON', fileFromHeader(Buffer.from('{"t": nope}'), 16), /not valid JSON/],
  ['an unknown dtype', fileFromObject({ t: { ...F32x4, dtype: 'Q4' } }), /dtype "Q4"/],
  ['overlapping offsets', fileFromObject({ a: F32x4, b: { ...F32x4, data_offsets: [8, 24] } }), /overlap/],
  ['offsets past the data', fileFromObject({ t: F32x4 }, 8), /describes 16 data bytes but the file holds 8/],
  ['a size mismatch', fileFromObject({ t: { ...F32x4, shape: [3] } }), /needs 12 bytes/],
];

let remote: FileServer;
beforeAll(async () => {
  remote = await startFileServer({ tls: true });
  remote.serve('/high.safetensors', tinyLora(2));
  remote.serve('/low.safetensors', tinyLora(4));
  remote.serve('/broken.safetensors', BAD_FILES[1]![1]);
});
afterAll(() => remote.close());

describe.each(DATABASE_KINDS)('LoRA routes on %s', (kind) => {
  const db = useTestDatabase(kind);
  let apps: Awaited<ReturnType<typeof storageApps>>;
  let user: User;
  let api: ReturnType<typeof as>;

  beforeAll(async () => {
    apps = await storageApps(db());
    user = await createUser(db(), { email: email(), tier: 'pro' });
    api = as(apps.app, (await createKey(db(), user.id)).secret);
  });

  const upload = (client = api, high = tinyLora(), low = tinyLora(4), names = ['h.safetensors', 'l.safetensors']) =>
    client.post('/api/v1/storage/lora/upload').attach('high_noise', high, names[0]).attach('low_noise', low, names[1]);

  /** Polls the status until the LoRA leaves `processing`. */
  async function settled(id: string) {
    for (let i = 0; i < 100; i++) {
      const res = await api.get(`/api/v1/loras/${id}/status`).expect(200);
      if (res.body.status !== 'processing') return res.body;
      await sleep(20);
    }
    throw new Error(`LoRA ${id} still processing`);
  }

  const noFilesOf = async (id: string) => {
    expect(await apps.files.size(loraFileKey(id, 'high_noise'))).toBeUndefined();
    expect(await apps.files.size(loraFileKey(id, 'low_noise'))).toBeUndefined();
  };

  describe('POST /api/v1/storage/lora/upload', () => {
    describe('retried with the same Idempotency-Key', () => {
      const named = (key: string, name: string, low = tinyLora(4)) =>
        api
          .post('/api/v1/storage/lora/upload')
          .set('Idempotency-Key', key)
          .field('name', name)
          .attach('high_noise', tinyLora(), 'h.safetensors')
          .attach('low_noise', low, 'l.safetensors');
      const count = async (name: string) =>
        Number(
          (
            await db().query(
              'SELECT COUNT(*) AS n FROM loras WHERE user_id = $1 AND name = $2 AND deleted_at IS NULL',
              [user.id, name],
            )
          ).rows[0]!.n,
        );

      it('keeps one LoRA and answers the retry with it, discarding the retry’s copy', async () => {
        const first = await named('upload-once', 'once-up').expect(200);
        const again = await named('upload-once', 'once-up').expect(200);
        expect(again.headers['idempotent-replayed']).toBe('true');
        expect(again.body).toEqual(first.body);
        expect(await count('once-up')).toBe(1);
        // The retry's stored copy is gone: only the first LoRA's files remain.
        const { rows } = await db().query<{ id: string }>(
          "SELECT id FROM loras WHERE user_id = $1 AND name = 'once-up' AND id <> $2",
          [user.id, first.body.lora_id],
        );
        for (const { id } of rows) await noFilesOf(id);
        expect(await apps.files.read(loraFileKey(first.body.lora_id, 'low_noise'))).toEqual(tinyLora(4));
      });

      it('is 422 for the same key with other files, and keeps nothing of that upload', async () => {
        await named('upload-twice', 'first-body').expect(200);
        const other = await named('upload-twice', 'first-body', tinyLora(2)).expect(422);
        expect(other.body.error.message).toMatch(/Idempotency-Key/);
        expect(await count('first-body')).toBe(1);
      });
    });

    describe('a valid pair', () => {
      it('stores both files and answers a ready LoRA', async () => {
        const high = tinyLora(2);
        const res = await upload(api, high).field('name', ' my style ').expect(200);
        expect(res.body).toEqual({
          lora_id: expect.stringMatching(/^lora_/),
          name: 'my style',
          status: 'ready',
          source: 'upload',
          error: null,
          high_noise: { size_bytes: high.length, url: null },
          low_noise: { size_bytes: tinyLora(4).length, url: null },
          created_at: expect.any(String),
          expires_at: expect.any(String),
        });
        const ttl = Date.parse(res.body.expires_at) - Date.parse(res.body.created_at);
        expect(ttl).toBe(24 * 3600_000);
        expect(await apps.files.read(loraFileKey(res.body.lora_id, 'high_noise'))).toEqual(high);
        expect(await findUserLora(db(), user.id, res.body.lora_id)).toMatchObject({ ready: true, status: 'ready' });
        const list = await api.get('/api/v1/loras').expect(200);
        expect(list.body.loras.map((l: { lora_id: string }) => l.lora_id)).toContain(res.body.lora_id);
      });
    });

    describe('an invalid safetensors header', () => {
      it.each(BAD_FILES)('refuses %s with 400 naming the part, keeping nothing', async (_name, bad, message) => {
        const before = (await api.get('/api/v1/loras').expect(200)).body.loras.length;
        const res = await upload(api, tinyLora(), bad).expect(400);
        expect(res.body.error).toEqual({
          code: 'invalid_safetensors',
          message: expect.stringMatching(/^Invalid LoRA: low_noise: /),
        });
        expect(res.body.error.message).toMatch(message);
        expect((await api.get('/api/v1/loras').expect(200)).body.loras.length).toBe(before);
        const { rows } = await db().query<{ id: string }>(
          "SELECT id FROM loras WHERE user_id = $1 AND status = 'failed' ORDER BY created_at DESC LIMIT 1",
          [user.id],
        );
        await noFilesOf(rows[0]!.id);
      });
    });

    describe('a malformed form', () => {
      it('is 400 for a wrong extension', async () => {
        const res = await upload(api, tinyLora(), tinyLora(), ['h.safetensors', 'l.ckpt']).expect(400);
        expect(res.body.error.message).toMatch(/low_noise: the file name must end in \.safetensors/);
      });
      it('is 400 for a missing part', async () => {
        const res = await api
          .post('/api/v1/storage/lora/upload')
          .attach('high_noise', tinyLora(), 'h.safetensors')
          .expect(400);
        expect(res.body.error.message).toMatch(/missing part low_noise/);
      });
      it('is 400 for a part sent as a text field', async () => {
        const res = await api
          .post('/api/v1/storage/lora/upload')
          .attach('high_noise', tinyLora(), 'h.safetensors')
          .field('low_noise', 'https://example.test/l.safetensors')
          .expect(400);
        expect(res.body.error.message).toMatch(/low_noise: send it as a file part/);
      });
      it('is 400 for an unknown part or a repeated one', async () => {
        const unknown = await upload().attach('mid_noise', tinyLora(), 'm.safetensors').expect(400);
        expect(unknown.body.error.message).toMatch(/unknown part "mid_noise"/);
        const twice = await api
          .post('/api/v1/storage/lora/upload')
          .attach('high_noise', tinyLora(), 'a.safetensors')
          .attach('high_noise', tinyLora(), 'b.safetensors')
          .expect(400);
        expect(twice.body.error.message).toMatch(/high_noise: send it once/);
      });
      it('is 400 file_too_large over the per-file limit', async () => {
        const big = fileFromObject(headerFor([{ name: 'w', dtype: 'U8', shape: [TEST_LIMITS.maxLoraBytes] }]));
        const res = await upload(api, big).expect(400);
        expect(res.body.error).toMatchObject({ code: 'file_too_large', message: expect.stringMatching(/high_noise/) });
      });
    });

    describe('a client that disconnects mid-upload', () => {
      it('leaves no LoRA, no file and no temp file', async () => {
        const quitter = await createUser(db(), { email: email(), tier: 'pro' });
        const key = (await createKey(db(), quitter.id)).secret;
        const server = apps.app.listen(0, '127.0.0.1');
        await new Promise((r) => server.once('listening', r));
        const boundary = 'xyz';
        const req = http.request({
          port: (server.address() as AddressInfo).port,
          host: '127.0.0.1',
          method: 'POST',
          path: '/api/v1/storage/lora/upload',
          headers: { 'x-api-key': key, 'content-type': `multipart/form-data; boundary=${boundary}` },
        });
        req.on('error', () => undefined);
        req.write(
          `--${boundary}\r\nContent-Disposition: form-data; name="high_noise"; filename="h.safetensors"\r\n\r\n`,
        );
        req.write(tinyLora().subarray(0, 40));
        await sleep(100);
        req.destroy();
        const rows = async () =>
          (
            await db().query<{ status: string; deleted: boolean }>(
              'SELECT status, deleted_at IS NOT NULL AS deleted FROM loras WHERE user_id = $1',
              [quitter.id],
            )
          ).rows;
        for (let i = 0; i < 100 && (await rows())[0]?.status !== 'failed'; i++) await sleep(20);
        expect(await rows()).toEqual([{ status: 'failed', deleted: true }]);
        server.close();
        const { rows: ids } = await db().query<{ id: string }>('SELECT id FROM loras WHERE user_id = $1', [quitter.id]);
        await noFilesOf(ids[0]!.id);
        expect(await readdir(path.join(apps.files.localPath('x'), '..', '.tmp'))).toEqual([]);
      });
    });

    describe('the 21st LoRA', () => {
      it('is 400 lora_limit_reached until one is deleted', async () => {
        const full = await createUser(db(), { email: email(), tier: 'pro' });
        const client = as(apps.app, (await createKey(db(), full.id)).secret);
        for (let i = 0; i < MAX_LORAS_PER_USER; i++) {
          const lora = await reserveLora(db(), { userId: full.id, source: 'upload' });
          await markLoraReady(db(), lora.id, { bytes: { high_noise: 1, low_noise: 1 } });
        }
        const res = await upload(client).expect(400);
        expect(res.body.error.code).toBe('lora_limit_reached');
        const victim = (await client.get('/api/v1/loras').expect(200)).body.loras[0].lora_id;
        await client.delete(`/api/v1/loras/${victim}`).expect(200);
        await upload(client).expect(200);
      });
    });
  });

  describe('GET /api/v1/loras/{lora_id}/status', () => {
    describe('an own LoRA', () => {
      it('answers its status', async () => {
        const { body } = await upload().expect(200);
        const res = await api.get(`/api/v1/loras/${body.lora_id}/status`).expect(200);
        expect(res.body).toEqual({ lora_id: body.lora_id, status: 'ready', error: null, expires_at: body.expires_at });
      });
    });
    describe("another user's LoRA", () => {
      it('is 404 with none of its data, and cannot be deleted', async () => {
        const other = await createUser(db(), { email: email(), tier: 'starter' });
        const theirs = as(apps.app, (await createKey(db(), other.id)).secret);
        const { body } = await upload(theirs).expect(200);
        const res = await api.get(`/api/v1/loras/${body.lora_id}/status`).expect(404);
        expect(res.body.error.code).toBe('not_found');
        expect(JSON.stringify(res.body)).not.toContain('expires_at');
        await api.delete(`/api/v1/loras/${body.lora_id}`).expect(404);
        await theirs.get(`/api/v1/loras/${body.lora_id}/status`).expect(200);
        expect(await findUserLora(db(), user.id, body.lora_id)).toBeUndefined();
      });
    });
    describe('an unknown id', () => {
      it('is 404', async () => {
        await api.get('/api/v1/loras/lora_nope/status').expect(404);
      });
    });
  });

  describe('DELETE /api/v1/loras/{lora_id}', () => {
    describe('an own LoRA', () => {
      it('soft-deletes it: status 404, gone from the list, files removed, row kept', async () => {
        const { body } = await upload().expect(200);
        expect((await api.delete(`/api/v1/loras/${body.lora_id}`).expect(200)).body).toEqual({
          lora_id: body.lora_id,
          deleted: true,
        });
        await api.get(`/api/v1/loras/${body.lora_id}/status`).expect(404);
        await api.delete(`/api/v1/loras/${body.lora_id}`).expect(404);
        const list = await api.get('/api/v1/loras').expect(200);
        expect(list.body.loras.map((l: { lora_id: string }) => l.lora_id)).not.toContain(body.lora_id);
        await noFilesOf(body.lora_id);
        const { rows } = await db().query('SELECT deleted_at FROM loras WHERE id = $1', [body.lora_id]);
        expect(rows[0]!.deleted_at).not.toBeNull();
      });
    });
  });

  describe('POST /api/v1/storage/lora/import', () => {
    const url = (path: string) => `https://files.example.test:${remote.port}${path}`;
    const importPair = (high: string, low: string, client = api) =>
      client.post('/api/v1/storage/lora/import').send({ high_noise_url: high, low_noise_url: low });

    describe('two valid HTTPS URLs', () => {
      it('answers processing, then becomes ready with both files', async () => {
        const res = await importPair(url('/high.safetensors'), url('/low.safetensors')).expect(200);
        expect(res.body).toMatchObject({ status: 'processing', source: 'import' });
        expect(await settled(res.body.lora_id)).toMatchObject({ status: 'ready', error: null });
        expect(await apps.files.read(loraFileKey(res.body.lora_id, 'low_noise'))).toEqual(tinyLora(4));
      });
    });
    describe('retried with the same Idempotency-Key', () => {
      it('starts one import and answers the retry with its LoRA', async () => {
        const send = () =>
          api
            .post('/api/v1/storage/lora/import')
            .set('Idempotency-Key', 'import-once')
            .send({ high_noise_url: url('/high.safetensors'), low_noise_url: url('/low.safetensors'), name: 'once' });
        const first = await send().expect(200);
        const again = await send().expect(200);
        expect(again.headers['idempotent-replayed']).toBe('true');
        expect(again.body.lora_id).toBe(first.body.lora_id);
        const { rows } = await db().query("SELECT COUNT(*) AS n FROM loras WHERE user_id = $1 AND name = 'once'", [
          user.id,
        ]);
        expect(Number(rows[0]!.n)).toBe(1);
        await settled(first.body.lora_id);
      });
    });
    describe('a URL serving an invalid file', () => {
      it('becomes failed with the reason, keeping no files', async () => {
        const res = await importPair(url('/high.safetensors'), url('/broken.safetensors')).expect(200);
        const status = await settled(res.body.lora_id);
        expect(status).toMatchObject({ status: 'failed', error: expect.stringMatching(/low_noise: .*not valid JSON/) });
        await noFilesOf(res.body.lora_id);
      });
    });
    describe('a redirect to a forbidden address', () => {
      it('becomes failed, refused at the hop', async () => {
        const to = encodeURIComponent('https://169.254.169.254/latest/meta-data/');
        const res = await importPair(url(`/redirect?to=${to}`), url('/low.safetensors')).expect(200);
        expect(await settled(res.body.lora_id)).toMatchObject({
          status: 'failed',
          error: expect.stringMatching(/high_noise: .*cloud metadata/),
        });
      });
    });
    describe('a refused URL', () => {
      it('is 400 at once for http, and for private addresses under the real policy', async () => {
        const plain = await importPair(`http://files.example.test:${remote.port}/high.safetensors`, url('/low')).expect(
          400,
        );
        expect(plain.body.error).toMatchObject({
          code: 'url_refused',
          message: expect.stringMatching(/^high_noise_url: Only https/),
        });
        const strict = as(apps.strictApp, (await createKey(db(), user.id)).secret);
        for (const bad of [
          'https://127.0.0.1/x',
          'https://10.0.0.1/x',
          'https://[::1]/x',
          'https://169.254.169.254/x',
        ]) {
          const res = await importPair('https://93.184.216.34/high.safetensors', bad, strict).expect(400);
          expect(res.body.error.message).toMatch(/^low_noise_url: Refused/);
        }
        const missing = await api
          .post('/api/v1/storage/lora/import')
          .send({ high_noise_url: url('/h') })
          .expect(400);
        expect(missing.body.error.message).toMatch(/low_noise_url/);
      });
    });
  });

  describe('without an API key', () => {
    it('is 401 on every LoRA route', async () => {
      await request(apps.app).get('/api/v1/loras').expect(401);
      await request(apps.app).delete('/api/v1/loras/x').expect(401);
      await request(apps.app).post('/api/v1/storage/lora/import').send({}).expect(401);
    });
  });
});
