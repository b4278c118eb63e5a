/**
 * What a paper hands the report: its published numbers, each with where it is printed and the
 * experiment reproducing it, and its claims as predicates over reproduced results.
 */
import type { TrainConfig } from '../train/config.js';
import type { ReproducedResults } from '../train/study.js';
import type { ClaimTerm } from './claim.js';

export type { ReproducedResults };

export type PaperKey = 'mgtl' | 'geocapsnet' | 'cvft' | 'thesis' | 'mduit';

/** One published number, typed in once, with where it is printed. */
export interface PublishedNumber {
  paper: PaperKey;
  /** e.g. 'Table 1', 'Fig. 4', 'Table 4.7'. */
  table: string;
  /** Row label as printed (method / setting), e.g. 'Ours', 'exp. 27, α = 0.0001'. */
  row: string;
  /** Column label as printed, e.g. 'CVUSA r@1'. */
  column: string;
  /** Dataset of the column: 'CVUSA', 'CVACT_val', 'CVACT_test', 'VIGOR same-area', … */
  dataset: string;
  /** Metric key matching `ReproducedResults` (r1, r5, r10, r1pct, params, gflops, fid, …). */
  metric: string;
  /** The value as printed (percentages as percent, e.g. 61.43). */
  value: number;
  /** Unit of `value`: '%' for recalls, 'count', 'GFLOPs', … */
  unit: string;
  /** Experiment id (preset name) whose result reproduces this number; absent: not reproduced here. */
  experiment?: string;
  /** true when higher is better (recalls), false when lower is (FID, errors). */
  higherIsBetter: boolean;
}

/** A claim's verdict (lib/papers/assess.ts, lib/eval/verdict.ts), or 'not run' when a row it needs is missing. */
export type ClaimStatus = 'supported' | 'contradicted' | 'inconclusive' | 'not run';



/** A paper's qualitative claim as comparisons of reproduced results (lib/papers/claim.ts). */
export interface Claim {
  id: string;
  paper: PaperKey;
  /** As a reader reads it, e.g. 'CVFT beats wo/ CVFT on R@1'. */
  statement: string;
  /** Where the paper makes it. */
  source: string;
  /** Experiment ids the claim needs (all must be present, else 'not run'). */
  needs: string[];
  /** What must hold, every term (lib/papers/claim.ts): decided on replicated runs, exactly for
   *  deterministic metrics, and checked on the paper's own numbers. */
  terms: ClaimTerm[];
  /** Numbers the paper's text quotes for the comparison (checked against its tables: the consistency column). */
  quotes?: { experiment: string; metric: string; value: number; where: string }[];
}

/** Experiment rows by name (`full`, `woCvft`, …), each a training config. */
export type PresetRows = { [row: string]: TrainConfig };
/** Rows grouped by table (`table1`, …): the dotted path is the experiment id. */
export type PresetTree = { [k: string]: PresetRows | PresetTree };
