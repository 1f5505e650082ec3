/** What each refusal tells a person: Phosor's 401, 402, 429 and 503 say what to do; others keep the server's words. */
import { describe, expect, it } from 'vitest';
import { ServerError, serverErrorOf, unreachable } from '../../../src/ui/server/server-error';

describe('serverErrorOf', () => {
  it.each([
    [401, /API key: paste a valid key .* in Settings/],
    [402, /Not enough credits .* run it on this device \(free\)/],
    [429, /Too many requests or jobs at once/],
    [503, /queue is full right now: try again in a minute/],
  ])('%i gets advice and keeps the server’s reason', (status, advice) => {
    const error = serverErrorOf(status, { error: { code: 'why', message: 'because' } });
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ name: 'ServerError', status, code: 'why' });
    expect(error.message).toMatch(advice);
    expect(error.message).toMatch(/\(The server said: because\)$/);
  });

  it('keeps the message of other statuses, and copes with a body that is not ours', () => {
    expect(serverErrorOf(400, { error: { code: 'invalid_params', message: 'width must be …' } }).message).toBe(
      'width must be …',
    );
    expect(serverErrorOf(500, '<html>')).toMatchObject({ code: 'http_500', message: 'The server answered 500.' });
    expect(serverErrorOf(401, null).message).not.toMatch(/server said/);
  });

  it('names the server that could not be reached', () => {
    expect(unreachable('http://127.0.0.1:9', new TypeError('fetch failed'))).toMatchObject({
      status: 0,
      code: 'unreachable',
      message: expect.stringMatching(/^Cannot reach the server at http:\/\/127\.0\.0\.1:9 \(fetch failed\)/),
    });
  });
});
