/**
 * What the report's three parts exchange: the notebook runner writes executed notebooks
 * (nbformat 4.5) whose outputs include reproduced results as a MIME bundle of type
 * `RESULTS_MIME`, and whose metadata holds the run's provenance and status; the published
 * numbers (lib/report/papers) say which experiment id reproduces each number; the claims
 * (lib/report/claims.ts) are evaluated on the collected results; the renderer puts the three
 * side by side.
 */

/** MIME type of the reproduced-results bundle a notebook displays (`show.results`). */
export const RESULTS_MIME = 'application/vnd.cvgl.results+json';

/**
 * Reproduced metrics by experiment id (a preset name, e.g. 'cvft.table1.full') and metric key, in
 * the units the papers print (recalls in percent, e.g. r1: 61.43; parameters as counts).
 */
export type ReproducedResults = Record<string, Record<string, number>>;

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
}

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

export type ClaimStatus = 'reproduced' | 'not reproduced' | 'not run';

/** A paper's qualitative claim as a checkable statement about reproduced results. */
export interface Claim {
  id: string;
  paper: PaperKey;
  /** As a reader reads it, e.g. 'CVFT beats wo/ CVFT on R@1'. */
  statement: string;
  /** Where the paper makes it. */
  source: string;
  /** Experiment ids the claim needs (all must be present, else 'not run'). */
  needs: string[];
  /** Given results holding every experiment in `needs`: true when the claim holds. */
  holds: (r: ReproducedResults) => boolean;
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
