/**
 * Reads a multipart/form-data request with busboy, handing each expected file part to a handler as a
 * stream (nothing is buffered here) and refusing unknown, repeated, oversized or misnamed parts with a
 * 400 that names the part and the rule.
 */
import busboy from 'busboy';
import type { Request } from 'express';
import type { Readable } from 'node:stream';
import { HttpError } from '../http-error';
import { isUnstorableText, STORABLE_TEXT_RULE } from '../validation';
import { FileTooLargeError } from './file-store';

/** What one expected file part may be. */
export interface FilePartRule {
  maxBytes: number;
  /** Lower-case file name endings one of which is required, e.g. `['.safetensors']`. */
  extensions?: string[];
}

/** The parts a form may have; `required` lists the file parts that must be present. */
export interface MultipartSpec<F extends string> {
  files: Record<F, FilePartRule>;
  required: F[];
  /** Text fields and their maximum lengths. */
  fields?: Record<string, number>;
}

/** Stores or consumes one file part; must read `stream` to its end or fail. */
export type FilePartHandler<F extends string> = (part: F, stream: Readable, filename: string) => Promise<void>;

const invalid = (message: string) => new HttpError(400, 'validation_error', `Invalid upload: ${message}`);

/** Parses the request, awaiting every file handler; resolves with the text fields. */
export function readMultipart<F extends string>(
  req: Request,
  spec: MultipartSpec<F>,
  onFile: FilePartHandler<F>,
): Promise<Record<string, string>> {
  const fileRules = spec.files as Record<string, FilePartRule>;
  const fieldRules = spec.fields ?? {};
  const names = [...Object.keys(fileRules), ...Object.keys(fieldRules)].join(', ');
  // busboy also parses urlencoded forms, which cannot carry files; refuse them with the same message.
  if (!req.is('multipart/form-data'))
    return Promise.reject(invalid(`send multipart/form-data with the parts ${names}.`));
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      // One more file and field than expected, so an unknown part reaches our checks and gets its name in the 400.
      limits: {
        fileSize: Math.max(...Object.values(fileRules).map((r) => r.maxBytes)),
        files: Object.keys(fileRules).length + 1,
        fields: Object.keys(fieldRules).length + 1,
        fieldSize: Math.max(1, ...Object.values(fieldRules)),
        parts: Object.keys(fileRules).length + Object.keys(fieldRules).length + 2,
        headerPairs: 20,
      },
    });
  } catch {
    return Promise.reject(invalid(`send multipart/form-data with the parts ${names}.`));
  }
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const seen = new Set<string>();
    const handlers: Promise<void>[] = [];
    const streams: Readable[] = [];
    let failed: Error | undefined;

    const fail = (error: Error) => {
      if (failed) return;
      failed = error;
      // Stop parsing; the rest of the body is read and dropped so the client gets our answer.
      req.unpipe(parser);
      req.resume();
      for (const s of streams) s.destroy(error);
      void Promise.allSettled(handlers).then(() => reject(error));
    };

    parser.on('file', (part, stream, info) => {
      const rule = fileRules[part];
      const problem = !rule
        ? `unknown part "${part}"; expected ${names}.`
        : seen.has(part)
          ? `${part}: send it once.`
          : rule.extensions && !rule.extensions.some((e) => info.filename?.toLowerCase().endsWith(e))
            ? `${part}: the file name must end in ${rule.extensions.join(' or ')} (got ${JSON.stringify(info.filename ?? '')}).`
            : undefined;
      if (problem || failed) {
        stream.resume();
        return fail(failed ?? invalid(problem!));
      }
      seen.add(part);
      streams.push(stream);
      // fail() destroys the stream with its error, maybe before the handler listens (uncaught otherwise);
      // destroying without an error instead can leave a just-started pipeline waiting forever.
      stream.on('error', () => undefined);
      stream.on('limit', () => stream.destroy(new FileTooLargeError(rule!.maxBytes)));
      handlers.push(
        onFile(part as F, stream, info.filename ?? '').catch((error: Error) => {
          fail(error instanceof FileTooLargeError ? tooLarge(part, error.maxBytes) : error);
        }),
      );
    });
    parser.on('field', (name, value, info) => {
      if (name in fileRules) return fail(invalid(`${name}: send it as a file part, with a file name.`));
      if (!(name in fieldRules)) return fail(invalid(`unknown field "${name}"; expected ${names}.`));
      if (info.valueTruncated) return fail(invalid(`${name}: at most ${fieldRules[name]} characters.`));
      // Text fields are stored (a LoRA's name): PostgreSQL's text cannot hold NUL (server/validation.ts).
      if (isUnstorableText(value)) return fail(invalid(`${name}: ${STORABLE_TEXT_RULE}.`));
      fields[name] = value;
    });
    parser.on('partsLimit', () => fail(invalid(`too many parts; expected ${names}.`)));
    parser.on('filesLimit', () => fail(invalid(`too many files; expected ${names}.`)));
    parser.on('fieldsLimit', () => fail(invalid(`too many fields; expected ${names}.`)));
    parser.on('error', (error: Error) => fail(invalid(`malformed multipart body (${error.message}).`)));
    parser.on('close', () => {
      void Promise.allSettled(handlers).then(() => {
        if (failed) return;
        const missing = spec.required.filter((p) => !seen.has(p));
        if (missing.length > 0) return fail(invalid(`missing part ${missing.join(' and ')}.`));
        resolve(fields);
      });
    });
    req.on('aborted', () => fail(invalid('the client closed the connection mid-upload.')));
    req.pipe(parser);
  });
}

/** The 400 for a part over its size limit. */
export function tooLarge(part: string, maxBytes: number): HttpError {
  return new HttpError(400, 'file_too_large', `Invalid upload: ${part}: larger than the ${maxBytes}-byte limit.`);
}
