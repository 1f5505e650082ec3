/**
 * The server's one structured logger (pino, JSON lines on stdout). Credentials never reach it: the
 * request serializer and `redact` paths remove them, and messages pass through `redactSecrets`.
 * LOG_LEVEL sets the level (default `info`; `silent` for none).
 */
import { pino, type Logger } from 'pino';
import { redactSecrets } from '../auth/redact';

/** Paths pino blanks wherever they appear in a log object. */
export const REDACT_PATHS = [
  'req.headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.apiKey',
];

/** A logger writing to `destination` (stdout by default). */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      hooks: {
        // A key inside a message (an error that quotes a header, say) is redacted too.
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    options.destination ?? process.stdout,
  );
}

/** The process's logger. */
export const log: Logger = createLogger();
