import { describe, expect, it } from 'vitest';
import { FrameReplacement } from '../../src/pipeline/conditioning';

// Latents [1, C=2, F=3, h=1, w=2]: index ((c·3 + f)·2 + p).
const dims = [1, 2, 3, 1, 2];
const noise = Float32Array.from({ length: 12 }, (_, i) => i);

describe('FrameReplacement', () => {
  it('writes (1 − σ)·z + σ·ε into the conditioned frame of every channel, nothing else', () => {
    const clean = Float32Array.from([100, 200, 300, 400]); // [C, h, w] of frame 2
    const replacement = new FrameReplacement(dims, [{ index: 2, clean }], noise);
    const latents = new Float32Array(12).fill(-1);
    replacement.apply(latents, 0.25);
    // ε at frame 2: channel 0 → indices 4, 5; channel 1 → indices 10, 11.
    expect(Array.from(latents)).toEqual([-1, -1, -1, -1, 76, 151.25, -1, -1, -1, -1, 227.5, 302.75]);
  });

  it('writes the clean latent exactly at σ = 0 and the noise exactly at σ = 1', () => {
    const clean = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
    const replacement = new FrameReplacement(dims, [{ index: 0, clean }], noise);
    const latents = new Float32Array(12);
    replacement.apply(latents, 0);
    expect([latents[0], latents[1], latents[6], latents[7]]).toEqual(Array.from(clean));
    replacement.apply(latents, 1);
    expect([latents[0], latents[1], latents[6], latents[7]]).toEqual([0, 1, 6, 7]);
  });

  it('keeps its own copy of the noise (the latents it reads from are later overwritten)', () => {
    const shared = noise.slice();
    const replacement = new FrameReplacement(dims, [{ index: 1, clean: new Float32Array(4) }], shared);
    shared.fill(0);
    replacement.apply(shared, 1);
    expect([shared[2], shared[3], shared[8], shared[9]]).toEqual([2, 3, 8, 9]);
  });

  it('refuses a frame outside the grid or a latent of the wrong size', () => {
    expect(() => new FrameReplacement(dims, [{ index: 3, clean: new Float32Array(4) }], noise)).toThrow(/outside/);
    expect(() => new FrameReplacement(dims, [{ index: 0, clean: new Float32Array(3) }], noise)).toThrow(/needs 4/);
  });
});
