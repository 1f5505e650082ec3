/**
 * A tolerant reader of prompts: it picks the world's words out of free English and ignores the rest,
 * so "two yellow stars drifting up over a night sky, cinematic" still yields what it can.
 */
import type { PartialScene, SceneObject } from './scene';
import { BACKGROUND_NAMES, COLOR_NAMES, MOTION_NAMES, SHAPE_NAMES, WORLD } from './world';

type Category = 'colors' | 'shapes' | 'motions' | 'backgrounds';
const NAMES: Record<Category, readonly string[]> = {
  colors: COLOR_NAMES,
  shapes: SHAPE_NAMES,
  motions: MOTION_NAMES,
  backgrounds: BACKGROUND_NAMES,
};
/** Words that start the background phrase ("on a blue background", "over stripes"). */
const PREPOSITIONS = new Set(['on', 'over', 'in', 'against', 'atop', 'across', 'above']);
/** Words that end a background phrase without a preposition ("red circle, blue background"). */
const BACKGROUND_NOUNS = new Set(['background', 'backdrop', 'gradient']);

/** The world word of `category` that `word` means, through synonyms and plurals ("crosses" → cross). */
function lookup(category: Category, word: string): string | undefined {
  const names = NAMES[category];
  const synonyms = WORLD.synonyms[category];
  const candidates = [word];
  if (category === 'shapes') candidates.push(word.replace(/e?s$/, ''), word.replace(/s$/, ''));
  for (const w of candidates) {
    if (names.includes(w)) return w;
    if (Object.hasOwn(synonyms, w)) return synonyms[w];
  }
  return undefined;
}

/** The background a phrase names, if any ("a navy background" → blue). */
function readBackground(words: string[]): string | undefined {
  for (const word of words) {
    const bg = lookup('backgrounds', word) ?? lookup('colors', word);
    if (bg !== undefined && BACKGROUND_NAMES.includes(bg)) return bg;
  }
  return undefined;
}

/**
 * Splits the words into the subject (objects) and the background: after the first preposition that
 * follows a shape ("… on a blue background"), else the word before "background" ("blue background
 * with a red circle"), else none.
 */
function splitPhrases(words: string[]): { subject: string[]; background?: string } {
  const firstShape = words.findIndex((w) => lookup('shapes', w) !== undefined);
  const prep = words.findIndex((w, i) => i > firstShape && PREPOSITIONS.has(w));
  if (firstShape >= 0 && prep >= 0) {
    const background = readBackground(words.slice(prep + 1));
    if (background !== undefined) return { subject: words.slice(0, prep), background };
  }
  const noun = words.findIndex((w) => BACKGROUND_NOUNS.has(w));
  if (noun > 0) {
    const background = readBackground([words[noun - 1]!]);
    if (background !== undefined) return { subject: words.filter((_, i) => i < noun - 1 || i > noun), background };
  }
  return { subject: prep >= 0 ? words.slice(0, prep) : words };
}

interface Group {
  count: number;
  counted: boolean;
  object: Partial<SceneObject>;
}

/** Whether `word` begins a new object rather than adding to the current one ("a red circle and a blue …"). */
function startsObject(current: Group | undefined, kind: 'count' | 'color' | 'shape' | 'motion'): boolean {
  if (!current) return true;
  const { shape, motion } = current.object;
  if (shape === undefined) return false;
  return kind !== 'motion' || motion !== undefined;
}

/** Reads the objects: a count, colour or shape after a shape starts the next object; motions stay with theirs. */
function readObjects(words: string[]): Partial<SceneObject>[] {
  const groups: Group[] = [];
  let current: Group | undefined;
  for (const word of words) {
    const count = WORLD.counts[word];
    const color = lookup('colors', word);
    const shape = lookup('shapes', word);
    const motion = lookup('motions', word);
    const kind = count !== undefined ? 'count' : color ? 'color' : shape ? 'shape' : motion ? 'motion' : undefined;
    if (kind === undefined) continue;
    if (startsObject(current, kind) || !current) {
      current = { count: 1, counted: false, object: {} };
      groups.push(current);
    }
    if (count !== undefined) {
      current.count = count;
      current.counted = true;
    } else if (color) current.object.color ??= color;
    else if (shape) {
      current.object.shape = shape;
      // "red circles" without a number means more than one; the world's most is two.
      const singular = SHAPE_NAMES.includes(word) || Object.hasOwn(WORLD.synonyms.shapes, word);
      if (!current.counted && !singular) current.count = 2;
    } else if (motion) current.object.motion ??= motion;
  }
  // "a red circle and a blue square moving left": a motion said once applies to the objects without one.
  const shared = [...groups].reverse().find((g) => g.object.motion)?.object.motion;
  // A lone "a" or "one" names nothing.
  return groups.flatMap((g) => {
    if (Object.keys(g.object).length === 0) return [];
    const object = { ...g.object };
    if (object.motion === undefined && shared !== undefined) object.motion = shared;
    return Array.from({ length: Math.max(1, g.count) }, () => ({ ...object }));
  });
}

/**
 * Parses a prompt into what it names: unknown words are ignored, synonyms and plurals are mapped
 * (`world.json` → synonyms), and missing parts are left out rather than guessed.
 */
export function parsePrompt(text: string): PartialScene {
  const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
  const { subject, background } = splitPhrases(words);
  const scene: PartialScene = { objects: readObjects(subject) };
  if (background !== undefined) scene.background = background;
  return scene;
}
