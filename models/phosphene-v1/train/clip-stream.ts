/**
 * Training data for the built-in model, written by the world's own renderer (so the world has one
 * source of truth): an endless stream of train-split clips on stdout, for `train/*.py` to read.
 *
 * Each record is `max_length` little-endian int32 token ids (the package tokenizer's encoding of the
 * canonical prompt, or of an empty prompt for caption dropout is the reader's choice), then the clip
 * as `frames × height × width × 3` bytes (RGB, row-major). Objects are jittered (a seeded offset of up
 * to 3 % of min(width, height)) so the model learns a distribution, not 10k fixed images.
 *
 * With `--background`, each record ends with the scene's static background (`height × width × 3` bytes).
 *
 * With `--recolor NAME`, every object is drawn in that world colour while the prompt keeps the scene's own
 * colour words: the training data of the example LoRA (`train_lora.py`), which makes every object that colour.
 *
 * With `--motions up,down --motion-share S`, a share S of the scenes take their motion from that list (the rest from
 * all motions): a fine-tune on motions the model gets wrong, without leaving the others.
 *
 * With `--pairs`, each scene is followed by its twin: the same scene and jitter with every object in another shape (a
 * train-split one), so a trainer can give both the same noise and learn what the shape word alone changes.
 *
 * Usage: tsx clip-stream.ts --width 256 --height 144 --frames 17 --seed 1 [--count N] [--background] [--recolor pink]
 *        [--motions up,down --motion-share 0.5] [--pairs]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { WordTokenizer } from '../../../src/pipeline/tokenizer';
import { backgroundImage } from '../../world/backgrounds';
import { renderScene } from '../../world/render';
import { describeScene, MAX_OBJECTS, recolored, type Scene } from '../../world/scene';
import { isVisible, mulberry32, splitOf } from '../../world/split';
import { BACKGROUND_NAMES, COLOR_NAMES, MOTION_NAMES, SHAPE_NAMES } from '../../world/world';

const { values } = parseArgs({
  options: {
    width: { type: 'string', default: '256' },
    height: { type: 'string', default: '144' },
    frames: { type: 'string', default: '17' },
    seed: { type: 'string', default: '1' },
    count: { type: 'string', default: '0' },
    split: { type: 'string', default: 'train' },
    background: { type: 'boolean', default: false },
    recolor: { type: 'string' },
    motions: { type: 'string' },
    'motion-share': { type: 'string', default: '0.5' },
    pairs: { type: 'boolean', default: false },
  },
});
const width = Number(values.width);
const height = Number(values.height);
const numFrames = Number(values.frames);
const count = Number(values.count);
const split = values.split === 'heldout' ? 'heldout' : 'train';
const recolor: string | undefined = values.recolor;
if (recolor !== undefined && !(COLOR_NAMES as readonly string[]).includes(recolor))
  throw new Error(`--recolor must be a world colour (${COLOR_NAMES.join(', ')}), not ${recolor}`);
const favoured = values.motions === undefined ? [] : values.motions.split(',');
for (const m of favoured)
  if (!(MOTION_NAMES as readonly string[]).includes(m))
    throw new Error(`--motions takes world motions (${MOTION_NAMES.join(', ')}), not ${m}`);
const motionShare = Number(values['motion-share']);
if (!(motionShare >= 0 && motionShare <= 1)) throw new Error('--motion-share must be between 0 and 1');
const random = mulberry32(Number(values.seed));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const tokenizer = WordTokenizer.fromJson(
  JSON.parse(readFileSync(new URL('../tokenizer.json', import.meta.url), 'utf8')),
);

/** The scene as drawn: with `--recolor`, its objects in that colour. */
const drawn = (scene: Scene): Scene => (recolor === undefined ? scene : recolored(scene, recolor));

/** A random visible scene of the split: one or two identical objects, as the evaluator samples them. */
function nextScene(): Scene {
  for (;;) {
    const n = 1 + Math.floor(random() * MAX_OBJECTS);
    const motion = favoured.length > 0 && random() < motionShare ? pick(favoured) : pick(MOTION_NAMES);
    const object = { color: pick(COLOR_NAMES), shape: pick(SHAPE_NAMES), motion };
    const scene: Scene = {
      objects: Array.from({ length: n }, () => ({ ...object })),
      background: pick(BACKGROUND_NAMES),
    };
    if (isVisible(scene) && isVisible(drawn(scene)) && splitOf(scene) === split) return scene;
  }
}

/** The scene with every object in another shape, drawn at random among those that keep it in the split; none if no shape does. */
function shapeTwin(scene: Scene): Scene | undefined {
  const twins = SHAPE_NAMES.filter((shape) => shape !== scene.objects[0]!.shape)
    .map((shape) => ({ ...scene, objects: scene.objects.map((o) => ({ ...o, shape })) }))
    .filter((twin) => isVisible(twin) && isVisible(drawn(twin)) && splitOf(twin) === split);
  return twins.length === 0 ? undefined : pick(twins);
}

/** The next scenes to write: one, or with --pairs a scene and its shape twin. */
function nextScenes(): Scene[] {
  for (;;) {
    const scene = nextScene();
    if (!values.pairs) return [scene];
    const twin = shapeTwin(scene);
    if (twin !== undefined) return [scene, twin];
  }
}

async function main(): Promise<void> {
  for (let i = 0; count === 0 || i < count;) {
    const scenes = nextScenes();
    const jitter = Math.floor(random() * 2 ** 31); // drawn after the scene, as before pairs existed: same stream
    for (const scene of scenes) if (count === 0 || i++ < count) await write(scene, jitter);
  }
}

/** One record on stdout: token ids, the clip, with --background the background. */
async function write(scene: Scene, jitter: number): Promise<void> {
  const plane = width * height;
  const ids = Int32Array.from(tokenizer.encode(describeScene(scene)));
  const rgba = renderScene(drawn(scene), { width, height, numFrames, jitter });
  const rgb = new Uint8Array(plane * numFrames * 3);
  for (let p = 0, q = 0; q < rgb.length; p += 4, q += 3) {
    rgb[q] = rgba[p]!;
    rgb[q + 1] = rgba[p + 1]!;
    rgb[q + 2] = rgba[p + 2]!;
  }
  const parts = [Buffer.from(ids.buffer), Buffer.from(rgb.buffer)];
  // With --background, the scene's static background follows (rounded as the renderer rounds it), so
  // the trainer knows which pixels belong to objects.
  if (values.background)
    parts.push(
      Buffer.from(Uint8Array.from(backgroundImage(scene.background, width, height), (v) => Math.floor(v + 0.5))),
    );
  const record = Buffer.concat(parts);
  if (!process.stdout.write(record)) await new Promise((resolve) => process.stdout.once('drain', resolve));
}

process.stdout.on('error', () => process.exit(0)); // the trainer closed the pipe: stop quietly
await main();
