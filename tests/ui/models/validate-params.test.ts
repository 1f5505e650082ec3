import { describe, expect, it } from 'vitest';
import type { ModelChoice } from '../../../src/ui/models/catalog';
import { validateParams } from '../../../src/ui/models/validate-params';
import { submitRequestSchema } from '../../../src/shared/phosor-requests';
import type { GenerateParams } from '../../../src/shared/protocol';

const tiny: ModelChoice = {
  modelId: 'phosphene/tiny-test/text-to-video',
  manifestId: 'phosphene/tiny-test/text-to-video',
  versions: {},
  name: 'Phosphene tiny test',
  description: 'fixture',
  weights: 'random',
  takesLora: false,
  imported: false,
  downloadBytes: 1,
  manifestUrl: 'http://127.0.0.1/models/phosphene-tiny/model.json',
  modes: ['text-to-video', 'image-to-video'],
  resolutions: [
    { width: 64, height: 64, max_frames: 17, label: '64² test' },
    { width: 128, height: 72, max_frames: 17, label: '128×72 test' },
  ],
  temporalCompression: 4,
  minFrames: 5,
  defaultFrames: 5,
  defaultSteps: 4,
  defaultGuidance: 1,
  defaultFps: 16,
};

const good: GenerateParams = {
  prompt: 'a red circle moving left',
  negative_prompt: '',
  width: 64,
  height: 64,
  num_frames: 9,
  num_inference_steps: 4,
  guidance_scale: 1,
  seed: 42,
  frames_per_second: 16,
};

const fields = (p: Partial<GenerateParams>) => validateParams({ ...good, ...p }, tiny).map((e) => e.field);

describe('validateParams', () => {
  it('accepts parameters the model supports', () => {
    expect(validateParams(good, tiny)).toEqual([]);
  });

  describe('refuses', () => {
    it('an empty or blank prompt', () => {
      expect(fields({ prompt: '  ' })).toEqual(['prompt']);
    });
    it('an unaligned frame count, naming the nearest valid ones', () => {
      const [error] = validateParams({ ...good, num_frames: 10 }, tiny);
      expect(error?.field).toBe('num_frames');
      expect(error?.message).toContain('nearest valid values are 9 and 13');
    });
    it('too few and too many frames', () => {
      expect(fields({ num_frames: 1 })).toEqual(['num_frames']);
      expect(fields({ num_frames: 21 })).toEqual(['num_frames']);
    });
    it('a resolution the model lacks, listing those it has', () => {
      const [error] = validateParams({ ...good, width: 100, height: 60 }, tiny);
      expect(error?.message).toBe('100×60 is not a resolution Phosphene tiny test supports; use one of 64×64, 128×72.');
    });
    it('steps, guidance, fps and seed outside the API limits', () => {
      expect(fields({ num_inference_steps: 0 })).toEqual(['num_inference_steps']);
      expect(fields({ num_inference_steps: 51 })).toEqual(['num_inference_steps']);
      expect(fields({ guidance_scale: 0.5 })).toEqual(['guidance_scale']);
      expect(fields({ guidance_scale: 4 })).toEqual(['guidance_scale']);
      expect(fields({ frames_per_second: 60 })).toEqual(['frames_per_second']);
      expect(fields({ seed: -1 })).toEqual(['seed']);
      expect(fields({ seed: 2 ** 32 })).toEqual(['seed']);
    });
  });
});

describe('the form says each rule in the words of the API', () => {
  it.each([
    ['num_inference_steps', { num_inference_steps: 0 }],
    ['guidance_scale', { guidance_scale: 9 }],
    ['frames_per_second', { frames_per_second: 60 }],
    ['seed', { seed: -1 }],
  ] as const)('%s', (field, change) => {
    const form = validateParams({ ...good, ...change }, tiny).find((e) => e.field === field)?.message;
    const parsed = submitRequestSchema.safeParse({ prompt: 'a red ball', ...change });
    const api = parsed.error?.issues.find((i) => i.path[0] === field)?.message;
    const rule = api?.split('; got')[0];
    expect(rule).toMatch(/^must be /);
    expect(form).toBe(`${form!.split(':')[0]}: ${rule}.`);
  });
});
