/**
 * The report's three tables: published vs reproduced numbers of a paper, the paper's claims
 * evaluated on the reproduced results, and the provenance of the run.
 */
import type {
  Claim,
  ClaimStatus,
  NotebookRunStatus,
  PaperKey,
  PublishedNumber,
  ReproducedResults,
  ResultsBundle,
} from '../types.ts';
import type { ReplicateResults } from '../../train/replicates.ts';
import { assessClaims, type ClaimAssessment } from '../../papers/assess.ts';
import { REAL_ROWS } from '../../papers/claims.ts';
import { PUBLISHED } from '../../papers/published.ts';
import { escapeHtml } from './outputs.ts';

// ---------------------------------------------------------------- numbers

/** A number as a table shows it: integers grouped, others with two decimals. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return Math.abs(v) >= 10000 ? v.toLocaleString('en-US') : String(v);
  const a = Math.abs(v);
  if (a >= 1000) return v.toLocaleString('en-US', { maximumFractionDigits: 1 });
  if (a > 0 && a < 0.01) return v.toPrecision(2);
  return v.toFixed(2);
}

/** Decimals a printed number carries (61.43 -> 2, 26400000 -> 0), at most 4. */
function decimalsOf(v: number): number {
  if (!Number.isFinite(v) || Number.isInteger(v)) return 0;
  const s = String(v);
  const i = s.indexOf('.');
  return i < 0 || /e/i.test(s) ? 2 : Math.min(s.length - i - 1, 4);
}

