/**
 * A paper's claims assessed on replicated runs (issue 20): each comparison of a claim
 * (lib/papers/claim.ts) becomes evidence — the paired difference over the replicates' seeds and
 * the validation queries with its 95% two-level bootstrap interval (lib/eval/paired_bootstrap.ts),
 * P(A > B) over seeds and the smallest effect this K and N could detect — and a verdict
 * (lib/eval/verdict.ts): supported when the interval lies above the claim's margin, contradicted
 * below it, inconclusive otherwise or with one replicate. Deterministic metrics (parameter
 * counts, code lengths) are compared exactly. A claim is supported when every term is (a group
 * when at least `atLeast` of its terms are), contradicted when any term is (a group when more
 * than n − atLeast are), else inconclusive.
 *
 * Beside it, the claim is checked on the paper's own published numbers (`consistency`): some
 * claims do not hold even there, and a reader should know.
 */
import { comparePaired, type PairedComparison } from '../eval/paired_bootstrap.js';
import { onePercentK } from '../eval/recall.js';
import { exactVerdict, verdictOf, type Verdict } from '../eval/verdict.js';
import type { ExperimentReplicates, ReplicateResults } from '../train/replicates.js';
import { EXACT_METRICS, partAdvantage, partsOf, resultOf, termsHold, termsVerdict, type ClaimPart } from './claim.js';
import type { Claim, PublishedNumber, ReproducedResults } from './types.js';

export type ClaimVerdict = Verdict | 'not run';

/** The evidence of one comparison of a claim. */
export interface PartEvidence {
  /** e.g. "cvft.table1.full − cvft.table1.woCvft, r1 > 0". */
  label: string;
  a: string;
  /** Experiment id, or a published number's label. */
  b: string;
  metric: string;
  margin: number;
  better: 'higher' | 'lower';
  /** paired: bootstrap over seeds and queries; exact: a deterministic quantity; published: against another method's published number. */
  kind: 'paired' | 'exact' | 'published';
  verdict: Verdict;
  reason: string;
  /** Mean over the replicates used (point values). */
  valueA: number;
  valueB: number;
  /** Advantage in the claim's direction (a − b, or b − a where lower is better), averaged over seeds and queries. */
  effect: number;
  /** 95% interval of `effect` (absent for exact comparisons). */
  ci?: [number, number];
  /** Share of seeds on which A is better (ties count half). */
  pABeatsB?: number;
  /** Replicates (seeds) and queries per replicate. */
  k?: number;
  n?: number;
  /** Smallest effect (from the margin) this K and N detect with 80% power at the 5% level. */
  mde?: number;
}

export interface ConsistencyCheck {
  /** On the paper's own published numbers: holds, does not hold, or not checkable (no printed numbers for its rows). */
  status: 'holds' | 'does not hold' | 'text and table disagree' | 'not checkable';
  detail: string;
}

export interface ClaimAssessment {
  id: string;
  paper: Claim['paper'];
  statement: string;
  source: string;
  needs: string[];
  /** exact: every comparison is of deterministic quantities; statistical: on trained models. */
  kind: 'exact' | 'statistical';
  verdict: ClaimVerdict;
  reason: string;
  missing: string[];
  parts: PartEvidence[];
  consistency: ConsistencyCheck;
}

export interface AssessInput {
  results: ReproducedResults;
  replicates?: ReplicateResults;
  /** The results come from another dataset than the paper's (the synthetic world): claims
   *  against other methods' published numbers are then not run. */
  substitute: boolean;
  /** The paper's published numbers (lib/papers/published.ts), for the consistency check. */
  published: readonly PublishedNumber[];
  /** Ids of rows on a real dataset without a preset → [preset, dataset] whose published numbers they are (lib/papers/claims.ts REAL_ROWS). */
  realRows?: Readonly<Record<string, readonly [string, string]>>;
}

const fmt = (x: number) => (!Number.isFinite(x) ? String(x) : Math.abs(x) >= 1000 ? x.toExponential(3) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));
const bName = (p: ClaimPart) => (typeof p.b === 'string' ? p.b : p.b.label);
const partLabel = (p: ClaimPart) => `${p.better === 'lower' ? `${bName(p)} − ${p.a}` : `${p.a} − ${bName(p)}`}, ${p.metric} > ${p.margin ?? 0}`;
const RECALL_K: Record<string, number | 'pct'> = { r1: 1, r5: 5, r10: 10, r1pct: 'pct' };

