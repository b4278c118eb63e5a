/**
 * A paper's reproducibility report as one self-contained HTML page (inline CSS, KaTeX fonts as
 * data URIs, plots as inline SVG, images as data URIs; no script, no network), in this order:
 * claims (the first thing a reader sees), failed notebooks (red banner), provenance, paper vs
 * reproduced, the readings the runs used (render/readings.ts), then each notebook (markdown, collapsible code, outputs). Print CSS lays it out
 * on A4; page numbers come from the PDF printer's footer (pdf.ts).
 */
import type { Claim, PaperKey, PublishedNumber, Reading, ResultsBundle } from '../types.ts';
import { readingsSectionHtml } from './readings.ts';
import { hasMath, katexCss, renderMarkdown } from './markdown.ts';
import {
  RenderContext,
  collectResultBundles,
  escapeHtml,
  joinText,
  renderError,
  renderOutputs,
  type ErrorOutput,
  type Notebook,
} from './outputs.ts';
import {
  claimsTableHtml,
  comparisonTableHtml,
  provenanceHtml,
  verdictLegendHtml,
  type ClaimsSummary,
} from './tables.ts';
import { buildReportData, notebookStatus, type ReportData, type RunSummary } from './report_data.ts';

export interface ReportInput {
  paper: PaperKey;
  title: string;
  notebooks: { path: string; notebook: Notebook }[];
  /** Published numbers (all papers' lists may be passed; only `paper`'s are shown). */
  published: PublishedNumber[];
  /** Claims (only `paper`'s are evaluated). */
  claims: Claim[];
  /** The paper's register of readings (lib/papers/readings.ts READINGS[paper]): shown with the options its runs used. */
  readings?: Reading[];
  /** Tolerance band of a match; default 1 point for %, else 2 % of the published value. */
  tolerance?: (p: PublishedNumber) => number;
  /** Shown in the header; default: now. */
  generated?: Date;
}

/** What a report found, for the index page and the CLI's summary. */
export interface ReportSummary {
  claims: ClaimsSummary;
  /** false when any notebook failed or timed out. */
  ok: boolean;
  failed: { path: string; cell: number | null; error: string }[];
  /** What was run (profile, datasets, K, machines), for the index. */
  run: RunSummary;
}

