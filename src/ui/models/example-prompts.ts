/**
 * Example prompts for the prompt box. When the models helper's world definition
 * (`models/world/world.json`, the vocabulary the built-in model is trained on) exists at build time,
 * its examples are used; otherwise a few sentences in the same style.
 */
const FALLBACK = [
  'a red circle moving left on a navy background',
  'a yellow square bouncing on a black background',
  'a green triangle drifting up on a white background',
];

const worlds = import.meta.glob<unknown>('/models/world/world.json', { eager: true, import: 'default' });

function promptsOf(world: unknown): string[] {
  if (typeof world !== 'object' || world === null) return [];
  const record = world as Record<string, unknown>;
  for (const key of ['example_prompts', 'examples', 'prompts']) {
    const list = record[key];
    if (!Array.isArray(list)) continue;
    const texts = list
      .map((item: unknown) =>
        typeof item === 'string'
          ? item
          : typeof item === 'object' && item !== null
            ? (item as { prompt?: unknown }).prompt
            : undefined,
      )
      .filter((t): t is string => typeof t === 'string' && t.trim() !== '');
    if (texts.length > 0) return texts;
  }
  return [];
}

/** Up to three example prompts. */
export const examplePrompts: string[] = (() => {
  const fromWorld = Object.values(worlds).flatMap(promptsOf);
  return (fromWorld.length > 0 ? fromWorld : FALLBACK).slice(0, 3);
})();
