import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freeDimensionOverridesFor, readOnnxInputShapes } from '../../../src/pipeline/backend/onnx-inputs';

const tiny = (graph: string) => readFileSync(`tests/fixtures/models/phosphene-tiny/${graph}.onnx`);

describe('readOnnxInputShapes', () => {
  it('reads symbolic and fixed dims of the fixture graphs', () => {
    expect(readOnnxInputShapes(tiny('denoiser'))).toMatchObject({
      latents: ['batch', 4, 'latent_frames', 'latent_height', 'latent_width'],
      timestep: ['batch'],
      encoder_hidden_states: ['batch', 'seq', 32],
      'lora_down.blocks.0.attn_spatial.to_q': [32, 'lora_rank'],
      'lora_up.blocks.0.attn_cross.to_k': ['lora_rank', 32],
    });
    expect(readOnnxInputShapes(tiny('text_encoder'))).toEqual({ input_ids: ['batch', 'seq'] });
  });

  it('refuses bytes that are not a model', () => {
    expect(() => readOnnxInputShapes(new Uint8Array([0x08, 0x07]))).toThrow(/no graph/);
  });
});

describe('freeDimensionOverridesFor', () => {
  it('maps each symbolic dim to its size in the feeds', () => {
    const shapes = readOnnxInputShapes(tiny('denoiser'));
    expect(
      freeDimensionOverridesFor(shapes, {
        latents: [2, 4, 2, 8, 8],
        timestep: [2],
        encoder_hidden_states: [2, 32, 32],
      }),
    ).toEqual({
      batch: 2,
      latent_frames: 2,
      latent_height: 8,
      latent_width: 8,
      seq: 32,
    });
  });
});
