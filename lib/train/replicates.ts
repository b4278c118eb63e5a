/**
 * Replicates (issue 20): every trained row of a study runs K times, replicate r from seed
 * base + r (initialisation, data order and augmentation all follow the run's seed), and every
 * row of a study uses the same seeds and the same validation queries, so two rows compared by a
 * claim form a paired design (lib/eval/paired_bootstrap.ts). What a replicate leaves for the
 * statistics is its per-query outcomes: the rank of each query's true match (retrieval), or a
 * per-query value of another metric (MDUIT's localisation hits), plus its scalar metrics.
 *
 * K comes from the profile (smoke 1: one replicate decides nothing, it only runs every line;
 * quick 3; paper 3) and can be set per run (`replicates`, a notebook's `--param replicates=K`).
 */
import { CvglError } from '../engine/errors.js';
import type { ProfileName } from './profiles.js';

/** Replicates of a profile unless set: smoke runs every line once, quick and paper give three seeds. */
export const PROFILE_REPLICATES: Readonly<Record<ProfileName, number>> = { smoke: 1, quick: 3, paper: 3 };

/** What the K replicates of one experiment row left (JSON: plain arrays, into the results bundle). */
export interface ExperimentReplicates {
  /** Seed of each replicate (base + r). */
  seeds: number[];
  /** Per replicate, the 0-based rank of each validation query's true match (the same queries, in
   *  the same order, in every replicate and every row of the study). */
  ranks?: number[][];
  /** Per replicate and query, values of other per-query metrics in the units the paper prints
   *  (e.g. MDUIT's `day_5m_10deg`: 100 when the query is localised within 5 m and 10°, else 0). */
  perQuery?: Record<string, number[][]>;
  /** Per replicate, its scalar metrics (recalls in percent, L_uniform, …) as the results hold them. */
  metrics: Record<string, number>[];
  /** Per replicate, seconds of training and evaluation (for a reader; never in a claim). */
  seconds?: number[];
}

/** Experiment id → its replicates. */
export type ReplicateResults = Record<string, ExperimentReplicates>;

/** K for `profile` unless `requested` is given (a positive integer, else a CvglError). */
export function replicateCount(profile: string, requested?: number | string | null): number {
  if (requested !== undefined && requested !== null && requested !== '' && requested !== 0) {
    const k = Number(requested);
    if (!Number.isInteger(k) || k < 1 || k > 100) throw new CvglError('replicates: an integer from 1 to 100', String(requested), 'e.g. --param replicates=3 (1 decides no claim)');
    return k;
  }
  return PROFILE_REPLICATES[profile as ProfileName] ?? 3;
}

/** Seeds base, base + 1, …, base + K − 1. */
export const replicateSeeds = (base: number, k: number): number[] => Array.from({ length: k }, (_, r) => base + r);

/** The mean over replicates of each scalar metric that every replicate has (the point value a table shows). */
export function meanMetrics(metrics: ReadonlyArray<Record<string, number>>): Record<string, number> {
  if (!metrics.length) return {};
  const keys = Object.keys(metrics[0]!).filter((k) => metrics.every((m) => typeof m[k] === 'number'));
  return Object.fromEntries(keys.map((k) => [k, metrics.reduce((s, m) => s + m[k]!, 0) / metrics.length]));
}

/** Each row's point values, the mean over its replicates (what a study's `results` hold). */
export function replicateMeans(reps: ReplicateResults): Record<string, Record<string, number>> {
  return Object.fromEntries(Object.entries(reps).map(([id, r]) => [id, meanMetrics(r.metrics)]));
}

/** Mean, standard deviation, smallest and largest value of a metric over replicates (for tables; K = 1: sd 0). */
export function replicateSpread(values: readonly number[]): { mean: number; sd: number; min: number; max: number; k: number } {
  const k = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / Math.max(k, 1);
  const sd = k > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (k - 1)) : 0;
  return { mean, sd, min: Math.min(...values), max: Math.max(...values), k };
}
