import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowAlso } from '../../../server/net/address-policy';
import { FetchFailedError, UrlRefusedError } from '../../../server/net/errors';
import { fetchBuffer, type SafeFetchOptions } from '../../../server/net/safe-fetch';
import type { Resolver } from '../../../server/net/vet-url';
import { startFileServer, type FileServer } from '../../helpers/file-server';
import { TEST_CERT } from '../../helpers/tls-fixture';

let server: FileServer;
beforeAll(async () => {
  server = await startFileServer();
  server.serve('/cat.png', Buffer.from('png bytes'));
  server.serve('/big', Buffer.alloc(5000, 1));
  server.serve('/big-chunked', Buffer.alloc(5000, 1), { chunked: true });
});
afterAll(() => server.close());

const base: SafeFetchOptions = { protocols: ['http:', 'https:'], maxBytes: 4096, timeoutMs: 2000 };
// Our test server is on loopback, which the real policy refuses; tests allow exactly 127.0.0.1.
const local: SafeFetchOptions = { ...base, policy: allowAlso(['127.0.0.1']) };
const redirect = (to: string) => `${server.origin}/redirect?to=${encodeURIComponent(to)}`;

describe('fetchBuffer', () => {
  describe('with the default policy', () => {
    it.each([
      ['http://127.0.0.1:PORT/cat.png', /loopback/],
      ['http://localhost:PORT/cat.png', /loopback/],
      ['http://[::1]:PORT/cat.png', /loopback/],
      ['http://[::ffff:127.0.0.1]:PORT/cat.png', /loopback/],
      ['http://2130706433:PORT/cat.png', /loopback/],
      ['http://169.254.169.254/latest/meta-data/', /link-local \(cloud metadata\)/],
      ['http://10.0.0.1/', /private/],
      ['http://0.0.0.0:PORT/', /unspecified/],
    ])('refuses %s before connecting', async (raw, reason) => {
      const before = server.requests.length;
      const error = await fetchBuffer(raw.replace('PORT', String(server.port)), base).catch((e: Error) => e);
      expect(error).toBeInstanceOf(UrlRefusedError);
      expect((error as Error).message).toMatch(reason);
      expect(server.requests.length).toBe(before);
    });
  });

  describe('a URL that is not http(s)', () => {
    it.each(['ftp://example.com/x', 'file:///etc/passwd', 'data:text/plain,hi', 'gopher://x/', 'not a url'])(
      'refuses %s',
      async (raw) => {
        await expect(fetchBuffer(raw, local)).rejects.toBeInstanceOf(UrlRefusedError);
      },
    );
    it('refuses http when only https is allowed', async () => {
      await expect(fetchBuffer(`${server.origin}/cat.png`, { ...local, protocols: ['https:'] })).rejects.toThrow(
        /Only https URLs/,
      );
    });
    it('refuses credentials in the URL', async () => {
      await expect(fetchBuffer(`http://u:p@127.0.0.1:${server.port}/cat.png`, local)).rejects.toThrow(/password/);
    });
  });

  describe('an allowed host', () => {
    it('returns the body and content type', async () => {
      const res = await fetchBuffer(`${server.origin}/cat.png`, local);
      expect(res.bytes.toString()).toBe('png bytes');
      expect(res.contentType).toBe('application/octet-stream');
    });
    it('connects to the vetted address, resolving each hop once (no DNS rebinding window)', async () => {
      const calls: string[] = [];
      // A rebinding resolver: the first answer is allowed, any later one points at the metadata service.
      const resolve: Resolver = async (host) => {
        calls.push(host);
        return [{ address: calls.length === 1 ? '127.0.0.1' : '169.254.169.254', family: 4 }];
      };
      const res = await fetchBuffer(`http://files.example.test:${server.port}/cat.png`, { ...local, resolve });
      expect(res.bytes.toString()).toBe('png bytes');
      expect(calls).toEqual(['files.example.test']);
    });
    it('refuses a name when any of its addresses is forbidden', async () => {
      const resolve: Resolver = async () => [
        { address: '127.0.0.1', family: 4 },
        { address: '10.1.2.3', family: 4 },
      ];
      await expect(
        fetchBuffer(`http://mixed.example.test:${server.port}/cat.png`, { ...local, resolve }),
      ).rejects.toThrow(/10\.1\.2\.3 is a private address/);
    });
    it('reports an HTTP error status', async () => {
      await expect(fetchBuffer(`${server.origin}/status/404`, local)).rejects.toThrow(/answered HTTP 404/);
    });
  });

  describe('redirects', () => {
    it('follows a relative redirect', async () => {
      await expect(fetchBuffer(redirect('/cat.png'), local)).resolves.toMatchObject({
        url: `${server.origin}/cat.png`,
      });
    });
    it.each([
      'http://169.254.169.254/latest/meta-data/iam/',
      'http://10.0.0.1/',
      'http://[::1]:PORT/cat.png',
      'http://127.0.0.2:PORT/cat.png',
      'file:///etc/passwd',
    ])('refuses a redirect to %s', async (to) => {
      const before = server.requests.length;
      const error = await fetchBuffer(redirect(to.replace('PORT', String(server.port))), local).catch((e: Error) => e);
      expect(error).toBeInstanceOf(UrlRefusedError);
      expect(server.requests.length).toBe(before + 1);
    });
    it('follows five redirects and refuses a sixth', async () => {
      let url = `${server.origin}/cat.png`;
      for (let i = 0; i < 5; i++) url = redirect(url);
      await expect(fetchBuffer(url, local)).resolves.toMatchObject({ bytes: Buffer.from('png bytes') });
      await expect(fetchBuffer(redirect(url), local)).rejects.toThrow(/more than 5 times/);
    });
  });

  describe('limits', () => {
    it('refuses a declared Content-Length over the limit without reading it', async () => {
      await expect(fetchBuffer(`${server.origin}/big`, local)).rejects.toThrow(/5000 bytes, over the 4096-byte limit/);
    });
    it('stops a chunked body at the limit', async () => {
      const error = await fetchBuffer(`${server.origin}/big-chunked`, local).catch((e: Error) => e);
      expect(error).toBeInstanceOf(FetchFailedError);
      expect((error as Error).message).toMatch(/larger than the 4096-byte limit/);
    });
    it('gives up at the deadline, body included', async () => {
      const started = Date.now();
      await expect(fetchBuffer(`${server.origin}/stall`, { ...local, timeoutMs: 300 })).rejects.toThrow(
        /longer than 0.3 s/,
      );
      expect(Date.now() - started).toBeLessThan(2000);
    });
  });
});