/** A reproduced number with the precision of the published one (83 next to 79.88 -> 83.00). */
export function formatLike(v: number, ref: number): string {
  if (!Number.isFinite(v)) return String(v);
  // an integer keeps the published precision; a fraction shows at least two decimals
  const d = Number.isInteger(v) ? decimalsOf(ref) : Math.max(decimalsOf(ref), 2);
  if (d === 0) return formatNumber(Math.round(v));
  return v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

function formatDelta(d: number, ref: number): string {
  const s = formatLike(Math.abs(d), ref);
  return d > 0 ? `+${s}` : d < 0 ? `\u2212${s}` : s;
}

/** Default tolerance band: 1 point for percentages, else 2 % of the published value. */
export function defaultTolerance(p: PublishedNumber): number {
  if (p.unit === '%') return 1;
  return Math.max(Math.abs(p.value) * 0.02, 1e-9);
}

// ---------------------------------------------------------------- paper vs reproduced

export type ComparisonStatus = 'match' | 'better' | 'worse' | 'substitute' | 'not run' | 'cited';

export interface ComparisonRow {
  published: PublishedNumber;
  /** Reproduced value in the published number's unit (a count of 29,429,376 is 29.43 'M'), null when not run. */
  reproduced: number | null;
  /** reproduced − published, null when not run. */
  delta: number | null;
  status: ComparisonStatus;
  /** Dataset the reproduced value comes from. */
  dataset: { name: string; substitute: boolean } | null;
  /** Why a row is 'not run' ('experiment not in the results', …) or 'cited' (another method's number, not reproduced here). */
  note: string;
  /** Where the run's backbones started when not where its paper does (the bundle's `init`,
   *  e.g. 'random init, paper starts from ImageNet'); null otherwise. */
  init?: string | null;
}

/** An init note that says the run did not start where its paper does (lib/train/init_weights.ts `initNote`). */
const notThePapersInit = (note: string | undefined) => (note && /random init, paper starts from/.test(note) ? note : null);

/** Where one experiment's metric was found: the last bundle that has it wins. */
function lookup(
  bundles: ResultsBundle[],
  experiment: string,
  metric: string,
): { value: number; bundle: ResultsBundle } | null {
  for (let i = bundles.length - 1; i >= 0; i--) {
    const b = bundles[i]!;
    const v = b.results?.[experiment]?.[metric];
    if (typeof v === 'number') return { value: v, bundle: b };
  }
  return null;
}

/**
 * Join a paper's published numbers with the reproduced values (matched by `experiment` and
 * `metric`). Substitute-dataset rows get status 'substitute' and are never a match or a miss.
 */
export function compareNumbers(
  published: PublishedNumber[],
  bundles: ResultsBundle[],
  opts: { paper?: PaperKey; tolerance?: (p: PublishedNumber) => number } = {},
): ComparisonRow[] {
  const tol = opts.tolerance ?? defaultTolerance;
  return published
    .filter((p) => opts.paper === undefined || p.paper === opts.paper)
    .map((p): ComparisonRow => {
      if (!p.experiment) {
        return { published: p, reproduced: null, delta: null, status: 'cited', dataset: null, note: 'cited for context (another method or setting): no experiment reproduces this number' };
      }
      const hit = lookup(bundles, p.experiment, p.metric);
      if (!hit) {
        return {
          published: p,
          reproduced: null,
          delta: null,
          status: 'not run',
          dataset: null,
          note: `${p.experiment} / ${p.metric} not in the results`,
        };
      }
      const value = hit.value / unitScale(p.unit);
      const delta = value - p.value;
      const dataset = hit.bundle.dataset ?? { name: '?', substitute: false };
      let status: ComparisonStatus;
      // a model's size does not depend on the data it was trained on: never a substitute
      if (dataset.substitute && p.dataset !== 'model') status = 'substitute';
      else if (Math.abs(delta) <= tol(p)) status = 'match';
      else status = (p.higherIsBetter ? delta > 0 : delta < 0) ? 'better' : 'worse';
      return { published: p, reproduced: value, delta, status, dataset, note: '', init: notThePapersInit(hit.bundle.init?.[p.experiment]) };
    });
}

const STATUS_LABEL: Record<ComparisonStatus, string> = {
  match: 'match',
  better: 'better',
  worse: 'worse',
  substitute: 'synthetic (substitute)',
  'not run': 'not run',
  cited: 'cited',
};

/**
 * Reproduced results are plain numbers (a parameter count, FLOPs); a published number printed in
 * millions ('M') or billions ('G', FLOPs) is compared after dividing by this.
 */
export function unitScale(unit: string): number {
  return unit === 'M' ? 1e6 : unit === 'G' ? 1e9 : unit === 'K' ? 1e3 : 1;
}

/** Counts of a comparison, for summaries. */
export function comparisonCounts(rows: ComparisonRow[]): Record<ComparisonStatus, number> {
  const c: Record<ComparisonStatus, number> = { match: 0, better: 0, worse: 0, substitute: 0, 'not run': 0, cited: 0 };
  for (const r of rows) c[r.status]++;
  return c;
}

/** The paper-vs-reproduced table as HTML (one table; the paper's table/figure is a column). */
export function comparisonTableHtml(rows: ComparisonRow[], opts: { tolerance?: (p: PublishedNumber) => number } = {}): string {
  if (rows.length === 0) return '<p class="muted">No published numbers are recorded for this paper.</p>';
  const tol = opts.tolerance ?? defaultTolerance;
  const body = rows
    .map((r) => {
      const p = r.published;
      const unit = p.unit === '%' ? '%' : p.unit ? ` ${escapeHtml(p.unit)}` : '';
      const rep = r.reproduced === null ? `<span class="not-run">${r.status === 'cited' ? '—' : 'not run'}</span>` : `${formatLike(r.reproduced, p.value)}${unit}`;
      const delta = r.delta === null ? '' : formatDelta(r.delta, p.value);
      const dir = p.higherIsBetter ? '\u2191' : '\u2193';
      const statusTitle =
        r.status === 'substitute'
          ? `reproduced on ${r.dataset?.name ?? '?'}, not the paper's dataset: absolute numbers are not comparable`
          : r.status === 'not run' || r.status === 'cited'
            ? r.note
            : `tolerance \u00b1${formatNumber(tol(p))}${unit}`;
      return (
        `<tr class="cmp-row status-${r.status.replace(' ', '-')}" data-status="${r.status}">` +
        `<td class="nowrap">${escapeHtml(p.table)}</td><td>${escapeHtml(p.row)}</td><td>${escapeHtml(p.column)}</td>` +
        `<td class="num">${formatNumber(p.value)}${unit} <span class="dir" title="${p.higherIsBetter ? 'higher is better' : 'lower is better'}">${dir}</span></td>` +
        `<td class="num">${rep}</td><td class="num">${delta}</td>` +
        `<td class="status" title="${escapeHtml(statusTitle)}">${escapeHtml(STATUS_LABEL[r.status])}` +
        (r.status === 'substitute' ? `<div class="small">${escapeHtml(r.dataset?.name ?? '')}</div>` : '') +
        (r.init ? `<div class="small init-mark">${escapeHtml(r.init)}</div>` : '') +
        `</td></tr>`
      );
    })
    .join('\n');
  const c = comparisonCounts(rows);
  return (
    `<table class="cmp-table">\n<thead><tr><th>table</th><th>row</th><th>column</th><th>published</th>` +
    `<th>reproduced</th><th>\u0394</th><th>status</th></tr></thead>\n<tbody>\n${body}\n</tbody></table>\n` +
    `<p class="legend"><span class="sw status-match">match</span> within the tolerance band (1 point for %, else 2 %) ` +
    `<span class="sw status-better">better</span> <span class="sw status-worse">worse</span> than published ` +
    `(\u2191 higher / \u2193 lower is better); <span class="sw status-substitute">synthetic (substitute)</span> rows ran on a ` +
    `substitute dataset and are not compared; ${c.match} match, ${c.better} better, ${c.worse} worse, ` +
    `${c.substitute} substitute, ${c['not run']} not run, ${c.cited} cited (other methods' numbers, shown for context).</p>`
  );
}

// ---------------------------------------------------------------- claims

/** All bundles' results in one map; a later bundle's metric wins over an earlier one's. */
export function mergeResults(bundles: ResultsBundle[]): ReproducedResults {
  const merged: ReproducedResults = {};
  for (const b of bundles) {
    for (const [exp, metrics] of Object.entries(b.results ?? {})) {
      merged[exp] = { ...(merged[exp] ?? {}), ...metrics };
    }
  }
  return merged;
}

/** All bundles' replicates in one map; a later bundle's experiment wins over an earlier one's. */
export function mergeReplicates(bundles: ResultsBundle[]): ReplicateResults {
  const merged: ReplicateResults = {};
  for (const b of bundles) Object.assign(merged, b.replicates ?? {});
  return merged;
}

export interface ClaimResult {
  claim: Claim;
  status: ClaimStatus;
  /** The evidence (lib/papers/assess.ts). */
  assessment: ClaimAssessment;
  /** Experiments of `needs` that are missing (status 'not run'). */
  missing: string[];
  /** Datasets the needed experiments ran on (a substitute is flagged). */
  datasets: { name: string; substitute: boolean }[];
  note: string;
}

/** The claims assessed on the bundles' results and replicates (lib/papers/assess.ts): 'not run' if any of `needs` is missing. */
export function evaluateClaims(claims: Claim[], bundles: ResultsBundle[], paper?: PaperKey): ClaimResult[] {
  const merged = mergeResults(bundles);
  const replicates = mergeReplicates(bundles);
  const chosen = claims.filter((c) => paper === undefined || c.paper === paper);
  const datasetsOf = (claim: Claim) => {
    const datasets: { name: string; substitute: boolean }[] = [];
    for (const e of claim.needs) {
      for (let i = bundles.length - 1; i >= 0; i--) {
        const b = bundles[i]!;
        if (b.results && e in b.results) {
          const d = b.dataset ?? { name: '?', substitute: false };
          if (!datasets.some((x) => x.name === d.name && x.substitute === d.substitute)) datasets.push(d);
          break;
        }
      }
    }
    return datasets;
  };
  return chosen.map((claim): ClaimResult => {
    const datasets = datasetsOf(claim);
    const published = PUBLISHED[claim.paper] ?? [];
    const [assessment] = assessClaims([claim], { results: merged, replicates, substitute: datasets.some((d) => d.substitute), published, realRows: REAL_ROWS });
    return { claim, status: assessment!.verdict, assessment: assessment!, missing: assessment!.missing, datasets, note: assessment!.reason };
  });
}

export interface ClaimsSummary {
  total: number;
  supported: number;
  contradicted: number;
  inconclusive: number;
  notRun: number;
  /** e.g. '3 supported, 1 contradicted, 2 inconclusive, 1 not run (of 7 claims)'. */
  text: string;
}

export function claimsSummary(results: ClaimResult[]): ClaimsSummary {
  const count = (s: ClaimStatus) => results.filter((r) => r.status === s).length;
  const n = results.length;
  const supported = count('supported'), contradicted = count('contradicted'), inconclusive = count('inconclusive'), notRun = count('not run');
  return {
    total: n, supported, contradicted, inconclusive, notRun,
    text: `${supported} supported, ${contradicted} contradicted, ${inconclusive} inconclusive, ${notRun} not run (of ${n} claim${n === 1 ? '' : 's'})`,
  };
}

export function claimsTableHtml(results: ClaimResult[]): string {
  const summary = claimsSummary(results);
  if (results.length === 0) return '<p class="muted">No claims are recorded for this paper.</p>';
  const rows = results
    .map((r) => {
      const ds = r.datasets
        .map((d) => `${escapeHtml(d.name)}${d.substitute ? ' <span class="badge badge-substitute">substitute</span>' : ''}`)
        .join(', ');
      return (
        `<tr class="claim-row claim-${r.status.replace(' ', '-')}" data-status="${r.status}">` +
        `<td class="claim-status">${escapeHtml(r.status)}</td>` +
        `<td>${escapeHtml(r.claim.statement)}<div class="small muted">${escapeHtml(r.claim.id)}</div></td>` +
        `<td>${escapeHtml(r.claim.source)}</td>` +
        `<td>${r.claim.needs.map((e) => `<code>${escapeHtml(e)}</code>`).join(' ')}${
          r.note ? `<div class="small muted">${escapeHtml(r.note)}</div>` : ''
        }</td><td>${ds || '<span class="muted">—</span>'}</td></tr>`
      );
    })
    .join('\n');
  return (
    `<p class="claims-summary"><strong>${escapeHtml(summary.text)}</strong></p>\n` +
    `<table class="claims-table">\n<thead><tr><th>verdict</th><th>claim</th><th>source</th><th>needs</th><th>data</th></tr></thead>\n` +
    `<tbody>\n${rows}\n</tbody></table>`
  );
}

// ---------------------------------------------------------------- provenance

function kv(rows: [string, string][]): string {
  return `<table class="kv">${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

function compactJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/**
 * The run's provenance: environment from the first notebook that has one (differences in other
 * notebooks are listed per notebook), then one line per notebook: status, wall time, dataset.
 */
export function provenanceHtml(runs: { path: string; status: NotebookRunStatus | null }[]): string {
  const first = runs.find((r) => r.status)?.status?.provenance;
  if (!first) return '<p class="muted">No provenance recorded (notebooks were not executed by the runner).</p>';
  const git = first.git.commit
    ? `<code>${escapeHtml(first.git.commit.slice(0, 12))}</code>${
        first.git.dirty === true ? ' <span class="badge badge-warn">dirty</span>' : first.git.dirty === false ? ' clean' : ''
      }`
    : '<span class="muted">unknown</span>';
  const m = first.machine;
  const b = first.backend;
  const d = first.dataset;
  const env = kv([
    ['git', git],
    ['date', escapeHtml(first.date)],
    ['machine', `${escapeHtml(m.cpu)} (${m.cores} cores, ${formatNumber(m.memoryGiB)} GiB)`],
    ['GPU', m.gpu ? escapeHtml(m.gpu) : '<span class="muted">none</span>'],
    ['backend', b ? `${escapeHtml(b.name)} on ${escapeHtml(b.device)}, ${b.threads} thread${b.threads === 1 ? '' : 's'}` : '<span class="muted">none</span>'],
    [
      'versions',
      Object.entries(first.versions)
        .map(([k, v]) => `${escapeHtml(k)} <code>${escapeHtml(v)}</code>`)
        .join(', ') || '<span class="muted">—</span>',
    ],
    [
      'dataset',
      d
        ? `${escapeHtml(d.name)} at <code>${escapeHtml(d.path)}</code>; pairs ${Object.entries(d.pairs)
            .map(([k, v]) => `${escapeHtml(k)} ${formatNumber(v)}`)
            .join(', ')}; split hash <code>${escapeHtml(d.splitHash)}</code>`
        : '<span class="muted">none</span>',
    ],
    ['profile', escapeHtml(first.profile)],
    ['seed', first.seed === null ? '<span class="muted">none</span>' : String(first.seed)],
    [
      'params',
      Object.keys(first.params).length
        ? Object.entries(first.params)
            .map(([k, v]) => `<code>${escapeHtml(k)}=${escapeHtml(compactJson(v))}</code>`)
            .join(' ')
        : '<span class="muted">—</span>',
    ],
  ]);
  const rows = runs
    .map(({ path, status }) => {
      if (!status) {
        return `<tr class="run-missing"><td><code>${escapeHtml(path)}</code></td><td colspan="4" class="muted">no run status</td></tr>`;
      }
      const p = status.provenance;
      const diffs: string[] = [];
      if (p.git.commit !== first.git.commit) diffs.push(`commit ${escapeHtml(p.git.commit ?? '?')}`);
      if (p.profile !== first.profile) diffs.push(`profile ${escapeHtml(p.profile)}`);
      if (p.seed !== first.seed) diffs.push(`seed ${p.seed}`);
      if ((p.dataset?.name ?? null) !== (d?.name ?? null)) diffs.push(`dataset ${escapeHtml(p.dataset?.name ?? 'none')}`);
      if ((p.backend?.name ?? null) !== (b?.name ?? null)) diffs.push(`backend ${escapeHtml(p.backend?.name ?? 'none')}`);
      if (compactJson(p.params) !== compactJson(first.params)) diffs.push(`params ${escapeHtml(compactJson(p.params))}`);
      const state = status.ok
        ? '<span class="ok">ok</span>'
        : `<span class="failed">${status.timedOut ? 'timed out' : 'failed'}${
            status.failedCell !== null ? ` at cell ${status.failedCell}` : ''
          }</span>`;
      return (
        `<tr class="${status.ok ? 'run-ok' : 'run-failed'}"><td><code>${escapeHtml(path)}</code></td><td>${state}</td>` +
        `<td class="num">${formatSeconds(status.seconds)}</td><td>${escapeHtml(p.date)}</td>` +
        `<td class="small">${diffs.join('; ') || '<span class="muted">as above</span>'}</td></tr>`
      );
    })
    .join('\n');
  return (
    env +
    `<table class="runs"><thead><tr><th>notebook</th><th>status</th><th>wall time</th><th>date</th><th>differs</th></tr></thead>` +
    `<tbody>${rows}</tbody></table>`
  );
}
