import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Input, BufferSource, ALL_FORMATS } from 'mediabunny';
import { describe, expect, it } from 'vitest';
import { describeVideoTrack } from '../../helpers/mp4-boxes';

const run = promisify(execFile);
const TINY = 'tests/fixtures/models/phosphene-tiny';
const cli = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'server/cli/generate.ts', ...args], { timeout: 60_000 });

describe('npm run generate', () => {
  describe('with the tiny fixture package', () => {
    it('writes an H.264 MP4 with the requested size and one sample per frame', async () => {
      const out = path.join(await mkdtemp(path.join(tmpdir(), 'phosphene-cli-')), 'clip.mp4');
      const { stdout, stderr } = await cli([
        '--model',
        TINY,
        '--prompt',
        'a red circle moving left',
        '--out',
        out,
        '--width',
        '128',
        '--height',
        '72',
        '--num_frames',
        '9',
        '--steps',
        '2',
        '--seed',
        '7',
      ]);
      expect(stdout.trim()).toBe(out);
      expect(stderr).toMatch(/step 2\/2/);
      expect(stderr).toMatch(/128×72, 9 frames at 16 fps, 2 steps, guidance 1, seed 7, on cpu/);

      const mp4 = new Uint8Array(await readFile(out));
      expect(describeVideoTrack(mp4)).toEqual({
        brand: expect.any(String),
        codec: 'avc1',
        width: 128,
        height: 72,
        samples: 9,
      });

      const track = await new Input({ source: new BufferSource(mp4), formats: ALL_FORMATS }).getPrimaryVideoTrack();
      expect(track?.codec).toBe('avc');
      expect((await track!.computePacketStats()).packetCount).toBe(9);
    });

    it('defaults to the smallest resolution of the package', async () => {
      const out = path.join(await mkdtemp(path.join(tmpdir(), 'phosphene-cli-')), 'small.mp4');
      const { stderr } = await cli(['--model', TINY, '--prompt', 'a blue square', '--out', out, '--steps', '1']);
      expect(stderr).toMatch(/^64×64, 5 frames/m);
      expect(describeVideoTrack(new Uint8Array(await readFile(out)))).toMatchObject({
        width: 64,
        height: 64,
        samples: 5,
      });
    });
  });

  describe('with bad input', () => {
    it('explains a frame count that is not 1 + 4k and exits 1', async () => {
      const error = await cli(['--model', TINY, '--prompt', 'x', '--num_frames', '8', '--out', '/dev/null']).catch(
        (e: { code: number; stderr: string }) => e,
      );
      expect(error).toMatchObject({ code: 1 });
      expect((error as { stderr: string }).stderr).toMatch(
        /error: InvalidParamsError: num_frames must be 1 \+ 4k .* use 5 or 9\./,
      );
    });

    it('asks for a prompt and prints the usage', async () => {
      const error = (await cli(['--model', TINY]).catch((e: unknown) => e)) as { code: number; stderr: string };
      expect(error.code).toBe(1);
      expect(error.stderr).toMatch(/error: --prompt is required\.[\s\S]*Usage: npm run generate/);
    });

    it('names the missing model folder', async () => {
      const error = (await cli([
        '--model',
        '/nonexistent/model',
        '--prompt',
        'x',
        '--width',
        '64',
        '--height',
        '64',
      ]).catch((e: unknown) => e)) as { code: number; stderr: string };
      expect(error.code).toBe(1);
      expect(error.stderr).toMatch(/ModelPackageError: Cannot read \/nonexistent\/model\/model\.json/);
    });
  });
});
