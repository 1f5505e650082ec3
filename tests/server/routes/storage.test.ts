import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../../server/accounts/keys';
import { createUser, type User } from '../../../server/accounts/users';
import { findUserImage } from '../../../server/storage/images';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';
import { startFileServer, type FileServer } from '../../helpers/file-server';
import { JPEG_3X2, WEBP_LOSSY_3X2, png } from '../../helpers/images';
import { as, storageApps, TEST_LIMITS } from '../../helpers/storage-app';

let n = 0;
const email = () => `storage-${++n}-${Date.now()}@example.test`;

let remote: FileServer;
beforeAll(async () => {
  remote = await startFileServer();
  remote.serve('/cat.png', png(8, 6), { type: 'image/png' });
  remote.serve('/notes.txt', Buffer.from('not an image'));
});
afterAll(() => remote.close());

describe.each(DATABASE_KINDS)('storage routes on %s', (kind) => {
  const db = useTestDatabase(kind);
  let apps: Awaited<ReturnType<typeof storageApps>>;
  let user: User;
  let secret: string;
  let api: ReturnType<typeof as>;

  beforeAll(async () => {
    apps = await storageApps(db());
    user = await createUser(db(), { email: email(), tier: 'standard' });
    ({ secret } = await createKey(db(), user.id));
    api = as(apps.app, secret);
  });

  const upload = (bytes: Buffer, part = 'file', filename = 'picture') =>
    api.post('/api/v1/storage/image/upload').attach(part, bytes, filename);

  describe('POST /api/v1/storage/image/upload', () => {
    describe('a valid image', () => {
      it.each([
        ['PNG', png(5, 4), 'png', 'image/png', 5, 4],
        ['JPEG', JPEG_3X2, 'jpg', 'image/jpeg', 3, 2],
        ['WebP', WEBP_LOSSY_3X2, 'webp', 'image/webp', 3, 2],
      ])('stores a %s and answers its key', async (_name, bytes, ext, type, width, height) => {
        const res = await upload(bytes).expect(200);
        expect(res.body).toEqual({
          key: expect.stringMatching(new RegExp(`^images/img_[0-9a-f-]{36}\\.${ext}$`)),
          image_url: res.body.key,
          content_type: type,
          width,
          height,
          size_bytes: bytes.length,
          created_at: expect.any(String),
        });
        expect(await apps.files.read(res.body.key)).toEqual(bytes);
        expect(await findUserImage(db(), user.id, res.body.key)).toMatchObject({ key: res.body.key, source: 'upload' });
      });
      it('accepts the part named "image" too, whatever the file name says', async () => {
        const res = await upload(png(2, 2), 'image', 'photo.jpg').expect(200);
        expect(res.body.content_type).toBe('image/png');
      });
    });

    describe('wrong magic bytes', () => {
      it('is 400 invalid_image naming the part', async () => {
        const res = await upload(Buffer.from('GIF89a not really'), 'file', 'x.png').expect(400);
        expect(res.body.error).toEqual({
          code: 'invalid_image',
          message: expect.stringMatching(/^file: Not a JPEG, PNG or WebP/),
        });
      });
    });

    describe('a truncated image', () => {
      it('is 400 invalid_image and stores nothing', async () => {
        const res = await upload(png(32, 32).subarray(0, 60)).expect(400);
        expect(res.body.error.message).toMatch(/truncated/);
        const { rows } = await db().query('SELECT count(*)::int AS n FROM images WHERE user_id = $1 AND width = 32', [
          user.id,
        ]);
        expect(rows[0]).toEqual({ n: 0 });
      });
    });

    describe('over the size limit', () => {
      it('is 400 file_too_large', async () => {
        const res = await upload(Buffer.alloc(TEST_LIMITS.maxImageBytes + 1, 0x89)).expect(400);
        expect(res.body.error).toMatchObject({
          code: 'file_too_large',
          message: expect.stringMatching(/file: larger than the 65536-byte limit/),
        });
      });
    });

    describe('a malformed form', () => {
      it('is 400 for an unknown part or field, two images, or no multipart at all', async () => {
        const unknown = await upload(png(2, 2), 'picture').expect(400);
        expect(unknown.body.error.message).toMatch(/unknown part "picture"; expected file, image/);
        const field = await api.post('/api/v1/storage/image/upload').field('note', 'hi').expect(400);
        expect(field.body.error.message).toMatch(/unknown field "note"/);
        const empty = await api.post('/api/v1/storage/image/upload').type('form').send('a=b').expect(400);
        expect(empty.body.error.message).toMatch(/multipart\/form-data/);
        const two = await api
          .post('/api/v1/storage/image/upload')
          .attach('file', png(2, 2), 'a.png')
          .attach('image', png(2, 2), 'b.png')
          .expect(400);
        expect(two.body.error.message).toMatch(/send one image/);
      });
    });

    describe('without an API key', () => {
      it('is 401', async () => {
        await request(apps.app).post('/api/v1/storage/image/upload').attach('file', png(2, 2), 'a.png').expect(401);
      });
    });

    describe("another user's image key", () => {
      it('is not found by the lookup a submit uses', async () => {
        const mine = await upload(png(3, 3)).expect(200);
        const other = await createUser(db(), { email: email(), tier: 'starter' });
        expect(await findUserImage(db(), other.id, mine.body.key)).toBeUndefined();
        expect(await findUserImage(db(), user.id, 'images/img_unknown.png')).toBeUndefined();
      });
    });
  });

  describe('POST /api/v1/storage/image/import', () => {
    const importUrl = (url: string, app = apps.app) =>
      as(app, secret).post('/api/v1/storage/image/import').send({ url });

    describe('a public image', () => {
      it('fetches, checks and stores it', async () => {
        const res = await importUrl(`${remote.origin}/cat.png`).expect(200);
        expect(res.body).toMatchObject({ key: expect.stringMatching(/\.png$/), width: 8, height: 6 });
        expect(await findUserImage(db(), user.id, res.body.key)).toMatchObject({ source: 'import' });
      });
      it('follows a redirect by host name', async () => {
        const to = `http://cdn.example.test:${remote.port}/cat.png`;
        await importUrl(`${remote.origin}/redirect?to=${encodeURIComponent(to)}`).expect(200);
      });
    });

    describe('an address inside our network (real policy)', () => {
      it.each([
        'http://127.0.0.1:PORT/cat.png',
        'http://localhost:PORT/cat.png',
        'http://[::1]:PORT/cat.png',
        'http://169.254.169.254/latest/meta-data/',
        'http://10.0.0.1/cat.png',
      ])('refuses %s with 400 url_refused, without connecting', async (raw) => {
        const before = remote.requests.length;
        const res = await importUrl(raw.replace('PORT', String(remote.port)), apps.strictApp).expect(400);
        expect(res.body.error).toMatchObject({ code: 'url_refused', message: expect.stringMatching(/^url: Refused/) });
        expect(remote.requests.length).toBe(before);
      });
    });

    describe('a redirect to a forbidden address', () => {
      it('is refused at the hop', async () => {
        const to = encodeURIComponent('http://169.254.169.254/latest/meta-data/');
        const res = await importUrl(`${remote.origin}/redirect?to=${to}`).expect(400);
        expect(res.body.error).toMatchObject({ code: 'url_refused', message: expect.stringMatching(/cloud metadata/) });
      });
    });

    describe('a bad URL or body', () => {
      it('is 400 for other schemes, a missing url and unknown fields', async () => {
        expect((await importUrl('ftp://example.test/x.png').expect(400)).body.error.message).toMatch(
          /Only https or http/,
        );
        expect((await importUrl('file:///etc/passwd').expect(400)).body.error.code).toBe('url_refused');
        const missing = await api.post('/api/v1/storage/image/import').send({}).expect(400);
        expect(missing.body.error.message).toMatch(/url:/);
        const extra = await api
          .post('/api/v1/storage/image/import')
          .send({ url: 'https://x.test/a.png', user_id: 'x' })
          .expect(400);
        expect(extra.body.error.message).toMatch(/user_id/);
      });
    });

    describe('a URL that is not an image or not there', () => {
      it('is 400 naming the reason', async () => {
        expect((await importUrl(`${remote.origin}/notes.txt`).expect(400)).body.error.code).toBe('invalid_image');
        const gone = await importUrl(`${remote.origin}/status/404`).expect(400);
        expect(gone.body.error).toMatchObject({ code: 'import_failed', message: expect.stringMatching(/HTTP 404/) });
      });
    });
  });
});
