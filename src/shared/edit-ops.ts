/**
 * The playground's free edits of a clip (the model-free edit and tool operations of the video platform
 * reference): one schema for the UI's form, the worker's boundary and the recipe an edited clip carries.
 * Frame indices are 0-based; sizes are even because H.264 encodes 4:2:0.
 */
import { storedParamsSchema } from './stored-params';
import { z } from './zod-mini';

/** A whole number from `min` to `max`; the messages name its `unit` (" px", " fps") and `kind` ("number of pixels"). */
const whole = (what: string, min: number, max: number, unit: string, kind = 'number') =>
  z
    .number({ error: `${what} must be a number` })
    .check(
      z.int({ error: `${what} must be a whole ${kind}` }),
      z.gte(min, { error: `${what} must be at least ${min}${unit}` }),
      z.lte(max, { error: `${what} must be at most ${max}${unit}` }),
    );

const pixels = (what: string, max: number, min = 16) => whole(what, min, max, ' px', 'number of pixels');

const even = (what: string, max: number) =>
  pixels(what, max).check(
    z.refine((v) => v % 2 === 0, { error: `${what} must be even (H.264 stores colour at half resolution)` }),
  );

const frameIndex = (what: string) => whole(what, 0, 1e6, '', 'frame number');

const seconds = (what: string) =>
  z
    .number({ error: `${what} must be a number of seconds` })
    .check(
      z.gte(0, { error: `${what} must be 0 s or more` }),
      z.lte(3600, { error: `${what} must be at most 3600 s` }),
    );

/** The platform's resize presets (landscape). */
export const RESIZE_PRESETS = { '1080p': [1920, 1080], '720p': [1280, 720] } as const;

/** The most clips one merge takes, the clip on screen included (the platform's limit). */
export const MAX_MERGE_CLIPS = 20;

const resizeFields = z.object({
  op: z.literal('resize'),
  preset: z.optional(z.enum(['1080p', '720p'], { error: 'The preset is 1080p or 720p' })),
  width: z.optional(even('The width', 1920)),
  height: z.optional(even('The height', 1920)),
  /** `pad` keeps the shape and adds black bars, centred; `stretch` fills the size. */
  fit: z.optional(z.enum(['pad', 'stretch'], { error: 'Fit is pad (black bars) or stretch' })),
});

/**
 * Reports a problem from inside a transform. zod/mini's transforms get the bare parse payload, without
 * the `addIssue` classic zod adds to it; this pushes the issue classic's `ctx.addIssue(message)` makes.
 */
function addIssue(ctx: z.core.ParsePayload, message: string): void {
  ctx.issues.push({ message, code: 'custom', input: ctx.value });
}

const resizeSchema = z.pipe(
  resizeFields,
  z.transform((r: z.output<typeof resizeFields>, ctx) => {
    const size = r.preset ? RESIZE_PRESETS[r.preset] : [r.width, r.height];
    // A parsed resize names its preset and its size; parsing it again (the worker does) must agree.
    if (r.preset && ((r.width ?? size[0]) !== size[0] || (r.height ?? size[1]) !== size[1]))
      addIssue(ctx, `A ${r.preset} preset is ${size[0]}×${size[1]}: leave width and height out, or choose no preset`);
    const [width, height] = size;
    if (width === undefined || height === undefined) {
      addIssue(ctx, 'Choose a preset (1080p or 720p) or give both a width and a height');
      return z.NEVER;
    }
    // Recipes from before `fit` carry width and height only and meant stretch; a preset means pad (the platform's).
    return { ...r, width, height, fit: r.fit ?? (r.preset ? 'pad' : 'stretch') };
  }),
);

const textSchema = z
  .object({
    op: z.literal('text'),
    text: z
      .string({ error: 'The text must be a string' })
      .check(
        z.trim(),
        z.minLength(1, { error: 'Type the text to draw' }),
        z.maxLength(120, { error: 'The text must be at most 120 characters' }),
      ),
    position: z.enum(['top', 'bottom'], { error: 'The text goes at the top or the bottom' }),
    /** Absent: a tenth of the clip's height (what recipes from before this field drew). */
    font_size: z.optional(pixels('The font size', 400, 8)),
    color: z._default(
      z
        .string({ error: 'The colour must be a string' })
        .check(z.regex(/^#[0-9a-f]{6}$/i, { error: 'The colour must be a hex colour like #ffcc00' })),
      '#ffffff',
    ),
    start_time: z._default(seconds('The start time'), 0),
    /** Absent: the clip's end. The worker clamps it to the clip's length. */
    end_time: z.optional(seconds('The end time')),
  })
  .check(
    z.refine((t) => t.end_time === undefined || t.end_time > t.start_time, {
      error: 'The end time must be after the start time',
    }),
  );

export const editOpSchema = z.discriminatedUnion('op', [
  /** Keeps frames [start, end). */
  z.object({ op: z.literal('trim'), start: frameIndex('The first frame'), end: frameIndex('The end frame') }),
  /** Plays `factor` times as fast at the same frame rate (frames dropped or repeated). */
  z.object({
    op: z.literal('speed'),
    factor: z
      .number({ error: 'The speed must be a number' })
      .check(
        z.gte(0.25, { error: 'The speed must be at least 0.25×' }),
        z.lte(4, { error: 'The speed must be at most 4×' }),
      ),
  }),
  z.object({
    op: z.literal('crop'),
    x: pixels('The left edge', 4096, 0),
    y: pixels('The top edge', 4096, 0),
    width: even('The crop width', 4096),
    height: even('The crop height', 4096),
  }),
  resizeSchema,
  /**
   * Merges: appends the gallery clips `clip_ids` names, in order, each resized to this one's size. Recipes
   * from before the merge picker carry no ids (one clip was appended).
   */
  z.object({
    op: z.literal('join'),
    clip_ids: z.optional(
      z.array(z.string(), { error: 'The clips to append must be a list of clip ids' }).check(
        z.minLength(1, {
          error: `Merge takes 2 to ${MAX_MERGE_CLIPS} clips: add at least one clip after this one`,
        }),
        z.maxLength(MAX_MERGE_CLIPS - 1, {
          error: `Merge takes 2 to ${MAX_MERGE_CLIPS} clips: remove some, at most ${MAX_MERGE_CLIPS - 1} after this one`,
        }),
      ),
    ),
  }),
  textSchema,
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
  width: z.optional(pixels('The GIF width', 1920)),
  fps: z.optional(whole('The GIF frame rate', 1, 30, ' fps')),
});
export type GifOptions = z.infer<typeof gifOptionsSchema>;

/** The largest clip the browser edits, in decoded RGBA bytes (a 1080p clip of 81 frames is 670 MB). */
export const MAX_EDIT_BYTES = 768 * 2 ** 20;