describe('fetchBuffer over HTTPS', () => {
  let tls: FileServer;
  beforeAll(async () => {
    tls = await startFileServer({ tls: true });
    tls.serve('/lora.safetensors', Buffer.from('weights'));
  });
  afterAll(() => tls.close());
  const resolve: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
  const httpsOnly: SafeFetchOptions = { ...local, protocols: ['https:'], resolve, ca: TEST_CERT };

  it('checks the certificate against the host name while connecting to the pinned address', async () => {
    const res = await fetchBuffer(`https://files.example.test:${tls.port}/lora.safetensors`, httpsOnly);
    expect(res.bytes.toString()).toBe('weights');
  });
  it('fails when the certificate is not for that name', async () => {
    await expect(fetchBuffer(`https://other.example.test:${tls.port}/lora.safetensors`, httpsOnly)).rejects.toThrow(
      /altnames|certificate/i,
    );
  });
  it('fails without the test CA (self-signed)', async () => {
    await expect(
      fetchBuffer(`https://files.example.test:${tls.port}/lora.safetensors`, { ...httpsOnly, ca: undefined }),
    ).rejects.toBeInstanceOf(FetchFailedError);
  });
  it('refuses an https → http downgrade redirect when only https is allowed', async () => {
    const to = `${server.origin}/cat.png`;
    await expect(
      fetchBuffer(`https://files.example.test:${tls.port}/redirect?to=${encodeURIComponent(to)}`, httpsOnly),
    ).rejects.toThrow(/redirects to a refused URL: Only https/);
  });
});
