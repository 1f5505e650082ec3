/** Helpers the OpenAPI path modules share: JSON bodies, the error responses, the API key scheme. */
import { extendZodWithOpenApi, type OpenAPIRegistry, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { errorResponseSchema } from '../../src/shared/phosor-requests';

// `registry.register` names a schema with `.openapi()`, which zod installs only on schemas built after this
// call (`named` clones for that reason). Idempotent; validation is unchanged.
extendZodWithOpenApi(z);

/** Registers `schema` as `components.schemas[id]` (with `extra` metadata); use the returned schema to get `$ref`s. */
export const named = <T extends z.ZodType>(registry: OpenAPIRegistry, id: string, schema: T, extra = {}): T =>
  registry.register(id, schema.clone().openapi(extra));

/**
 * `schema` with descriptions on some of its fields, for the document: the shared answer schemas carry none,
 * because the page parses answers with them and every description would be bytes of its bundle.
 */
export function described<T extends z.ZodObject>(schema: T, descriptions: { [K in keyof T['shape']]?: string }): T {
  const fields = Object.entries(descriptions).map(([name, description]) => {
    const field = schema.shape[name] as z.ZodType | undefined;
    if (!field) throw new Error(`described: the schema has no field ${name}`);
    return [name, field.meta({ description })] as const;
  });
  return schema.extend(Object.fromEntries(fields)) as unknown as T;
}

/** An example object: each field's `example`, else its `default`, from the fields' `.meta()`. */
export function exampleOf(schema: z.ZodObject): Record<string, unknown> {
  const fields = Object.entries(schema.shape).map(([name, field]) => {
    const meta = (field as z.ZodType).meta() ?? {};
    return [name, meta.example ?? meta.default] as const;
  });
  return Object.fromEntries(fields.filter(([, value]) => value !== undefined));
}

/** The one error shape, as `components.schemas.Error`. */
const errorSchema = errorResponseSchema.clone().openapi('Error');

/** Name of the `X-API-Key` security scheme in `components.securitySchemes`. */
export const API_KEY = 'ApiKey';

/** The `security` of an operation that needs `X-API-Key`. */
export const withApiKey = [{ [API_KEY]: [] }];

/** A JSON body or answer with that schema (zod/mini ones too: it goes through `classicSchema`). */
export const json = (schema: z.core.$ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema: classicSchema(schema) } },
});

const twins = new WeakMap<z.core.$ZodType, z.core.$ZodType>();
const isSchema = (value: unknown): value is z.core.$ZodType => value instanceof z.core.$ZodType;

/**
 * `schema` as zod-to-openapi can read it. The generator calls classic zod's members (`.meta()`, a number's
 * `format`, a string's `minLength`), and some shared schemas are or hold zod/mini ones, which lack them: the
 * clip steps of src/shared/edit-ops.ts, in a recipe, are zod/mini to keep classic zod out of the web worker's
 * bundle, and the answers the page's API client parses (and the requests beside them) to keep it out of the
 * page's. Each zod/mini node is rebuilt as the classic one of the same definition (so with the same rules and
 * the same document), and each node above one around its rebuilt children; a schema without zod/mini inside
 * comes back as it is.
 */
