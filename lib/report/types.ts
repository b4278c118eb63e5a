/**
 * What the report's three parts exchange: the notebook runner writes executed notebooks
 * (nbformat 4.5) whose outputs include reproduced results as a MIME bundle of type
 * `RESULTS_MIME`, and whose metadata holds the run's provenance and status; the published
 * numbers (lib/papers/<paper>/published.ts) say which experiment id reproduces each number; the
 * claims (lib/papers/<paper>/claims.ts) are evaluated on the collected results; the renderer puts
 * the three side by side. The paper-side types are defined in lib/papers/types.ts (results in
 * lib/train/study.ts) and re-exported here for the renderer.
 */
export type { ClaimStatus, Claim, PaperKey, PublishedNumber } from '../papers/types.js';
export type { ReproducedResults } from '../train/study.js';
export type { Reading, ReadingOption } from '../papers/reading.js';
import type { PaperKey } from '../papers/types.js';
import type { ReproducedResults } from '../train/study.js';
import type { ReplicateResults } from '../train/replicates.js';

/** MIME type of the reproduced-results bundle a notebook displays (`show.results`). */
export const RESULTS_MIME = 'application/vnd.cvgl.results+json';

/** Payload of a `RESULTS_MIME` output. */
export interface ResultsBundle {
  /** Paper key: 'mgtl' | 'geocapsnet' | 'cvft' | 'thesis' | 'mduit'. */
  paper: PaperKey;
  results: ReproducedResults;
  /** Dataset the results come from; `substitute: true` when it is not the paper's (e.g. the
   *  synthetic world): such rows are never coloured as a match or a miss of absolute numbers. */
  dataset: { name: string; substitute: boolean };
  /** Free notes shown under the table (settings, profile). */
  notes?: string[];
  /**
   * The readings each run used (lib/papers/readings.ts): experiment id → reading id → option
   * name, e.g. from `readingsUsed(paper, runs)`. The page's "Readings this run used" shows them;
   * without it, each reading shows its default.
   */
  readings?: Record<string, Record<string, string>>;
  /** Where each experiment's backbones started (a study's `init`, e.g. 'random init, paper starts
   *  from ImageNet'): a column of the results table, and a mark on the comparison rows whose run
   *  did not start where its paper does. */
  init?: Record<string, string>;
  /**
   * Each experiment's K replicates (lib/train/replicates.ts): seeds and per-query outcomes, from
   * which the claims' paired statistics are computed (lib/papers/assess.ts). `results` then
   * holds the mean over replicates.
   */
  replicates?: ReplicateResults;
  /** How the recalls were counted (ties, the K of top 1%) when not the library's default
   *  (lib/eval/recall.ts), e.g. the thesis' own code's convention; the report states it. */
  recallConvention?: { ties: 'against' | 'strict'; onePercentK: 'floor+1' | 'floor'; why: string };
  /** Each experiment's run configuration (e.g. its TrainConfig) when the notebook records it:
   *  reports/<paper>.json carries it per run (else the notes stand for it). */
  configs?: Record<string, unknown>;
}

/** Provenance stamped into each executed notebook's metadata (`metadata.cvgl.provenance`). */
export interface Provenance {
  git: { commit: string | null; dirty: boolean | null };
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; gpu: string | null };
  backend: { name: string; device: string; threads: number } | null;
  versions: Record<string, string>;
  dataset: { name: string; path: string; pairs: Record<string, number>; splitHash: string } | null;
  profile: string;
  seed: number | null;
  params: Record<string, unknown>;
}

/** Run status stamped into `metadata.cvgl` of an executed notebook. */
export interface NotebookRunStatus {
  ok: boolean;
  /** Index of the cell that failed or timed out (code cells counted among all cells). */
  failedCell: number | null;
  error: { ename: string; evalue: string } | null;
  timedOut: boolean;
  seconds: number;
  provenance: Provenance;
}
