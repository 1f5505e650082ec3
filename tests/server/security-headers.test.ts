import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app';
import { scanModelDirs } from '../../server/models/registry';
import { CONTENT_SECURITY_POLICY, contentSecurityPolicy } from '../../server/security-headers';

describe('security headers', () => {
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    app = createApp({ registry: await scanModelDirs([]), distDir: '/nonexistent' });
  });

  describe.each(['/', '/docs/', '/health'])('on %s', (route) => {
    it('sends the CSP, no framing, no referrer, and cross-origin isolation', async () => {
      const res = await request(app).get(route);
      expect(res.headers).toMatchObject({
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      });
    });
  });

  it('allows the WebAssembly and workers the app needs, no code from elsewhere, and reads from https only', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self' 'wasm-unsafe-eval' blob:");
    expect(CONTENT_SECURITY_POLICY).toContain("worker-src 'self' blob:");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("connect-src 'self' blob: data: https:;"); // models from any https URL
    expect(CONTENT_SECURITY_POLICY.replace(/connect-src [^;]+/, '')).not.toMatch(/https?:|'unsafe-eval'|\*/);
  });

  it('lets the playground connect to the other servers CONNECT_SRC names, and to nothing else', async () => {
    const policy = contentSecurityPolicy(['https://gpu.example.com', 'http://localhost:9000']);
    expect(policy).toContain("connect-src 'self' blob: data: https: https://gpu.example.com http://localhost:9000;");
    expect(policy.replace(/connect-src [^;]+/, '')).not.toMatch(/https?:/);
    const withConnect = createApp({
      registry: await scanModelDirs([]),
      distDir: '/nonexistent',
      connectSrc: ['https://gpu.example.com'],
    });
    expect((await request(withConnect).get('/')).headers['content-security-policy']).toContain(
      "connect-src 'self' blob: data: https: https://gpu.example.com;",
    );
  });
});
