/**
 * nbformat 4.5 notebooks: types, reading with a minimal structural check, stable cell ids
 * (required since 4.5), and writing the executed copy. Outputs are nbformat output dicts
 * (kernel.ts `Output`).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NotebookInvalidError } from './errors.js';
import type { Output } from './kernel.js';

export type { Output, MimeBundle } from './kernel.js';

/** nbformat's multiline string: a string or its lines (each but the last ending in '\n'). */
export type MultilineString = string | string[];

export interface CellMetadata {
  tags?: string[];
  [key: string]: unknown;
}

export interface CodeCell {
  id: string;
  cell_type: 'code';
  metadata: CellMetadata;
  source: MultilineString;
  outputs: Output[];
  execution_count: number | null;
}

export interface MarkdownCell {
  id: string;
  cell_type: 'markdown';
  metadata: CellMetadata;
  source: MultilineString;
  attachments?: Record<string, Record<string, MultilineString>>;
}

export interface RawCell {
  id: string;
  cell_type: 'raw';
  metadata: CellMetadata;
  source: MultilineString;
  attachments?: Record<string, Record<string, MultilineString>>;
}

export type Cell = CodeCell | MarkdownCell | RawCell;

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: {
    kernelspec?: { name: string; display_name: string; language?: string };
    language_info?: { name: string; [key: string]: unknown };
    cvgl?: unknown;
    [key: string]: unknown;
  };
  cells: Cell[];
}

export const TSLAB_KERNELSPEC = { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } as const;

/** A multiline string as one string. */
export function joinSource(s: MultilineString | undefined): string {
  return Array.isArray(s) ? s.join('') : (s ?? '');
}

/** A string as nbformat lines (each but the last keeps its '\n'). */
export function splitLines(s: string): string[] {
  const lines = s.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === '' ? [] : lines;
}

export function cellTags(cell: Cell): string[] {
  const t = cell.metadata?.tags;
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
}

/** A stable id: the cell's position and a hash of its type and source (same notebook, same ids). */
export function stableCellId(index: number, cell: { cell_type: string; source?: MultilineString }): string {
  const h = createHash('sha256').update(`${cell.cell_type}\0${joinSource(cell.source)}`).digest('hex').slice(0, 8);
  return `cell-${index}-${h}`;
}

const ID_RE = /^[a-zA-Z0-9_-]{1,64}$/;

/** Gives every cell a valid, unique id (keeping valid existing ones) and upgrades to nbformat 4.5. */
export function ensureCellIds(nb: Notebook): Notebook {
  const seen = new Set<string>();
  nb.cells.forEach((c, i) => {
    let id = typeof c.id === 'string' && ID_RE.test(c.id) && !seen.has(c.id) ? c.id : stableCellId(i, c);
    while (seen.has(id)) id = `${id.slice(0, 60)}-${seen.size}`;
    c.id = id;
    seen.add(id);
  });
  if (nb.nbformat_minor < 5) nb.nbformat_minor = 5;
  return nb;
}

function notNotebook(path: string, found: string): NotebookInvalidError {
  return new NotebookInvalidError(path, found);
}

/** Checks the minimal structure of a parsed notebook and normalizes it (metadata, outputs, ids). */
export function parseNotebook(json: unknown, path = '<notebook>'): Notebook {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw notNotebook(path, 'not a JSON object');
  const nb = json as Record<string, unknown>;
  if (nb.nbformat !== 4) throw notNotebook(path, `nbformat ${JSON.stringify(nb.nbformat)} (only 4 is supported)`);
  if (!Array.isArray(nb.cells)) throw notNotebook(path, 'no "cells" array');
  const cells = nb.cells.map((c: unknown, i: number): Cell => {
    if (!c || typeof c !== 'object') throw notNotebook(path, `cell ${i} is not an object`);
    const cell = c as Record<string, any>;
    if (!['code', 'markdown', 'raw'].includes(cell.cell_type)) throw notNotebook(path, `cell ${i} has cell_type ${JSON.stringify(cell.cell_type)}`);
    if (typeof cell.source !== 'string' && !(Array.isArray(cell.source) && cell.source.every((l: unknown) => typeof l === 'string'))) {
      throw notNotebook(path, `cell ${i} has no string source`);
    }
    const metadata = cell.metadata && typeof cell.metadata === 'object' ? cell.metadata : {};
    if (cell.cell_type === 'code') {
      return {
        id: cell.id,
        cell_type: 'code',
        metadata,
        source: cell.source,
        outputs: Array.isArray(cell.outputs) ? cell.outputs : [],
        execution_count: typeof cell.execution_count === 'number' ? cell.execution_count : null,
      };
    }
    const out: MarkdownCell | RawCell = { id: cell.id, cell_type: cell.cell_type, metadata, source: cell.source };
    if (cell.attachments) out.attachments = cell.attachments;
    return out;
  });
  const minor = typeof nb.nbformat_minor === 'number' ? nb.nbformat_minor : 0;
  const metadata = nb.metadata && typeof nb.metadata === 'object' ? (nb.metadata as Notebook['metadata']) : {};
  return ensureCellIds({ nbformat: 4, nbformat_minor: minor, metadata, cells });
}

export function readNotebook(path: string): Notebook {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new NotebookInvalidError(path, (e as Error).message, 'check the path');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw notNotebook(path, `invalid JSON (${(e as Error).message})`);
  }
  return parseNotebook(json, path);
}

/**
 * Checks that a parsed notebook is one for the TypeScript kernel: its kernelspec's language and
 * its language_info's name, where it states them, say TypeScript (a Python notebook run on tslab
 * would fail at its first cell, after a kernel start for nothing). A notebook that states neither
 * runs on tslab.
 */
export function checkTypeScript(nb: Notebook, path = '<notebook>'): Notebook {
  const ks = nb.metadata.kernelspec as unknown;
  if (ks !== undefined && (ks === null || typeof ks !== 'object' || Array.isArray(ks))) throw notNotebook(path, 'metadata.kernelspec is not an object');
  const lang = (ks as { language?: unknown } | undefined)?.language;
  if (lang !== undefined && lang !== 'typescript') {
    throw new NotebookInvalidError(path, `kernelspec language ${JSON.stringify(lang)} (name ${JSON.stringify((ks as { name?: unknown }).name)})`, 'the runner executes TypeScript on tslab: open the notebook in Jupyter with the TypeScript kernel (cvgl kernel install) and save it');
  }
  const li = nb.metadata.language_info as unknown;
  const liName = li && typeof li === 'object' ? (li as { name?: unknown }).name : undefined;
  if (liName !== undefined && liName !== 'typescript') {
    throw new NotebookInvalidError(path, `language_info.name ${JSON.stringify(liName)}`, 'the runner executes TypeScript on tslab: open the notebook in Jupyter with the TypeScript kernel (cvgl kernel install) and save it');
  }
  return nb;
}

/** A fresh code cell (for the injected parameters). */
export function codeCell(source: string, tags: string[] = [], id?: string): CodeCell {
  const cell: CodeCell = { id: '', cell_type: 'code', metadata: tags.length ? { tags } : {}, source: splitLines(source), outputs: [], execution_count: null };
  cell.id = id ?? stableCellId(0, cell);
  return cell;
}

/**
 * Writes a notebook as Jupyter does (1-space indent, trailing newline), creating the folder.
 * Atomic: a temporary file beside it is renamed over it, so that a reader (or a run killed while
 * writing) never sees half a notebook.
 */
export function writeNotebook(path: string, nb: Notebook): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, JSON.stringify(nb, null, 1) + '\n');
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
