import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsPackageSource } from '../../../server/models/fs-package-source';
import { loadModelPackage, type LoadProgress } from '../../../src/pipeline/model-package/load';
import { httpPackageSource } from '../../../src/pipeline/model-package/source';
import { DigestMismatchError, ModelPackageError } from '../../../src/shared/errors';

const TINY = 'tests/fixtures/models/phosphene-tiny';

async function copyOfTiny(): Promise<string> {
  const dir = path.join(await mkdtemp(path.join(tmpdir(), 'phosphene-load-')), 'tiny');
  await cp(TINY, dir, { recursive: true });
  return dir;
}

describe('loadModelPackage', () => {
  describe('from a folder', () => {
    it('loads the manifest, tokenizer and the default variant, reporting progress per file', async () => {
      const events: LoadProgress[] = [];
      const pkg = await loadModelPackage(fsPackageSource(TINY), { onProgress: (e) => events.push(e) });
      expect(pkg.variant).toBe('fp32');
      expect(Object.keys(pkg.graphs).sort()).toEqual(['denoiser', 'text_encoder', 'vae_decoder', 'vae_encoder']);
      expect((pkg.tokenizerJson as { type: string }).type).toBe('word-level');
      const last = events.filter((e) => e.file === 'denoiser.onnx').at(-1)!;
      expect(last.loadedBytes).toBe(last.totalBytes);
      expect(last.totalBytes).toBe(pkg.graphs.denoiser!.byteLength);
    });

    it('throws DigestMismatchError naming the file, both digests and the fix when a file is corrupted', async () => {
      const dir = await copyOfTiny();
      const bytes = await readFile(path.join(dir, 'denoiser.onnx'));
      bytes[bytes.length - 1] = bytes.at(-1)! ^ 0xff;
      await writeFile(path.join(dir, 'denoiser.onnx'), bytes);
      const manifest = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
      const expected = manifest.files.find((f: { path: string }) => f.path === 'denoiser.onnx').sha256;
      const error = await loadModelPackage(fsPackageSource(dir)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DigestMismatchError);
      expect((error as Error).message).toMatch(
        new RegExp(`denoiser\\.onnx has sha256 [0-9a-f]{64} but model\\.json expects ${expected}`),
      );
      expect((error as Error).message).toMatch(/npm run models:build/);
    });

    it('throws DigestMismatchError when a file has the wrong size', async () => {
      const dir = await copyOfTiny();
      await writeFile(path.join(dir, 'tokenizer.json'), '{}');
      await expect(loadModelPackage(fsPackageSource(dir))).rejects.toThrow(
        /tokenizer\.json is 2 bytes but model\.json says \d+/,
      );
    });

    it('refuses a variant the package does not have', async () => {
      await expect(loadModelPackage(fsPackageSource(TINY), { variant: 'int3' })).rejects.toThrow(
        /has no variant "int3"; it has fp32, q4/,
      );
    });

    it('refuses a missing folder with a ModelPackageError', async () => {
      await expect(loadModelPackage(fsPackageSource('/nonexistent/pkg'))).rejects.toBeInstanceOf(ModelPackageError);
    });

    it('stops when the signal is aborted', async () => {
      await expect(loadModelPackage(fsPackageSource(TINY), { signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
    });
  });

  describe('over HTTP', () => {
    let server: http.Server;
    let base: string;
    beforeAll(async () => {
      server = http.createServer(async (req, res) => {
        try {
          const body = await readFile(
            path.join(TINY, decodeURIComponent(new URL(req.url!, 'http://x').pathname.replace('/pkg/', ''))),
          );
          res.writeHead(200, { 'content-length': body.byteLength }).end(body);
        } catch {
          res.writeHead(404).end();
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pkg/`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it('loads from a model.json URL with streaming progress', async () => {
      const events: LoadProgress[] = [];
      const pkg = await loadModelPackage(httpPackageSource(`${base}model.json`), { onProgress: (e) => events.push(e) });
      expect(pkg.label).toBe(base);
      expect(events.some((e) => e.file === 'denoiser.onnx' && e.loadedBytes === e.totalBytes)).toBe(true);
    });

    it('says which URL failed', async () => {
      await expect(loadModelPackage(httpPackageSource(`${base}missing`))).rejects.toThrow(
        /Cannot download .*missing\/model\.json: HTTP 404/,
      );
    });
  });
});
