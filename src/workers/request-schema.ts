/**
 * Schemas for what the UI sends the generate worker. Comlink delivers whatever the page posts, so
 * the worker checks each request here before it touches the pipeline; then it trusts the types.
 */
import { InvalidParamsError } from '../shared/errors';
import type { GenerateRequest } from '../shared/protocol';
import { MAX_IMAGE_SIDE, PARAM_LIMITS } from '../shared/video-rules';
import { z } from '../shared/zod-mini';
import type { EncoderChoice } from './video/encode-options';

const paramsSchema = z.strictObject({
  prompt: z.string().check(z.maxLength(2000)),
  negative_prompt: z.string().check(z.maxLength(2000)),
  width: z.number().check(z.int(), z.positive(), z.lte(4096)),
  height: z.number().check(z.int(), z.positive(), z.lte(4096)),
  num_frames: z.number().check(z.int(), z.positive(), z.lte(1024)),
  num_inference_steps: z.number().check(z.int(), z.gte(1), z.lte(200)),
  guidance_scale: z.number().check(z.gte(0), z.lte(50)),
  seed: z.number().check(z.int(), z.gte(0), z.lte(0xffffffff)),
  frames_per_second: z.number().check(z.int(), z.gte(1), z.lte(60)),
});

const side = z.number().check(z.int(), z.gte(1), z.lte(MAX_IMAGE_SIDE));

/** A decoded conditioning image: at most 4096² and exactly width × height × 4 bytes. */
const imageSchema = z.strictObject({ rgba: z.instanceof(Uint8Array), width: side, height: side }).check(
  z.refine((i) => i.rgba.byteLength === i.width * i.height * 4, {
    message: 'must hold width × height × 4 RGBA bytes',
    path: ['rgba'],
  }),
);

/**
 * The largest LoRA file the worker takes: a browser tab cannot hold Phosor's 2 GiB files twice (the page's
 * copy and the worker's), and a LoRA of a model that runs in a tab is far smaller.
 */
export const MAX_LORA_FILE_BYTES = 512 * 1024 * 1024;

const loraFile = z.instanceof(Uint8Array).check(
  z.refine((b) => b.byteLength > 0 && b.byteLength <= MAX_LORA_FILE_BYTES, {
    message: `must be a .safetensors file of 1 byte to ${MAX_LORA_FILE_BYTES / 1024 / 1024} MiB`,
  }),
);

/** A LoRA pair and its scale; whether the files fit the model is checked against its manifest later. */
const loraSchema = z.strictObject({
  high_noise: loraFile,
  low_noise: loraFile,
  scale: z.number().check(z.gte(PARAM_LIMITS.minLoraScale), z.lte(PARAM_LIMITS.maxLoraScale)),
  name: z.optional(z.string().check(z.maxLength(300))),
});

/** A generation request as the worker accepts it. */
export const generateRequestSchema = z.strictObject({
  jobId: z.string().check(z.minLength(1), z.maxLength(100)),
  modelUrl: z.string().check(z.minLength(1), z.maxLength(2000)),
  device: z.enum(['auto', 'webgpu', 'wasm']),
  variant: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
  params: paramsSchema,
  image: z.optional(imageSchema),
  last_image: z.optional(imageSchema),
  lora: z.optional(loraSchema),
}) satisfies z.ZodMiniType<GenerateRequest>;

/** Options of a video job beyond the request itself. */
export const encodeChoiceSchema = z._default(
  z.strictObject({ encoder: z._default(z.enum(['auto', 'webcodecs', 'ffmpeg.wasm']), 'auto') }),
  { encoder: 'auto' },
);

/** Parses an untrusted request, or throws an `InvalidParamsError` naming every bad field. */
export function parseGenerateRequest(value: unknown): GenerateRequest {
  const parsed = generateRequestSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'} ${i.message}`);
  const field = parsed.error.issues[0]?.path.at(-1);
  throw new InvalidParamsError(
    `The generate request is malformed: ${problems.join('; ')}.`,
    typeof field === 'string' ? field : undefined,
  );
}

/** Parses the job options, defaulting to the automatic encoder choice. */
export function parseEncodeChoice(value: unknown): { encoder: EncoderChoice } {
  const parsed = encodeChoiceSchema.safeParse(value ?? undefined);
  if (parsed.success) return parsed.data;
  throw new InvalidParamsError(
    `The job options are malformed: ${parsed.error.issues.map((i) => i.message).join('; ')}.`,
    'encoder',
  );
}

/** The largest image file the worker decodes (a 4096² PNG of noise is about 50 MB). */
export const MAX_IMAGE_FILE_BYTES = 64 * 1024 * 1024;

/** An image file's bytes and declared type, as the UI sends them to be decoded. */
export const imageFileSchema = z
  .strictObject({
    bytes: z
      .instanceof(ArrayBuffer)
      .check(z.refine((b) => b.byteLength > 0, 'is empty: choose a PNG, JPEG or WebP file')),
    type: z.string().check(z.maxLength(200)),
  })
  .check(
    z.refine((f) => f.bytes.byteLength <= MAX_IMAGE_FILE_BYTES, {
      message: `is over ${MAX_IMAGE_FILE_BYTES / 2 ** 20} MiB: choose a smaller image`,
      path: ['bytes'],
    }),
  );

/** Parses an untrusted image file, or throws an `InvalidParamsError` for the `image` field. */
export function parseImageFile(value: unknown): z.infer<typeof imageFileSchema> {
  const parsed = imageFileSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'} ${i.message}`);
  throw new InvalidParamsError(`The image file is not usable: ${problems.join('; ')}.`, 'image');
}