export const REPORT_CSS = `
:root { --fg:#1d2430; --muted:#6b7480; --line:#d5dae1; --ok:#1e7e34; --bad:#b3261e; --code:#f5f7fa;
  --match:#dcefe0; --better:#b9e3c2; --worse:#f6d5d3; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--fg); font-size: 13px;
  line-height: 1.45; max-width: 1000px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 2px; } h2 { font-size: 18px; margin: 26px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 3px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
header .subtitle { color: var(--muted); margin: 0 0 10px; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 11.5px; }
pre { background: var(--code); padding: 6px 8px; border-radius: 4px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; margin: 4px 0; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: 12px; }
th, td { border: 1px solid var(--line); padding: 3px 7px; text-align: left; vertical-align: top; }
thead th { background: #eef1f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.muted { color: var(--muted); } .small { font-size: 10.5px; } .nowrap { white-space: nowrap; }
table.runs td:nth-child(4) { white-space: nowrap; }
.badge { display: inline-block; font-size: 10px; padding: 0 5px; border-radius: 8px; border: 1px solid currentColor; }
.badge-substitute { color: #6a4c93; } .badge-warn { color: #a35b00; }
.ok { color: var(--ok); font-weight: bold; } .failed { color: var(--bad); font-weight: bold; }
/* what was run */
dl.run-facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 4px 0 8px; }
dl.run-facts dt { font-weight: bold; } dl.run-facts dd { margin: 0; }
dl.verdict-legend { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; font-size: 11.5px; margin: 4px 0 8px; }
dl.verdict-legend dd { margin: 0; color: var(--muted); }
.legend-head, .recall-convention { font-size: 11.5px; margin: 4px 0; }
/* claims: one colour per verdict */
.claims-summary { font-size: 14px; margin: 4px 0; }
.verdict { display: inline-block; font-weight: bold; white-space: nowrap; padding: 0 5px; border-radius: 3px; }
.verdict-supported { color: var(--ok); background: #e3f3e6; }
.verdict-contradicted { color: var(--bad); background: #fbe3e1; }
.verdict-inconclusive { color: #7a5d00; background: #fbf3d9; }
.verdict-not-run { color: var(--muted); font-style: italic; font-weight: normal; }
.verdict-exact { color: #2a4f7a; background: #e4edf7; }
.claims-table { width: 100%; }
.claims-table td.claim-verdict { white-space: nowrap; }
.claims-table td.claim-text { width: 22%; }
.claims-table td.claim-evidence { width: 48%; }
.claims-table td.claim-consistency { width: 18%; font-size: 11px; }
.consistency-does-not-hold strong, .consistency-text-and-table-disagree strong { color: var(--bad); }
.consistency-holds strong { color: var(--ok); }
.consistency-not-checkable strong { color: var(--muted); }
table.evidence { font-size: 10.5px; margin: 3px 0 0; width: 100%; }
table.evidence th, table.evidence td { padding: 1px 4px; }
table.evidence thead th { background: #f4f6f9; font-weight: normal; }
table.evidence td.part-label { overflow-wrap: anywhere; width: 40%; }
table.evidence .verdict { font-size: 10px; }
.ci { color: var(--muted); }
/* substitute rows and the order checks */
table.cmp-substitute td.reproduced-sub { color: #4b3470; }
.pub-ds { color: var(--muted); font-size: 10.5px; }
ul.ordering { font-size: 11.5px; margin: 2px 0 8px; }
.order-holds { color: var(--ok); font-weight: bold; } .order-does-not-hold { color: var(--bad); font-weight: bold; }
.order-not-checkable { color: var(--muted); }
.ordering-head { font-size: 11.5px; margin: 6px 0 0; }
/* paper vs reproduced: only match/better/worse carry a colour */
tr.status-match td { background: var(--match); }
tr.status-better td { background: var(--better); }
tr.status-worse td { background: var(--worse); }
tr.status-substitute td.status { color: #6a4c93; font-style: italic; }
tr.status-not-run td { color: var(--muted); }
tr.status-cited td { color: var(--muted); }
.not-run { font-style: italic; color: var(--muted); }
.legend { font-size: 11px; color: var(--muted); }
.legend .sw { display: inline-block; padding: 0 5px; border: 1px solid var(--line); color: var(--fg); }
.legend .sw.status-match { background: var(--match); } .legend .sw.status-better { background: var(--better); }
.legend .sw.status-worse { background: var(--worse); } .legend .sw.status-substitute { color: #6a4c93; font-style: italic; }
/* provenance */
table.kv th { background: #f4f6f9; white-space: nowrap; width: 1%; }
tr.run-failed td { background: #fbe9e7; }
/* failures */
.banner-failed { border: 2px solid var(--bad); background: #fdecea; border-radius: 6px; padding: 8px 14px; margin: 14px 0; }
.banner-failed h2 { color: var(--bad); border: none; margin: 4px 0; }
.banner-failed .failure { margin: 8px 0; }
.banner-failed .failure-head { font-weight: bold; }
.claims-alert { color: var(--bad); font-weight: bold; }
/* notebooks */
article.notebook { margin-top: 22px; }
article.notebook > h2 code { font-size: 16px; }
.cell { margin: 8px 0; }
.cell-markdown h1 { font-size: 20px; } .cell-markdown h2 { font-size: 16px; border: none; }
.cell-failed { border-left: 4px solid var(--bad); padding-left: 8px; }
details.code > summary { cursor: pointer; color: var(--muted); font-size: 11px; }
details.code pre { border-left: 3px solid #c8d1dc; }
.out-stream { background: #fff; border-left: 3px solid #dde3ea; }
.out-stderr { background: #fff6e5; border-left-color: #e0a030; }
.out-error { border: 1px solid var(--bad); background: #fdecea; border-radius: 4px; padding: 6px 8px; margin: 6px 0; }
.out-error-head { color: var(--bad); }
.out-traceback { background: #fff; }
.out-error-inline, .out-warning { color: var(--bad); font-size: 12px; }
.out-results { font-size: 12px; color: var(--muted); border-left: 3px solid #9ab; padding: 2px 8px; margin: 4px 0; }
.results-notes { margin: 2px 0; }
figure.out-plot { margin: 6px 0; }
figure.out-plot svg, figure.out-plot img { max-width: 100%; height: auto; }
.out-html table { font-size: 12px; }
.math-display { overflow-x: auto; }
.katex-display { margin: 0.6em 0; }
/* index */
table.index td.claims { white-space: nowrap; }
table.index td.count-supported { color: var(--ok); font-weight: bold; } table.index td.count-contradicted { color: var(--bad); font-weight: bold; }
@page { size: A4; margin: 16mm 13mm 18mm 13mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  h2 { break-after: avoid; }
  tr, figure, .out-error, .out-results, .banner-failed .failure { break-inside: avoid; }
  thead { display: table-header-group; }
  pre { white-space: pre-wrap; }
  a { color: inherit; text-decoration: none; }
}
`;

