/**
 * The playground's free edits of a clip (the model-free edit and tool operations of the video platform
 * reference): one schema for the UI's form, the worker's boundary and the recipe an edited clip carries.
 * Frame indices are 0-based; sizes are even because H.264 encodes 4:2:0.
 */
import { z } from 'zod';
import { storedParamsSchema } from './stored-params';

const even = (what: string, max: number) =>
  z
    .number({ error: `${what} must be a number` })
    .int({ error: `${what} must be a whole number of pixels` })
    .min(16, { error: `${what} must be at least 16 px` })
    .max(max, { error: `${what} must be at most ${max} px` })
    .refine((v) => v % 2 === 0, { error: `${what} must be even (H.264 stores colour at half resolution)` });

const frameIndex = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .int({ error: `${what} must be a whole frame number` })
    .min(0, {
      error: `${what} must be 0 or more`,
    });

export const editOpSchema = z.discriminatedUnion('op', [
  /** Keeps frames [start, end). */
  z.object({ op: z.literal('trim'), start: frameIndex('The first frame'), end: frameIndex('The end frame') }),
  /** Plays `factor` times as fast at the same frame rate (frames dropped or repeated). */
  z.object({
    op: z.literal('speed'),
    factor: z
      .number({ error: 'The speed must be a number' })
      .min(0.25, { error: 'The speed must be at least 0.25×' })
      .max(4, { error: 'The speed must be at most 4×' }),
  }),
  z.object({
    op: z.literal('crop'),
    x: frameIndex('The left edge'),
    y: frameIndex('The top edge'),
    width: even('The crop width', 4096),
    height: even('The crop height', 4096),
  }),
  z.object({ op: z.literal('resize'), width: even('The width', 1920), height: even('The height', 1920) }),
  /** Appends a second clip, resized to this one's size. */
  z.object({ op: z.literal('join') }),
  z.object({
    op: z.literal('text'),
    text: z
      .string({ error: 'The text must be a string' })
      .trim()
      .min(1, { error: 'Type the text to draw' })
      .max(120, { error: 'The text must be at most 120 characters' }),
    position: z.enum(['top', 'bottom'], { error: 'The text goes at the top or the bottom' }),
  }),
]);

/** One edit. */
export type EditOp = z.infer<typeof editOpSchema>;

/** A continuation generated from the clip's last frame with these parameters (it runs the model: not an edit). */
export const extendStepSchema = z.object({ op: z.literal('extend'), params: storedParamsSchema });

/** What was done to a clip after generation, in order, as its record and recipe keep it. */
export const clipStepSchema = z.union([editOpSchema, extendStepSchema]);
export type ClipStep = z.infer<typeof clipStepSchema>;

/** A GIF export's size and rate, as the platform's video-to-gif tool takes them; absent: the clip's own. */
export const gifOptionsSchema = z.object({
  width: z
    .number({ error: 'The GIF width must be a number' })
    .int({ error: 'The GIF width must be a whole number of pixels' })
    .min(16, { error: 'The GIF width must be at least 16 px' })
    .max(1920, { error: 'The GIF width must be at most 1920 px' })
    .optional(),
  fps: z
    .number({ error: 'The GIF frame rate must be a number' })
    .int({ error: 'The GIF frame rate must be a whole number' })
    .min(1, { error: 'The GIF frame rate must be at least 1 fps' })
    .max(30, { error: 'The GIF frame rate must be at most 30 fps' })
    .optional(),
});
export type GifOptions = z.infer<typeof gifOptionsSchema>;

/** The largest clip the browser edits, in decoded RGBA bytes (a 1080p clip of 81 frames is 670 MB). */
export const MAX_EDIT_BYTES = 768 * 2 ** 20;
