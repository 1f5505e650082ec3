/** The word-level tokenizer of the built-in models, derived from the vocabulary of `models/world/world.json`. */

import { pluralOf } from '../world/world';

/** The parts of `world.json` that carry words. */
export interface World {
  colors: Record<string, [number, number, number]>;
  shapes: string[];
  motions: Record<string, unknown>;
  backgrounds: Record<string, unknown>;
  counts: Record<string, number>;
  fillers: string[];
  prompts: string[];
}

/** The `tokenizer.json` document (type `word-level`). */
export interface TokenizerJson {
  type: 'word-level';
  lowercase: true;
  vocab: string[];
  pad_id: 0;
  unk_id: 1;
  bos_id: 2;
  eos_id: 3;
  max_length: number;
}

const SPECIAL = ['<pad>', '<unk>', '<s>', '</s>'];

/** Words are maximal runs of letters, lowercased. */
export const splitWords = (text: string): string[] => text.toLowerCase().match(/[a-z]+/g) ?? [];

/** Special tokens, then every word of the world in first-seen order (shapes also in plural). */
export function buildTokenizer(world: World, maxLength: number): TokenizerJson {
  const words = [
    ...Object.keys(world.colors),
    ...world.shapes.flatMap((s) => [s, pluralOf(s)]),
    ...Object.keys(world.motions),
    ...Object.keys(world.backgrounds),
    ...Object.keys(world.counts),
    ...world.fillers,
    ...world.prompts.flatMap(splitWords),
  ].flatMap(splitWords);
  const vocab = [...SPECIAL, ...new Set(words)];
  return {
    type: 'word-level',
    lowercase: true,
    vocab,
    pad_id: 0,
    unk_id: 1,
    bos_id: 2,
    eos_id: 3,
    max_length: maxLength,
  };
}
