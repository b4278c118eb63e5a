/**
 * Opening a real cross-view dataset from the folder a user unpacked it into: the format is
 * detected by its marker files (or given), then the reader of that format builds the splits.
 *
 * | format | marker | reader |
 * | --- | --- | --- |
 * | cvusa | `splits/train-19zl.csv` or `splits/val-19zl.csv` | lib/data/cvusa.ts |
 * | cvact | `ACT_data.mat` | lib/data/cvact.ts |
 * | vigor | `splits/<City>/satellite_list.txt` (or `splits__corrected/...`) | lib/data/vigor.ts |
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CvglError } from '../engine/errors.js';
import { recordDataset } from '../engine/session.js';
import type { CrossViewDataset, DatasetFormat } from './dataset.js';
import { CVUSA_SPLITS, readCvusa } from './cvusa.js';
import { CVACT_MAT, readCvact } from './cvact.js';
import { readVigor, vigorSplitsDir, type VigorOptions } from './vigor.js';

export { parseCvusaCsv } from './cvusa.js';
export { VIGOR_CITIES, type VigorOptions, type VigorProtocol } from './vigor.js';

export const DATASET_FORMATS: readonly DatasetFormat[] = ['cvusa', 'cvact', 'vigor'];

const LAYOUTS = `CVUSA (${Object.values(CVUSA_SPLITS).join(' or ')}), CVACT (${CVACT_MAT}), VIGOR (splits/<City>/satellite_list.txt for a City of Chicago, NewYork, SanFrancisco, Seattle)`;

/** The dataset format of `root` by its marker files, or null (also for a missing root). */
export function detectFormat(root: string): DatasetFormat | null {
  if (!isDir(root)) return null;
  if (Object.values(CVUSA_SPLITS).some((f) => existsSync(join(root, f)))) return 'cvusa';
  if (existsSync(join(root, CVACT_MAT))) return 'cvact';
  if (vigorSplitsDir(root) !== null) return 'vigor';
  return null;
}

export interface OpenDatasetOptions {
  /** Skip detection and read `root` as this format. */
  format?: DatasetFormat;
  /** VIGOR only: protocol (default 'same') and a subset of cities. */
  vigor?: VigorOptions;
}

/** Reads the dataset at `root` (the unpacked download's top folder). Errors are CvglErrors. */
export async function openDataset(root: string, opts: OpenDatasetOptions = {}): Promise<CrossViewDataset> {
  const abs = resolve(root);
  if (!isDir(abs)) {
    let found = 'no such file or folder';
    try {
      if (statSync(abs).isFile()) found = 'a file, not a folder';
    } catch {
      /* missing */
    }
    throw new CvglError(`a dataset folder (${LAYOUTS})`, `${abs}: ${found}`, 'pass the folder the dataset was unpacked into');
  }
  let format = opts.format;
  if (format !== undefined && !DATASET_FORMATS.includes(format)) {
    throw new CvglError(`a dataset format: ${DATASET_FORMATS.join(', ')}`, `'${String(format)}'`, 'leave the format out to detect it, or pass one of those');
  }
  if (format === undefined) {
    const detected = detectFormat(abs);
    if (detected === null) {
      const sub = subfolderHint(abs);
      throw new CvglError(
        `a dataset folder with the marker files of ${LAYOUTS}`,
        `none of them in ${abs}, which holds ${listEntries(abs)}`,
        sub ? `the dataset seems to be one level down: pass ${sub}` : 'pass the folder the dataset was unpacked into (the one holding splits/ or ACT_data.mat)',
      );
    }
    format = detected;
  }
  const ds = format === 'cvusa' ? await readCvusa(abs) : format === 'cvact' ? await readCvact(abs) : await readVigor(abs, opts.vigor);
  attachSyntheticPositions(ds);
  recordDataset(ds); // for the report's provenance (lib/engine/session.ts)
  return ds;
}

/**
 * A set rendered by lib/synth carries every camera's position in `synthetic.json`; the CVUSA
 * layout has no column for it, so pairs without `utm` get it from there (distance recall, heat
 * maps). Anything unreadable there is left alone: the files are the dataset, the manifest a bonus.
 */
function attachSyntheticPositions(ds: CrossViewDataset): void {
  const file = join(ds.root, 'synthetic.json');
  if (!existsSync(file)) return;
  let byId: Map<string, [number, number]>;
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as { samples?: { id?: unknown; utm?: unknown }[] };
    byId = new Map((m.samples ?? []).filter((s) => typeof s.id === 'string' && Array.isArray(s.utm) && s.utm.length === 2).map((s) => [s.id as string, s.utm as [number, number]]));
  } catch {
    ds.notes.push('synthetic.json is unreadable: camera positions not attached');
    return;
  }
  for (const split of Object.values(ds.splits)) for (const p of split.pairs) if (!p.utm && byId.has(p.id)) p.utm = byId.get(p.id);
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** A few entries of a folder, for messages. */
function listEntries(dir: string, max = 8): string {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .map((d) => (d.isDirectory() ? `${d.name}/` : d.name))
      .sort();
  } catch (e) {
    return `(unreadable: ${(e as Error).message})`;
  }
  if (names.length === 0) return 'nothing (an empty folder)';
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown}, ... (${names.length} entries)` : shown;
}

/** A direct subfolder of `dir` that is a dataset, if any (a common unpacking mistake). */
function subfolderHint(dir: string): string | null {
  try {
    for (const d of readdirSync(dir, { withFileTypes: true }).slice(0, 200)) {
      if (d.isDirectory() && detectFormat(join(dir, d.name)) !== null) return join(dir, d.name);
    }
  } catch {
    /* unreadable: no hint */
  }
  return null;
}
