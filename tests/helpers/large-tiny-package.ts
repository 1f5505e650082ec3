/**
 * A test-only package that needs much more memory than the tiny fixture: the same graphs (linked, so
 * their digests still hold) with an extra 512×512 preset. Measured: 512×512×9 peaks near 0.7 GB and
 * 512×512×17 near 1.25 GB, where the fixture's 64×64×5 peaks near 0.15 GB (`bench/job-memory.ts`).
 */
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const TINY = path.resolve('tests/fixtures/models/phosphene-tiny');

/** A size of the large preset whose peak is several times the fixture's smallest job. */
export const LARGE = { width: 512, height: 512, num_frames: 9 };

/** Writes `<root>/phosphene-tiny-large/` and returns it (a folder for `scanModelDirs` or MODEL_DIRS is its parent). */
export async function writeLargeTinyPackage(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'phosphene-large-'));
  const dir = path.join(root, 'phosphene-tiny-large');
  await mkdir(dir);
  for (const name of await readdir(TINY))
    if (name !== 'model.json') await symlink(path.join(TINY, name), path.join(dir, name));
  const manifest = JSON.parse(await readFile(path.join(TINY, 'model.json'), 'utf8'));
  manifest.id = 'phosphene/tiny-large-test/text-to-video';
  manifest.resolutions.push({ width: 512, height: 512, max_frames: 17, label: '512² memory test' });
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(manifest));
  return dir;
}
