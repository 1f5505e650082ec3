/**
 * Example prompts for the prompt box. When the models helper's world definition
 * (`models/world/world.json`, the vocabulary the built-in model is trained on) exists at build time,
 * its examples are used; otherwise a few sentences in the same style. Only the world's `prompts` key is
 * imported (a JSON named export), so the rest of the world (colours, motions, synonyms) stays out of
 * the page's bundle.
 */
const FALLBACK = [
  'a red circle moving left on a navy background',
  'a yellow square bouncing on a black background',
  'a green triangle drifting up on a white background',
];

const worlds = import.meta.glob<unknown>('/models/world/world.json', { eager: true, import: 'prompts' });

function promptsOf(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  const texts = list
    .map((item: unknown) =>
      typeof item === 'string'
        ? item
        : typeof item === 'object' && item !== null
          ? (item as { prompt?: unknown }).prompt
          : undefined,
    )
    .filter((t): t is string => typeof t === 'string' && t.trim() !== '');
  return texts;
}

/** Up to three example prompts. */
export const examplePrompts: string[] = (() => {
  const fromWorld = Object.values(worlds).flatMap(promptsOf);
  return (fromWorld.length > 0 ? fromWorld : FALLBACK).slice(0, 3);
})();
