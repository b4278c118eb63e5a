/**
 * A paper's report as data (issue 20, item 9): what was run, per notebook its status and
 * provenance, per experiment its seeds and per-replicate metrics, the claims' assessments, the
 * published-vs-reproduced rows with the order checks, and the counts. `cvgl report` writes it as
 * reports/<paper>.json (schema in docs/report.md) and the HTML page is rendered from the same
 * object, so that the two cannot disagree.
 */
import type { NotebookRunStatus, PaperKey, Provenance, ResultsBundle } from '../types.ts';
import { collectResultBundles, type Notebook } from './outputs.ts';
import {
  claimView,
  claimsSummary,
  compareNumbers,
  comparisonCounts,
  evaluateClaims,
  orderingChecks,
  type ClaimView,
  type ClaimsSummary,
  type ComparisonRow,
  type ComparisonStatus,
  type OrderingCheck,
} from './tables.ts';
import type { ReportInput } from './page.ts';

/** Bumped when a field changes meaning or goes; new optional fields keep it. */
export const REPORT_SCHEMA_VERSION = 1;

/** The run status of an executed notebook (`metadata.cvgl`), null when it has none. */
export function notebookStatus(nb: Notebook): NotebookRunStatus | null {
  const s = nb.metadata?.cvgl as NotebookRunStatus | undefined;
  return s && typeof s === 'object' && 'ok' in s && 'provenance' in s ? s : null;
}

/** What was run, for the page's first section and the index. */
export interface RunSummary {
  /** Profiles of the notebooks' provenance (smoke, quick, paper). */
  profiles: string[];
  /** Datasets of the results bundles (substitute: not the paper's, e.g. the synthetic world). */
  datasets: { name: string; substitute: boolean }[];
  /** Distinct K (replicates = seeds per experiment row) over the rows with replicates; empty when none recorded. */
  k: number[];
  /** Rows without recorded replicates (one run each: nothing decided on them). */
  rowsWithoutReplicates: number;
  /** Distinct validation query counts N of the replicates' ranks. */
  queries: number[];
  /** Distinct machines of the provenance, e.g. 'AMD EPYC 7B13 (2 cores, 7.7 GiB), no GPU; wasm on XNNPACK SIMD'. */
  machines: string[];
  /** The bundles' recall convention where not the library's (lib/eval/recall.ts). */
  recallConvention: NonNullable<ResultsBundle['recallConvention']> | null;
}

/** One experiment row as the JSON carries it. */
export interface RunRecord {
  dataset: { name: string; substitute: boolean };
  /** The run's configuration when the bundle records it (`configs`), else null: see `notes`. */
  config: unknown;
  /** The bundle's notes (settings, profile): the configuration in words when no config is recorded. */
  notes: string[];
  init: string | null;
  /** Seeds of the replicates (empty: one run, no replicates recorded). */
  seeds: number[];
  /** Per replicate, seconds of training and evaluation (null: not recorded). */
  seconds: number[] | null;
  /** Per replicate, its scalar metrics; without replicates the one set of results. */
  metrics: Record<string, number>[];
  /** The mean over replicates (what the tables show). */
  mean: Record<string, number>;
  /** Validation queries per replicate (length of the ranks), null when no ranks were recorded. The
   *  per-query ranks themselves are not copied: they are in the executed notebooks' results bundles. */
  queries: number | null;
}

export interface ReportData {
  schema: number;
  paper: PaperKey | string;
  title: string;
  /** ISO 8601. */
  generated: string;
  run: RunSummary;
  /** Per notebook: status, wall time and the provenance the runner stamped. */
  provenance: { path: string; status: 'ok' | 'failed' | 'timed out' | 'no status'; seconds: number | null; failedCell: number | null; error: { ename: string; evalue: string } | null; provenance: Provenance | null }[];
  runs: Record<string, RunRecord>;
  claims: ClaimView[];
  published: ComparisonRow[];
  orderings: OrderingCheck[];
  summary: { claims: ClaimsSummary; published: Record<ComparisonStatus, number>; ok: boolean };
  /** The bundles' notes, once each. */
  notes: string[];
}

export const machineText = (p: Provenance): string =>
  `${p.machine.cpu} (${p.machine.cores} cores, ${Number(p.machine.memoryGiB.toFixed(1))} GiB), ${p.machine.gpu ? `GPU ${p.machine.gpu}` : 'no GPU'}` +
  (p.backend ? `; ${p.backend.name} on ${p.backend.device}` : '');

const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];

/** The report of `input` as data (the HTML page renders from it). */
export function buildReportData(input: Omit<ReportInput, 'title'> & { title?: string }): ReportData {
  const bundles: ResultsBundle[] = input.notebooks.flatMap((n) => collectResultBundles(n.notebook));
  const statuses = input.notebooks.map((n) => ({ path: n.path, status: notebookStatus(n.notebook) }));
  const claims = evaluateClaims(input.claims, bundles, input.paper).map(claimView);
  const published = compareNumbers(input.published, bundles, { paper: input.paper, tolerance: input.tolerance });

  const runs: Record<string, RunRecord> = {};
  for (const b of bundles) {
    for (const [exp, metrics] of Object.entries(b.results ?? {})) {
      const rep = b.replicates?.[exp];
      const ranks = rep?.ranks;
      runs[exp] = {
        dataset: b.dataset ?? { name: '?', substitute: false },
        config: b.configs?.[exp] ?? null,
        notes: b.notes ?? [],
        init: b.init?.[exp] ?? null,
        seeds: rep?.seeds ?? [],
        seconds: rep?.seconds ?? null,
        metrics: rep?.metrics ?? [metrics],
        mean: metrics,
        queries: ranks?.length ? ranks[0]!.length : null,
      };
    }
  }
  const records = Object.values(runs);
  const provs = statuses.flatMap((s) => (s.status ? [s.status.provenance] : []));
  const run: RunSummary = {
    profiles: uniq(provs.map((p) => p.profile)),
    datasets: uniq(bundles.map((b) => JSON.stringify(b.dataset ?? { name: '?', substitute: false }))).map((s) => JSON.parse(s) as { name: string; substitute: boolean }),
    k: uniq(records.filter((r) => r.seeds.length).map((r) => r.seeds.length)).sort((a, b) => a - b),
    rowsWithoutReplicates: records.filter((r) => !r.seeds.length).length,
    queries: uniq(records.flatMap((r) => (r.queries === null ? [] : [r.queries]))).sort((a, b) => a - b),
    machines: uniq(provs.map(machineText)),
    recallConvention: bundles.find((b) => b.recallConvention)?.recallConvention ?? null,
  };
  const failed = statuses.some((s) => s.status && !s.status.ok);
  return {
    schema: REPORT_SCHEMA_VERSION,
    paper: input.paper,
    title: input.title ?? String(input.paper),
    generated: (input.generated ?? new Date()).toISOString(),
    run,
    provenance: statuses.map(({ path, status }) => ({
      path,
      status: !status ? 'no status' : status.ok ? 'ok' : status.timedOut ? 'timed out' : 'failed',
      seconds: status?.seconds ?? null,
      failedCell: status?.failedCell ?? null,
      error: status?.error ?? null,
      provenance: status?.provenance ?? null,
    })),
    runs,
    claims,
    published,
    orderings: orderingChecks(published),
    summary: { claims: claimsSummary(claims), published: comparisonCounts(published), ok: !failed },
    notes: uniq(bundles.flatMap((b) => b.notes ?? [])),
  };
}
