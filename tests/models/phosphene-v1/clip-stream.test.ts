/**
 * The training stream (`train/clip-stream.ts`): records of token ids and RGB frames; with `--pairs`, each scene is
 * followed by its twin in another shape, the same scene and jitter otherwise (the paired shape loss relies on it).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SHAPE_NAMES } from '../../../models/world/world';

const SCRIPT = path.resolve('models/phosphene-v1/train/clip-stream.ts');
const VOCAB: string[] = JSON.parse(readFileSync('models/phosphene-v1/tokenizer.json', 'utf8')).vocab;
const [W, H, F, L] = [32, 18, 5, 32];
const FRAME = W * H * 3;
const RECORD = L * 4 + (F + 1) * FRAME; // ids, frames, background

interface Record {
  words: string[];
  clip: Buffer;
  background: Buffer;
}

async function stream(...args: string[]): Promise<Record[]> {
  const tsx = path.resolve('node_modules/.bin/tsx');
  const common = ['--width', `${W}`, '--height', `${H}`, '--frames', `${F}`, '--seed', '5', '--background'];
  const { stdout } = await promisify(execFile)(tsx, [SCRIPT, ...common, ...args], {
    encoding: 'buffer',
    maxBuffer: 1 << 26,
  });
  expect(stdout.length % RECORD).toBe(0);
  return Array.from({ length: stdout.length / RECORD }, (_, i) => {
    const r = stdout.subarray(i * RECORD, (i + 1) * RECORD);
    const ids = Array.from({ length: L }, (_, k) => r.readInt32LE(4 * k));
    return {
      words: ids.filter((t) => t > 3).map((t) => VOCAB[t]!),
      clip: r.subarray(L * 4, L * 4 + F * FRAME),
      background: r.subarray(L * 4 + F * FRAME),
    };
  });
}

/** The shape word of a prompt (singular or plural). */
const shapeOf = (words: string[]) =>
  words.map((w) => SHAPE_NAMES.find((s) => w === s || w.startsWith(s.slice(0, -1)))).find((s) => s !== undefined);

describe('clip-stream', () => {
  it('writes --count records', { timeout: 60_000 }, async () => {
    expect(await stream('--count', '3')).toHaveLength(3);
  });

  it('with --pairs, follows each scene by its twin in another shape', { timeout: 60_000 }, async () => {
    const records = await stream('--count', '8', '--pairs');
    expect(records).toHaveLength(8);
    for (let i = 0; i < 8; i += 2) {
      const [a, b] = [records[i]!, records[i + 1]!];
      const [sa, sb] = [shapeOf(a.words), shapeOf(b.words)];
      expect(sa).toBeDefined();
      expect(sb).toBeDefined();
      expect(sa).not.toBe(sb);
      // Only the shape word differs, and the background is the same picture.
      expect(a.words.filter((w) => shapeOf([w]) === undefined)).toEqual(
        b.words.filter((w) => shapeOf([w]) === undefined),
      );
      expect(a.background.equals(b.background)).toBe(true);
      expect(a.clip.equals(b.clip)).toBe(false);
    }
  });
});
