/** What a clip of the toy world shows, and the canonical English that describes it. */
import { WORLD, pluralOf } from './world';

/** One object: a world colour, shape and motion (names from `world.json`). */
export interface SceneObject {
  color: string;
  shape: string;
  motion: string;
}

/** A scene: one or two objects over a background; its count is `objects.length`. */
export interface Scene {
  objects: SceneObject[];
  background: string;
}

/** What a prompt said, as far as it said it: missing words are missing fields. */
export interface PartialScene {
  objects: Partial<SceneObject>[];
  background?: string;
}

/** The most objects a scene holds (the "one or two"). */
export const MAX_OBJECTS = 2;

/** True when a parsed prompt names everything a scene needs, within the world's limits. */
export function isCompleteScene(scene: PartialScene): scene is Scene {
  return (
    scene.background !== undefined &&
    scene.objects.length >= 1 &&
    scene.objects.length <= MAX_OBJECTS &&
    scene.objects.every((o) => o.color !== undefined && o.shape !== undefined && o.motion !== undefined)
  );
}

const NUMBER_WORDS = ['zero', 'one', 'two', 'three'];
const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');

/** How a motion is said: "moving left", "growing", "still". */
function motionPhrase(motion: string): string {
  const spec = WORLD.motions[motion];
  return spec && (spec.dx !== 0 || spec.dy !== 0) ? `moving ${motion}` : motion;
}

/** "a red circle", "two red circles". */
function objectPhrase(o: SceneObject, count: number): string {
  return count === 1
    ? `${article(o.color)} ${o.color} ${o.shape}`
    : `${NUMBER_WORDS[count]} ${o.color} ${pluralOf(o.shape)}`;
}

/** "on a black background", "over a sunset gradient". */
function backgroundPhrase(background: string): string {
  const kind = WORLD.backgrounds[background]?.kind;
  return kind === 'gradient'
    ? `over ${article(background)} ${background} gradient`
    : `on ${article(background)} ${background} background`;
}

const same = (a: SceneObject, b: SceneObject) => a.color === b.color && a.shape === b.shape && a.motion === b.motion;

/**
 * The canonical prompt of a scene, in the words of `world.json`: "two yellow stars moving up over a
 * sunset gradient", "a red circle and a blue square moving left on a white background".
 */
export function describeScene(scene: Scene): string {
  const [first, ...rest] = scene.objects;
  if (!first) throw new Error('a scene has at least one object');
  let subject: string;
  if (rest.every((o) => same(o, first))) {
    subject = `${objectPhrase(first, scene.objects.length)} ${motionPhrase(first.motion)}`;
  } else if (rest.every((o) => o.motion === first.motion)) {
    subject = `${scene.objects.map((o) => objectPhrase(o, 1)).join(' and ')} ${motionPhrase(first.motion)}`;
  } else {
    subject = scene.objects.map((o) => `${objectPhrase(o, 1)} ${motionPhrase(o.motion)}`).join(' and ');
  }
  return `${subject} ${backgroundPhrase(scene.background)}`;
}

/** The scene with every object drawn in `color` (the data and the scoring of a recolouring LoRA). */
export function recolored(scene: Scene, color: string): Scene {
  return { ...scene, objects: scene.objects.map((o) => ({ ...o, color })) };
}

export { parsePrompt } from './parse';
export { sampleScenes, splitOf, type Split } from './split';
