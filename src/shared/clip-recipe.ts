/**
 * What a gallery clip carries beyond its generation parameters: the clip it was edited or extended from,
 * every step since generation, and its LoRA. The browser's history record keeps these fields, and gallery
 * sync sends them to the server verbatim (as `recipe`), so "run again" and the recipe panel work the same
 * on every device. The conditioning images travel apart, as image files, by slot.
 */
import { z } from './zod-mini';
import { clipStepSchema } from './edit-ops';
import { PARAM_LIMITS } from './video-rules';

/** The most steps one clip's recipe keeps; far more edits than a person chains, and a bound on stored JSON. */
export const MAX_CLIP_STEPS = 100;

/** The largest recipe the server stores, as JSON (a merge of 19 clips with long ids is under 2 KB). */
export const MAX_RECIPE_JSON_CHARS = 16_384;

/** The conditioning images a clip can have, named as the generate request names them. */
export const CLIP_IMAGE_SLOTS = ['image', 'last_image'] as const;
export type ClipImageSlot = (typeof CLIP_IMAGE_SLOTS)[number];

/** The recipe fields of a history record, as the record and the server both store them. */
export const clipRecipeSchema = z.object({
  /** For an edited or extended clip: the clip it was made from, and every step since generation, in order. */
  sourceId: z.optional(z.string().check(z.maxLength(200))),
  edits: z.optional(z.array(clipStepSchema).check(z.maxLength(MAX_CLIP_STEPS))),
  /** The LoRA the clip was made with: its files' or the server's name, and its scale. */
  lora: z.optional(
    z.object({
      name: z.string().check(z.maxLength(300)),
      scale: z.number().check(z.gte(PARAM_LIMITS.minLoraScale), z.lte(PARAM_LIMITS.maxLoraScale)),
    }),
  ),
});

/** One clip's recipe. */
export type ClipRecipe = z.infer<typeof clipRecipeSchema>;
