import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Input, BufferSource, ALL_FORMATS } from 'mediabunny';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { adaptedLayers, syntheticLora } from '../../../models/phosphene-random/make-example-lora';
import { describeVideoTrack } from '../../helpers/mp4-boxes';
import { readRecipe } from '../../../src/pipeline/mp4-recipe';

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

    it('writes the recipe into the clip, and --recipe makes the very same bytes again', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'phosphene-cli-'));
      const first = path.join(dir, 'first.mp4');
      const again = path.join(dir, 'again.mp4');
      await cli([
        '--model',
        TINY,
        '--prompt',
        'a green star',
        '--negative_prompt',
        'blur',
        '--out',
        first,
        '--width',
        '64',
        '--height',
        '64',
        '--num_frames',
        '9',
        '--steps',
        '3',
        '--guidance_scale',
        '2',
        '--seed',
        '11',
        '--fps',
        '12',
      ]);
      const bytes = new Uint8Array(await readFile(first));
      const recipe = readRecipe(bytes)!;
      expect(recipe).toMatchObject({
        format: 'phosphene-recipe/1',
        model: 'phosphene/tiny-test/text-to-video',
        mode: 'text-to-video',
        variant: expect.any(String),
        model_version: expect.stringMatching(/^[0-9a-f]{12}$/),
        params: {
          prompt: 'a green star',
          negative_prompt: 'blur',
          width: 64,
          height: 64,
          num_frames: 9,
          num_inference_steps: 3,
          guidance_scale: 2,
          seed: 11,
          frames_per_second: 12,
        },
      });
      // Any MP4 reader sees it as the clip's comment.
      const tags = await new Input({ source: new BufferSource(bytes), formats: ALL_FORMATS }).getMetadataTags();
      expect(JSON.parse(tags.comment!)).toEqual(recipe);
      const { stderr } = await cli(['--model', TINY, '--recipe', first, '--out', again]);
      expect(stderr).toMatch(/64×64, 9 frames at 12 fps, 3 steps, guidance 2, seed 11/);
      expect(Buffer.compare(await readFile(again), Buffer.from(bytes))).toBe(0);
      // Another package is refused, naming the one that made the clip.
      const wrong = await cli(['--recipe', first, '--out', again]).catch((error: { stderr: string }) => error);
      expect((wrong as { stderr: string }).stderr).toMatch(/made by phosphene\/tiny-test\/text-to-video.*pass --model/);
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

  describe('with --image', () => {
    it('animates the image: an image-to-video MP4 that differs from the text-only clip of the same seed', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'phosphene-cli-'));
      const png = path.join(dir, 'first.png');
      await writeFile(
        png,
        await sharp({ create: { width: 80, height: 48, channels: 3, background: '#e02020' } })
          .png()
          .toBuffer(),
      );
      const args = [
        '--model',
        TINY,
        '--prompt',
        'a red circle',
        '--width',
        '64',
        '--height',
        '64',
        '--num_frames',
        '5',
        '--steps',
        '2',
        '--seed',
        '3',
      ];
      const fromImage = await cli([...args, '--image', png, '--out', path.join(dir, 'i2v.mp4')]);
      await cli([...args, '--out', path.join(dir, 't2v.mp4')]);
      expect(fromImage.stderr).toMatch(/64×64, 5 frames .* seed 3, on cpu, image-to-video/);
      const i2v = new Uint8Array(await readFile(path.join(dir, 'i2v.mp4')));
      expect(describeVideoTrack(i2v)).toMatchObject({ codec: 'avc1', width: 64, height: 64, samples: 5 });
      expect(Buffer.compare(i2v, await readFile(path.join(dir, 't2v.mp4')))).not.toBe(0);
    });

    it('refuses a file that is not an image, and a last image without a first', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'phosphene-cli-'));
      const text = path.join(dir, 'notes.png');
      await writeFile(text, 'not an image');
      const bad = (await cli(['--model', TINY, '--prompt', 'x', '--image', text]).catch((e: unknown) => e)) as {
        code: number;
        stderr: string;
      };
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/ImageDecodeError/);
      const lonely = (await cli(['--model', TINY, '--prompt', 'x', '--last_image', text]).catch((e: unknown) => e)) as {
        code: number;
        stderr: string;
      };
      expect(lonely.stderr).toMatch(/--last_image needs --image as well/);
    });
  });

  describe('with --lora', () => {
    it('applies the pair: the clip differs from the same seed without it, and the summary names it', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'phosphene-cli-'));
      const layers = await adaptedLayers(TINY);
      const lora = path.join(dir, 'lora');
      await mkdir(lora);
      await writeFile(path.join(lora, 'high_noise.safetensors'), syntheticLora(layers, 4, 21));
      await writeFile(path.join(lora, 'low_noise.safetensors'), syntheticLora(layers, 4, 22));
      const args = ['--model', TINY, '--prompt', 'a red circle', '--steps', '2', '--seed', '5'];
      const adapted = await cli([...args, '--lora', lora, '--lora_scale', '1.5', '--out', path.join(dir, 'a.mp4')]);
      await cli([...args, '--out', path.join(dir, 'b.mp4')]);
      expect(adapted.stderr).toMatch(new RegExp(`seed 5, on cpu, LoRA ${lora} × 1.5`));
      const a = await readFile(path.join(dir, 'a.mp4'));
      expect(Buffer.compare(a, await readFile(path.join(dir, 'b.mp4')))).not.toBe(0);
    });

    it('names a folder without the pair, and a scale out of range', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'phosphene-cli-'));
      const missing = (await cli(['--model', TINY, '--prompt', 'x', '--lora', dir]).catch((e: unknown) => e)) as {
        code: number;
        stderr: string;
      };
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/cannot read .*high_noise\.safetensors: --lora names a folder holding/);
      const scale = (await cli(['--model', TINY, '--prompt', 'x', '--lora', dir, '--lora_scale', '3']).catch(
        (e: unknown) => e,
      )) as { stderr: string };
      expect(scale.stderr).toMatch(/--lora_scale must be 0–2, not 3/);
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
