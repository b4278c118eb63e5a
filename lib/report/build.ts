/**
 * `cvgl report --notebooks …`: the whole report build.
 *
 *   notebooks (files, or folders of *.ipynb) → grouped by paper (`metadata.cvgl.paper`, else a
 *   file name starting with a paper key: cvft…, mgtl…, geocapsnet…, thesis…, mduit…; others
 *   each get a page of their own) → executed on fresh tslab kernels (lib/report/runner), written
 *   to <out>/<group>/<notebook>.ipynb → per group its data as <out>/<group>.json and, rendered
 *   from the same object, one self-contained HTML page (what was run, claims, provenance,
 *   published vs reproduced, the notebooks; lib/report/render) → <out>/index.html →
 *   a PDF per page through the system Chromium when one is found.
 *
 * Every notebook is checked before any runs (JSON, nbformat 4, cells, a TypeScript kernelspec,
 * what `metadata.cvgl` declares): an invalid one is reported with its path and reason and not
 * run. A failed or invalid notebook does not stop the others; a failed one's page shows the
 * failure, and the build reports both (`failures`, typed errors of lib/report/runner/errors.ts),
 * so that the command exits non-zero.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { CvglError } from '../engine/errors.js';
import { PAPER_TITLES, PUBLISHED } from '../papers/published.js';
import { machineInfo } from '../engine/device.js';
import { CLAIMS } from '../papers/claims.js';
import { READINGS } from '../papers/readings.js';
import { findChromium, printPdf } from './render/pdf.js';
import { renderIndex, renderReport, summarizeReport, type ReportInput, type ReportSummary } from './render/page.js';
import { buildReportData, type ReportData } from './render/report_data.js';
import { CellTimeoutError, KernelDiedError, NotebookInvalidError } from './runner/errors.js';
import { checkTypeScript, readNotebook } from './runner/notebook.js';
import { runNotebook, type RunResult } from './runner/run.js';
import type { PaperKey, PublishedNumber } from './types.js';
import { PROFILES } from '../train/profiles.js';

const PAPERS = Object.keys(PAPER_TITLES) as PaperKey[];

export interface BuildOptions {
  /** Notebook files or folders holding them. */
  notebooks: string[];
  /** Output folder (default 'reports'). */
  outDir?: string;
  params?: Record<string, unknown>;
  profile?: string;
  /** Notebooks run at the same time (default 1). */
  jobs?: number;
  /** true: PDFs required (error without Chromium); false: none; default: when Chromium is found. */
  pdf?: boolean;
  cellTimeoutS?: number;
  timeoutS?: number;
  log?: (line: string) => void;
}

export interface BuiltPage {
  group: string;
  title: string;
  html: string;
  pdf: string | null;
  /** reports/<group>.json: the page as data (lib/report/render/report_data.ts; schema in docs/report.md). */
  json: string;
  notebooks: { source: string; executed: string; ok: boolean; seconds: number }[];
  claims: string;
  summary: ReportSummary;
}

export interface BuildResult {
  index: string;
  pages: BuiltPage[];
  /** Notebooks that failed, timed out or were invalid (not run). */
  failed: string[];
  /** The same, each with how it failed: a NotebookInvalidError, CellError, CellTimeoutError, KernelDiedError, … */
  failures: { path: string; error: Error }[];
  pdfSkipped: string | null;
}

/** The notebooks named (folders expanded to their *.ipynb, executed copies left out), sorted. */
export function expandNotebooks(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new CvglError('notebook files or folders', `${p}: no such file or folder`, 'e.g. cvgl report --notebooks notebooks/');
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) if (f.endsWith('.ipynb') && !f.endsWith('.executed.ipynb')) out.push(join(p, f));
    } else out.push(p);
  }
  if (out.length === 0) throw new CvglError('at least one .ipynb notebook', `none in ${paths.join(', ')}`, 'point --notebooks at a folder of notebooks');
  return [...new Set(out.map((p) => resolve(p)))];
}

/** What a notebook declares about itself in `metadata.cvgl` (empty when unreadable: the runner reports that). */
function declared(path: string): { paper?: unknown; expectedSeconds?: Record<string, unknown> } {
  try {
    const nb = JSON.parse(readFileSync(path, 'utf8')) as { metadata?: { cvgl?: ReturnType<typeof declared> } };
    return nb.metadata?.cvgl ?? {};
  } catch {
    return {};
  }
}

/**
 * Checks a notebook before it runs: what the runner reads (JSON, nbformat 4, cells, a TypeScript
 * kernelspec) and what `metadata.cvgl` declares (`paper` names a page and its folder, so a plain
 * name; `expectedSeconds` of a profile, seconds > 0). Throws a NotebookInvalidError.
 */
