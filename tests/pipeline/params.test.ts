import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/pipeline/model-package/manifest';
import { checkParams, resolveParams } from '../../src/pipeline/params';
import { InvalidParamsError } from '../../src/shared/errors';
import type { GenerateParams } from '../../src/shared/protocol';
import { manifestFor } from '../helpers/model-package';

const manifest = parseManifest({
  ...manifestFor('phosphene/test/text-to-video', {
    'tokenizer.json': new Uint8Array(),
    'te.onnx': new Uint8Array(),
    'dn.onnx': new Uint8Array(),
    'vd.onnx': new Uint8Array(),
  }),
  resolutions: [
    { width: 64, height: 64, max_frames: 17, label: '64² test' },
    { width: 128, height: 72, max_frames: 9, label: '128×72 test' },
  ],
});
const good: GenerateParams = {
  prompt: 'a red circle',
  negative_prompt: '',
  width: 64,
  height: 64,
  num_frames: 5,
  num_inference_steps: 4,
  guidance_scale: 1,
  seed: 42,
  frames_per_second: 16,
};

const failure = (change: Partial<GenerateParams>): InvalidParamsError => {
  try {
    checkParams(manifest, { ...good, ...change });
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidParamsError);
    return error as InvalidParamsError;
  }
  throw new Error('the parameters were accepted');
};

describe('resolveParams', () => {
  it('fills defaults from the manifest', () => {
    const params = resolveParams(manifest, { prompt: 'x', seed: 3 });
    expect(params).toEqual({
      prompt: 'x',
      negative_prompt: '',
      width: 64,
      height: 64,
      num_frames: 5,
      num_inference_steps: 4,
      guidance_scale: 1,
      seed: 3,
      frames_per_second: 16,
    });
  });

  it('draws a uint32 seed when none is given', () => {
    const { seed } = resolveParams(manifest, { prompt: 'x' });
    expect(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff).toBe(true);
  });

  it('keeps what the caller gave', () => {
    expect(resolveParams(manifest, { ...good, num_frames: 9 })).toEqual({ ...good, num_frames: 9 });
  });
});

describe('checkParams', () => {
  it('accepts valid parameters', () => {
    expect(() => checkParams(manifest, good)).not.toThrow();
  });

  describe('prompt', () => {
    it.each(['', '   \n'])('refuses %j', (prompt) => {
      const error = failure({ prompt });
      expect(error.field).toBe('prompt');
      expect(error.message).toMatch(/must not be empty/);
    });
  });

  describe('num_frames', () => {
    it('refuses counts that are not 1 + 4k and names the nearest valid ones', () => {
      const error = failure({ num_frames: 12 });
      expect(error.field).toBe('num_frames');
      expect(error.message).toBe('num_frames must be 1 + 4k (the VAE compresses time 4×); 12 is not: use 9 or 13.');
    });
    it('refuses counts above the resolution preset’s maximum', () => {
      expect(failure({ width: 128, height: 72, num_frames: 13 }).message).toMatch(/at most 9 at 128×72 test; got 13/);
    });
    it('refuses counts below the model’s minimum', () => {
      expect(failure({ num_frames: 1 }).message).toMatch(/1 \+ 4k/);
    });
  });

  it('refuses a resolution the model does not have and lists the accepted ones', () => {
    const error = failure({ width: 854, height: 480 });
    expect(error.field).toBe('width');
    expect(error.message).toMatch(
      /854×480 is not a resolution of phosphene\/test\/text-to-video; use one of 64×64, 128×72\./,
    );
  });

  it.each([0, 51, 2.5])('refuses %s steps', (num_inference_steps) => {
    expect(failure({ num_inference_steps }).message).toMatch(/num_inference_steps must be an integer from 1 to 50/);
  });

  it.each([0.5, 3.6, Number.NaN])('refuses guidance %s', (guidance_scale) => {
    expect(failure({ guidance_scale }).field).toBe('guidance_scale');
  });

  it.each([3, 31, 12.5])('refuses %s fps', (frames_per_second) => {
    expect(failure({ frames_per_second }).message).toMatch(/from 4 to 30/);
  });

  it.each([-1, 2 ** 32, 1.5])('refuses seed %s', (seed) => {
    expect(failure({ seed }).message).toMatch(/uint32/);
  });
});
