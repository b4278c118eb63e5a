/**
 * The report renderer on hand-made executed notebooks (test/fixtures/report): tables, claims,
 * outputs, math, and the page in a real headless Chromium (no console errors, vector plots,
 * claims first, substitute rows uncoloured) printed to PDF, whose first page is rendered to PNG.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import { requireInCi } from '../ci_requirements.ts';
import { isCvglError } from '../../lib/engine/errors.ts';
import type { Claim, PublishedNumber, ResultsBundle } from '../../lib/report/types.ts';
import { beats, lower } from '../../lib/papers/claim.ts';
import { PUBLISHED } from '../../lib/papers/published.ts';
import { RESULTS_MIME } from '../../lib/report/types.ts';
import { buildReportData } from '../../lib/report/render/report_data.ts';
import { writeReport } from '../../lib/report/build.ts';
import { renderMarkdown } from '../../lib/report/render/markdown.ts';
import { collectResultBundles, renderOutputs, RenderContext, stripAnsi, type Notebook } from '../../lib/report/render/outputs.ts';
import { claimsSummary, compareNumbers, evaluateClaims, mergeResults } from '../../lib/report/render/tables.ts';
import { renderIndex, renderReport, summarizeReport } from '../../lib/report/render/page.ts';
import { closeBrowser, findChromium, launchChromium, printPdf } from '../../lib/report/render/pdf.ts';

const FIX = resolve(import.meta.dirname, '../fixtures/report');
const okNb = JSON.parse(readFileSync(join(FIX, 'cvft_ok.ipynb.json'), 'utf8')) as Notebook;
const failedNb = JSON.parse(readFileSync(join(FIX, 'cvft_failed.ipynb.json'), 'utf8')) as Notebook;

const pub = (p: Partial<PublishedNumber> & Pick<PublishedNumber, 'row' | 'column' | 'metric' | 'value'>): PublishedNumber => ({
  paper: 'cvft',
  table: 'Table 1',
  dataset: 'CVUSA',
  unit: '%',
  higherIsBetter: true,
  ...p,
});

const published: PublishedNumber[] = [
  pub({ row: 'Ours', column: 'CVUSA r@1', metric: 'r1', value: 61.43, experiment: 'cvft.table1.full' }), // 61.2: match
  pub({ row: 'Ours', column: 'CVUSA r@5', metric: 'r5', value: 79.88, experiment: 'cvft.table1.full' }), // 83.0: better
  pub({ row: 'wo/ CVFT', column: 'CVUSA r@1', metric: 'r1', value: 45.2, experiment: 'cvft.table1.nocvft' }), // 40.0: worse
  pub({ table: 'Table 2', row: 'Ours (synthetic)', column: 'r@1', metric: 'r1', value: 61.43, experiment: 'cvft.table2.synth' }), // substitute
  pub({ table: 'Table 2', row: 'Ours', column: 'params', metric: 'params', value: 26_400_000, unit: 'count', higherIsBetter: false, experiment: 'cvft.table2.synth' }),
  pub({ row: 'Ours', column: 'CVACT r@1', metric: 'r1', value: 61.05, dataset: 'CVACT_val', experiment: 'cvft.table1.cvact' }), // not run
  pub({ row: 'CVM-Net', column: 'CVUSA r@1', metric: 'r1', value: 22.53 }), // no experiment
  pub({ paper: 'mgtl', row: 'MGTL', column: 'CVUSA r@1', metric: 'r1', value: 94.1, experiment: 'mgtl.full' }), // other paper
];

const claims: Claim[] = [
  {
    id: 'cvft.beats-ablation',
    paper: 'cvft',
    statement: 'CVFT beats wo/ CVFT on R@1',
    source: 'Sec. 4.3, Table 1',
    needs: ['cvft.table1.full', 'cvft.table1.nocvft'],
    terms: beats('cvft.table1.full', 'cvft.table1.nocvft', ['r1']),
  },
  {
    id: 'cvft.r5-above-90',
    paper: 'cvft',
    statement: 'R@5 above 90 % on CVUSA',
    source: 'Abstract',
    needs: ['cvft.table1.full'],
    terms: [{ a: 'cvft.table1.full', b: 'cvft.table1.nocvft', metric: 'r5', margin: 90 }],
  },
  {
    id: 'cvft.ablation-table2',
    paper: 'cvft',
    statement: 'The ablation of Table 2 keeps the ranking',
    source: 'Table 2',
    needs: ['cvft.table2.ablation'],
    terms: beats('cvft.table2.ablation', 'cvft.table1.full', ['r1']),
  },
  { id: 'mgtl.other', paper: 'mgtl', statement: 'not this paper', source: '-', needs: [], terms: [] },
];

const notebooks = [
  { path: 'notebooks/cvft.ipynb', notebook: okNb },
  { path: 'notebooks/cvft_ablation.ipynb', notebook: failedNb },
];

describe('tables', () => {
  const bundles = notebooks.flatMap((n) => collectResultBundles(n.notebook));

  it('collects the results bundles of the notebooks', () => {
    expect(bundles).toHaveLength(2);
    expect(Object.keys(mergeResults(bundles)).sort()).toEqual(['cvft.table1.full', 'cvft.table1.nocvft', 'cvft.table2.synth']);
  });

  it('joins published and reproduced numbers, with a tolerance band and substitute rows', () => {
    const rows = compareNumbers(published, bundles, { paper: 'cvft' });
    expect(rows.map((r) => r.status)).toEqual(['match', 'better', 'worse', 'substitute', 'substitute', 'not run', 'cited']);
    expect(rows[0]!.reproduced).toBe(61.2);
    expect(rows[0]!.delta).toBeCloseTo(-0.23, 6);
    expect(rows[5]!.note).toMatch(/cvft\.table1\.cvact/);
    expect(rows[6]!.note).toMatch(/cited .*no experiment/);
  });

  it('compares counts with numbers printed in millions or billions, and model sizes even on a substitute dataset', () => {
    const b: ResultsBundle[] = [{ paper: 'mgtl', results: { e: { params: 29_429_376, gflops: 4.2e9 } }, dataset: { name: 'synthetic', substitute: true } }];
    const num = (metric: string, value: number, unit: string): PublishedNumber =>
      pub({ paper: 'mgtl', row: 'VGG16', column: metric, metric, value, unit, dataset: 'model', higherIsBetter: false, experiment: 'e' });
    const rows = compareNumbers([num('params', 29.42, 'M'), num('gflops', 4.01, 'G')], b);
    expect(rows.map((r) => r.reproduced)).toEqual([29.429376, 4.2]);
    expect(rows.map((r) => r.status)).toEqual(['match', 'worse']);
  });

  it('respects lower-is-better', () => {
    const b: ResultsBundle[] = [{ paper: 'mduit', results: { e: { fid: 30 } }, dataset: { name: 'x', substitute: false } }];
    const fid = (value: number): PublishedNumber =>
      pub({ paper: 'mduit', row: 'r', column: 'FID', metric: 'fid', value, unit: 'FID', higherIsBetter: false, experiment: 'e' });
    expect(compareNumbers([fid(40), fid(20), fid(30.3)], b).map((r) => r.status)).toEqual(['better', 'worse', 'match']);
  });

  it('assesses claims: without replicates nothing is decided; a missing row is not run', () => {
    const res = evaluateClaims(claims, bundles, 'cvft');
    expect(res.map((r) => r.status)).toEqual(['inconclusive', 'inconclusive', 'not run']);
    expect(res[0]!.note).toMatch(/inconclusive|none decides/);
    expect(res[0]!.assessment.parts[0]!.reason).toContain('no replicates recorded');
    expect(res[2]!.missing).toEqual(['cvft.table2.ablation']);
    expect(claimsSummary(res).text).toBe('statistical: 0 supported, 0 contradicted, 2 inconclusive, 1 not run; exact: none (3 claims)');
  });
});

describe('markdown and outputs', () => {
  it('renders $…$ and $$…$$ with KaTeX, leaves \\$ and prices alone', () => {
    const html = renderMarkdown('Let $x^2$ be.\n\n$$\n\\sum_i x_i\n$$\n\ncosts \\$5 and $6 or $7.');
    expect(html.match(/class="katex"/g)).toHaveLength(2);
    expect(html).toContain('katex-display');
    expect(html).toContain('costs $5 and $6 or $7.');
  });

  it('strips ANSI codes, styles streams, renders vega-lite to SVG, shows a results bundle once', async () => {
    const ctx = new RenderContext();
    const html = (await Promise.all(okNb.cells.map((c) => renderOutputs(c.outputs ?? [], ctx)))).join('\n');
    expect(html).not.toContain('\u001b');
    expect(html).toContain('out-stderr');
    expect(html.match(/<figure class="out-plot vega-plot"><svg/g)).toHaveLength(2);
    expect(html).toMatch(/class="mark-line/);
    expect(html).toMatch(/class="mark-rect/);
    expect(html).toContain('data:image/png;base64,');
    expect(html).toContain('id="svg'); // inline svg ids made unique
    expect(html).not.toContain('results: cvft.table1.full'); // the bundle's text/plain is not shown
    expect(html).toContain('results recorded: 2 experiments');
    expect(stripAnsi('\u001b[0;31mRangeError\u001b[0m: x')).toBe('RangeError: x');
  });
});

describe('report page (string)', () => {
  let html = '';
  beforeAll(async () => {
    html = await renderReport({ paper: 'cvft', title: 'CVFT reproduction', notebooks, published, claims, generated: new Date('2025-01-15T12:00:00Z') });
  });

  it('says what was run, then the claims, the failure banner, provenance, tables, notebooks', () => {
    const at = (s: string) => html.indexOf(s);
    const order = ['<section id="what-was-run"', '<section id="claims"', '<section id="failures"', '<section id="provenance"', '<section id="paper-vs-reproduced"', '<section id="notebooks"'];
    for (const s of order) expect(at(s), s).toBeGreaterThan(0);
    for (let i = 1; i < order.length; i++) expect(at(order[i - 1]!)).toBeLessThan(at(order[i]!));
    expect(at('<section ')).toBe(at('<section id="what-was-run"')); // the first section of all
    expect(at('<table')).toBeGreaterThan(at('<section id="claims"')); // no table before the claims
    const run = html.slice(at('<section id="what-was-run"'), at('<section id="claims"'));
    for (const s of ['smoke', 'full', 'CVUSA', 'synthetic-world', 'substitute', 'none recorded (one run per row: nothing decided)', 'AMD EPYC 7B13 (2 cores, 7.7 GiB), no GPU; wasm', 'lies above', 'a tie counts against the query', '⌊N/100⌋ + 1', "This paper's numbers use the library's convention"]) {
      expect(run, s).toContain(s);
    }
  });

  it('is self-contained: no script, no external stylesheet, font or image', () => {
    expect(html).not.toMatch(/<script|<link\b|src="https?:|url\((?!data:|#)|@import/i);
    expect(html).toMatch(/@font-face\{[^}]*src:url\(data:font\/woff2;base64,/);
  });

  it('shows the failed notebook with its failing cell and error', () => {
    const banner = html.slice(html.indexOf('<section id="failures"'), html.indexOf('<section id="provenance"'));
    expect(banner).toContain('cvft_ablation.ipynb');
    expect(banner).toContain('at <a href="#nb1-cell2">cell 2</a>');
    expect(banner).toContain('RangeError');
    expect(banner).toContain('train(cfg, { batch: 64 })');
    expect(summarizeReport({ paper: 'cvft', notebooks, published, claims }).ok).toBe(false);
  });

  it('renders the provenance', () => {
    const prov = html.slice(html.indexOf('<section id="provenance"'), html.indexOf('<section id="paper-vs-reproduced"'));
    for (const s of ['3f2a9c1d0b7e', 'dirty', 'AMD EPYC 7B13', 'wasm', 'synthetic-world', 'a1b2c3d4', 'smoke', '1 min 23 s', 'failed at cell 2', 'profile full']) {
      expect(prov, s).toContain(s);
    }
  });
});

describe('pdf printer without Chromium', () => {
  it('finds none where there is none, and says how to install it', async () => {
    expect(findChromium({ PATH: '' }, [])).toBeNull();
    const dir = mkdtempSync(join(tmpdir(), 'cvgl-nochrome-'));
    const html = join(dir, 'r.html');
    writeFileSync(html, '<p>x</p>');
    const err = await printPdf(html, join(dir, 'r.pdf'), { chromium: null }).catch((e: unknown) => e);
    expect(isCvglError(err)).toBe(true);
    expect((err as Error).message).toContain('npm run setup:system');
    expect((err as Error).message).toContain(html);
    expect(existsSync(join(dir, 'r.pdf'))).toBe(false);
  });
});

// ------------------------------------------------------------------------ in Chromium
const chromium = findChromium();
let pdftoppm = false;
try {
  execFileSync('pdftoppm', ['-v'], { stdio: 'ignore' });
  pdftoppm = true;
} catch {
  pdftoppm = false;
}

describe('report in headless Chromium', () => {
  requireInCi('Chromium (headless, for the report page and PDF)', chromium !== null, 'no chromium / chromium-browser / google-chrome found');
  requireInCi('pdftoppm (poppler-utils)', pdftoppm, 'pdftoppm not on PATH');
  if (!chromium) return;

  const outDir = mkdtempSync(join(tmpdir(), 'cvgl-render-'));
  const htmlPath = join(outDir, 'cvft.html');
  const pdfPath = join(outDir, 'cvft.pdf');
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    const html = await renderReport({ paper: 'cvft', title: 'CVFT reproduction', notebooks, published, claims });
    writeFileSync(htmlPath, html);
    console.log(`report test artefacts in ${outDir}`);
    browser = await launchChromium({ chromium });
    page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') problems.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${(e as Error).message}`));
    page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.setViewport({ width: 1100, height: 1400 });
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
  });

  afterAll(async () => {
    if (browser) {
      const proc = browser.process();
      await closeBrowser(browser);
      expect(proc === null || proc.exitCode !== null || proc.signalCode !== null).toBe(true);
    }
  });

  it('loads with no console errors, page errors or network requests', () => {
    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
  });

  it('has the claims table as the first thing after the title', async () => {
    const first = await page.evaluate(() => {
      const main = document.querySelector('main')!;
      const firstSection = main.querySelector('section')!;
      const tops = [...document.querySelectorAll('section, article, table')].map((e) => ({ id: e.id || e.className, top: e.getBoundingClientRect().top }));
      const claimsTop = document.querySelector('#claims')!.getBoundingClientRect().top;
      return { id: firstSection.id, earlier: tops.filter((t) => t.top < claimsTop).map((t) => t.id), rows: document.querySelectorAll('#claims tr.claim-row').length };
    });
    expect(first.id).toBe('what-was-run');
    expect(first.earlier).toEqual(['what-was-run']); // what was run, then the claims: no table before them
    expect(first.rows).toBe(3);
  });

  it('renders every vega plot as an SVG with visible marks', async () => {
    const plots = await page.evaluate(() =>
      [...document.querySelectorAll('figure.vega-plot')].map((f) => {
        const svg = f.querySelector(':scope > svg');
        const marks = svg ? [...svg.querySelectorAll('g[class*="mark-"] path, g[class*="mark-"] rect, g[class*="mark-"] line')] : [];
        const r = svg?.getBoundingClientRect();
        return {
          svg: !!svg,
          marks: marks.filter((m) => m.closest('[class*="mark-line"], [class*="mark-rect"], [class*="mark-symbol"]')).length,
          width: r?.width ?? 0,
          height: r?.height ?? 0,
        };
      }),
    );
    expect(plots).toHaveLength(2);
    for (const p of plots) {
      expect(p.svg).toBe(true);
      expect(p.marks).toBeGreaterThan(0);
      expect(p.width).toBeGreaterThan(100);
      expect(p.height).toBeGreaterThan(50);
    }
  });

  it('colours match/better/worse rows, never substitute or not-run rows', async () => {
    const rows = await page.evaluate(() =>
      [...document.querySelectorAll('table.cmp-table tbody tr')].map((tr) => ({
        status: tr.getAttribute('data-status'),
        bg: [...tr.querySelectorAll('td')].map((td) => getComputedStyle(td).backgroundColor),
        text: tr.textContent ?? '',
      })),
    );
    expect(rows.map((r) => r.status)).toEqual(['match', 'better', 'worse', 'substitute', 'substitute', 'not run', 'cited']);
    const transparent = (c: string) => c === 'rgba(0, 0, 0, 0)' || c === 'transparent';
    for (const r of rows) {
      if (r.status === 'substitute' || r.status === 'not run' || r.status === 'cited') {
        expect(r.bg.every(transparent), `${r.status}: ${r.bg.join(' ')}`).toBe(true);
      } else {
        expect(r.bg.every((c) => !transparent(c)), `${r.status}: ${r.bg.join(' ')}`).toBe(true);
      }
    }
    expect(rows[3]!.text).toContain('12.50% (one run)');
    expect(rows[5]!.text).toContain('not run');
    const distinct = new Set(rows.slice(0, 3).map((r) => r.bg[0]));
    expect(distinct.size).toBe(3);
  });

  it('renders math with KaTeX fonts, tables and the failure banner', async () => {
    const info = await page.evaluate(() => ({
      katex: document.querySelectorAll('.katex').length,
      katexFont: document.fonts.check('16px KaTeX_Main') && [...document.fonts].some((f) => f.family.includes('KaTeX') && f.status === 'loaded'),
      tables: document.querySelectorAll('table').length,
      banner: document.querySelector('#failures')?.textContent ?? '',
      ansi: document.body.innerText.includes('\u001b'),
      bannerColor: getComputedStyle(document.querySelector('#failures')!).borderTopColor,
    }));
    expect(info.katex).toBeGreaterThanOrEqual(3);
    expect(info.katexFont).toBe(true);
    expect(info.tables).toBeGreaterThanOrEqual(5);
    expect(info.banner).toContain('RangeError: batch size 64 exceeds the 48 training pairs');
    expect(info.ansi).toBe(false);
    expect(info.bannerColor).toBe('rgb(179, 38, 30)');
  });

  it('renders the index page without errors', async () => {
    const idx = join(outDir, 'index.html');
    const s = summarizeReport({ paper: 'cvft', notebooks, published, claims });
    writeFileSync(idx, renderIndex([{ paper: 'cvft', title: 'CVFT reproduction', href: 'cvft.html', claimsSummary: s.claims, run: s.run, ok: s.ok }]));
    const p2 = await browser.newPage();
    const errs: string[] = [];
    p2.on('pageerror', (e) => errs.push(String(e)));
    p2.on('console', (m) => m.type() === 'error' && errs.push(m.text()));
    await p2.goto(pathToFileURL(idx).href, { waitUntil: 'load' });
    const cells = await p2.evaluate(() => [...document.querySelectorAll('table.index tbody td')].map((td) => td.textContent ?? ''));
    await p2.close();
    expect(errs).toEqual([]);
    // paper, report, profile, dataset, K, supported, contradicted, inconclusive, not run, exact, run
    expect(cells.slice(2, 11)).toEqual(['smoke, full', 'CVUSA (the paper\'s), synthetic-world substitute', 'none recorded (one run per row: nothing decided)', '0', '0', '2', '1', 'none', 'failed']);
  });

  it('prints an A4 PDF and renders its first page to PNG', async () => {
    await printPdf(htmlPath, pdfPath, { chromium });
    expect(existsSync(pdfPath)).toBe(true);
    const pdf = readFileSync(pdfPath);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(10_000);
    // A4 MediaBox: 595 x 842 points (rounded)
    expect(pdf.toString('latin1')).toMatch(/MediaBox\s*\[\s*0\s+0\s+595\.\d*\s+841\.\d*|MediaBox\s*\[\s*0\s+0\s+595\s+842/);
    if (!pdftoppm) return;
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', pdfPath, join(outDir, 'page')]);
    const png = ['page-1.png', 'page-01.png', 'page-001.png'].map((f) => join(outDir, f)).find(existsSync);
    expect(png, 'pdftoppm wrote no PNG').toBeDefined();
    expect(statSync(png!).size).toBeGreaterThan(5_000);
    console.log(`first PDF page: ${png}`);
  });
});

// ------------------------------------------------------------------------ replicated runs
/** A notebook whose one output is `bundle` (and the ok notebook's run status). */
const nbWith = (bundle: ResultsBundle): Notebook => ({
  ...okNb,
  cells: [{ cell_type: 'code', source: 'show.results(r)', metadata: {}, execution_count: 1, outputs: [{ output_type: 'display_data', metadata: {}, data: { [RESULTS_MIME]: bundle as never, 'text/plain': 'results' } }] }],
});

