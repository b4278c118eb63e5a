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
import { beats } from '../../lib/papers/claim.ts';
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
    expect(rows[3]!.text).toContain('12.50 (one run)');
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