export function classicSchema<T extends z.core.$ZodType>(schema: T): T {
  const known = twins.get(schema);
  if (known) return known as T;
  const mini = schema._zod.traits.has('ZodMiniType');
  let changed = mini;
  const convert = (value: unknown) => {
    if (!isSchema(value)) return value;
    const twin = classicSchema(value);
    changed ||= twin !== value;
    return twin;
  };
  const def = schema._zod.def as unknown as Record<string, unknown>;
  const next: Record<string, unknown> = {};
  for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(def))) {
    // `checks` hold check instances (some are schemas, e.g. `z.int()`): the generator reads only their definitions.
    if (key === 'checks' || (descriptor.get && key !== 'shape')) Object.defineProperty(next, key, descriptor);
    else if (key === 'shape')
      next[key] = Object.fromEntries(Object.entries(def.shape as object).map(([k, v]) => [k, convert(v)]));
    else next[key] = Array.isArray(def[key]) ? def[key].map(convert) : convert(def[key]);
  }
  let twin: z.core.$ZodType = schema;
  if (changed) {
    const name = schema._zod.constr.name.replace(/^ZodMini/, 'Zod');
    const Classic = mini ? (z as unknown as Record<string, unknown>)[name] : schema._zod.constr;
    if (typeof Classic !== 'function') throw new Error(`classicSchema: classic zod has no ${name}`);
    twin = new (Classic as new (def: unknown) => z.core.$ZodType)(next);
    const meta = z.globalRegistry.get(schema);
    if (meta) z.globalRegistry.add(twin, meta);
  }
  twins.set(schema, twin);
  return twin as T;
}

/**
 * `classicSchema` of an object schema, typed as the classic object it is: the shared answer and request
 * schemas of the page's API client (src/shared/phosor-schemas.ts, account-schemas.ts, storage-schemas.ts)
 * are zod/mini, and `named`, `described`, `.extend` and a route's `request.query` take classic objects.
 */
export const classicObject = <S extends z.core.$ZodShape, C extends z.core.$ZodObjectConfig>(
  schema: z.core.$ZodObject<S, C>,
): z.ZodObject<S, C> => classicSchema(schema) as unknown as z.ZodObject<S, C>;

/** The HTTP statuses an error answer may have, each with what it means by default. */
const MEANINGS = {
  400: 'Validation error (`validation_error`): the message names the field and the rule.',
  401: 'Missing, unknown or revoked `X-API-Key` (`invalid_api_key`).',
  402: 'Insufficient credits (`insufficient_credits`); nothing was charged.',
  403: 'Forbidden.',
  404: 'Not found (`not_found`); another user’s resource is also 404.',
  409: 'A request with this `Idempotency-Key` is still running (`idempotency_key_in_use`); retry shortly for its answer.',
  413: 'Too large: the body is over its limit, or your storage is at its quota (`storage_quota_exceeded`, saying what you store).',
  422: 'This `Idempotency-Key` was used with a different body (`idempotency_key_reused`); use a new key.',
  429: 'Rate limit (`rate_limited`, with `Retry-After`: 1000 requests per 60 s per user, or 60 invalid keys per 60 s per address) or concurrency limit (`concurrency_limit`) exceeded.',
  503: 'Service unavailable.',
} as const;

/** An error status. */
export type ErrorStatus = keyof typeof MEANINGS;

/** Error answers `{ error: { code, message } }` for these statuses; a string overrides the default meaning. */
export function errors(statuses: Partial<Record<ErrorStatus, string | true>>): Record<string, ResponseConfig> {
  return Object.fromEntries(
    Object.entries(statuses).map(([status, meaning]) => [
      status,
      json(errorSchema, meaning === true ? MEANINGS[Number(status) as ErrorStatus] : meaning),
    ]),
  );
}

/** The errors every `X-API-Key` route can answer (401 and the rate limit's 429) plus `more`. */
export const authErrors = (more: Partial<Record<ErrorStatus, string | true>> = {}) =>
  errors({ 401: true, 429: true, ...more });

/** A path parameter object with one string id. */
export const idParam = (name: string, description: string) => z.object({ [name]: z.string().meta({ description }) });

/**
 * The optional `Idempotency-Key` request header of a POST that creates something, for `request.headers`;
 * pair it with `errors({ 409: true, 422: true })`.
 */
export const idempotencyHeader = z.object({
  'Idempotency-Key': z.string().min(1).max(255).optional().meta({
    description:
      'Makes a retry safe: the same key and body within 24 h get the first answer again (header `Idempotent-Replayed: true`) and nothing is done or charged twice. Errors are not replayed.',
    example: '5f0c8f6e-2d1b-4c3a-9a57-0f1e2d3c4b5a',
  }),
});
