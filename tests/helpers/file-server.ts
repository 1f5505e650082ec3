/**
 * A throwaway HTTP server on 127.0.0.1 that plays the "public" host in URL import tests: serves bytes,
 * redirects, stalls, and records what it was asked for. Closed by `close()`, and unref'd so it never
 * keeps a test process alive.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { TEST_CERT, TEST_KEY } from './tls-fixture';

/** A running test server. */
export interface FileServer {
  origin: string;
  port: number;
  /** Paths requested so far, in order. */
  requests: string[];
  /** Serves `body` at `path` (with a Content-Length unless `chunked`). */
  serve(path: string, body: Buffer, options?: { chunked?: boolean; type?: string }): void;
  close(): Promise<void>;
}

/**
 * Starts a server; `/redirect?to=URL` redirects, `/stall` never finishes, `/status/N` answers N. With
 * `tls`, it speaks HTTPS with the certificate of tls-fixture.ts.
 */
export async function startFileServer(options: { tls?: boolean } = {}): Promise<FileServer> {
  const files = new Map<string, { body: Buffer; chunked?: boolean; type?: string }>();
  const requests: string[] = [];
  const handler: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url.pathname);
    const file = files.get(url.pathname);
    if (url.pathname === '/redirect') {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
    } else if (url.pathname === '/stall') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write('x');
    } else if (url.pathname.startsWith('/status/')) {
      res.writeHead(Number(url.pathname.slice(8))).end();
    } else if (file) {
      const headers: Record<string, string> = { 'content-type': file.type ?? 'application/octet-stream' };
      if (!file.chunked) headers['content-length'] = String(file.body.length);
      res.writeHead(200, headers);
      if (file.chunked) for (let i = 0; i < file.body.length; i += 1024) res.write(file.body.subarray(i, i + 1024));
      res.end(file.chunked ? undefined : file.body);
    } else res.writeHead(404).end();
  };
  const server = options.tls
    ? https.createServer({ cert: TEST_CERT, key: TEST_KEY }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    serve: (path, body, options) => void files.set(path, { body, ...options }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
