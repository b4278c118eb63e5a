/**
 * Rich outputs from notebook code as proper Jupyter MIME bundles, so that a notebook displays
 * the same in JupyterLab / VS Code and in our reports.
 *
 * Inside a tslab kernel each `show.*` sends one `display_data` message carrying the whole bundle
 * (tslab's public `display.raw` sends one MIME type per message, so this calls the function it
 * wraps, `lastWriteDisplayData` of tslab/dist/jupyter.js) and returns `undefined` (a returned
 * value would be echoed by tslab as the cell's last expression). Outside a kernel (plain node,
 * tests) it prints the text/plain fallback to stdout and returns the bundle.
 *
 * In a notebook (see lib/report/runner/run.ts for why it is a `require`):
 *   const { show } = require('cvgl/show');
 *   show.table([{ model: 'cvft', r1: 61.4 }]);
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { RESULTS_MIME, type ResultsBundle } from './types.js';
import { vegaToSvgSync } from './render/vega_svg_sync.js';

export type MimeBundle = Record<string, unknown>;

export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';

type Cellish = string | number | boolean | null | undefined;
export type Row = Record<string, Cellish>;
export interface TableSpec {
  columns: string[];
  rows: (Row | Cellish[])[];
  /** Caption above the table. */
  caption?: string;
  /** Digits after the decimal point for non-integer numbers (default 2). */
  digits?: number;
}

type WriteDisplayData = (content: { data: MimeBundle; metadata: Record<string, unknown>; transient: Record<string, unknown> }, update: boolean) => void;

/** tslab's display sink when running inside a tslab kernel, else null. */
function kernelSink(): WriteDisplayData | null {
  const g = globalThis as { __tslab__?: { require?: (id: string) => unknown } };
  if (!g.__tslab__) return null;
  const tryLoad = (load: () => unknown): WriteDisplayData | null => {
    try {
      const j = load() as { lastWriteDisplayData?: WriteDisplayData | null };
      return typeof j?.lastWriteDisplayData === 'function' ? j.lastWriteDisplayData : null;
    } catch {
      return null;
    }
  };
  return (
    tryLoad(() => createRequire(import.meta.url)('tslab/dist/jupyter.js')) ??
    tryLoad(() => g.__tslab__!.require!('tslab/dist/jupyter.js'))
  );
}

/** true when running inside a tslab kernel that can display rich outputs. */
export function inKernel(): boolean {
  return kernelSink() !== null;
}

/** Displays a MIME bundle (inside a kernel) or prints its text/plain (outside) and returns it. */
export function display(data: MimeBundle, metadata: Record<string, unknown> = {}): MimeBundle | undefined {
  const sink = kernelSink();
  if (sink) {
    sink({ data, metadata, transient: {} }, false);
    return undefined;
  }
  const text = data['text/plain'];
  process.stdout.write(`${typeof text === 'string' ? text : `<${Object.keys(data).join(', ')}>`}\n`);
  return data;
}

// ---- bundle builders (pure) -------------------------------------------------------------------

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(v: Cellish, digits: number): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : v.toFixed(digits);
  return String(v);
}

/** What a danfojs DataFrame offers (danfojs is not imported: any object of this shape works). */
export interface DataFrameLike {
  columns: string[];
  values: Cellish[][];
  index: (string | number)[];
}

export function isDataFrameLike(t: unknown): t is DataFrameLike {
  const d = t as DataFrameLike;
  return d != null && typeof d === 'object' && !Array.isArray(d) && Array.isArray(d.columns) && Array.isArray(d.values) && Array.isArray(d.index) && !('rows' in d);
}

function normalizeTable(t: Row[] | TableSpec | DataFrameLike): { columns: string[]; rows: string[][]; caption?: string } {
  if (isDataFrameLike(t)) {
    // a danfojs DataFrame: its index as the first column unless it is the default 0..n-1
    const plain = t.index.every((v, i) => v === i);
    const columns = plain ? t.columns : ['', ...t.columns];
    return normalizeTable({ columns, rows: t.values.map((r, i) => (plain ? r : [String(t.index[i]), ...r])) });
  }
  const spec: TableSpec = Array.isArray(t) ? { columns: [...new Set(t.flatMap((r) => Object.keys(r)))], rows: t } : t;
  const digits = spec.digits ?? 2;
  const rows = spec.rows.map((r) => (Array.isArray(r) ? r.map((v) => fmt(v, digits)) : spec.columns.map((c) => fmt(r[c], digits))));
  return { columns: spec.columns, rows, caption: spec.caption };
}

