import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  modeForImages,
  PROGRESS_STAGES,
  type FramesResult,
  type GraphPlacement,
  type ProgressEvent,
  type ResolvedDevice,
} from '../../src/shared/protocol';

describe('protocol types', () => {
  it('ProgressEvent is a union discriminated by exactly the six stages, in order', () => {
    expectTypeOf<ProgressEvent['type']>().toEqualTypeOf<
      'load' | 'encode-prompt' | 'step' | 'decode' | 'encode-video' | 'done'
    >();
    expectTypeOf<(typeof PROGRESS_STAGES)[number]>().toEqualTypeOf<ProgressEvent['type']>();
    expect(PROGRESS_STAGES).toEqual(['load', 'encode-prompt', 'step', 'decode', 'encode-video', 'done']);
  });

  it('narrows each stage to its fields', () => {
    expectTypeOf<Extract<ProgressEvent, { type: 'step' }>>().toEqualTypeOf<{
      type: 'step';
      step: number;
      totalSteps: number;
      timestep: number;
    }>();
    expectTypeOf<Extract<ProgressEvent, { type: 'load' }>>().toEqualTypeOf<{
      type: 'load';
      file: string;
      loadedBytes: number;
      totalBytes: number;
    }>();
    expectTypeOf<Extract<ProgressEvent, { type: 'decode' }>>().toEqualTypeOf<{ type: 'decode' }>();
  });

  it('FramesResult carries latents, the device and placements', () => {
    expectTypeOf<FramesResult['latents']>().toEqualTypeOf<Float32Array>();
    expectTypeOf<FramesResult['device']>().toEqualTypeOf<ResolvedDevice>();
    expectTypeOf<FramesResult['placement']>().toEqualTypeOf<GraphPlacement[]>();
    expectTypeOf<ResolvedDevice>().toEqualTypeOf<'webgpu' | 'wasm' | 'cpu'>();
  });

  it('modeForImages: no image is text, a first frame is image-to-video, a last frame is first-last-frame', () => {
    const image = { rgba: new Uint8Array(4), width: 1, height: 1 };
    expect(modeForImages({})).toBe('text-to-video');
    expect(modeForImages({ image })).toBe('image-to-video');
    expect(modeForImages({ image, last_image: image })).toBe('first-last-frame');
    // A last frame alone still asks for first-last-frame, whose check then says the first is missing.
    expect(modeForImages({ last_image: image })).toBe('first-last-frame');
  });
});