function firstError(nb: Notebook, cellIndex: number | null): { cell: number; error: ErrorOutput } | null {
  const cells = nb.cells ?? [];
  const order = cellIndex !== null && cells[cellIndex] ? [cellIndex, ...cells.keys()] : [...cells.keys()];
  for (const i of order) {
    const e = (cells[i]?.outputs ?? []).find((o): o is ErrorOutput => o.output_type === 'error');
    if (e) return { cell: i, error: e };
  }
  return null;
}

interface Failure {
  index: number;
  path: string;
  cell: number | null;
  timedOut: boolean;
  ename: string;
  evalue: string;
  error: ErrorOutput | null;
  source: string | null;
}

function findFailures(notebooks: { path: string; notebook: Notebook }[]): Failure[] {
  const failures: Failure[] = [];
  notebooks.forEach(({ path, notebook }, index) => {
    const status = notebookStatus(notebook);
    const err = firstError(notebook, status?.failedCell ?? null);
    if (status ? status.ok : !err) return;
    const cell = status?.failedCell ?? err?.cell ?? null;
    const src = cell !== null ? notebook.cells[cell] : undefined;
    failures.push({
      index,
      path,
      cell,
      timedOut: status?.timedOut ?? false,
      ename: status?.error?.ename ?? err?.error.ename ?? (status?.timedOut ? 'Timeout' : 'Error'),
      evalue: status?.error?.evalue ?? err?.error.evalue ?? '',
      error: err && err.cell === cell ? err.error : null,
      source: src ? joinText(src.source) : null,
    });
  });
  return failures;
}

function cellAnchor(nbIndex: number, cell: number): string {
  return `nb${nbIndex}-cell${cell}`;
}

function failureBanner(failures: Failure[]): string {
  if (failures.length === 0) return '';
  const items = failures
    .map(
      (f) =>
        `<div class="failure"><div class="failure-head">${escapeHtml(f.path)}: ${f.timedOut ? 'timed out' : 'failed'}${
          f.cell !== null ? ` at <a href="#${cellAnchor(f.index, f.cell)}">cell ${f.cell}</a>` : ''
        } — ${escapeHtml(f.ename)}${f.evalue ? `: ${escapeHtml(f.evalue)}` : ''}</div>` +
        (f.source !== null ? `<pre class="failing-source">${escapeHtml(f.source)}</pre>` : '') +
        (f.error ? renderError(f.error) : '') +
        `</div>`,
    )
    .join('\n');
  return (
    `<section id="failures" class="banner-failed"><h2>${failures.length} notebook${failures.length === 1 ? '' : 's'} failed</h2>` +
    `<p>Results after the failing cell are missing: claims and numbers that need them show as “not run”.</p>${items}</section>`
  );
}

