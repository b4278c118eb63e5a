/**
 * Checks that every image a dataset names is there and decodes (cross-view datasets, and
 * RobotCar Seasons for MDUIT): each distinct file once
 * (VIGOR's satellites are shared by many panoramas and both splits), with bounded concurrency.
 * By default each image is fully decoded with sharp, failing on truncation and on any decoder
 * warning, so a half-downloaded JPEG or one with garbage inside its data is caught (a header probe
 * alone would pass both).
 */
import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import { relative, isAbsolute } from 'node:path';
import sharp from 'sharp';
import type { CrossViewDataset, DatasetFormat } from './dataset.js';
import type { LocalizationSet } from './localization.js';

export interface CheckProblem {
  path: string;
  problem: 'missing' | 'unreadable';
  detail?: string;
}

export interface CheckReport {
  format: DatasetFormat | 'robotcar-seasons';
  root: string;
  splits: { name: string; pairs: number; gallery: number }[];
  filesChecked: number;
  problems: CheckProblem[];
  ok: boolean;
  /** Lines that describe the dataset instead of `splits` (datasets that are not cross-view pairs). */
  summary?: string[];
}

export interface CheckOptions {
  /** Fully decode each image (default true); false only reads the header. */
  decode?: boolean;
  /** Files checked at once (default max(4, 2 x available CPUs)). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Every distinct file the dataset names, in first-seen order. */
export function datasetFiles(ds: CrossViewDataset): string[] {
  const seen = new Set<string>();
  for (const split of Object.values(ds.splits)) {
    for (const p of split.pairs) {
      seen.add(p.ground);
      seen.add(p.aerial);
      if (p.polar) seen.add(p.polar);
    }
    for (const g of split.gallery) seen.add(g);
  }
  return [...seen];
}

async function checkFile(path: string, decode: boolean): Promise<CheckProblem | null> {
  try {
    const s = await stat(path);
    if (!s.isFile()) return { path, problem: 'unreadable', detail: 'not a regular file' };
    if (s.size === 0) return { path, problem: 'unreadable', detail: 'empty file (0 bytes)' };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { path, problem: 'missing' };
    return { path, problem: 'unreadable', detail: (e as Error).message };
  }
  try {
    // a full decode fails on warnings too: libjpeg only warns "Corrupt JPEG data" for garbage inside
    // the scan and hands back a damaged image (training decodes with 'truncated', image_io.ts)
    const img = sharp(path, { failOn: decode ? 'warning' : 'truncated' });
    if (decode) await img.raw().toBuffer();
    else {
      const m = await img.metadata();
      if (!m.width || !m.height) return { path, problem: 'unreadable', detail: 'no image size in the header' };
    }
    return null;
  } catch (e) {
    // libvips' own words (e.g. "Corrupt JPEG data") may follow sharp's first line
    return { path, problem: 'unreadable', detail: (e as Error).message.trim().split('\n').map((l) => l.trim()).filter(Boolean).join('; ') };
  }
}

export async function checkDataset(ds: CrossViewDataset, opts: CheckOptions = {}): Promise<CheckReport> {
  const files = datasetFiles(ds);
  const problems = await checkFiles(files, opts);
  return {
    format: ds.format,
    root: ds.root,
    splits: Object.values(ds.splits).map((s) => ({ name: s.name, pairs: s.pairs.length, gallery: s.gallery.length })),
    filesChecked: files.length,
    problems,
    ok: problems.length === 0,
  };
}

/** RobotCar Seasons (MDUIT's dataset, lib/data/robotcar_seasons.ts): every rear image the reader found. */
export async function checkLocalizationSet(set: LocalizationSet, opts: CheckOptions = {}): Promise<CheckReport> {
  const files = [...new Set(set.training.map((i) => i.path))];
  const problems = await checkFiles(files, opts);
  const byCondition = new Map<string, number>();
  for (const i of set.training) byCondition.set(i.condition, (byCondition.get(i.condition) ?? 0) + 1);
  return {
    format: set.kind === 'robotcar-seasons' ? 'robotcar-seasons' : 'cvusa',
    root: set.root,
    splits: [],
    filesChecked: files.length,
    problems,
    ok: problems.length === 0,
    summary: [
      `  references (${set.referenceCondition}, with poses): ${set.references.length}`,
      `  queries with poses: ${set.queries.day.length} day ("Day-All"), ${set.queries.night.length} night ("Night-All")`,
      `  rear-camera images by condition: ${[...byCondition].map(([c, n]) => `${c} ${n}`).join(', ')}`,
      ...set.notes.map((n) => `  note: ${n}`),
    ],
  };
}

/** The problems of `files` (missing, empty, undecodable), sorted by path. */
export async function checkFiles(files: string[], opts: CheckOptions = {}): Promise<CheckProblem[]> {
  const decode = opts.decode ?? true;
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? Math.max(4, availableParallelism() * 2)));
  const problems: CheckProblem[] = [];
  let next = 0;
  let done = 0;
  opts.onProgress?.(0, files.length);
  const worker = async () => {
    while (next < files.length) {
      const path = files[next++]!;
      const p = await checkFile(path, decode);
      if (p) problems.push(p);
      done++;
      opts.onProgress?.(done, files.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return problems;
}

const FORMAT_NAMES: Record<CheckReport['format'], string> = { cvusa: 'CVUSA', cvact: 'CVACT', vigor: 'VIGOR', 'robotcar-seasons': 'RobotCar Seasons' };

/** A human-readable report: pairs per split, the first `maxListed` problems, a verdict. */
export function formatCheckReport(r: CheckReport, maxListed = 20): string {
  const out: string[] = [`${FORMAT_NAMES[r.format] ?? r.format} dataset at ${r.root}`];
  if (r.summary) out.push(...r.summary);
  for (const s of r.splits) out.push(`  ${s.name}: ${s.pairs} pairs, gallery of ${s.gallery} aerials`);
  out.push(`  ${r.filesChecked} distinct image files checked`);
  if (r.problems.length) {
    const missing = r.problems.filter((p) => p.problem === 'missing').length;
    const unreadable = r.problems.length - missing;
    out.push(`problems (${r.problems.length}: ${missing} missing, ${unreadable} unreadable):`);
    for (const p of r.problems.slice(0, maxListed)) {
      const rel = relative(r.root, p.path);
      const shown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p.path;
      out.push(`  ${p.problem.padEnd(10)} ${shown}${p.detail ? `  (${p.detail})` : ''}`);
    }
    if (r.problems.length > maxListed) out.push(`  ... and ${r.problems.length - maxListed} more`);
  }
  out.push(
    r.ok
      ? `OK: all ${r.filesChecked} files present and readable`
      : `NOT OK: ${r.problems.length} of ${r.filesChecked} files have problems; re-download or re-extract them (paths relative to ${r.root})`,
  );
  return out.join('\n');
}