/**
 * Two rows on N = 100 queries and K seeds: A finds its true match first on 80 queries (+ the
 * seed), B on 20: a planted R@1 difference of about 60 points; a third row sits in between.
 */
function replicatedBundle(k: number, o: { substitute?: boolean } = {}): ResultsBundle {
  const seeds = Array.from({ length: k }, (_, i) => 1 + i);
  const ranksOf = (hits: number, s: number) => Array.from({ length: 100 }, (_, q) => (q < hits + s ? 0 : 50 + q));
  const row = (hits: number, params: number) => {
    const ranks = seeds.map((s) => ranksOf(hits, s));
    const metrics = ranks.map((r) => ({ r1: (100 * r.filter((x) => x < 1).length) / 100, params }));
    return { seeds, ranks, metrics, mean: { r1: metrics.reduce((t, m) => t + m.r1, 0) / k, params } };
  };
  const rows = { 'cvft.table1.full': row(80, 26e6), 'cvft.table1.woCvft': row(20, 20e6), 'cvft.table1.vggGlobalPooling': row(50, 15e6) };
  return {
    paper: 'cvft',
    results: Object.fromEntries(Object.entries(rows).map(([e, r]) => [e, r.mean])),
    replicates: Object.fromEntries(Object.entries(rows).map(([e, r]) => [e, { seeds: r.seeds, ranks: r.ranks, metrics: r.metrics }])),
    dataset: { name: o.substitute === false ? 'CVUSA' : 'synthetic-world', substitute: o.substitute ?? true },
    notes: [`profile quick: K = ${k}`],
  };
}