/** Per replicate and query, the outcomes of `metric` (hits × 100 for recalls), or one value per replicate. */
export function outcomesOf(rep: ExperimentReplicates, metric: string): number[][] | null {
  const k = RECALL_K[metric];
  if (k !== undefined && rep.ranks?.length === rep.seeds.length) {
    return rep.ranks.map((ranks) => {
      const kk = k === 'pct' ? onePercentK(ranks.length) : k;
      return ranks.map((r) => (r < kk ? 100 : 0));
    });
  }
  const pq = rep.perQuery?.[metric];
  if (pq && pq.length === rep.seeds.length) return pq;
  const scalars = rep.metrics.map((m) => m[metric]);
  if (scalars.length === rep.seeds.length && scalars.every((v) => typeof v === 'number' && Number.isFinite(v))) return scalars.map((v) => [v!]);
  return null;
}

/** The rows of A and B on the seeds both ran (in A's order). */
function paired(a: ExperimentReplicates, b: ExperimentReplicates, metric: string): { a: number[][]; b: number[][]; seeds: number[] } | string {
  const oa = outcomesOf(a, metric), ob = outcomesOf(b, metric);
  if (!oa || !ob) return `no per-replicate ${metric} recorded`;
  const seeds = a.seeds.filter((s) => b.seeds.includes(s));
  if (!seeds.length) return `no seed in common (${a.seeds.join(', ')} vs ${b.seeds.join(', ')})`;
  const ra = seeds.map((s) => oa[a.seeds.indexOf(s)]!), rb = seeds.map((s) => ob[b.seeds.indexOf(s)]!);
  if (ra.some((r, i) => r.length !== rb[i]!.length)) return `not the same validation queries (${ra[0]!.length} vs ${rb[0]!.length})`;
  return { a: ra, b: rb, seeds };
}

const mean = (rows: number[][]) => rows.reduce((s, r) => s + r.reduce((t, v) => t + v, 0) / r.length, 0) / rows.length;

function evidenceOf(p: ClaimPart, input: AssessInput): PartEvidence {
  const margin = p.margin ?? 0, better = p.better ?? 'higher';
  const base = { label: partLabel(p), a: p.a, b: bName(p), metric: p.metric, margin, better };
  const value = (e: string, m: string) => resultOf(input.results, e, m);
  const pointA = value(p.a, p.metric);
  const pointB = typeof p.b === 'string' ? value(p.b, p.metric) : p.b.published;
  const pointEffect = partAdvantage(p, value);
  if (EXACT_METRICS.has(p.metric)) {
    const v = Number.isFinite(pointA) && Number.isFinite(pointB) ? exactVerdict(pointA, pointB, { direction: better, margin }) : { verdict: 'inconclusive' as const, reason: `${p.metric} missing` };
    return { ...base, kind: 'exact', verdict: v.verdict, reason: v.reason, valueA: pointA, valueB: pointB, effect: pointEffect };
  }
  const kind = typeof p.b === 'string' ? ('paired' as const) : ('published' as const);
  const undecided = (reason: string): PartEvidence => ({ ...base, kind, verdict: 'inconclusive', reason, valueA: pointA, valueB: pointB, effect: pointEffect });
  const ra = input.replicates?.[p.a];
  if (!ra) return undecided('no replicates recorded: one run decides nothing');
  let rows: { a: number[][]; b: number[][] };
  if (typeof p.b === 'string') {
    const rb = input.replicates?.[p.b];
    if (!rb) return undecided(`no replicates recorded for ${p.b}`);
    const pr = paired(ra, rb, p.metric);
    if (typeof pr === 'string') return undecided(pr);
    rows = pr;
  } else {
    const oa = outcomesOf(ra, p.metric);
    if (!oa) return undecided(`no per-replicate ${p.metric} recorded`);
    const c = p.b.published;
    rows = { a: oa, b: oa.map((r) => r.map(() => c)) };
  }
  const c: PairedComparison = comparePaired(rows.a, rows.b, { direction: better });
  const v = verdictOf(c, margin);
  return {
    ...base, kind, verdict: v.verdict, reason: v.reason, valueA: mean(rows.a), valueB: mean(rows.b),
    effect: c.diff, ci: c.ci, pABeatsB: c.pABeatsB, k: c.k, n: c.n, mde: c.mde,
  };
}

/**
 * The paper's own numbers as results, one set per dataset (experiment → metric → value, the
 * first printing where a number is printed twice): 'model' numbers (parameter counts, in
 * millions when the unit is 'M') join every dataset's experiments, and a real-dataset row
 * (`realRows`: an id without a preset) holds its preset's numbers on that dataset.
 */
export function publishedResults(published: readonly PublishedNumber[], realRows: Readonly<Record<string, readonly [string, string]>> = {}): Map<string, ReproducedResults> {
  const out = new Map<string, ReproducedResults>();
  for (const d of new Set(published.map((n) => n.dataset))) {
    if (d === 'model') continue;
    const r: ReproducedResults = {};
    for (const n of published) {
      if (!n.experiment || n.dataset !== d) continue;
      const m = (r[n.experiment] ??= {});
      if (m[n.metric] === undefined) m[n.metric] = n.value;
    }
    for (const n of published) {
      if (!n.experiment || n.dataset !== 'model' || !r[n.experiment]) continue;
      const m = r[n.experiment]!;
      if (m[n.metric] === undefined) m[n.metric] = n.unit === 'M' ? n.value * 1e6 : n.value;
    }
    for (const [id, [preset, dataset]] of Object.entries(realRows)) {
      const m: Record<string, number> = {};
      for (const n of published) if (n.experiment === preset && n.dataset === dataset && m[n.metric] === undefined) m[n.metric] = n.value;
      if (Object.keys(m).length) r[id] = m;
    }
    out.set(d, r);
  }
  return out;
}