export function validateNotebook(path: string): void {
  const nb = checkTypeScript(readNotebook(path), path);
  const cvgl = nb.metadata.cvgl;
  const fix = 'metadata.cvgl is {"paper": "<paper key or page name>", "expectedSeconds": {"quick": <seconds>, …}}: correct it in the notebook\'s metadata (Jupyter: Edit → Notebook metadata)';
  if (cvgl === undefined) return;
  if (!cvgl || typeof cvgl !== 'object' || Array.isArray(cvgl)) throw new NotebookInvalidError(path, `metadata.cvgl is ${JSON.stringify(cvgl)}, not an object`, fix);
  const { paper, expectedSeconds } = cvgl as { paper?: unknown; expectedSeconds?: unknown };
  if (paper !== undefined && !(typeof paper === 'string' && /^[A-Za-z0-9][\w.-]*$/.test(paper))) {
    throw new NotebookInvalidError(path, `metadata.cvgl.paper ${JSON.stringify(paper)} (it names the page and its folder: letters, digits, . _ -)`, fix);
  }
  if (expectedSeconds === undefined) return;
  if (!expectedSeconds || typeof expectedSeconds !== 'object' || Array.isArray(expectedSeconds)) {
    throw new NotebookInvalidError(path, `metadata.cvgl.expectedSeconds is ${JSON.stringify(expectedSeconds)}, not an object`, fix);
  }
  for (const profile of PROFILES) {
    const v = (expectedSeconds as Record<string, unknown>)[profile];
    if (v !== undefined && !(typeof v === 'number' && v > 0)) throw new NotebookInvalidError(path, `metadata.cvgl.expectedSeconds.${profile} is ${JSON.stringify(v)}, not seconds > 0`, fix);
  }
}

/** The report page a notebook belongs to. */
export function groupOf(path: string): string {
  const paper = declared(path).paper;
  if (typeof paper === 'string' && paper) return paper;
  const name = basename(path, '.ipynb').toLowerCase();
  return PAPERS.find((k) => name.startsWith(k)) ?? basename(path, '.ipynb');
}

/**
 * How long a notebook took under `profile` when last measured (`metadata.cvgl.expectedSeconds[profile]`,
 * written by hand from a report run), 0 when unknown: the build starts the longest first, so that
 * with `--jobs 2` the long one does not start last and leave a core idle.
 */
export function expectedSeconds(path: string, profile: string): number {
  const s = declared(path).expectedSeconds?.[profile];
  return typeof s === 'number' && s > 0 ? s : 0;
}

