/**
 * `cvgl bench --data`: speed of the data side. (1) The synthetic world generator (pairs/s at
 * 256x256 aerial + 112x616 panorama); (2) the input pipeline over the generated CVUSA-layout set:
 * a cold epoch (JPEG decode + resize in worker threads), a cached epoch (raw arrays from the
 * on-disk cache), and a SAFA-style epoch (polar transform + MoCo v2 pair augmentation);
 * (3) the PyTorch DataLoader reference (PIL + torchvision, same sizes, batch and worker count)
 * on the same files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from '../engine/device.js';
import { PairPipeline } from '../data/pipeline.js';
import { openDataset } from '../data/readers.js';
import { generateSynthetic } from '../synth/generate.js';
import { findTorchPython, runPythonJson } from './pytorch.js';

export const TORCH_DATA_SCRIPT = fileURLToPath(new URL('../../test/reference/data_pipeline_torch.py', import.meta.url));

export interface DataBenchRow {
  what: string;
  imagesPerSecond: number;
  seconds: number;
  images: number;
}

export interface DataBenchReport {
  date: string;
  machine: string;
  workers: number;
  pairs: number;
  batch: number;
  synthPairsPerSecond: number;
  synthSeconds: number;
  rows: DataBenchRow[];
  torch: { version: string; imagesPerSecond: number; epochs: number[] } | { skipped: string };
}

export interface DataBenchOptions {
  pairs?: number;
  batch?: number;
  workers?: number;
  torch?: boolean;
  log?: (line: string) => void;
}

async function epochRate(p: PairPipeline, epoch: number): Promise<{ images: number; seconds: number }> {
  const t = performance.now();
  let images = 0;
  for await (const b of p.batches(epoch)) {
    images += (b.ground?.shape[0] ?? 0) + (b.aerial?.shape[0] ?? 0);
    b.ground?.dispose();
    b.aerial?.dispose();
  }
  return { images, seconds: (performance.now() - t) / 1000 };
}

function runTorch(python: string, root: string, o: { batch: number; workers: number }): Promise<{ torch: string; epochs: { images_per_s: number }[] }> {
  const args = [TORCH_DATA_SCRIPT, '--root', root, '--ground', '112', '616', '--aerial', '256', '--batch', String(o.batch), '--workers', String(o.workers), '--epochs', '2'];
  return runPythonJson(python, args, 'PyTorch data reference');
}

export async function runDataBench(o: DataBenchOptions = {}): Promise<DataBenchReport> {
  const pairs = o.pairs ?? 600;
  const batch = o.batch ?? 32;
  const workers = o.workers ?? availableParallelism();
  const log = o.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'cvgl-bench-data-'));
  try {
    const root = join(dir, 'synthetic');
    log(`synthetic world: ${pairs} pairs (256x256 aerial, 112x616 panorama) with ${workers} workers`);
    const t0 = performance.now();
    await generateSynthetic({ out: root, pairs, seed: 7, workers });
    const synthSeconds = (performance.now() - t0) / 1000;
    log(`  ${(pairs / synthSeconds).toFixed(1)} pairs/s`);

    const ds = await openDataset(root);
    const split = ds.splits.train!;
    const rows: DataBenchRow[] = [];
    const measure = async (what: string, p: PairPipeline, epoch: number) => {
      const r = await epochRate(p, epoch);
      rows.push({ what, imagesPerSecond: r.images / r.seconds, ...r });
      log(`  ${what}: ${(r.images / r.seconds).toFixed(0)} images/s`);
    };
    const shapes = { ground: { height: 112, width: 616 }, aerial: { size: 256 } };
    const nocache = new PairPipeline({ split, batchSize: batch, ...shapes, workers, seed: 1 });
    try {
      await measure('JPEG decode + resize, no cache', nocache, 0);
    } finally {
      await nocache.close();
    }
    const cached = new PairPipeline({ split, batchSize: batch, ...shapes, cacheDir: join(dir, 'cache'), workers, seed: 1 });
    try {
      await measure('first epoch with the cache on (decode + write the cache)', cached, 0);
      await measure('later epochs (raw arrays from the on-disk cache)', cached, 1);
    } finally {
      await cached.close();
    }
    const safa = new PairPipeline({
      split, batchSize: batch, ground: { height: 128, width: 512 }, aerial: { size: 256, polar: { height: 128, width: 512 } },
      augment: {}, cacheDir: join(dir, 'cache'), workers, seed: 1,
    });
    try {
      await epochRate(safa, 0); // fills the cache at these sizes
      const r = await epochRate(safa, 1);
      const what = 'cached + polar 128x512 + MoCo v2 pair augmentation';
      rows.push({ what, imagesPerSecond: r.images / r.seconds, ...r });
      log(`  ${what}: ${(r.images / r.seconds).toFixed(0)} images/s`);
    } finally {
      await safa.close();
    }

    let torch: DataBenchReport['torch'] = { skipped: '--no-torch' };
    if (o.torch !== false) {
      const py = findTorchPython();
      if (py.python === null) torch = { skipped: py.reason };
      else {
        log(`PyTorch DataLoader reference (${workers} workers, PIL + torchvision)`);
        const r = await runTorch(py.python, root, { batch, workers });
        const rates = r.epochs.map((e) => e.images_per_s);
        torch = { version: r.torch, imagesPerSecond: rates[rates.length - 1]!, epochs: rates };
        log(`  ${rates[rates.length - 1]!.toFixed(0)} images/s`);
      }
    }
    const m = machineInfo();
    return {
      date: new Date().toISOString(),
      machine: `${m.cpu}, ${m.cores} cores`,
      workers,
      pairs,
      batch,
      synthPairsPerSecond: pairs / synthSeconds,
      synthSeconds,
      rows,
      torch,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function dataBenchTable(r: DataBenchReport): string {
  const t = 'imagesPerSecond' in r.torch ? r.torch.imagesPerSecond : null;
  const lines = [
    `data pipeline, ${r.machine}, ${r.workers} workers, batch ${r.batch}, ${r.pairs} synthetic pairs (${r.date.slice(0, 10)})`,
    '',
    `synthetic world generator: ${r.synthPairsPerSecond.toFixed(1)} pairs/s (256x256 aerial + 112x616 panorama, JPEG written)`,
    '',
    '| pipeline (ground 112x616 + aerial 256x256 unless noted) | images/s | vs PyTorch DataLoader |',
    '| --- | ---: | ---: |',
    ...r.rows.map((x) => `| ${x.what} | ${x.imagesPerSecond.toFixed(0)} | ${t ? `${(x.imagesPerSecond / t).toFixed(2)}x` : '-'} |`),
    `| PyTorch DataLoader (PIL decode + torchvision Resize/ToTensor) | ${t ? t.toFixed(0) : '-'} | ${t ? '1.00x' : 'skipped: ' + (r.torch as { skipped: string }).skipped} |`,
  ];
  return lines.join('\n');
}
