/** The adherence gate: a model passes when every attribute's accuracy reaches its goal. */
import type { Attribute, Summary } from './evaluate';

/** Least accuracy per attribute (the goals: colour and background 95 %, shape and motion 90 %). */
export type Thresholds = Record<Attribute, number>;

/** The goals; count is held to the shape/motion bar. */
export const GOALS: Thresholds = { background: 0.95, color: 0.95, count: 0.9, shape: 0.9, motion: 0.9 };

/** One attribute below its goal. */
export interface GateFailure {
  attribute: Attribute;
  accuracy: number;
  threshold: number;
}

/** The gate's verdict with what failed, so a CI log says which attribute dropped and by how much. */
export interface GateResult {
  pass: boolean;
  failures: GateFailure[];
  /** Why the gate could not judge (too few clips), when it could not. */
  reason?: string;
}

/**
 * Checks a summary against thresholds. Fewer than `minClips` clips fail outright: a handful of lucky
 * clips says nothing about adherence.
 */
export function adherenceGate(summary: Summary, thresholds: Thresholds = GOALS, minClips = 8): GateResult {
  if (summary.n < minClips) {
    return { pass: false, failures: [], reason: `only ${summary.n} clips were scored; the gate needs ${minClips}` };
  }
  const failures = (Object.keys(thresholds) as Attribute[])
    .filter((attribute) => !(summary.accuracy[attribute] >= thresholds[attribute]))
    .map((attribute) => ({ attribute, accuracy: summary.accuracy[attribute], threshold: thresholds[attribute] }));
  return { pass: failures.length === 0, failures };
}

/** One line per failure, e.g. "color 62.5 % < 95 %". */
export function describeGate(result: GateResult): string {
  if (result.pass) return 'adherence gate passed';
  if (result.reason) return result.reason;
  return result.failures
    .map((f) => `${f.attribute} ${(100 * f.accuracy).toFixed(1)} % < ${(100 * f.threshold).toFixed(0)} %`)
    .join('; ');
}