/** The first Markdown heading of a notebook (the page title of a notebook that is not a paper's). */
function firstHeading(nb: { cells: { cell_type: string; source: string | string[] }[] }): string | null {
  for (const c of nb.cells) {
    if (c.cell_type !== 'markdown') continue;
    const line = [c.source].flat().join('').split('\n').find((l) => /^#{1,2}\s/.test(l));
    if (line) return line.replace(/^#+\s*/, '').trim();
  }
  return null;
}

/**
 * One page's files: the report's data built once, written as <outDir>/<group>.json and rendered
 * from the same object to <outDir>/<group>.html.
 */
export async function writeReport(outDir: string, group: string, input: ReportInput): Promise<{ html: string; json: string; data: ReportData; summary: ReportSummary }> {
  const data = buildReportData(input);
  const html = join(outDir, `${group}.html`), json = join(outDir, `${group}.json`);
  writeFileSync(json, `${JSON.stringify(data, null, 1)}\n`);
  writeFileSync(html, await renderReport(input, data));
  return { html, json, data, summary: summarizeReport(input, data) };
}

export async function buildReports(o: BuildOptions): Promise<BuildResult> {
  const log = o.log ?? (() => undefined);
  const outDir = resolve(o.outDir ?? 'reports');
  // every notebook checked before any runs: a bad one is reported now, not after an hour of others
  const paths: string[] = [];
  const failures: BuildResult['failures'] = [];
  for (const p of expandNotebooks(o.notebooks)) {
    try {
      validateNotebook(p);
      paths.push(p);
    } catch (e) {
      if (!(e instanceof NotebookInvalidError)) throw e;
      log(`invalid notebook ${relative(process.cwd(), p)}: ${e.reason} (not run)`);
      failures.push({ path: p, error: e });
    }
  }
  const groups = new Map<string, string[]>();
  for (const p of paths) groups.set(groupOf(p), [...(groups.get(groupOf(p)) ?? []), p]);

  const chromium = o.pdf === false ? null : findChromium();
  if (o.pdf === true && !chromium) {
    throw new CvglError('a Chromium for the PDFs (--pdf)', 'none found (PUPPETEER_EXECUTABLE_PATH, /usr/bin/chromium, chromium-browser, google-chrome)', 'npm run setup:system installs Debian\'s chromium; or leave --pdf out to write HTML only');
  }

  // run every notebook, `jobs` at a time; each kernel gets its share of the cores (its engine's
  // default thread count) unless CVGL_THREADS says otherwise
  const jobs = Math.max(1, o.jobs ?? 1);
  if (jobs > 1 && !process.env.CVGL_THREADS) process.env.CVGL_THREADS = String(Math.max(1, Math.floor(machineInfo().cores / jobs)));
  const queue = [...groups].flatMap(([g, ps]) => ps.map((p) => ({ group: g, path: p, expected: expectedSeconds(p, o.profile ?? 'quick') })));
  // longest first (stable: equal or unknown estimates keep their order)
  if (jobs > 1) queue.sort((a, b) => b.expected - a.expected);
  const results = new Map<string, RunResult>();
  const notRun = new Map<string, Error>();
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const { group, path } = queue[next++]!;
      mkdirSync(join(outDir, group), { recursive: true });
      log(`running ${relative(process.cwd(), path)}`);
      let r: RunResult;
      try {
        r = await runNotebook(path, { outPath: join(outDir, group, basename(path)), params: o.params, profile: o.profile, cellTimeoutS: o.cellTimeoutS, timeoutS: o.timeoutS, log });
      } catch (e) {
        // e.g. the file changed since it was checked: the other notebooks still get their pages
        log(`  NOT RUN: ${(e as Error).message}`);
        notRun.set(path, e instanceof Error ? e : new Error(String(e)));
        continue;
      }
      const e = r.error;
      const verdict = e === null ? 'ok' : e instanceof CellTimeoutError ? 'TIMED OUT' : e instanceof KernelDiedError ? 'KERNEL DIED' : 'FAILED';
      log(`  ${verdict} in ${r.status.seconds.toFixed(1)} s${r.status.ok ? '' : ` (cell ${r.status.failedCell}${r.status.error ? `: ${r.status.error.ename}: ${r.status.error.evalue}` : ''})`}`);
      results.set(path, r);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, worker));

  const pages: BuiltPage[] = [];
  let pdfSkipped: string | null = chromium ? null : o.pdf === false ? 'not asked for (--no-pdf)' : 'no Chromium found (npm run setup:system installs it); HTML only';
  for (const [group, all] of groups) {
    for (const p of all) if (notRun.has(p)) failures.push({ path: p, error: notRun.get(p)! });
    const ps = all.filter((p) => results.has(p));
    if (ps.length === 0) continue;
    const paper = group as PaperKey;
    const title = PAPER_TITLES[paper]?.title ?? firstHeading(results.get(ps[0]!)!.notebook) ?? group;
    const notebooks = ps.map((p) => ({ path: relative(outDir, results.get(p)!.outPath), notebook: results.get(p)!.notebook }));
    const input = { paper, title, notebooks, published: (PUBLISHED[paper] ?? []) as PublishedNumber[], claims: CLAIMS.filter((c) => c.paper === paper), readings: READINGS[paper] ?? [] };
    const { html, json, summary } = await writeReport(outDir, group, input as ReportInput);
    let pdf: string | null = null;
    if (chromium) {
      pdf = join(outDir, `${group}.pdf`);
      try {
        await printPdf(html, pdf, { chromium });
      } catch (e) {
        if (o.pdf === true) throw e;
        pdf = null;
        pdfSkipped = (e as Error).message.split('\n')[0]!;
      }
    }
    const nbs = ps.map((p) => {
      const r = results.get(p)!;
      if (r.error) failures.push({ path: p, error: r.error });
      return { source: p, executed: r.outPath, ok: r.status.ok, seconds: r.status.seconds };
    });
    pages.push({ group, title, html, json, pdf, notebooks: nbs, claims: summary.claims.text, summary });
    log(`wrote ${relative(process.cwd(), html)}${pdf ? ` and ${basename(pdf)}` : ''}: ${summary.claims.text}`);
  }
  const index = join(outDir, 'index.html');
  writeFileSync(index, renderIndex(pages.map((p) => ({ paper: p.group, title: p.title, href: basename(p.html), claimsSummary: p.summary.claims, run: p.summary.run, ok: p.notebooks.every((n) => n.ok) }))));
  return { index, pages, failed: failures.map((f) => f.path), failures, pdfSkipped };
}
