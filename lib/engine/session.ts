/**
 * What this process computed with, for the report's provenance: the backend the engine started
 * and the datasets opened (name, path, format, pairs per split, a hash of the split definitions).
 * The notebook runner reads it from the kernel after the last cell through
 * `globalThis.__cvglProvenance()`, so a report states the backend and data a notebook really used.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';

export interface SessionBackend {
  name: string;
  device: string;
  threads: number;
}

export interface SessionDataset {
  name: string;
  path: string;
  format: string;
  pairs: Record<string, number>;
  /** sha256 (first 16 hex digits) of every split's pair ids, ground/aerial paths and gallery. */
  splitHash: string;
}

const session: { backend: SessionBackend | null; datasets: SessionDataset[] } = { backend: null, datasets: [] };

export function recordBackend(b: SessionBackend): void {
  session.backend = b;
}

export function recordDataset(ds: { root: string; format: string; splits: Record<string, { pairs: { id: string; ground: string; aerial: string }[]; gallery: string[] }> }): void {
  const h = createHash('sha256');
  const pairs: Record<string, number> = {};
  for (const [name, s] of Object.entries(ds.splits).sort(([a], [b]) => a.localeCompare(b))) {
    pairs[name] = s.pairs.length;
    h.update(`split ${name}\n`);
    for (const p of s.pairs) h.update(`${p.id}\t${p.ground}\t${p.aerial}\n`);
    for (const g of s.gallery) h.update(`g\t${g}\n`);
  }
  const rec = { name: basename(ds.root), path: ds.root, format: ds.format, pairs, splitHash: h.digest('hex').slice(0, 16) };
  session.datasets = [...session.datasets.filter((d) => d.path !== rec.path || d.splitHash !== rec.splitHash), rec];
}

export function sessionProvenance(): { backend: SessionBackend | null; datasets: SessionDataset[] } {
  return { backend: session.backend, datasets: [...session.datasets] };
}

(globalThis as { __cvglProvenance?: typeof sessionProvenance }).__cvglProvenance = sessionProvenance;