/** The claim's terms on the paper's own numbers, dataset by dataset, and the numbers its text quotes against its tables. */
export function consistencyOf(claim: Claim, byDataset: ReadonlyMap<string, ReproducedResults>): ConsistencyCheck {
  const misquoted = (claim.quotes ?? []).flatMap((q) => {
    const printed = [...byDataset.values()].map((r) => resultOf(r, q.experiment, q.metric)).filter(Number.isFinite);
    return printed.length && !printed.includes(q.value) ? [`the text quotes ${q.value} for ${q.where}, its table prints ${[...new Set(printed)].join(' / ')}`] : [];
  });
  const held: string[] = [], failed: string[] = [];
  for (const [dataset, r] of byDataset) {
    const value = (e: string, metric: string) => resultOf(r, e, metric);
    const h = termsHold(claim.terms, value);
    if (h === true) held.push(dataset);
    if (h === false) {
      const bad = partsOf(claim.terms).filter((p) => partAdvantage(p, value) <= (p.margin ?? 0));
      failed.push(`${dataset}: ${bad.map((p) => `${p.metric} ${fmt(value(p.a, p.metric))} vs ${typeof p.b === 'string' ? fmt(value(p.b, p.metric)) : `${fmt(p.b.published)} (${p.b.label})`}${p.margin ? ` (margin ${p.margin})` : ''}`).join('; ')}`);
    }
  }
  if (failed.length) return { status: 'does not hold', detail: `on the paper's numbers, ${failed.join(' | ')}${misquoted.length ? `; ${misquoted.join('; ')}` : ''}` };
  if (misquoted.length) return { status: 'text and table disagree', detail: `${held.length ? `holds on the paper's ${held.join(', ')} numbers, but ` : ''}${misquoted.join('; ')}` };
  if (held.length) return { status: 'holds', detail: `holds on the paper's ${held.join(', ')} numbers` };
  return { status: 'not checkable', detail: 'the paper prints no number for some row it compares (e.g. a figure without values)' };
}

/** Every claim of `claims` assessed on `input` (see the file comment). */
export function assessClaims(claims: readonly Claim[], input: AssessInput): ClaimAssessment[] {
  const paperNumbers = publishedResults(input.published, input.realRows);
  return claims.map((claim): ClaimAssessment => {
    const parts = partsOf(claim.terms);
    const kind = parts.every((p) => EXACT_METRICS.has(p.metric)) ? 'exact' : 'statistical';
    const head = { id: claim.id, paper: claim.paper, statement: claim.statement, source: claim.source, needs: claim.needs, kind, consistency: consistencyOf(claim, paperNumbers) } as const;
    const missing = claim.needs.filter((e) => input.results[e] === undefined);
    if (missing.length) return { ...head, verdict: 'not run', reason: `not run: ${missing.join(', ')}`, missing, parts: [] };
    if (input.substitute && parts.some((p) => typeof p.b !== 'string' && !EXACT_METRICS.has(p.metric))) {
      return { ...head, verdict: 'not run', reason: "compares with another method's published number: needs the paper's own dataset, not a substitute", missing: [], parts: [] };
    }
    const byPart = new Map(parts.map((p) => [p, evidenceOf(p, input)]));
    const evidence = [...byPart.values()];
    const verdict = termsVerdict(claim.terms, (p) => byPart.get(p)!.verdict);
    const decisive = evidence.filter((e) => e.verdict === verdict);
    const reason =
      verdict === 'supported' ? `every comparison supported (${evidence.length})`
      : verdict === 'contradicted' ? `contradicted: ${decisive.map((e) => e.label).join('; ')}`
      : `${evidence.filter((e) => e.verdict === 'supported').length} of ${evidence.length} comparisons supported, none decides the claim`;
    return { ...head, verdict, reason, missing: [], parts: evidence };
  });
}

/** Counts by verdict, statistical and exact claims apart. */
export function verdictCounts(a: readonly ClaimAssessment[]): Record<'statistical' | 'exact', Record<ClaimVerdict, number>> {
  const zero = (): Record<ClaimVerdict, number> => ({ supported: 0, contradicted: 0, inconclusive: 0, 'not run': 0 });
  const out = { statistical: zero(), exact: zero() };
  for (const c of a) out[c.kind][c.verdict]++;
  return out;
}
