/**
 * The one check every request string passes before a route uses it: zod-parsed bodies and queries
 * (`parseRequest`), path ids (`rejectUnstorableParam`) and multipart text fields (`readMultipart`).
 * A refusal is Phosor's 400 `validation_error` naming the field.
 */
import type { RequestParamHandler } from 'express';
import { z } from 'zod';
import { HttpError } from './http-error';

/**
 * The rule: PostgreSQL's `text` cannot hold U+0000 (it fails the query: a 500), and an unpaired UTF-16
 * surrogate has no UTF-8 form (the drivers silently store U+FFFD instead). JSON's `\u0000` and `\ud800`
 * escapes and a path's `%00` all produce them, so they are refused before anything reaches the database.
 */
export const STORABLE_TEXT_RULE = 'must not contain NUL characters or unpaired surrogates';

const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `text` breaks the rule. */
export const isUnstorableText = (text: string): boolean => UNSTORABLE.test(text);

/**
 * The path (`a.b.0`; `''` for `value` itself) of the first string in `value`, a key or a value at any
 * depth, that breaks the rule; undefined when every string is storable.
 */
export function unstorableTextPath(value: unknown, path: string[] = []): string | undefined {
  if (typeof value === 'string') return isUnstorableText(value) ? path.join('.') : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = isUnstorableText(key) ? [...path, key].join('.') : unstorableTextPath(item, [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

const invalid = (problems: string) => new HttpError(400, 'validation_error', `Invalid request: ${problems}.`);

/**
 * Parses a body or query with `schema` and checks every string of the result against the rule, or
 * throws a 400 naming each bad field and the rule it broke. The result, not the input, is checked:
 * it is what the route stores, and the unknown fields a schema drops (Phosor clients send some) never
 * reach the database.
 */
export function parseRequest<T>(schema: z.core.$ZodType<T>, value: unknown): T {
  // `z.safeParse`, not the method: some shared schemas are zod/mini (the page bundles them without classic zod).
  const result = z.safeParse(schema, value);
  if (!result.success)
    throw invalid(result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  const bad = unstorableTextPath(result.data);
  if (bad !== undefined) throw invalid(`${bad || 'body'}: ${STORABLE_TEXT_RULE}`);
  return result.data;
}

/** `router.param` handler for ids in paths: `%00` decodes to a NUL that would reach the database. */
export const rejectUnstorableParam: RequestParamHandler = (_req, _res, next, value: unknown, name) => {
  next(typeof value === 'string' && isUnstorableText(value) ? invalid(`${name}: ${STORABLE_TEXT_RULE}`) : undefined);
};
