/**
 * Outputs of executed notebook cells (nbformat 4.5) to HTML, by MIME priority:
 * results bundle (RESULTS_MIME, collected for the report's tables and shown inline only as a
 * one-line pointer, never twice) > vega-lite / vega (compiled and rendered to SVG in Node, so
 * plots stay vectors and the page needs no script) > image/svg+xml > image/png, image/jpeg
 * (data URI) > text/html (as is) > text/markdown > text/plain (escaped). Streams keep
 * stdout/stderr apart; errors show ename/evalue and the traceback with ANSI codes stripped.
 */
import { vegaToSvg } from './vega_svg.mjs';
import { RESULTS_MIME, type ResultsBundle } from '../types.ts';
import { renderMarkdown } from './markdown.ts';

/** nbformat stores text either as one string or as a list of lines. */
export type MultilineString = string | string[];

export interface StreamOutput {
  output_type: 'stream';
  name: 'stdout' | 'stderr' | string;
  text: MultilineString;
}
export interface DisplayDataOutput {
  output_type: 'display_data';
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}
export interface ExecuteResultOutput {
  output_type: 'execute_result';
  execution_count: number | null;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}
export interface ErrorOutput {
  output_type: 'error';
  ename: string;
  evalue: string;
  traceback: string[];
}
export type NotebookOutput = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface NotebookCell {
  cell_type: 'code' | 'markdown' | 'raw';
  id?: string;
  source: MultilineString;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
  outputs?: NotebookOutput[];
}

/** An executed notebook as the runner writes it (only what the renderer reads). */
export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown> & { cvgl?: unknown };
  cells: NotebookCell[];
}

/** Per-page rendering state: unique id prefixes so several inline SVGs never clash. */
export class RenderContext {
  private n = 0;
  nextId(kind: string): string {
    this.n += 1;
    return `${kind}${this.n}`;
  }
}

export function joinText(t: MultilineString | unknown): string {
  if (Array.isArray(t)) return t.map(String).join('');
  return typeof t === 'string' ? t : t === undefined || t === null ? '' : JSON.stringify(t, null, 2);
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Remove ANSI escape sequences (colours, cursor moves) from kernel text. */
export function stripAnsi(s: string): string {
  // CSI sequences, OSC sequences (terminated by BEL or ST), and lone two-char escapes
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g, '');
}

/** Apply carriage returns the way a terminal would (progress bars rewrite their line). */
function applyCarriageReturns(s: string): string {
  return s
    .split('\n')
    .map((line) => {
      const parts = line.split('\r');
      // a trailing \r before \n leaves the last non-empty segment visible
      for (let i = parts.length - 1; i >= 0; i--) if (parts[i] !== '') return parts[i];
      return '';
    })
    .join('\n');
}

/** Make the ids inside one inline SVG unique on the page (clip paths, gradients, markers). */
export function uniquifySvgIds(svg: string, prefix: string): string {
  const ids = new Set<string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) if (m[1]) ids.add(m[1]);
  if (ids.size === 0) return svg;
  const re = (id: string) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let out = svg;
  for (const id of ids) {
    const r = re(id);
    out = out
      .replace(new RegExp(`(\\sid=")${r}(")`, 'g'), `$1${prefix}-${id}$2`)
      .replace(new RegExp(`url\\((['"]?)#${r}\\1\\)`, 'g'), `url(#${prefix}-${id})`)
      .replace(new RegExp(`((?:xlink:)?href=")#${r}(")`, 'g'), `$1#${prefix}-${id}$2`);
  }
  return out;
}

function cleanSvg(svg: string): string {
  return svg.replace(/<\?xml[^>]*\?>/g, '').replace(/<!DOCTYPE[^>]*>/gi, '').trim();
}

function isVegaLite(mime: string): boolean {
  return /^application\/vnd\.vegalite\.v\d+\+json$/.test(mime);
}
function isVega(mime: string): boolean {
  return /^application\/vnd\.vega\.v\d+\+json$/.test(mime);
}

/** The MIME type a bundle is shown as, by the priority above; null when none is known. */
export function pickMime(data: Record<string, unknown>): string | null {
  const keys = Object.keys(data);
  if (keys.includes(RESULTS_MIME)) return RESULTS_MIME;
  const vl = keys.find(isVegaLite);
  if (vl) return vl;
  const vg = keys.find(isVega);
  if (vg) return vg;
  for (const m of ['image/svg+xml', 'image/png', 'image/jpeg', 'text/html', 'text/markdown', 'text/latex', 'text/plain']) {
    if (keys.includes(m)) return m;
  }
  return keys.find((k) => k.startsWith('text/')) ?? null;
}

function plainPre(text: string, cls = 'out-text'): string {
  return `<pre class="${cls}">${escapeHtml(applyCarriageReturns(stripAnsi(text)))}</pre>`;
}