const repClaims: Claim[] = [
  { id: 'cvft.full-beats-wo', paper: 'cvft', statement: 'CVFT beats wo/ CVFT on R@1', source: 'Table 1', needs: ['cvft.table1.full', 'cvft.table1.woCvft'], terms: beats('cvft.table1.full', 'cvft.table1.woCvft', ['r1']) },
  { id: 'cvft.wo-beats-full', paper: 'cvft', statement: 'wo/ CVFT beats CVFT on R@1 (reversed)', source: 'made up', needs: ['cvft.table1.full', 'cvft.table1.woCvft'], terms: beats('cvft.table1.woCvft', 'cvft.table1.full', ['r1']) },
  { id: 'cvft.smaller', paper: 'cvft', statement: 'wo/ CVFT has fewer parameters', source: 'made up', needs: ['cvft.table1.full', 'cvft.table1.woCvft'], terms: lower('cvft.table1.woCvft', 'cvft.table1.full', ['params']) },
];
const cvftPublished = PUBLISHED.cvft!.filter((p) => p.table === 'Table 1');
const repInput = (k: number, o: { substitute?: boolean } = {}) => ({
  paper: 'cvft' as const,
  title: 'CVFT replicated',
  notebooks: [{ path: 'notebooks/cvft.ipynb', notebook: nbWith(replicatedBundle(k, o)) }],
  published: cvftPublished,
  claims: repClaims,
  generated: new Date('2025-01-15T12:00:00Z'),
});

