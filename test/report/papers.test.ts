/**
 * Published numbers (lib/papers) and claims (lib/papers/claims.ts):
 *  - every number appears, as printed, in its paper's text (../shared/papers), except the
 *    whitelisted ones, each with the reason; every table / figure reference appears in the text;
 *  - no (paper, table, row, column) twice; every experiment id is a preset or a listed future one;
 *  - every claim needs known or future experiments, is 'not run' on empty results, and holds on
 *    the paper's own published numbers (results built per dataset from the PublishedNumbers,
 *    Param. in millions converted to a count), which checks it is stated the right way round.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLAIMS, evaluateClaims } from '../../lib/papers/claims.js';
import { PAPER_TITLES, PUBLISHED } from '../../lib/papers/published.js';
import type { PaperKey, PublishedNumber, ReproducedResults } from '../../lib/papers/types.js';
import { PRESET_NAMES } from '../../lib/papers/presets.js';

// the paper texts live beside the repository (../shared/papers); a clone elsewhere names them with
// CVGL_PAPERS_DIR; /work/shared/papers is the team machine's copy
const PAPERS_DIR = [process.env.CVGL_PAPERS_DIR, fileURLToPath(new URL('../../../shared/papers/', import.meta.url)), '/work/shared/papers/']
  .filter((d): d is string => Boolean(d))
  .map((d) => (d.endsWith('/') ? d : d + '/'))
  .find((d) => existsSync(d)) ?? fileURLToPath(new URL('../../../shared/papers/', import.meta.url));
const PAPER_KEYS = Object.keys(PUBLISHED) as PaperKey[];
const ALL: PublishedNumber[] = PAPER_KEYS.flatMap((k) => PUBLISHED[k]);

/** Experiments with published numbers or claims but no preset yet, with the work they belong to. */
const FUTURE_EXPERIMENTS: Record<string, string> = {
  'geocapsnet.table2.iVoHays': 'GeoCapsNet Table 2 on the Vo and Hays dataset (Denver test city) — needs a Vo and Hays loader',
  'geocapsnet.table2.iiVoHays': 'GeoCapsNet Table 2 on the Vo and Hays dataset (Denver test city) — needs a Vo and Hays loader',
  'mduit.table1.netvlad': 'MDUIT Table 1 (RobotCar Seasons visual localization) — no MDUIT model or RobotCar loader yet',
  'mduit.table1.woI2iNce': 'MDUIT Table 1 ablation — no MDUIT model yet',
  'mduit.table1.woI2i': 'MDUIT Table 1 ablation — no MDUIT model yet',
  'mduit.table1.woNce': 'MDUIT Table 1 ablation — no MDUIT model yet',
  'mduit.table1.full': 'MDUIT Table 1 — no MDUIT model yet',
};

/** Numbers not found verbatim in the text, keyed 'paper|table|row|column', with the reason. */
const NOT_VERBATIM: Record<string, { reason: string; printed: string }> = {
  'thesis|Table 4.3|exp. 10 (ImageNet / sat*)|R@1': {
    reason: 'the PDF text keeps the bold markup inside the number: 79.27 is printed as "7 <b>9.2</b> 7"',
    printed: '7 <b>9.2</b> 7',
  },
};

/** Claims with no published number to check them on (the paper prints the result only in a figure). */
const NO_PUBLISHED_NUMBERS: Record<string, string> = {
  'geocapsnet.capsules-help-i': 'Fig. 5 (ResNetX-fc) prints no values',
  'geocapsnet.capsules-help-ii': 'Fig. 5 (ResNetX-fc) prints no values',
  'geocapsnet.batch-size-i': 'Fig. 6 (batch sizes) prints no values',
  'geocapsnet.batch-size-ii': 'Fig. 6 (batch sizes) prints no values',
  'thesis.uniformity-loss-more-uniform': 'Figure 4.5 (uniformity along fine-tuning) prints no values',
};

