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
import { replicateSpread, type ReplicateResults } from '../../train/replicates.ts';
import { assessClaims, verdictCounts, type ClaimAssessment, type ClaimVerdict, type PartEvidence } from '../../papers/assess.ts';
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
  /** Over the replicates of the run (the bundle's `replicates`, in the published unit): mean,
   *  smallest and largest value and K; null when the bundle recorded no replicates of this metric. */
  spread?: { mean: number; min: number; max: number; k: number } | null;
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
      const perRep = (hit.bundle.replicates?.[p.experiment]?.metrics ?? []).map((m) => m[p.metric]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      const sp = perRep.length ? replicateSpread(perRep.map((v) => v / unitScale(p.unit))) : null;
      const spread = sp ? { mean: sp.mean, min: sp.min, max: sp.max, k: sp.k } : null;
      // on a substitute dataset a difference to the paper's number means nothing: no Δ
      return { published: p, reproduced: value, delta: status === 'substitute' ? null : delta, status, dataset, note: '', init: notThePapersInit(hit.bundle.init?.[p.experiment]), spread };
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

/** A reproduced value over replicates: "31.20% (29.50–33.00, K = 3)"; one run: "12.50% (one run)". */
export function formatSpread(r: ComparisonRow, unit = ''): string {
  const ref = r.published.value;
  if (r.reproduced === null) return '';
  const s = r.spread;
  if (!s) return `${formatLike(r.reproduced, ref)}${unit} (one run)`;
  if (s.k === 1) return `${formatLike(s.mean, ref)}${unit} (K = 1)`;
  return `${formatLike(s.mean, ref)}${unit} (${formatLike(s.min, ref)}\u2013${formatLike(s.max, ref)}, K = ${s.k})`;
}

/**
 * Does the paper's order of a published table's rows hold on the reproduced means? Per table and
 * metric, over the rows reproduced on a substitute dataset: every pair of rows that the paper
 * orders (different printed values, per dataset column) must be ordered the same way by the
 * reproduced means (a tie there does not keep the order).
 */
export interface OrderingCheck {
  table: string;
  metric: string;
  /** The paper's dataset columns compared (e.g. CVUSA, CVACT_val). */
  datasets: string[];
  /** The reproduced rows, best first by the reproduced mean. */
  reproducedOrder: { row: string; experiment: string; value: number }[];
  status: 'holds' | 'does not hold' | 'not checkable';
  /** Pairs the paper orders and how many keep their order; the reversed ones named. */
  pairs: number;
  kept: number;
  detail: string;
}

export function orderingChecks(rows: ComparisonRow[]): OrderingCheck[] {
  const sub = rows.filter((r) => r.status === 'substitute' && r.reproduced !== null && r.published.dataset !== 'model' && r.published.experiment);
  const groups = new Map<string, ComparisonRow[]>();
  for (const r of sub) {
    const k = `${r.published.table}\u0000${r.published.metric}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const out: OrderingCheck[] = [];
  for (const rs of groups.values()) {
    const { table, metric, higherIsBetter } = rs[0]!.published;
    const better = (x: number, y: number) => (higherIsBetter ? x > y : x < y);
    const value = (r: ComparisonRow) => r.spread?.mean ?? r.reproduced!;
    const datasets = [...new Set(rs.map((r) => r.published.dataset))];
    let pairs = 0, kept = 0;
    const reversed: string[] = [];
    for (const d of datasets) {
      const seen = new Set<string>();
      const col = rs.filter((r) => r.published.dataset === d && !seen.has(r.published.experiment!) && seen.add(r.published.experiment!));
      for (let i = 0; i < col.length; i++) {
        for (let j = 0; j < col.length; j++) {
          const a = col[i]!, b = col[j]!;
          if (!better(a.published.value, b.published.value)) continue;
          pairs++;
          if (better(value(a), value(b))) kept++;
          else reversed.push(`${d}: ${a.published.row} ${formatNumber(a.published.value)} vs ${b.published.row} ${formatNumber(b.published.value)}, reproduced ${formatLike(value(a), a.published.value)} vs ${formatLike(value(b), b.published.value)}`);
        }
      }
    }
    const uniq = new Map<string, ComparisonRow>();
    for (const r of rs) if (!uniq.has(r.published.experiment!)) uniq.set(r.published.experiment!, r);
    const reproducedOrder = [...uniq.values()]
      .map((r) => ({ row: r.published.row, experiment: r.published.experiment!, value: value(r) }))
      .sort((x, y) => (higherIsBetter ? y.value - x.value : x.value - y.value));
    const status = pairs === 0 ? 'not checkable' : kept === pairs ? 'holds' : 'does not hold';
    const detail =
      status === 'not checkable' ? 'fewer than two reproduced rows the paper orders'
      : status === 'holds' ? `all ${pairs} pair${pairs === 1 ? '' : 's'} the paper orders keep their order`
      : `${pairs - kept} of ${pairs} pairs reversed (${reversed.join('; ')})`;
    out.push({ table, metric, datasets, reproducedOrder, status, pairs, kept, detail });
  }
  return out;
}

function classicTableHtml(rows: ComparisonRow[], tol: (p: PublishedNumber) => number): string {
  const body = rows
    .map((r) => {
      const p = r.published;
      const unit = p.unit === '%' ? '%' : p.unit ? ` ${escapeHtml(p.unit)}` : '';
      const rep = r.reproduced === null ? `<span class="not-run">${r.status === 'cited' ? '—' : 'not run'}</span>` : `${formatLike(r.reproduced, p.value)}${unit}`;
      const delta = r.delta === null ? '' : formatDelta(r.delta, p.value);
      const dir = p.higherIsBetter ? '\u2191' : '\u2193';
      const statusTitle = r.status === 'not run' || r.status === 'cited' ? r.note : `tolerance \u00b1${formatNumber(tol(p))}${unit}`;
      return (
        `<tr class="cmp-row status-${r.status.replace(' ', '-')}" data-status="${r.status}">` +
        `<td class="nowrap">${escapeHtml(p.table)}</td><td>${escapeHtml(p.row)}</td><td>${escapeHtml(p.column)}</td>` +
        `<td class="num">${formatNumber(p.value)}${unit} <span class="dir" title="${p.higherIsBetter ? 'higher is better' : 'lower is better'}">${dir}</span></td>` +
        `<td class="num">${rep}${r.spread && r.spread.k > 1 ? `<div class="small muted">${escapeHtml(formatSpread(r, p.unit === '%' ? '%' : ''))}</div>` : ''}</td><td class="num">${delta}</td>` +
        `<td class="status" title="${escapeHtml(statusTitle)}">${escapeHtml(STATUS_LABEL[r.status])}` +
        (r.init ? `<div class="small init-mark">${escapeHtml(r.init)}</div>` : '') +
        `</td></tr>`
      );
    })
    .join('\n');
  return (
    `<table class="cmp-table">\n<thead><tr><th>table</th><th>row</th><th>column</th><th>published</th>` +
    `<th>reproduced</th><th>\u0394</th><th>status</th></tr></thead>\n<tbody>\n${body}\n</tbody></table>\n`
  );
}

/**
 * Rows reproduced on a substitute dataset (and, on such a page, the rows not run and the cited
 * ones), one line per published table, row and metric: the paper's numbers on each of its
 * datasets side by side, the reproduced number once in a column of its own (mean and range over
 * the replicates), no Δ and no status: a synthetic number is no match or miss of a CVUSA one.
 */
function substituteTableHtml(rows: ComparisonRow[], orderings: OrderingCheck[]): string {
  const groups = new Map<string, ComparisonRow[]>();
  for (const r of rows) {
    const k = `${r.published.table}\u0000${r.published.row}\u0000${r.published.metric}\u0000${r.published.experiment ?? ''}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const names = [...new Set(rows.flatMap((r) => (r.dataset?.substitute ? [r.dataset.name] : [])))];
  const body = [...groups.values()]
    .map((g) => {
      const p = g[0]!.published;
      const unit = p.unit === '%' ? '%' : p.unit ? ` ${p.unit}` : '';
      const dir = p.higherIsBetter ? '\u2191' : '\u2193';
      // the column label without its dataset ("CVUSA r@1" -> "r@1"), else the metric key
      const labels = new Set(g.map((r) => r.published.column.replace(r.published.dataset, '').trim()));
      const metric = labels.size === 1 && [...labels][0] ? [...labels][0]! : p.metric;
      const pubs = g.map((r) => `<span class="pub-ds">${escapeHtml(r.published.dataset)}</span> ${formatNumber(r.published.value)}${escapeHtml(unit)}`).join('<br>');
      const ran = g.find((r) => r.reproduced !== null);
      const status = ran ? 'substitute' : g[0]!.status;
      const rep = ran
        ? `${escapeHtml(formatSpread(ran, unit))}${ran.init ? `<div class="small init-mark">${escapeHtml(ran.init)}</div>` : ''}`
        : `<span class="not-run" title="${escapeHtml(g[0]!.note)}">${status === 'cited' ? 'cited' : 'not run'}</span>`;
      return (
        `<tr class="cmp-row status-${status.replace(' ', '-')}" data-status="${status}">` +
        `<td class="nowrap">${escapeHtml(p.table)}</td><td>${escapeHtml(p.row)}</td><td>${escapeHtml(metric)} <span class="dir">${dir}</span></td>` +
        `<td class="num">${pubs}</td><td class="num reproduced-sub">${rep}</td></tr>`
      );
    })
    .join('\n');
  const byTable = new Map<string, OrderingCheck[]>();
  for (const o of orderings) byTable.set(o.table, [...(byTable.get(o.table) ?? []), o]);
  const order = [...byTable]
    .map(
      ([table, os]) =>
        `<li><strong>${escapeHtml(table)}</strong>: ${os
          .map((o) => `${escapeHtml(o.metric)} <span class="order-${o.status.replaceAll(' ', '-')}" title="${escapeHtml(o.detail)}">${escapeHtml(o.status)}</span>${o.status === 'does not hold' ? ` <span class="small">(${o.pairs - o.kept} of ${o.pairs} pairs reversed; reproduced: ${o.reproducedOrder.map((x) => escapeHtml(x.row)).join(' &gt; ')})</span>` : o.status === 'holds' ? ` <span class="small muted">(${o.pairs} pairs)</span>` : ''}`)
          .join(' · ')}</li>`,
    )
    .join('');
  return (
    `<table class="cmp-table cmp-substitute">\n<thead><tr><th>table</th><th>row</th><th>metric</th><th>published (paper's datasets)</th>` +
    `<th>reproduced on ${escapeHtml(names.join(', ') || 'substitute data')}: mean (range, K)</th></tr></thead>\n<tbody>\n${body}\n</tbody></table>\n` +
    (order
      ? `<p class="ordering-head">Does the paper's order of the rows hold on the reproduced means (per table and metric, every pair of rows the paper orders on any of its datasets)?</p><ul class="ordering">${order}</ul>`
      : '')
  );
}

/**
 * The paper-vs-reproduced tables as HTML. Numbers reproduced on the paper's own data (and model
 * sizes, which do not depend on data) sit beside the published ones with Δ and a colour; when
 * the page has rows on a substitute dataset, those (and the rows not run or cited) go to a second
 * table of their own (`substituteTableHtml`) with the order check of each published table.
 */
export function comparisonTableHtml(rows: ComparisonRow[], opts: { tolerance?: (p: PublishedNumber) => number; orderings?: OrderingCheck[] } = {}): string {
  if (rows.length === 0) return '<p class="muted">No published numbers are recorded for this paper.</p>';
  const tol = opts.tolerance ?? defaultTolerance;
  const anySub = rows.some((r) => r.status === 'substitute');
  const compared = anySub ? rows.filter((r) => r.status === 'match' || r.status === 'better' || r.status === 'worse') : rows;
  const rest = anySub ? rows.filter((r) => !compared.includes(r)) : [];
  const c = comparisonCounts(rows);
  return (
    (compared.length ? (anySub ? `<h3>On the paper's data (and model sizes)</h3>` : '') + classicTableHtml(compared, tol) : '') +
    (anySub ? `<h3>On substitute data</h3>` + substituteTableHtml(rest, opts.orderings ?? orderingChecks(rows)) : '') +
    `<p class="legend"><span class="sw status-match">match</span> within the tolerance band (1 point for %, else 2 %) ` +
    `<span class="sw status-better">better</span> <span class="sw status-worse">worse</span> than published ` +
    `(\u2191 higher / \u2193 lower is better)${anySub ? '; rows on substitute data are not compared with the paper\'s numbers, only their order is' : ''}; ` +
    `${c.match} match, ${c.better} better, ${c.worse} worse, ` +
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

/** Claims by verdict. */
export type VerdictCounts = Record<ClaimVerdict, number>;

export interface ClaimsSummary {
  total: number;
  /** Over all claims, statistical and exact. */
  supported: number;
  contradicted: number;
  inconclusive: number;
  notRun: number;
  /** On trained models (the paired bootstrap over replicates) and on deterministic quantities, apart. */
  statistical: VerdictCounts;
  exact: VerdictCounts;
  /** e.g. 'statistical: 3 supported, 1 contradicted, 2 inconclusive, 1 not run; exact: 1 supported, 0 contradicted (8 claims)'. */
  text: string;
}

/** A claim as the page shows it: its assessment and the datasets its rows ran on. */
export type ClaimView = ClaimAssessment & { datasets: { name: string; substitute: boolean }[] };

export const claimView = (r: ClaimResult): ClaimView => ({ ...r.assessment, datasets: r.datasets });

const countsText = (c: VerdictCounts, exact: boolean) => {
  const n = c.supported + c.contradicted + c.inconclusive + c['not run'];
  if (n === 0) return 'none';
  const parts = [`${c.supported} supported`, `${c.contradicted} contradicted`];
  if (!exact || c.inconclusive) parts.push(`${c.inconclusive} inconclusive`);
  if (!exact || c['not run']) parts.push(`${c['not run']} not run`);
  return parts.join(', ');
};

export function claimsSummary(results: readonly (ClaimResult | ClaimView)[]): ClaimsSummary {
  const views = results.map((r) => ('assessment' in r ? r.assessment : r));
  const { statistical, exact } = verdictCounts(views);
  const n = views.length;
  const sum = (v: ClaimVerdict) => statistical[v] + exact[v];
  return {
    total: n, supported: sum('supported'), contradicted: sum('contradicted'), inconclusive: sum('inconclusive'), notRun: sum('not run'),
    statistical, exact,
    text: `statistical: ${countsText(statistical, false)}; exact: ${countsText(exact, true)} (${n} claim${n === 1 ? '' : 's'})`,
  };
}

/** What each verdict means (the page's and the index's legend). */
export const VERDICT_LEGEND: readonly [ClaimVerdict, string][] = [
  ['supported', "the 95% interval of the paired difference (over seeds and queries) lies above the claim's margin"],
  ['contradicted', 'the interval lies below the margin'],
  ['inconclusive', 'the interval contains the margin, or only one replicate ran (K = 1: the seed-to-seed variance is unknown), or no replicates were recorded'],
  ['not run', 'a row the claim needs did not run, or the claim compares with another method’s published number and the run used substitute data'],
];

export function verdictLegendHtml(): string {
  return (
    `<dl class="verdict-legend">` +
    VERDICT_LEGEND.map(([v, what]) => `<dt><span class="verdict verdict-${v.replace(' ', '-')}">${v}</span></dt><dd>${escapeHtml(what)}</dd>`).join('') +
    `<dt><span class="verdict verdict-exact">exact</span></dt><dd>parameter counts, code lengths: deterministic, compared directly (supported when A beats B by more than the margin, else contradicted)</dd>` +
    `</dl>`
  );
}

const fmt2 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : Math.abs(x) >= 1e5 ? formatNumber(Math.round(x)) : x.toFixed(2));
const verdictSpan = (v: ClaimVerdict) => `<span class="verdict verdict-${v.replace(' ', '-')}">${escapeHtml(v)}</span>`;

/** An experiment id without its paper's prefix ("cvft.table1.full" -> "table1.full"): the page is the paper's. */
const shortId = (id: string, paper: string) => (id.startsWith(`${paper}.`) ? id.slice(paper.length + 1) : id);

/** One row per comparison of a claim: effect with its 95% interval, P(A>B), K × N, MDE; exact ones show both values. */
function evidenceTableHtml(parts: readonly PartEvidence[], paper: string): string {
  if (!parts.length) return '';
  const label = (e: PartEvidence) => {
    const [x, y] = e.better === 'lower' ? [e.b, e.a] : [e.a, e.b];
    return `<td class="part-label" title="${escapeHtml(e.label)}">${escapeHtml(shortId(x, paper))} \u2212 ${escapeHtml(shortId(y, paper))}` +
      `<div class="small muted">${escapeHtml(e.metric)}${e.better === 'lower' ? ' (lower is better)' : ''} &gt; ${fmt2(e.margin)}${e.kind === 'published' ? ' · a published number' : ''}</div></td>`;
  };
  const exact = parts.every((e) => e.kind === 'exact');
  if (exact) {
    const rows = parts.map((e) => `<tr class="part part-${e.verdict}" data-verdict="${e.verdict}" title="${escapeHtml(e.reason)}">${label(e)}<td class="num">${fmt2(e.valueA)}</td><td class="num">${fmt2(e.valueB)}</td><td>${verdictSpan(e.verdict)}</td></tr>`).join('');
    return `<table class="evidence"><thead><tr><th>A \u2212 B</th><th>A</th><th>B</th><th>verdict</th></tr></thead><tbody>${rows}</tbody></table>`;
  }
  const rows = parts
    .map((e) => {
      if (e.kind === 'exact') {
        return `<tr class="part part-${e.verdict}" data-verdict="${e.verdict}" title="${escapeHtml(e.reason)}">${label(e)}<td class="num" colspan="4">${fmt2(e.valueA)} vs ${fmt2(e.valueB)} <span class="small muted">(exact)</span></td><td>${verdictSpan(e.verdict)}</td></tr>`;
      }
      const effect = `${fmt2(e.effect)}${e.ci ? ` <span class="ci">[${fmt2(e.ci[0])}, ${fmt2(e.ci[1])}]</span>` : ''}`;
      const kn = e.k !== undefined ? `${e.k} × ${e.n}` : '—';
      return (
        `<tr class="part part-${e.verdict}" data-verdict="${e.verdict}" title="${escapeHtml(e.reason)}">${label(e)}` +
        `<td class="num">${effect}</td><td class="num">${e.pABeatsB === undefined ? '—' : e.pABeatsB.toFixed(2)}</td>` +
        `<td class="num">${kn}</td><td class="num">${fmt2(e.mde)}</td><td>${verdictSpan(e.verdict)}${e.ci ? '' : `<div class="small muted">${escapeHtml(e.reason)}</div>`}</td></tr>`
      );
    })
    .join('');
  return (
    `<table class="evidence"><thead><tr><th>A \u2212 B</th><th>effect [95% interval]</th><th title="share of seeds on which A is better">P(A&gt;B)</th>` +
    `<th title="replicates (seeds) × validation queries">K × N</th><th title="minimum detectable effect (80% power)">MDE</th><th>verdict</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

function claimRowsHtml(claims: readonly ClaimView[]): string {
  return claims
    .map((c) => {
      const ds = c.datasets.map((d) => `${escapeHtml(d.name)}${d.substitute ? ' <span class="badge badge-substitute">substitute</span>' : ''}`).join(', ');
      const cons = c.consistency;
      return (
        `<tr class="claim-row verdict-row-${c.verdict.replace(' ', '-')}" data-claim="${escapeHtml(c.id)}" data-verdict="${c.verdict}" data-kind="${c.kind}">` +
        `<td class="claim-verdict">${verdictSpan(c.verdict)}</td>` +
        `<td class="claim-text">${escapeHtml(c.statement)}<div class="small muted">${escapeHtml(c.source)} · <code>${escapeHtml(c.id)}</code>${ds ? ` · ${ds}` : ''}</div></td>` +
        `<td class="claim-evidence"><div class="small">${escapeHtml(c.reason)}</div>${evidenceTableHtml(c.parts, c.paper)}</td>` +
        `<td class="claim-consistency consistency-${cons.status.replaceAll(' ', '-')}"><strong>${escapeHtml(cons.status)}</strong><div class="small">${escapeHtml(cons.detail)}</div></td></tr>`
      );
    })
    .join('\n');
}

const CLAIMS_HEAD = `<thead><tr><th>verdict</th><th>claim</th><th>evidence (per comparison)</th><th>paper's own numbers</th></tr></thead>`;

/**
 * The claims: a summary line, then the statistical claims (trained models, decided by the paired
 * bootstrap over replicates) and, apart, the exact ones (deterministic quantities), each with its
 * evidence per comparison and whether it holds on the paper's own numbers.
 */
export function claimsTableHtml(results: readonly (ClaimResult | ClaimView)[]): string {
  if (results.length === 0) return '<p class="muted">No claims are recorded for this paper.</p>';
  const views = results.map((r) => ('assessment' in r ? claimView(r) : r));
  const summary = claimsSummary(views);
  const stat = views.filter((c) => c.kind === 'statistical'), exact = views.filter((c) => c.kind === 'exact');
  return (
    `<p class="claims-summary"><strong>Statistical claims:</strong> ${escapeHtml(countsText(summary.statistical, false))}` +
    ` · <strong>exact claims:</strong> ${escapeHtml(countsText(summary.exact, true))}</p>\n` +
    (stat.length ? `<h3>Statistical claims (${stat.length})</h3>\n<table class="claims-table claims-statistical">\n${CLAIMS_HEAD}\n<tbody>\n${claimRowsHtml(stat)}\n</tbody></table>\n` : '') +
    (exact.length ? `<h3>Exact claims (${exact.length}): deterministic quantities</h3>\n<table class="claims-table claims-exact">\n${CLAIMS_HEAD}\n<tbody>\n${claimRowsHtml(exact)}\n</tbody></table>\n` : '')
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
