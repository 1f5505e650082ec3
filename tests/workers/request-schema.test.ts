import { describe, expect, it } from 'vitest';
import { InvalidParamsError } from '../../src/shared/errors';
import {
  MAX_IMAGE_FILE_BYTES,
  parseEncodeChoice,
  parseGenerateRequest,
  parseImageFile,
} from '../../src/workers/request-schema';

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

describe('parseGenerateRequest with images', () => {
  const image = (width: number, height: number, bytes = width * height * 4) => ({
    rgba: new Uint8Array(bytes),
    width,
    height,
  });
  it('passes a first and a last image through, buffers intact', () => {
    const withImages = { ...request, image: image(3, 2), last_image: image(1, 1) };
    const parsed = parseGenerateRequest(withImages);
    expect(parsed.image?.rgba).toBeInstanceOf(Uint8Array);
    expect(parsed.image?.rgba.byteLength).toBe(24);
    expect(parsed.last_image).toMatchObject({ width: 1, height: 1 });
  });
  it('refuses a buffer whose length is not width × height × 4', () => {
    expect(() => parseGenerateRequest({ ...request, image: image(3, 2, 23) })).toThrow(
      /image\.rgba must hold width × height × 4 RGBA bytes/,
    );
  });
  it('refuses images over 4096 on a side, or of zero size', () => {
    expect(() => parseGenerateRequest({ ...request, image: image(4097, 1) })).toThrow(/image\.width/);
    expect(() => parseGenerateRequest({ ...request, last_image: image(1, 0) })).toThrow(/last_image\.height/);
  });
  it('refuses pixels that are not a Uint8Array, and unknown image fields', () => {
    const plain = { rgba: [0, 0, 0, 255], width: 1, height: 1 };
    expect(() => parseGenerateRequest({ ...request, image: plain })).toThrow(/image\.rgba/);
    expect(() => parseGenerateRequest({ ...request, image: { ...image(1, 1), alpha: true } })).toThrow(
      InvalidParamsError,
    );
  });
});

describe('parseGenerateRequest with a LoRA', () => {
  const lora = (over = {}) => ({ high_noise: new Uint8Array(8), low_noise: new Uint8Array(8), scale: 1, ...over });
  it('passes a LoRA pair and its scale through', () => {
    expect(parseGenerateRequest({ ...request, lora: lora({ scale: 0 }) }).lora?.scale).toBe(0);
    expect(parseGenerateRequest({ ...request, lora: lora({ scale: 2 }) }).lora?.scale).toBe(2);
  });
  it('refuses a scale outside 0–2, an empty or missing file and unknown fields, naming the field', () => {
    expect(() => parseGenerateRequest({ ...request, lora: lora({ scale: 2.5 }) })).toThrow(/lora\.scale/);
    expect(() => parseGenerateRequest({ ...request, lora: lora({ scale: Number.NaN }) })).toThrow(/lora\.scale/);
    expect(() => parseGenerateRequest({ ...request, lora: lora({ high_noise: new Uint8Array(0) }) })).toThrow(
      /lora\.high_noise must be a \.safetensors file/,
    );
    expect(() => parseGenerateRequest({ ...request, lora: { scale: 1, low_noise: new Uint8Array(8) } })).toThrow(
      /lora\.high_noise/,
    );
    expect(() => parseGenerateRequest({ ...request, lora: lora({ url: 'x' }) })).toThrow(InvalidParamsError);
  });
});

describe('parseImageFile', () => {
  it('accepts bytes and a type', () => {
    const bytes = new ArrayBuffer(8);
    expect(parseImageFile({ bytes, type: 'image/png' })).toEqual({ bytes, type: 'image/png' });
  });
  it('refuses an empty or oversized file, and a view instead of a buffer', () => {
    expect(() => parseImageFile({ bytes: new ArrayBuffer(0), type: '' })).toThrow(/is empty/);
    const big = { bytes: new ArrayBuffer(MAX_IMAGE_FILE_BYTES + 1), type: 'image/png' };
    expect(() => parseImageFile(big)).toThrow(/choose a smaller image/);
    expect(() => parseImageFile({ bytes: new Uint8Array(8), type: 'image/png' })).toThrow(InvalidParamsError);
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