async function renderNotebook(index: number, path: string, nb: Notebook, failedCell: number | null, ctx: RenderContext): Promise<string> {
  const parts: string[] = [];
  const cells = nb.cells ?? [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    const src = joinText(cell.source);
    const failed = i === failedCell;
    const cls = `cell cell-${cell.cell_type}${failed ? ' cell-failed' : ''}`;
    if (cell.cell_type === 'markdown') {
      parts.push(`<div class="${cls}" id="${cellAnchor(index, i)}">${renderMarkdown(src)}</div>`);
    } else if (cell.cell_type === 'code') {
      const count = cell.execution_count ?? ' ';
      const notRun = (cell.execution_count ?? null) === null && (cell.outputs ?? []).length === 0;
      const code = src.trim()
        ? `<details class="code"${failed ? ' open' : ''}><summary>In [${escapeHtml(String(count))}]${
            failed ? ' — failed' : notRun ? ' — not executed' : ''
          }</summary><pre><code>${escapeHtml(src)}</code></pre></details>`
        : '';
      const outs = await renderOutputs(cell.outputs ?? [], ctx);
      parts.push(`<div class="${cls}" id="${cellAnchor(index, i)}">${code}${outs}</div>`);
    }
  }
  return `<article class="notebook" id="nb${index}"><h2>Notebook <code>${escapeHtml(path)}</code></h2>\n${parts.join('\n')}</article>`;
}

function document(title: string, body: string): string {
  const css = REPORT_CSS + (hasMath(body) ? `\n${katexCss()}` : '');
  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>${escapeHtml(title)}</title>\n` +
    `<style>${css}</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`
  );
}

/** Evaluate a report's inputs without rendering (claims summary, failures, what was run). */
export function summarizeReport(input: Omit<ReportInput, 'title'>, data: ReportData = buildReportData(input)): ReportSummary {
  const failures = findFailures(input.notebooks);
  return {
    claims: data.summary.claims,
    ok: failures.length === 0,
    failed: failures.map((f) => ({ path: f.path, cell: f.cell, error: `${f.ename}: ${f.evalue}` })),
    run: data.run,
  };
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

/** K as a reader needs it: "3", "1 (nothing decided)", "none recorded (one run per row: nothing decided)". */
export function replicatesText(run: RunSummary): string {
  if (!run.k.length) return run.rowsWithoutReplicates ? 'none recorded (one run per row: nothing decided)' : '—';
  const ks = run.k.map(String).join(', ');
  const nothing = Math.max(...run.k) === 1 ? ' (nothing decided)' : run.k.includes(1) ? ' (rows with K = 1 decide nothing)' : '';
  const also = run.rowsWithoutReplicates ? `; ${plural(run.rowsWithoutReplicates, 'row')} without replicates` : '';
  const n = run.queries.length ? ` · ${run.queries.join(', ')} validation queries` : '';
  return `${ks}${nothing}${also}${n}`;
}

export const datasetsText = (run: RunSummary): string =>
  run.datasets.map((d) => `${escapeHtml(d.name)} ${d.substitute ? '<span class="badge badge-substitute">substitute</span>' : "<span class=\"muted\">(the paper's)</span>"}`).join(', ') ||
  '<span class="muted">no results recorded</span>';

/**
 * How recalls are counted here and in the papers' code (issue 20, item 8): the library counts a
 * tie against the query and takes K = ⌊N/100⌋ + 1 for top 1% (lib/eval/recall.ts); a bundle's
 * `recallConvention` says when a paper's numbers were counted otherwise.
 */
export function recallConventionHtml(run: RunSummary): string {
  const c = run.recallConvention;
  const own = c
    ? ` <strong>This paper's numbers use ${c.ties === 'strict' ? 'only strictly better distractors' : 'ties against the query'} and top 1% = recall@${c.onePercentK === 'floor' ? '⌊N/100⌋' : '⌊N/100⌋ + 1'}</strong>: ${escapeHtml(c.why)}.`
    : ' This paper\'s numbers use the library\'s convention.';
  return (
    `<p class="recall-convention"><strong>How recalls are counted.</strong> A query's rank is the number of gallery images ` +
    `(its true match left out) that score at least as well as its true match: a tie counts against the query. ` +
    `SAFA's, CVM-Net's, Sample4Geo's and the thesis' code count only strictly better distractors (a tie counts for the query). ` +
    `Top 1% of a gallery of N is recall@K with K = ⌊N/100⌋ + 1, as CVM-Net and the thesis count it; SAFA and Sample4Geo use ⌊N/100⌋.${own}</p>`
  );
}