function tableText(columns: string[], rows: string[][]): string {
  const w = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(w[i]!)).join('  ').trimEnd();
  return [line(columns), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

function tableHtml(columns: string[], rows: string[][], caption?: string): string {
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table class="cvgl-table">${caption ? `<caption>${escapeHtml(caption)}</caption>` : ''}\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

export const bundles = {
  /** Rows of objects, {columns, rows}, or a danfojs DataFrame. */
  table(t: Row[] | TableSpec | DataFrameLike): MimeBundle {
    const { columns, rows, caption } = normalizeTable(t);
    return { 'text/html': tableHtml(columns, rows, caption), 'text/plain': (caption ? caption + '\n' : '') + tableText(columns, rows) };
  },
  /**
   * The Vega-Lite JSON (JupyterLab and VS Code draw it interactively) with its SVG rendering beside
   * it: classic Notebook, nbviewer, GitHub and nbconvert know no Vega-Lite and show the picture.
   */
  vegalite(spec: Record<string, unknown>): MimeBundle {
    const s = { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', ...spec };
    const title = typeof spec.title === 'string' ? `: ${spec.title}` : '';
    let svg: Record<string, string> = {};
    try {
      svg = { 'image/svg+xml': vegaToSvgSync(s, 'vega-lite') };
    } catch (e) {
      // the interactive chart still works where Vega-Lite is known; say why the picture is missing
      process.stderr.write(`show.vegalite: no SVG rendering of the chart${title} (${(e as Error).message})\n`);
    }
    return { [VEGALITE_MIME]: s, ...svg, 'text/plain': `<Vega-Lite chart${title}>` };
  },
  image(png: Uint8Array | string): MimeBundle {
    const bytes = typeof png === 'string' ? readFileSync(png) : Buffer.from(png.buffer, png.byteOffset, png.byteLength);
    const isPng = bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47;
    const size = isPng && bytes.length >= 24 ? ` ${bytes.readUInt32BE(16)}×${bytes.readUInt32BE(20)}` : '';
    return { 'image/png': bytes.toString('base64'), 'text/plain': `<PNG image${size}>` };
  },
  svg(svg: string): MimeBundle {
    return { 'image/svg+xml': svg, 'text/plain': '<SVG image>' };
  },
  html(html: string): MimeBundle {
    return { 'text/html': html, 'text/plain': html.replace(/<[^>]*>/g, '').trim() };
  },
  markdown(md: string): MimeBundle {
    return { 'text/markdown': md, 'text/plain': md };
  },
  results(b: ResultsBundle): MimeBundle {
    const metrics = [...new Set(Object.values(b.results).flatMap((m) => Object.keys(m)))];
    const init = b.init && Object.keys(b.init).length ? b.init : null;
    const rows = Object.entries(b.results).map(([exp, m]) => [exp, ...metrics.map((k) => m[k]), ...(init ? [init[exp] ?? ''] : [])]);
    const caption = `${b.paper} — reproduced on ${b.dataset.name}${b.dataset.substitute ? ' (substitute dataset)' : ''}`;
    const t = bundles.table({ columns: ['experiment', ...metrics, ...(init ? ['init'] : [])], rows, caption });
    const notes = b.notes?.length ? b.notes : [];
    return {
      [RESULTS_MIME]: b,
      'text/html': String(t['text/html']) + notes.map((n) => `\n<p class="cvgl-note">${escapeHtml(n)}</p>`).join(''),
      'text/plain': [String(t['text/plain']), ...notes].join('\n'),
    };
  },
  /** Rows of recall metrics (keys r1, r5, r10, r1pct as percent) shown as R@1, R@5, R@10, R@1%. */
  recallTable(rows: ({ name: string } & Partial<Record<'r1' | 'r5' | 'r10' | 'r1pct', number>> & Record<string, Cellish>)[]): MimeBundle {
    const label: Record<string, string> = { name: 'method', r1: 'R@1', r5: 'R@5', r10: 'R@10', r1pct: 'R@1%' };
    const keys = ['name', ...['r1', 'r5', 'r10', 'r1pct'].filter((k) => rows.some((r) => r[k] !== undefined))];
    const extra = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => !keys.includes(k));
    const cols = [...keys, ...extra];
    return bundles.table({ columns: cols.map((k) => label[k] ?? k), rows: rows.map((r) => cols.map((k) => r[k])), digits: 2 });
  },
};

/** Display helpers: each builds a bundle (see `bundles`) and `display`s it. */
export const show = {
  display,
  table: (t: Row[] | TableSpec | DataFrameLike) => display(bundles.table(t)),
  vegalite: (spec: Record<string, unknown>) => display(bundles.vegalite(spec)),
  image: (png: Uint8Array | string) => display(bundles.image(png)),
  svg: (svg: string) => display(bundles.svg(svg)),
  html: (html: string) => display(bundles.html(html)),
  markdown: (md: string) => display(bundles.markdown(md)),
  results: (b: ResultsBundle) => display(bundles.results(b)),
  recallTable: (rows: Parameters<typeof bundles.recallTable>[0]) => display(bundles.recallTable(rows)),
};

export default show;