describe('report of replicated runs', () => {
  it('decides claims on the replicates: a planted difference is supported, reversed contradicted, K = 1 inconclusive; exact claims apart', () => {
    const verdicts = (k: number) => buildReportData(repInput(k)).claims.map((c) => [c.id, c.kind, c.verdict]);
    expect(verdicts(3)).toEqual([['cvft.full-beats-wo', 'statistical', 'supported'], ['cvft.wo-beats-full', 'statistical', 'contradicted'], ['cvft.smaller', 'exact', 'supported']]);
    expect(verdicts(1).slice(0, 2).map((v) => v[2])).toEqual(['inconclusive', 'inconclusive']);
    const s = buildReportData(repInput(3)).summary.claims;
    expect(s.statistical).toEqual({ supported: 1, contradicted: 1, inconclusive: 0, 'not run': 0 });
    expect(s.exact).toEqual({ supported: 1, contradicted: 0, inconclusive: 0, 'not run': 0 });
  });

  it('shows the evidence per comparison, exact claims in a table of their own, K in "what was run"', async () => {
    const html = await renderReport(repInput(3));
    const row = (id: string) => {
      const at = html.indexOf(`data-claim="${id}"`);
      return html.slice(at, html.indexOf('</tr>', html.indexOf('claim-consistency', at)));
    };
    const sup = row('cvft.full-beats-wo');
    expect(sup).toContain('data-verdict="supported"');
    expect(sup).toContain('title="cvft.table1.full − cvft.table1.woCvft, r1 &gt; 0">table1.full − table1.woCvft<div class="small muted">r1 &gt; 0.00</div>');
    expect(sup).toMatch(/>60\.\d\d <span class="ci">\[\d+\.\d\d, \d+\.\d\d\]<\/span>/); // effect [95% interval]
    expect(sup).toContain('>1.00<'); // P(A>B) over the seeds
    expect(sup).toContain('3 × 100'); // K × N
    expect(sup).toContain('verdict verdict-supported');
    expect(sup).toContain('consistency-holds'); // on the paper's own Table 1
    expect(row('cvft.wo-beats-full')).toContain('data-verdict="contradicted"');
    expect(row('cvft.wo-beats-full')).toContain('consistency-does-not-hold');
    const exact = html.slice(html.indexOf('<table class="claims-table claims-exact">'));
    expect(exact).toContain('data-claim="cvft.smaller"');
    expect(exact).toContain('<td class="num">20,000,000</td><td class="num">26,000,000</td>');
    expect(html.slice(html.indexOf('claims-statistical'), html.indexOf('claims-exact'))).not.toContain('cvft.smaller');
    expect(html).toMatch(/<strong>Statistical claims:<\/strong> 1 supported, 1 contradicted, 0 inconclusive, 0 not run · <strong>exact claims:<\/strong> 1 supported, 0 contradicted/);
    expect(html).toMatch(/<dt>K \(replicates\)<\/dt><dd>3 · 100 validation queries<\/dd>/);
    expect(await renderReport(repInput(1))).toMatch(/<dt>K \(replicates\)<\/dt><dd>1 \(nothing decided\)/);
  });

  it('on substitute data: the reproduced number in a column of its own with its range over replicates, no Δ, no CVACT duplicate, and the order check', async () => {
    const data = buildReportData(repInput(3));
    const sub = data.published.filter((r) => r.status === 'substitute');
    expect(sub.length).toBeGreaterThan(0);
    expect(sub.every((r) => r.delta === null)).toBe(true);
    const html = await renderReport(repInput(3));
    const section = html.slice(html.indexOf('<section id="paper-vs-reproduced"'), html.indexOf('</section>', html.indexOf('<section id="paper-vs-reproduced"')));
    expect(section).not.toContain('data-status="substitute"><td class="nowrap">Table 1</td><td>Our network</td><td>CVUSA'); // no per-column row
    const table = section.slice(section.indexOf('cmp-substitute'));
    expect(table).not.toContain('\u0394');
    // Our network, r1: the paper's CVUSA and CVACT_val numbers in one row, the synthetic number once
    const ours = table.split('</tr>').filter((r) => r.includes('<td>Our network</td><td>r@1 <span'));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toContain('CVUSA</span> 61.43%');
    expect(ours[0]).toContain('CVACT_val</span> 61.05%');
    expect(ours[0]).toContain('82.00% (81.00–83.00, K = 3)');
    expect(section.split('82.00% (81.00–83.00, K = 3)').length - 1).toBe(1);
    // VGG global pooling (50 + seed) now beats wo/ CVFT (20 + seed): the paper's order of Table 1 does not hold on r1
    const r1 = data.orderings.find((o) => o.table === 'Table 1' && o.metric === 'r1')!;
    expect(r1.status).toBe('does not hold');
    expect(r1.reproducedOrder.map((x) => x.experiment)).toEqual(['cvft.table1.full', 'cvft.table1.vggGlobalPooling', 'cvft.table1.woCvft']);
    expect(r1.pairs - r1.kept).toBe(2); // wo/ CVFT > VGG on CVUSA and on CVACT_val, reversed
    expect(section).toMatch(/Table 1<\/strong>: r1 <span class="order-does-not-hold"/);
    // on the paper's own dataset the same numbers are compared, with Δ
    const real = buildReportData(repInput(3, { substitute: false })).published.find((r) => r.published.experiment === 'cvft.table1.full' && r.published.column === 'CVUSA r@1')!;
    expect(real.status).toBe('better');
    expect(real.delta).toBeCloseTo(82 - 61.43, 6);
  });

  it('states a recall convention a bundle carries', async () => {
    const input = repInput(3);
    const b = replicatedBundle(3);
    b.recallConvention = { ties: 'strict', onePercentK: 'floor', why: "as the thesis' own evaluation code" };
    input.notebooks[0]!.notebook = nbWith(b);
    const html = await renderReport(input);
    expect(html).toContain("This paper's numbers use only strictly better distractors and top 1% = recall@⌊N/100⌋</strong>: as the thesis&#39; own evaluation code.");
  });

  it('writes reports/<paper>.json next to the HTML: it parses, and its claim verdicts are the HTML\'s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cvgl-report-json-'));
    const { html, json } = await writeReport(dir, 'cvft', repInput(3));
    const data = JSON.parse(readFileSync(json, 'utf8'));
    expect(data.schema).toBe(1);
    expect(data.paper).toBe('cvft');
    expect(data.run.k).toEqual([3]);
    expect(data.runs['cvft.table1.full'].seeds).toEqual([1, 2, 3]);
    expect(data.runs['cvft.table1.full'].metrics.map((m: { r1: number }) => m.r1)).toEqual([81, 82, 83]);
    expect(data.runs['cvft.table1.full'].queries).toBe(100);
    expect(JSON.stringify(data.runs)).not.toContain('ranks');
    expect(data.claims[0].parts[0].ci).toHaveLength(2);
    expect(data.summary.claims.statistical.supported).toBe(1);
    const page = readFileSync(html, 'utf8');
    const fromHtml = Object.fromEntries([...page.matchAll(/data-claim="([^"]+)" data-verdict="([^"]+)"/g)].map((m) => [m[1], m[2]]));
    expect(fromHtml).toEqual(Object.fromEntries(data.claims.map((c: { id: string; verdict: string }) => [c.id, c.verdict])));
    expect(Object.keys(fromHtml)).toHaveLength(3);
  });
});

