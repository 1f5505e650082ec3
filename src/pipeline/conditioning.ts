/**
 * Replacement conditioning on latent frames (image-to-video, first-last-frame). At every step the
 * conditioned latent frames are overwritten with the flow-matching interpolation of the clean image
 * latent z and that frame's fixed noise ε at the current σ, `(1 − σ)·z + σ·ε`: exactly where the
 * forward process puts a video whose frame is that image, so the other frames are denoised to agree
 * with it. This works on a model trained for text-to-video only (the same idea as RePaint-style
 * inpainting), and a model fine-tuned with this replacement learns to use it; the conditioned frames
 * end as z exactly, so the first (and last) decoded frames are the VAE's reconstruction of the image.
 */

/** A clean latent frame (`[C, h, w]`, scaled) to hold at latent frame `index`. */
export interface ConditionedFrame {
  index: number;
  clean: Float32Array;
}

/** Holds some latent frames of a `[1, C, F, h, w]` tensor to images along the noise schedule. */
export class FrameReplacement {
  readonly #frames: { index: number; clean: Float32Array; noise: Float32Array }[];
  readonly #channels: number;
  readonly #frameCount: number;
  readonly #plane: number;

  /** `initialNoise` supplies each conditioned frame's fixed ε (the job's seeded noise at that frame). */
  constructor(dims: readonly number[], frames: readonly ConditionedFrame[], initialNoise: Float32Array) {
    const [batch, channels, frameCount, h, w] = dims as [number, number, number, number, number];
    if (dims.length !== 5 || batch !== 1)
      throw new RangeError(`latent dims [${dims.join(', ')}] are not [1, C, F, h, w]`);
    this.#channels = channels;
    this.#frameCount = frameCount;
    this.#plane = h * w;
    this.#frames = frames.map(({ index, clean }) => {
      if (!(Number.isInteger(index) && index >= 0 && index < frameCount))
        throw new RangeError(`latent frame ${index} is outside 0..${frameCount - 1}`);
      if (clean.length !== channels * this.#plane)
        throw new RangeError(
          `a conditioning latent has ${clean.length} values; frame ${index} needs ${channels * this.#plane}`,
        );
      const noise = new Float32Array(clean.length);
      this.#each(index, (c, offset) => noise.set(initialNoise.subarray(offset, offset + this.#plane), c * this.#plane));
      return { index, clean, noise };
    });
  }

  /** Overwrites the conditioned frames of `latents` with `(1 − σ)·z + σ·ε`; σ = 0 writes z itself. */
  apply(latents: Float32Array, sigma: number): void {
    for (const { index, clean, noise } of this.#frames) {
      this.#each(index, (c, offset) => {
        const from = c * this.#plane;
        if (sigma === 0) {
          latents.set(clean.subarray(from, from + this.#plane), offset);
          return;
        }
        for (let p = 0; p < this.#plane; p++)
          latents[offset + p] = (1 - sigma) * clean[from + p]! + sigma * noise[from + p]!;
      });
    }
  }

  /** Calls `f(channel, offset of that channel's plane of frame `index` in the latents)`. */
  #each(index: number, f: (channel: number, offset: number) => void): void {
    for (let c = 0; c < this.#channels; c++) f(c, (c * this.#frameCount + index) * this.#plane);
  }
}