/** The page's first section: what was run, what the verdicts mean, how recalls are counted. */
function runSectionHtml(run: RunSummary): string {
  const facts: [string, string][] = [
    ['profile', run.profiles.map(escapeHtml).join(', ') || '<span class="muted">not recorded</span>'],
    ['dataset', datasetsText(run)],
    ['K (replicates)', escapeHtml(replicatesText(run))],
    ['machine', run.machines.map(escapeHtml).join('; ') || '<span class="muted">not recorded</span>'],
  ];
  return (
    `<section id="what-was-run"><h2>What was run</h2>` +
    `<dl class="run-facts">${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>` +
    `<p class="legend-head">Each comparison of a claim is the paired difference of two rows over the same seeds and validation queries, with a 95% two-level bootstrap interval:</p>` +
    verdictLegendHtml() +
    recallConventionHtml(run) +
    `</section>`
  );
}

/** The paper's report page (self-contained HTML), rendered from its data (`buildReportData`). */
export async function renderReport(input: ReportInput, data: ReportData = buildReportData(input)): Promise<string> {
  const { paper, title, notebooks } = input;
  const ctx = new RenderContext();
  const bundles: ResultsBundle[] = notebooks.flatMap((n) => collectResultBundles(n.notebook));
  const summary = data.summary.claims;
  const failures = findFailures(notebooks);
  const generated = data.generated.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

  const claimsSection =
    `<section id="claims"><h2>Claims</h2>` +
    (failures.length
      ? `<p class="claims-alert">${failures.length} notebook${failures.length === 1 ? '' : 's'} failed — see below.</p>`
      : '') +
    `${claimsTableHtml(data.claims)}</section>`;

  const provenance = `<section id="provenance"><h2>Provenance</h2>${provenanceHtml(
    notebooks.map((n) => ({ path: n.path, status: notebookStatus(n.notebook) })),
  )}</section>`;

  const substitutes = data.run.datasets.filter((d) => d.substitute).map((d) => d.name);
  const paperSection =
    `<section id="paper-vs-reproduced"><h2>Paper vs reproduced</h2>` +
    (substitutes.length
      ? `<p class="muted">Results on ${substitutes.map(escapeHtml).join(', ')} are on a substitute dataset: they are shown in a column of their own (mean and range over the replicates), never as a difference from the paper's numbers; what is compared is the order of the rows.</p>`
      : '') +
    comparisonTableHtml(data.published, { tolerance: input.tolerance, orderings: data.orderings }) +
    (data.notes.length ? `<ul class="results-notes">${data.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : '') +
    `</section>`;

  const readingsSection = readingsSectionHtml(input.readings ?? [], bundles, paper);

  const nbParts: string[] = [];
  for (let i = 0; i < notebooks.length; i++) {
    const { path, notebook } = notebooks[i]!;
    const f = failures.find((x) => x.index === i);
    nbParts.push(await renderNotebook(i, path, notebook, f?.cell ?? null, ctx));
  }

  const header =
    `<header><h1>${escapeHtml(title)}</h1><p class="subtitle">paper <code>${escapeHtml(paper)}</code> · ` +
    `claims ${escapeHtml(summary.text)} · generated ${escapeHtml(generated)}</p></header>`;

  const body = [
    header,
    `<main>`,
    runSectionHtml(data.run),
    claimsSection,
    failureBanner(failures),
    provenance,
    paperSection,
    readingsSection,
    `<section id="notebooks">${nbParts.join('\n')}</section>`,
    `</main>`,
  ].join('\n');
  return document(title, body);
}

/** One line of the index. */
export interface IndexEntry {
  paper: PaperKey | string;
  title: string;
  href: string;
  claimsSummary: string | ClaimsSummary;
  ok: boolean;
  /** What was run for this page (profile, dataset, K, machine). */
  run?: RunSummary;
}

/** reports/index.html: what was run, the verdicts' legend, one line per paper report with its counts. */
export function renderIndex(pages: IndexEntry[], opts: { title?: string; generated?: Date } = {}): string {
  const title = opts.title ?? 'Reproducibility reports';
  const generated = (opts.generated ?? new Date()).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const V = ['supported', 'contradicted', 'inconclusive', 'not run'] as const;
  const rows = pages
    .map((p) => {
      const s = p.claimsSummary;
      const counts =
        typeof s === 'string'
          ? `<td class="claims" colspan="5">${escapeHtml(s)}</td>`
          : V.map((v) => `<td class="num count-${v.replace(' ', '-')}">${s.statistical[v]}</td>`).join('') +
            `<td class="claims">${s.exact.supported + s.exact.contradicted + s.exact.inconclusive + s.exact['not run'] ? escapeHtml(`${s.exact.supported} supported, ${s.exact.contradicted} contradicted${s.exact.inconclusive ? `, ${s.exact.inconclusive} inconclusive` : ''}${s.exact['not run'] ? `, ${s.exact['not run']} not run` : ''}`) : '<span class="muted">none</span>'}</td>`;
      const r = p.run;
      const ran = r
        ? `<td>${r.profiles.map(escapeHtml).join(', ') || '—'}</td><td>${datasetsText(r)}</td><td>${escapeHtml(replicatesText(r).replace(/ · .*$/, ''))}</td>`
        : '<td colspan="3" class="muted">—</td>';
      return (
        `<tr data-paper="${escapeHtml(String(p.paper))}"><td><code>${escapeHtml(String(p.paper))}</code></td><td><a href="${escapeHtml(p.href)}">${escapeHtml(p.title)}</a></td>` +
        `${ran}${counts}<td>${p.ok ? '<span class="ok">ok</span>' : '<span class="failed">failed</span>'}</td></tr>`
      );
    })
    .join('\n');
  const summed = pages.flatMap((p) => (typeof p.claimsSummary === 'string' ? [] : [p.claimsSummary]));
  const total =
    summed.length > 1
      ? `\n<tr class="index-total"><td colspan="5"><strong>all papers</strong></td>${V.map((v) => `<td class="num"><strong>${summed.reduce((t, s) => t + s.statistical[v], 0)}</strong></td>`).join('')}` +
        `<td class="claims">${summed.reduce((t, s) => t + s.exact.supported, 0)} supported, ${summed.reduce((t, s) => t + s.exact.contradicted, 0)} contradicted</td><td></td></tr>`
      : '';
  const machines = [...new Set(pages.flatMap((p) => p.run?.machines ?? []))];
  const conventions = pages.filter((p) => p.run?.recallConvention).map((p) => String(p.paper));
  const body =
    `<header><h1>${escapeHtml(title)}</h1><p class="subtitle">generated ${escapeHtml(generated)}</p></header>\n` +
    `<section id="what-was-run"><h2>What was run</h2>` +
    `<p>Machine: ${machines.map(escapeHtml).join('; ') || '<span class="muted">not recorded</span>'}. Per paper below: the profile, the dataset ` +
    `(a substitute is not the paper's: its numbers are never compared with the paper's) and K, the replicates (seeds) of each row. ` +
    `The counts are of the statistical claims (on trained models); exact claims (parameter counts, code lengths) are counted apart.` +
    `${conventions.length ? ` Recalls of ${conventions.map(escapeHtml).join(', ')} follow their paper's own counting convention (see its page).` : ''}</p>` +
    verdictLegendHtml() +
    `</section>\n` +
    `<table class="index"><thead><tr><th rowspan="2">paper</th><th rowspan="2">report</th><th rowspan="2">profile</th><th rowspan="2">dataset</th><th rowspan="2">K</th>` +
    `<th colspan="4">statistical claims</th><th rowspan="2">exact claims</th><th rowspan="2">run</th></tr>` +
    `<tr>${V.map((v) => `<th>${v}</th>`).join('')}</tr></thead><tbody>\n${rows}${total}\n</tbody></table>`;
  return document(title, body);
}
