/**
 * The recall benchmark: recall@K of one-to-one retrieval at the sizes of the papers' test sets —
 * CVUSA's 8,884 x 8,884 and, optionally, CVACT_test's 92,802 x 92,802 — with 4,096-d descriptors
 * (the SAFA/CVFT embedding size), on the current backend through lib/eval/recall.ts (chunked,
 * never the whole similarity matrix), and the same 8,884 computation brute force in NumPy
 * (test/reference/recall_numpy.py under /usr/bin/python3 or CVGL_PYTHON) for the ratio.
 *
 * Data: seeded random unit gallery rows, queries = gallery + N(0, σ²) noise (σ = 0.25 per
 * dimension, so the true cosine is about 0.06, near the best random ones: recall is neither 0 nor 1).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineInfo, initEngine, type BackendName } from '../engine/init.js';
import { machineInfo } from '../engine/device.js';
import { Rng } from '../engine/rng.js';
import { evaluateRecall, type DescriptorArray } from '../eval/recall.js';
import { runPythonJson } from './pytorch.js';

export const RECALL_NUMPY_SCRIPT = fileURLToPath(new URL('../../test/reference/recall_numpy.py', import.meta.url));

export interface RecallBenchOptions {
  /** Queries = gallery size of each run (default [8884]; add 92802 for CVACT_test). */
  sizes?: number[];
  dim?: number;
  /** Backend to start (default: the one already started, else auto). */
  backend?: BackendName;
  threads?: number;
  /** Run the NumPy reference for sizes up to this (default 8884; 0: never). */
  numpyUpTo?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface RecallBenchRow {
  n: number;
  dim: number;
  seconds: number;
  recall: { '1': number; '5': number; '10': number; '1%': number };
  numpy: { version: string; seconds: number; recall: Record<string, number>; sameRecall: boolean } | { skipped: string };
  /** Our seconds ÷ NumPy's. */
  ratioToNumpy: number | null;
}

export interface RecallBenchReport {
  benchmark: 'recall';
  date: string;
  machine: string;
  cores: number;
  backend: string;
  device: string;
  threads: number;
  rows: RecallBenchRow[];
}

/** Seeded unit gallery rows and noisy queries, [n, dim] each. */
export function benchDescriptors(n: number, dim: number, seed: number): { query: DescriptorArray; gallery: DescriptorArray } {
  const r = new Rng(seed);
  const g = new Float32Array(n * dim), q = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = i * dim; k < (i + 1) * dim; k++) s += (g[k] = r.normal()) ** 2;
    const f = 1 / Math.sqrt(s);
    for (let k = i * dim; k < (i + 1) * dim; k++) {
      g[k]! *= f;
      q[k] = g[k]! + 0.25 * r.normal();
    }
  }
  return { query: { data: q, shape: [n, dim] }, gallery: { data: g, shape: [n, dim] } };
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

export async function runRecallBench(o: RecallBenchOptions = {}): Promise<RecallBenchReport> {
  const log = o.log ?? (() => undefined);
  const dim = o.dim ?? 4096;
  const numpyUpTo = o.numpyUpTo ?? 8884;
  const info = o.backend || !engineInfo() ? await initEngine({ backend: o.backend ?? 'auto', threads: o.threads }) : engineInfo()!;
  const m = machineInfo();
  log(`recall benchmark on ${info.backend} (${info.device}, ${info.threads} thread(s))`);
  const rows: RecallBenchRow[] = [];
  for (const n of o.sizes ?? [8884]) {
    log(`  ${n} x ${n} x ${dim}: generating descriptors`);
    const { query, gallery } = benchDescriptors(n, dim, o.seed ?? 1);
    let last = 0;
    const r = await evaluateRecall(query, gallery, {
      onProgress: (p) => {
        if (p.seconds - last >= 10 || p.done === p.total) {
          last = p.seconds;
          log(`    ${p.done}/${p.total} queries, ${p.seconds.toFixed(1)} s`);
        }
      },
    });
    const recall = { '1': r.atK[1]!, '5': r.atK[5]!, '10': r.atK[10]!, '1%': r.atOnePercent };
    log(`  ${info.backend}: ${r.seconds.toFixed(2)} s, recall@1 ${(100 * recall['1']).toFixed(2)}%, @1% ${(100 * recall['1%']).toFixed(2)}%`);
    let numpy: RecallBenchRow['numpy'] = { skipped: numpyUpTo > 0 ? `n > ${numpyUpTo}: the brute-force similarity matrix would be ${((4 * n * n) / 2 ** 30).toFixed(0)} GiB` : 'not asked for (numpyUpTo 0)' };
    if (n <= numpyUpTo) numpy = await runNumpy(query, gallery, recall, log);
    rows.push({ n, dim, seconds: round(r.seconds), recall, numpy, ratioToNumpy: 'seconds' in numpy ? round(r.seconds / numpy.seconds, 2) : null });
  }
  return { benchmark: 'recall', date: new Date().toISOString(), machine: m.cpu, cores: m.cores, backend: info.backend, device: info.device, threads: info.threads, rows };
}

async function runNumpy(query: DescriptorArray, gallery: DescriptorArray, ours: Record<string, number>, log: (l: string) => void): Promise<RecallBenchRow['numpy']> {
  const python = process.env.CVGL_PYTHON || '/usr/bin/python3';
  const dir = mkdtempSync(join(tmpdir(), 'cvgl-recall-bench-'));
  try {
    const write = (f: string, a: Float32Array) => writeFileSync(join(dir, f), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    write('q.f32', query.data);
    write('g.f32', gallery.data);
    const [n, d] = query.shape;
    const out = await runPythonJson<{ numpy: string; seconds: number; recall: Record<string, number> }>(python, [RECALL_NUMPY_SCRIPT, join(dir, 'q.f32'), join(dir, 'g.f32'), String(n), String(d)], 'NumPy recall reference');
    const sameRecall = Object.keys(ours).every((k) => Math.abs(ours[k]! - out.recall[k]!) <= 2 / n);
    log(`  numpy ${out.numpy}: ${out.seconds.toFixed(2)} s${sameRecall ? '' : ` (recall differs: ${JSON.stringify(out.recall)})`}`);
    return { version: out.numpy, seconds: round(out.seconds), recall: out.recall, sameRecall };
  } catch (e) {
    log(`  numpy: ${(e as Error).message}`);
    return { skipped: (e as Error).message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The report as a table for a terminal (and the README). */
export function recallBenchTable(r: RecallBenchReport): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const lines = [
    `recall@K benchmark, ${r.date.slice(0, 10)}, ${r.machine} (${r.cores} cores), ${r.backend} (${r.device}, ${r.threads} thread(s))`,
    '',
    '| queries x gallery x D | ours (s) | NumPy brute force (s) | ours / NumPy | R@1 | R@1% |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of r.rows) {
    const np = 'seconds' in row.numpy ? `${row.numpy.seconds.toFixed(2)} (NumPy ${row.numpy.version}${row.numpy.sameRecall ? ', same recall' : ', RECALL DIFFERS'})` : `- (${row.numpy.skipped})`;
    lines.push(`| ${row.n.toLocaleString('en-US')} x ${row.n.toLocaleString('en-US')} x ${row.dim} | ${row.seconds.toFixed(2)} | ${np} | ${row.ratioToNumpy === null ? '-' : `${row.ratioToNumpy.toFixed(2)}x`} | ${pct(row.recall['1'])} | ${pct(row.recall['1%'])} |`);
  }
  return lines.join('\n');
}