const key = (n: PublishedNumber) => `${n.paper}|${n.table}|${n.row}|${n.column}`;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The ways a number may be printed: as is, with 1 or 2 decimals, with thousands separators. */
function printedForms(v: number): string[] {
  const forms = new Set([String(v), v.toFixed(1), v.toFixed(2)]);
  if (Number.isInteger(v)) forms.add(v.toLocaleString('en-US'));
  return [...forms];
}
const foundIn = (text: string, v: number) =>
  printedForms(v).some((f) => new RegExp(`(?<![\\d.])${escape(f)}(?![\\d])`).test(text));

const haveTexts = PAPER_KEYS.every((k) => existsSync(PAPERS_DIR + PAPER_TITLES[k].file));
if (!haveTexts) console.warn(`\n!!  the papers' texts are not in ${PAPERS_DIR} (set CVGL_PAPERS_DIR): the checks against them are skipped\n`);
const text = (k: PaperKey) => readFileSync(PAPERS_DIR + PAPER_TITLES[k].file, 'utf8');

describe('published numbers', () => {
  it('every paper has numbers', () => {
    for (const k of PAPER_KEYS) expect(PUBLISHED[k].length, k).toBeGreaterThan(0);
    for (const k of PAPER_KEYS) for (const n of PUBLISHED[k]) expect(n.paper).toBe(k);
  });

  it.skipIf(!haveTexts)('every value appears in its paper as printed (or is whitelisted with a reason)', () => {
    const missing: string[] = [];
    for (const k of PAPER_KEYS) {
      const t = text(k);
      for (const n of PUBLISHED[k]) {
        const w = NOT_VERBATIM[key(n)];
        if (w) {
          expect(foundIn(t, n.value), `${key(n)} is whitelisted but found verbatim`).toBe(false);
          expect(t.includes(w.printed), `${key(n)}: '${w.printed}'`).toBe(true);
        } else if (!foundIn(t, n.value)) missing.push(`${key(n)} = ${n.value}`);
      }
    }
    expect(missing).toEqual([]);
    for (const k of Object.keys(NOT_VERBATIM)) expect(ALL.some((n) => key(n) === k), k).toBe(true);
  });

  it.skipIf(!haveTexts)('every table / figure reference appears in its paper', () => {
    for (const k of PAPER_KEYS) {
      const t = text(k);
      for (const table of new Set(PUBLISHED[k].map((n) => n.table))) expect(t.includes(table), `${k}: ${table}`).toBe(true);
    }
  });

  it('no (paper, table, row, column) twice', () => {
    const seen = new Set<string>();
    const dups = ALL.map(key).filter((k) => (seen.has(k) ? true : (seen.add(k), false)));
    expect(dups).toEqual([]);
  });

  it('every experiment id is a preset or a listed future experiment', () => {
    const known = new Set([...PRESET_NAMES, ...Object.keys(FUTURE_EXPERIMENTS)]);
    const unknown = [...new Set(ALL.flatMap((n) => (n.experiment ? [n.experiment] : [])))].filter((e) => !known.has(e));
    expect(unknown).toEqual([]);
    // a future id that has become a preset should leave the list
    expect(Object.keys(FUTURE_EXPERIMENTS).filter((e) => PRESET_NAMES.includes(e))).toEqual([]);
  });

  it('values are finite, recalls in percent, fields filled', () => {
    for (const n of ALL) {
      expect(Number.isFinite(n.value), key(n)).toBe(true);
      expect(n.row && n.column && n.dataset && n.metric, key(n)).toBeTruthy();
      if (n.unit === '%') expect(n.value >= 0 && n.value <= 100, key(n)).toBe(true);
    }
  });

  it('the same experiment and metric on the same dataset has one value across tables (but two known misprints)', () => {
    const by = new Map<string, PublishedNumber>();
    const clashes: string[] = [];
    for (const n of ALL) {
      if (!n.experiment) continue;
      const k = `${n.experiment}|${n.dataset}|${n.metric}`;
      const prev = by.get(k);
      if (prev && prev.value !== n.value && prev.unit === n.unit) clashes.push(`${k}: ${prev.table} ${prev.value} vs ${n.table} ${n.value}`);
      else if (!prev) by.set(k, n);
    }
    // CVFT prints CVACT_val r@5 of the same model as 81.33 (Tables 1, 3) and 81.34 (Table 4);
    // MGTL prints the full model's parameters as 79.27M (Table 2) and 72.29M (Table 3)
    expect(clashes.sort()).toEqual([
      'cvft.table1.full|CVACT_val|r5: Table 1 81.33 vs Table 4 81.34',
      'mgtl.table2.full|model|params: Table 2 79.27 vs Table 3 72.29',
    ]);
  });
});

