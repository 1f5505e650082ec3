/** What a log line says of an error: enough to find the code, nothing from the data. */
import { redactSecrets } from '../auth/redact';

/**
 * An error as log fields: its name, code (a SQLSTATE for database errors), redacted message and top
 * five stack frames. A driver's `query`, `parameters` and `detail` are left out: they quote rows,
 * prompts included.
 */
export function errorSummary(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error, message: redactSecrets(String(error)).slice(0, 300) };
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => line.trimStart().startsWith('at '))
    .slice(0, 5)
    .map((line) => line.trim());
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    ...(typeof code === 'string' ? { code } : {}),
    message: redactSecrets(error.message).slice(0, 300),
    stack: frames,
  };
}
