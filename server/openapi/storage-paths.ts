/** Phosor's storage and LoRA endpoints (our JSON shapes) in the OpenAPI registry; uploads are multipart. */
import type { OpenAPIRegistry, ZodRequestBody } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  imageImportBodySchema,
  imageResponseSchema,
  loraDeletedSchema,
  loraImportBodySchema,
  loraSchema,
  lorasResponseSchema,
  loraStatusResponseSchema,
} from '../../src/shared/storage-schemas';
import {
  authErrors,
  classicObject,
  described,
  errors,
  idempotencyHeader,
  idParam,
  json,
  named,
  withApiKey,
} from './common';

/** A file part of a multipart form (OpenAPI 3.1 style, with 3.0's `format` for older tools). */
const filePart = (description: string) =>
  z.string().meta({ description, format: 'binary', contentMediaType: 'application/octet-stream' });

/** The parts `readMultipart` accepts at `POST /storage/image/upload` (`image` is an alias of `file`). */
const imageUploadForm = z.object({ file: filePart('The image: JPEG, PNG or WebP by content, ≤ 10 MiB.') });

/** The parts `uploadLora` accepts at `POST /storage/lora/upload`. */
const loraUploadForm = z.object({
  high_noise: filePart('The high-noise expert’s LoRA, `*.safetensors`, ≤ 2048 MiB.'),
  low_noise: filePart('The low-noise expert’s LoRA, `*.safetensors`, ≤ 2048 MiB.'),
  name: z.string().max(100).optional(),
});

const multipart = (schema: z.ZodType, description: string): ZodRequestBody => ({
  required: true,
  description,
  content: { 'multipart/form-data': { schema } },
});

/** The image import's body as documented: the shared schema with its field's description. */
const imageImportDoc = described(classicObject(imageImportBodySchema), { url: 'A public http(s) URL, ≤ 10 MiB' });

const loraId = idParam('lora_id', 'The LoRA’s id (`lora_…`).');
const badUpload =
  'Refused: `validation_error`, `file_too_large`, `invalid_image`, `invalid_safetensors`, `url_refused`, `import_failed` or `lora_limit_reached`.';
const notYours = 'No such LoRA among yours (`not_found`); deleted and expired ones are gone.';

/** Registers the storage and LoRA routes. */
export function registerStoragePaths(registry: OpenAPIRegistry): void {
  const image = named(registry, 'Image', classicObject(imageResponseSchema));
  const lora = named(registry, 'Lora', classicObject(loraSchema));
  const post = (
    path: string,
    summary: string,
    body: ZodRequestBody,
    answer: ReturnType<typeof json>,
    idempotent = true,
  ) =>
    registry.registerPath({
      method: 'post',
      path,
      summary,
      tags: ['Storage'],
      security: withApiKey,
      request: idempotent ? { headers: idempotencyHeader, body } : { body },
      responses: {
        200: answer,
        ...authErrors({ 400: badUpload }),
        ...errors({ 413: true }),
        ...(idempotent ? errors({ 409: true, 422: true }) : {}),
      },
    });
  post(
    '/api/v1/storage/image/upload',
    'Upload an image',
    multipart(imageUploadForm, 'One file part `file` (or `image`).'),
    json(image, 'The stored image; its `key` is what a submit’s `image_url` takes.'),
  );
  post(
    '/api/v1/storage/image/import',
    'Import an image from a public URL',
    { required: true, ...json(imageImportDoc, 'http(s), public addresses only, ≤ 10 MiB, 30 s.') },
    json(image, 'The stored image.'),
  );
  post(
    '/api/v1/storage/lora/upload',
    'Upload a LoRA (two .safetensors files)',
    multipart(loraUploadForm, 'File parts `high_noise` and `low_noise`, optional text field `name`.'),
    json(lora, 'The LoRA, ready.'),
    // Streamed to disk and hashed on the way; a retry's copy is discarded once the key finds the first answer.
    true,
  );
  post(
    '/api/v1/storage/lora/import',
    'Import a LoRA from two HTTPS URLs',
    { required: true, ...json(loraImportBodySchema, 'Two https URLs and an optional name.') },
    json(lora, 'The LoRA, processing: poll its status.'),
  );

  const tags = ['LoRAs'];
  registry.registerPath({
    method: 'get',
    path: '/api/v1/loras',
    summary: 'List your LoRAs, newest first',
    tags,
    security: withApiKey,
    responses: { 200: json(lorasResponseSchema, 'Your LoRAs.'), ...authErrors() },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/loras/{lora_id}/status',
    summary: 'Get a LoRA’s processing status',
    tags,
    security: withApiKey,
    request: { params: loraId },
    responses: { 200: json(loraStatusResponseSchema, 'The LoRA’s state.'), ...authErrors({ 404: notYours }) },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/loras/{lora_id}',
    summary: 'Delete a LoRA (soft delete; its files are removed)',
    tags,
    security: withApiKey,
    request: { params: loraId },
    responses: { 200: json(loraDeletedSchema, 'Deleted.'), ...authErrors({ 404: notYours }) },
  });
}
