/** The evaluation report: what `npm run eval` writes as JSON and prints as a markdown table. */
import { ATTRIBUTES, type ClipScore, type Summary } from './evaluate';
import { describeGate, type GateResult } from './gate';
import { parsePrompt } from './parse';

/** One generated clip and its verdict. */
export interface ClipRecord extends ClipScore {
  prompt: string;
  seed: number;
  generateMs: number;
  evaluateMs: number;
}

/** Everything one evaluation run measured, with the settings that reproduce it. */
export interface EvalReport {
  model: string;
  weights: string;
  settings: {
    n: number;
    width: number;
    height: number;
    num_frames: number;
    steps: number;
    guidance_scale: number;
    sceneSeed: number;
    device: string;
  };
  summary: Summary;
  gate: GateResult;
  timing: { firstClipMs: number; meanGenerateMs: number; meanEvaluateMs: number; totalS: number };
  clips: ClipRecord[];
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** The object attributes whose accuracy the report also breaks down by the word the prompt asked for. */
export const BY_WORD = ['shape', 'motion'] as const;

/**
 * Accuracy of `attribute` per word the prompts asked for (each clip counted under its first object's word):
 * `[word, correct, clips]`, most asked first. A mean hides where a model fails: session 28 found most motion
 * errors of the built-in model in "up" and "down" (4 of 20 right), with left, right and still all right.
 */
export function accuracyByWord(
  clips: readonly Pick<ClipRecord, 'prompt' | 'correct'>[],
  attribute: (typeof BY_WORD)[number],
): [string, number, number][] {
  const tally = new Map<string, [number, number]>();
  for (const clip of clips) {
    const word = parsePrompt(clip.prompt).objects[0]?.[attribute];
    if (word === undefined) continue;
    const t = tally.get(word) ?? [0, 0];
    t[0] += Number(clip.correct[attribute]);
    t[1] += 1;
    tally.set(word, t);
  }
  return [...tally]
    .map(([w, [ok, n]]) => [w, ok, n] as [string, number, number])
    .sort((a, b) => b[2] - a[2] || (a[0] < b[0] ? -1 : 1));
}

/** A markdown summary: one table of accuracies, flicker and timing, then the gate's verdict. */
export function markdownReport(r: EvalReport): string {
  const s = r.settings;
  const head = ['model', ...ATTRIBUTES, 'all', 'flicker bg / frame', 'judder', 'gen s/clip', 'eval s/clip'];
  const row = [
    `${r.model} (${r.weights})`,
    ...ATTRIBUTES.map((a) => pct(r.summary.accuracy[a])),
    pct(r.summary.accuracy.all),
    `${r.summary.meanFlicker.toFixed(2)} / ${r.summary.meanFrameFlicker.toFixed(2)}`,
    r.summary.meanJudder.toFixed(2),
    (r.timing.meanGenerateMs / 1000).toFixed(2),
    (r.timing.meanEvaluateMs / 1000).toFixed(3),
  ];
  return [
    `${r.summary.n} held-out prompts (scene seed ${s.sceneSeed}, clip seeds 1000…${999 + s.n}), ${s.width}×${s.height}×${s.num_frames}, ${s.steps} steps, guidance ${s.guidance_scale}, ${s.device}:`,
    '',
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    `| ${row.join(' | ')} |`,
    '',
    `Flicker: mean absolute change between consecutive frames (0–255) of the background pixels (the whole frame when under a quarter is background) / of the whole frame. Judder: the largest frame-to-frame change above the median one (0–255; even motion reads near 0). First clip (session compile) ${(r.timing.firstClipMs / 1000).toFixed(2)} s; total ${r.timing.totalS.toFixed(1)} s.`,
    `Gate: ${describeGate(r.gate)}.`,
    ...BY_WORD.map(
      (a) =>
        `By ${a} asked: ${accuracyByWord(r.clips, a)
          .map(([w, ok, n]) => `${w} ${ok}/${n}`)
          .join(', ')}.`,
    ),
    '',
  ].join('\n');
}
