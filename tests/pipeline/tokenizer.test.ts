import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WordTokenizer } from '../../src/pipeline/tokenizer';
import { ModelPackageError } from '../../src/shared/errors';

const config = {
  type: 'word-level',
  lowercase: true,
  vocab: ['<pad>', '<unk>', '<s>', '</s>', 'red', 'circle', 'moving', 'left'],
  pad_id: 0,
  unk_id: 1,
  bos_id: 2,
  eos_id: 3,
  max_length: 8,
};

describe('WordTokenizer', () => {
  const tokenizer = WordTokenizer.fromJson(config);

  it('wraps words in <s> … </s> and pads to max_length', () => {
    expect(tokenizer.encode('Red circle, moving LEFT!')).toEqual([2, 4, 5, 6, 7, 3, 0, 0]);
  });

  it('maps unknown words to <unk>', () => {
    expect(tokenizer.encode('a red zebra')).toEqual([2, 1, 4, 1, 3, 0, 0, 0]);
  });

  it('truncates long prompts but keeps </s>', () => {
    expect(tokenizer.encode('red red red red red red red red red')).toEqual([2, 4, 4, 4, 4, 4, 4, 3]);
  });

  it('encodes the empty prompt as <s> </s>', () => {
    expect(tokenizer.encode('')).toEqual([2, 3, 0, 0, 0, 0, 0, 0]);
  });

  it('keeps case when lowercase is false', () => {
    expect(WordTokenizer.fromJson({ ...config, lowercase: false }).encode('Red red')).toEqual([2, 1, 4, 3, 0, 0, 0, 0]);
  });

  it('rejects invalid tokenizer JSON with the field names', () => {
    expect(() => WordTokenizer.fromJson({ ...config, unk_id: 99 })).toThrow(ModelPackageError);
    expect(() => WordTokenizer.fromJson({ ...config, unk_id: 99 })).toThrow(/unk_id is outside the vocabulary/);
    expect(() => WordTokenizer.fromJson({ ...config, type: 'bpe' })).toThrow(/type/);
  });

  it('reads the fixture package tokenizer', () => {
    const tiny = WordTokenizer.fromJson(
      JSON.parse(readFileSync('tests/fixtures/models/phosphene-tiny/tokenizer.json', 'utf8')),
    );
    const ids = tiny.encode('a red circle');
    expect(ids).toHaveLength(tiny.maxLength);
    expect(ids.slice(1, 4).every((id) => id !== tiny.config.unk_id)).toBe(true);
  });
});
