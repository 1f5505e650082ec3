/**
 * `npm run size`: the app's own JavaScript, gzipped, against its 200 KB budget (the playground issue's
 * goal). It builds the production app once more with ONNX Runtime and ffmpeg.wasm left out (external),
 * so what is left is ours and our small dependencies (Svelte, Comlink, zod, mediabunny, idb-keyval), and
 * sums every JS file of that build, the page's and the worker's, gzipped at level 9. Exit status 1 when
 * over the budget.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

/** The budget of the app's own JavaScript, gzipped. */
export const BUDGET_BYTES = 200 * 1024;

/** Modules that are not the app's own: loaded by the worker, cached apart, and excluded from the budget. */
const EXTERNAL = [/^onnxruntime-web(\/|$)/, /^@ffmpeg\//];

/** Each JS file of a build of the app without the external runtimes, raw and gzipped. */
export async function measureAppJs(): Promise<{
  files: { name: string; bytes: number; gzip: number }[];
  gzip: number;
}> {
  const outDir = await mkdtemp(path.join(tmpdir(), 'phosphene-size-'));
  try {
    const external = (id: string) => EXTERNAL.some((re) => re.test(id));
    await build({
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true, sourcemap: false, rollupOptions: { external } },
      worker: { rollupOptions: { external } },
    });
    const files = [];
    let importsOrt = false;
    for (const name of await readdir(path.join(outDir, 'assets'))) {
      if (!name.endsWith('.js')) continue;
      const bytes = await readFile(path.join(outDir, 'assets', name));
      importsOrt ||= /from\s*["']onnxruntime-web/.test(bytes.toString('utf8'));
      files.push({ name, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
    }
    // Proof the runtime was left out rather than bundled under another name: the worker imports it by name.
    if (!importsOrt)
      throw new Error('no chunk imports onnxruntime-web: the externals did not apply, the figure would include it');
    return { files, gzip: files.reduce((sum, f) => sum + f.gzip, 0) };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { files, gzip } = await measureAppJs();
  for (const f of files.sort((a, b) => b.gzip - a.gzip))
    console.log(
      `${f.name.padEnd(40)} ${(f.bytes / 1024).toFixed(1).padStart(8)} KB ${(f.gzip / 1024).toFixed(1).padStart(7)} KB gz`,
    );
  const verdict = gzip <= BUDGET_BYTES ? 'within' : 'OVER';
  console.log(
    `app JS without ONNX Runtime and ffmpeg.wasm: ${(gzip / 1024).toFixed(1)} KB gzipped, ${verdict} the ${BUDGET_BYTES / 1024} KB budget`,
  );
  process.exit(gzip <= BUDGET_BYTES ? 0 : 1);
}
