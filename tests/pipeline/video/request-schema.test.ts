import { describe, expect, it } from 'vitest';
import { InvalidParamsError } from '../../../src/shared/errors';
import { parseEncodeChoice, parseGenerateRequest } from '../../../src/pipeline/video/request-schema';

const request = {
  jobId: 'job-1',
  modelUrl: '/models/phosphene-tiny/model.json',
  device: 'wasm',
  params: {
    prompt: 'a red circle',
    negative_prompt: '',
    width: 64,
    height: 64,
    num_frames: 5,
    num_inference_steps: 2,
    guidance_scale: 1,
    seed: 7,
    frames_per_second: 8,
  },
};

describe('parseGenerateRequest', () => {
  it('passes a well-formed request through', () => {
    expect(parseGenerateRequest(structuredClone(request))).toEqual(request);
  });
  describe('throws InvalidParamsError naming the field', () => {
    it('for a wrong type', () => {
      expect(() => parseGenerateRequest({ ...request, params: { ...request.params, width: 'wide' } })).toThrow(
        /params\.width/,
      );
    });
    it('for an unknown device', () => {
      expect(() => parseGenerateRequest({ ...request, device: 'tpu' })).toThrow(InvalidParamsError);
    });
    it('for extra or missing fields', () => {
      expect(() => parseGenerateRequest({ ...request, extra: 1 })).toThrow(InvalidParamsError);
      expect(() => parseGenerateRequest({ ...request, params: { prompt: 'x' } })).toThrow(/params\.width/);
    });
    it('for something that is not a request at all', () => {
      expect(() => parseGenerateRequest(null)).toThrow(InvalidParamsError);
    });
  });
});

describe('parseEncodeChoice', () => {
  it('defaults to auto', () => {
    expect(parseEncodeChoice(undefined)).toEqual({ encoder: 'auto' });
    expect(parseEncodeChoice({})).toEqual({ encoder: 'auto' });
  });
  it('accepts a forced encoder and refuses an unknown one', () => {
    expect(parseEncodeChoice({ encoder: 'ffmpeg.wasm' })).toEqual({ encoder: 'ffmpeg.wasm' });
    expect(() => parseEncodeChoice({ encoder: 'hevc' })).toThrow(InvalidParamsError);
  });
});
