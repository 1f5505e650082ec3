import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isUnstorableText, parseRequest, unstorableTextPath } from '../../server/validation';

describe('isUnstorableText', () => {
  it.each(['', 'plain', 'é ü 漢字', 'emoji 🎈 pair \ud83c\udf88', 'tab\tnewline\n'])('accepts %j', (text) => {
    expect(isUnstorableText(text)).toBe(false);
  });

  it.each(['\u0000', 'a\u0000b', '\ud800', 'end \udbff', '\udc00 start', 'reversed \udf88\ud83c', 'a\ud800b'])(
    'refuses %j',
    (text) => {
      expect(isUnstorableText(text)).toBe(true);
    },
  );
});

describe('unstorableTextPath', () => {
  it('names the first bad string at any depth, keys included, and ignores other values', () => {
    expect(unstorableTextPath({ a: 1, b: null, c: ['ok', { d: 'x\u0000' }] })).toBe('c.1.d');
    expect(unstorableTextPath({ ['k\ud800']: 'v' })).toBe('k\ud800');
    expect(unstorableTextPath('\u0000')).toBe('');
    expect(unstorableTextPath({ a: 'fine', b: [1, true] })).toBeUndefined();
  });
});

describe('parseRequest', () => {
  const schema = z.object({ name: z.string(), n: z.number() });

  it('checks what the schema keeps, not the fields it drops', () => {
    expect(parseRequest(schema, { name: 'a', n: 1, extra: '\u0000' })).toEqual({ name: 'a', n: 1 });
    expect(() => parseRequest(schema, { name: 'a\u0000', n: 1 })).toThrow(
      'Invalid request: name: must not contain NUL characters or unpaired surrogates.',
    );
  });

  it('reports schema errors first, in the same shape', () => {
    expect(() => parseRequest(schema, { name: 'a\u0000', n: 'x' })).toThrow(/^Invalid request: n: /);
  });
});