describe('index page', () => {
  it('says what was run per paper and sums the statistical verdicts per paper and over all, exact claims apart', () => {
    const a = buildReportData(repInput(3)), b = buildReportData(repInput(1));
    const html = renderIndex([
      { paper: 'cvft', title: 'A', href: 'a.html', claimsSummary: a.summary.claims, run: a.run, ok: true },
      { paper: 'mgtl', title: 'B', href: 'b.html', claimsSummary: b.summary.claims, run: b.run, ok: true },
    ]);
    const row = (p: string) => html.slice(html.indexOf(`data-paper="${p}"`), html.indexOf('</tr>', html.indexOf(`data-paper="${p}"`)));
    expect(row('cvft')).toMatch(/<td>3<\/td><td class="num count-supported">1<\/td><td class="num count-contradicted">1<\/td><td class="num count-inconclusive">0<\/td><td class="num count-not-run">0<\/td><td class="claims">1 supported, 0 contradicted<\/td>/);
    expect(row('mgtl')).toMatch(/<td>1 \(nothing decided\)<\/td><td class="num count-supported">0<\/td><td class="num count-contradicted">0<\/td><td class="num count-inconclusive">2<\/td>/);
    expect(html).toMatch(/<strong>all papers<\/strong><\/td><td class="num"><strong>1<\/strong><\/td><td class="num"><strong>1<\/strong><\/td><td class="num"><strong>2<\/strong><\/td><td class="num"><strong>0<\/strong><\/td><td class="claims">2 supported, 0 contradicted/);
    expect(html).toContain('lies above the claim&#39;s margin');
    expect(html.indexOf('id="what-was-run"')).toBeLessThan(html.indexOf('<table'));
  });
});