/** Results built from the published numbers, one per dataset; 'model' numbers join every dataset's experiments. */
function publishedResults(): Map<string, ReproducedResults> {
  const out = new Map<string, ReproducedResults>();
  const datasets = [...new Set(ALL.map((n) => n.dataset))].filter((d) => d !== 'model');
  for (const d of datasets) {
    const r: ReproducedResults = {};
    for (const n of ALL) {
      if (!n.experiment || n.dataset !== d) continue;
      const m = (r[n.experiment] ??= {});
      if (m[n.metric] === undefined) m[n.metric] = n.value;
    }
    for (const n of ALL) {
      if (!n.experiment || n.dataset !== 'model' || !r[n.experiment]) continue;
      const m = r[n.experiment]!;
      if (m[n.metric] === undefined) m[n.metric] = n.unit === 'M' ? n.value * 1e6 : n.value;
    }
    out.set(d, r);
  }
  return out;
}

describe('claims', () => {
  it('ids are unique, every paper has claims, every needed experiment is known or future', () => {
    expect(new Set(CLAIMS.map((c) => c.id)).size).toBe(CLAIMS.length);
    for (const k of PAPER_KEYS) expect(CLAIMS.some((c) => c.paper === k), k).toBe(true);
    const known = new Set([...PRESET_NAMES, ...Object.keys(FUTURE_EXPERIMENTS)]);
    for (const c of CLAIMS) {
      expect(c.needs.length, c.id).toBeGreaterThan(0);
      for (const e of c.needs) expect(known.has(e), `${c.id}: ${e}`).toBe(true);
      expect(c.statement && c.source, c.id).toBeTruthy();
    }
  });

  it("is 'not run' on empty results and when one needed experiment is missing", () => {
    for (const s of evaluateClaims({})) expect(s.status, s.claim.id).toBe('not run');
    for (const c of CLAIMS) {
      const r: ReproducedResults = Object.fromEntries(c.needs.slice(1).map((e) => [e, { r1: 50 }]));
      expect(evaluateClaims(r, [c])[0]!.status, c.id).toBe('not run');
    }
  });

  it('every claim holds on its paper\'s own published numbers (on each dataset where they are printed)', () => {
    const checked = new Set<string>();
    const failed: string[] = [];
    for (const [dataset, r] of publishedResults()) {
      for (const { claim, status } of evaluateClaims(r)) {
        // a claim whose metrics the paper prints only in a figure reads NaN here: not checkable
        if (status === 'not run' || NO_PUBLISHED_NUMBERS[claim.id]) continue;
        checked.add(claim.id);
        if (status !== 'reproduced') failed.push(`${claim.id} on ${dataset}`);
      }
    }
    expect(failed).toEqual([]);
    const unchecked = CLAIMS.map((c) => c.id).filter((id) => !checked.has(id));
    expect(unchecked.sort()).toEqual(Object.keys(NO_PUBLISHED_NUMBERS).sort());
    for (const id of Object.keys(NO_PUBLISHED_NUMBERS)) expect(CLAIMS.some((c) => c.id === id), id).toBe(true);
  });

  it('a claim with its comparison reversed does not hold (the check is not vacuous)', () => {
    const r = publishedResults().get('CVUSA')!;
    const swapped: ReproducedResults = { ...r, 'cvft.table1.full': r['cvft.table1.woCvft']!, 'cvft.table1.woCvft': r['cvft.table1.full']! };
    const s = evaluateClaims(swapped).find((x) => x.claim.id === 'cvft.beats-wo-cvft')!;
    expect(s.status).toBe('not reproduced');
  });
});
