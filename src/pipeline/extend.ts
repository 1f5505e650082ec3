/**
 * Extends a clip: its last frame starts an image-to-video continuation, and the continuation's first frame
 * (the model's redraw of that same picture) is dropped, so the clip runs straight on into the new frames.
 * Runtime-agnostic: the browser decodes the MP4 first, the Node side passes frames it has.
 */
import { InvalidParamsError } from '../shared/errors';
import type { FramesResult, GenerateParams, RawFrames } from '../shared/protocol';
import { imageToVideo } from './image-to-video';
import type { TextToVideoOptions } from './text-to-video';
import type { VideoPipeline } from './video-pipeline';

/** A clip and its continuation, joined. */
export interface ExtendResult extends FramesResult {
  /** How many frames came from the clip; the rest are new. */
  sourceFrames: number;
  /**
   * The join against the clip's own motion, as mean |Δ| (0–255, RGB): from the clip's last frame to the first
   * new one (`joinDelta`); the largest step between neighbouring frames of the clip itself (`clipMaxDelta`:
   * this VAE draws each latent frame's 4 video frames nearly alike and moves at latent-frame boundaries, so
   * that is where a clip's own steps are); and from the clip's last frame to the model's redraw of it
   * (`redrawDelta`: how exactly the continuation starts where the clip ended). A seam is a join far above
   * the clip's own steps, or a redraw far from the picture it was given.
   */
  seam: { joinDelta: number; clipMaxDelta: number; redrawDelta: number };
}

/** Mean absolute difference (0–255, RGB) between frames `a` and `b` of `f`. */
export function frameDelta(f: RawFrames, a: number, b: number): number {
  const size = f.width * f.height * 4;
  const x = f.rgba.subarray(a * size, (a + 1) * size);
  const y = f.rgba.subarray(b * size, (b + 1) * size);
  let sum = 0;
  for (let i = 0; i < size; i += 4)
    sum += Math.abs(x[i]! - y[i]!) + Math.abs(x[i + 1]! - y[i + 1]!) + Math.abs(x[i + 2]! - y[i + 2]!);
  return sum / ((size / 4) * 3);
}

/** `clip` then `more` without its first frame (the redraw of the clip's last one). */
export function joinContinuation(clip: RawFrames, more: RawFrames): RawFrames {
  const size = clip.width * clip.height * 4;
  const added = more.numFrames - 1;
  const rgba = new Uint8Array((clip.numFrames + added) * size);
  rgba.set(clip.rgba.subarray(0, clip.numFrames * size));
  rgba.set(more.rgba.subarray(size, more.numFrames * size), clip.numFrames * size);
  return { rgba, width: clip.width, height: clip.height, numFrames: clip.numFrames + added };
}

/**
 * Generates `params.num_frames` frames that continue `clip` (the same size: `params` must match it) and
 * returns the whole clip. Needs a model with image-to-video.
 */
export async function extendClip(
  pipe: VideoPipeline,
  clip: RawFrames,
  params: GenerateParams,
  options: TextToVideoOptions = {},
): Promise<ExtendResult> {
  if (clip.numFrames < 1) throw new InvalidParamsError('The clip to extend has no frames.', 'num_frames');
  if (params.width !== clip.width || params.height !== clip.height)
    throw new InvalidParamsError(
      `A continuation has the clip's size (${clip.width}×${clip.height}); it was asked for ${params.width}×${params.height}.`,
      'width',
    );
  const size = clip.width * clip.height * 4;
  const last = clip.rgba.slice((clip.numFrames - 1) * size, clip.numFrames * size);
  const more = await imageToVideo(
    pipe,
    params,
    { mode: 'image-to-video', image: { rgba: last, width: clip.width, height: clip.height } },
    options,
  );
  const frames = joinContinuation(clip, more.frames);
  const n = clip.numFrames;
  let clipMaxDelta = 0;
  for (let i = 0; i + 1 < n; i++) clipMaxDelta = Math.max(clipMaxDelta, frameDelta(clip, i, i + 1));
  const redraw: RawFrames = { ...clip, rgba: new Uint8Array(2 * size), numFrames: 2 };
  redraw.rgba.set(last);
  redraw.rgba.set(more.frames.rgba.subarray(0, size), size);
  return {
    ...more,
    frames,
    sourceFrames: n,
    seam: { joinDelta: frameDelta(frames, n - 1, n), clipMaxDelta, redrawDelta: frameDelta(redraw, 0, 1) },
  };
}