/** One line shown where a results bundle was displayed; the numbers go to the report's tables. */
function resultsPointer(bundle: ResultsBundle | null): string {
  if (!bundle || typeof bundle !== 'object' || !bundle.results) {
    return '<div class="out-results out-warning">malformed results bundle (expected a ResultsBundle)</div>';
  }
  const exps = Object.keys(bundle.results);
  const sub = bundle.dataset?.substitute ? ' <span class="badge badge-substitute">synthetic (substitute)</span>' : '';
  const notes = (bundle.notes ?? []).map((n) => `<li>${escapeHtml(n)}</li>`).join('');
  return (
    `<div class="out-results">results recorded: ${exps.length} experiment${exps.length === 1 ? '' : 's'} ` +
    `(${exps.map((e) => `<code>${escapeHtml(e)}</code>`).join(', ')}) on ${escapeHtml(bundle.dataset?.name ?? '?')}${sub}` +
    ` — shown in <a href="#paper-vs-reproduced">paper vs reproduced</a>` +
    (notes ? `<ul class="results-notes">${notes}</ul>` : '') +
    `</div>`
  );
}

/** A display_data / execute_result bundle to HTML. */
export async function renderMimeBundle(data: Record<string, unknown>, ctx: RenderContext): Promise<string> {
  const mime = pickMime(data);
  if (mime === null) {
    return `<div class="out-warning">output with no displayable MIME type (${escapeHtml(Object.keys(data).join(', ') || 'empty')})</div>`;
  }
  const value = data[mime];
  if (mime === RESULTS_MIME) {
    const bundle = (typeof value === 'string' ? JSON.parse(value) : value) as ResultsBundle | null;
    return resultsPointer(bundle);
  }
  if (isVegaLite(mime) || isVega(mime)) {
    try {
      const svg = await vegaToSvg(value, isVegaLite(mime) ? 'vega-lite' : 'vega');
      return `<figure class="out-plot vega-plot">${uniquifySvgIds(cleanSvg(svg), ctx.nextId('vg'))}</figure>`;
    } catch (e) {
      const fallback = 'image/png' in data ? await renderMimeBundle({ 'image/png': data['image/png'] }, ctx) : '';
      return `<div class="out-error-inline">could not render the ${escapeHtml(mime)} plot: ${escapeHtml((e as Error).message)}</div>${fallback}`;
    }
  }
  switch (mime) {
    case 'image/svg+xml':
      return `<figure class="out-plot out-svg">${uniquifySvgIds(cleanSvg(joinText(value)), ctx.nextId('svg'))}</figure>`;
    case 'image/png':
    case 'image/jpeg': {
      const b64 = joinText(value).replace(/\s+/g, '');
      return `<figure class="out-plot out-image"><img alt="plot" src="data:${mime};base64,${b64}"></figure>`;
    }
    case 'text/html':
      return `<div class="out-html">${joinText(value)}</div>`;
    case 'text/markdown':
      return `<div class="out-markdown">${renderMarkdown(joinText(value))}</div>`;
    case 'text/latex':
      return `<div class="out-markdown">${renderMarkdown(joinText(value))}</div>`;
    default:
      return plainPre(joinText(value));
  }
}

/** A kernel error: ename/evalue prominently, then the traceback without ANSI codes. */
export function renderError(out: ErrorOutput): string {
  const tb = stripAnsi((out.traceback ?? []).join('\n')).trim();
  return (
    `<div class="out-error"><div class="out-error-head"><strong>${escapeHtml(out.ename)}</strong>: ${escapeHtml(
      stripAnsi(out.evalue),
    )}</div>` + (tb ? `<pre class="out-traceback">${escapeHtml(tb)}</pre>` : '') + `</div>`
  );
}

/** All outputs of one cell; consecutive stream outputs of the same name are merged. */
export async function renderOutputs(outputs: NotebookOutput[], ctx: RenderContext): Promise<string> {
  const parts: string[] = [];
  let i = 0;
  while (i < outputs.length) {
    const out = outputs[i]!;
    if (out.output_type === 'stream') {
      let text = joinText(out.text);
      let j = i + 1;
      while (j < outputs.length) {
        const o = outputs[j]!;
        if (o.output_type !== 'stream' || o.name !== out.name) break;
        text += joinText(o.text);
        j++;
      }
      const cls = out.name === 'stderr' ? 'out-stream out-stderr' : 'out-stream out-stdout';
      parts.push(plainPre(text, cls));
      i = j;
      continue;
    }
    if (out.output_type === 'error') parts.push(renderError(out));
    else if (out.output_type === 'display_data' || out.output_type === 'execute_result') {
      parts.push(await renderMimeBundle(out.data ?? {}, ctx));
    } else {
      parts.push(`<div class="out-warning">unknown output type ${escapeHtml(String((out as { output_type?: unknown }).output_type))}</div>`);
    }
    i++;
  }
  return parts.join('\n');
}

/** Every results bundle a notebook displayed, in order. */
export function collectResultBundles(nb: Notebook): ResultsBundle[] {
  const bundles: ResultsBundle[] = [];
  for (const cell of nb.cells ?? []) {
    for (const out of cell.outputs ?? []) {
      if (out.output_type !== 'display_data' && out.output_type !== 'execute_result') continue;
      const v = out.data?.[RESULTS_MIME];
      if (v === undefined) continue;
      const b = (typeof v === 'string' ? JSON.parse(v) : v) as ResultsBundle;
      if (b && typeof b === 'object' && b.results) bundles.push(b);
    }
  }
  return bundles;
}
