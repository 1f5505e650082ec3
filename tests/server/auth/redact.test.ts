import { describe, expect, it } from 'vitest';
import { generateSecret } from '../../../server/accounts/secret';
import { redactHeaders, redactSecrets } from '../../../server/auth/redact';

describe('redaction', () => {
  const secret = generateSecret();

  it('keeps only the display prefix of a key in text', () => {
    const line = redactSecrets(`GET /api/v1/account key=${secret} ok`);
    expect(line).not.toContain(secret);
    expect(line).toContain(`${secret.slice(0, 12)}…[redacted]`);
  });

  it('blanks credential headers and keys inside other headers', () => {
    const headers = redactHeaders({
      'X-API-Key': secret,
      referer: `https://x/?k=${secret}`,
      accept: 'application/json',
    });
    expect(headers['X-API-Key']).toBe('[redacted]');
    expect(JSON.stringify(headers)).not.toContain(secret);
    expect(headers.accept).toBe('application/json');
  });
});
