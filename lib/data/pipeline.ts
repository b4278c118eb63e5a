/**
 * The input pipeline: batches of (ground, aerial) pairs as tensors, from any reader's split.
 * Decoding, resizing, augmentation and the polar transform run in worker threads; a bounded
 * number of batches is prepared ahead (prefetch); the batch order and every random draw depend
 * only on (seed, epoch, pair index), never on which worker did the work, so a run is
 * reproducible. With `cacheDir`, resized images are kept on disk as raw arrays and later epochs
 * skip JPEG decoding.
 *
 * Tensors are NHWC float32 in [0, 1]; normalisation belongs to the model.
 */
import { availableParallelism } from 'node:os';
import { CvglError } from '../engine/errors.js';
import { tf } from '../engine/tf.js';
import { engineInfo, initEngine } from '../engine/init.js';
import { WorkerPool } from '../engine/worker_pool.js';
import type { PairOptions } from './augment.js';
import type { DatasetSplit } from './dataset.js';
import type { LoadItem, LoadResult, LoadSettings } from './pipeline_worker.js';
import { SAMPLERS, epochBatches, type SamplerName } from './samplers.js';

export interface PipelineOptions {
  split: DatasetSplit;
  batchSize: number;
  /** Ground images are resized to this (e.g. 112x616 for CVUSA/CVACT); null: no ground view. */
  ground?: { height: number; width: number } | null;
  /** Aerial images are resized to size x size, then optionally polar-transformed (SAFA). */
  aerial?: { size: number; polar?: { height: number; width: number } | null } | null;
  sampler?: SamplerName;
  seed?: number;
  /**
   * Seed of the augmentation draws only (default: `seed`). Two pipelines with the same `seed`
   * (same batch order) and different `augmentSeed` give two differently augmented views of the
   * same images in the same order (MoCo's x_q and x_k, thesis 003 Algorithm 1).
   */
  augmentSeed?: number;
  /** Pair augmentation (lib/data/augment.ts `augmentPair` options); null or absent: none. */
  augment?: PairOptions | null;
  /** Directory of the on-disk cache of resized images; null: no cache. */
  cacheDir?: string | null;
  /** Worker threads (default: the machine's parallelism). */
  workers?: number;
  /** Batches prepared ahead of the one being consumed (default 2). */
  prefetch?: number;
  /** Drop a short last batch (default: true for random samplers, false for `sequential`). */
  dropLast?: boolean;
}

export interface PairBatch {
  /** [B, H, W, 3] float32 in [0, 1], or null without a ground view. */
  ground: tf.Tensor4D | null;
  /** [B, S, S, 3] (or the polar size) float32 in [0, 1], or null without an aerial view. */
  aerial: tf.Tensor4D | null;
  /** Indices of the pairs in `split.pairs`. */
  index: number[];
  /** Heading of each ground view relative to its aerial's north after augmentation (degrees). */
  headingDeg: number[];
}

export interface PipelineStats {
  decoded: number;
  cached: number;
  images: number;
  seconds: number;
}

export class PairPipeline {
  readonly options: Required<Omit<PipelineOptions, 'augment' | 'cacheDir' | 'ground' | 'aerial'>> & Pick<PipelineOptions, 'augment' | 'cacheDir' | 'ground' | 'aerial'>;
  private pool: WorkerPool | null = null;
  readonly stats: PipelineStats = { decoded: 0, cached: 0, images: 0, seconds: 0 };

  constructor(o: PipelineOptions) {
    const sampler = o.sampler ?? 'random';
    if (!SAMPLERS.includes(sampler)) throw new CvglError(`a sampler: ${SAMPLERS.join(', ')}`, `'${sampler}'`, 'use random for training, sequential for evaluation');
    if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new CvglError('a batch size >= 1', String(o.batchSize), 'e.g. batchSize: 32');
    if (!o.split || !Array.isArray(o.split.pairs)) throw new CvglError('a dataset split (from openDataset(...).splits[name])', String(o.split), 'pass ds.splits.train');
    if (!o.ground && !o.aerial) throw new CvglError('at least one view (ground or aerial)', 'neither', 'set ground: {height, width} and/or aerial: {size}');
    if (o.aerial && o.aerial.polar === undefined) o = { ...o, aerial: { ...o.aerial, polar: null } };
    this.options = {
      ...o,
      sampler,
      seed: o.seed ?? 0,
      augmentSeed: o.augmentSeed ?? o.seed ?? 0,
      workers: Math.max(1, o.workers ?? availableParallelism()),
      prefetch: Math.max(1, o.prefetch ?? 2),
      dropLast: o.dropLast ?? sampler !== 'sequential',
    };
  }

  /** Batches (lists of pair indices) of an epoch, without loading anything. */
  plan(epoch = 0): number[][] {
    const o = this.options;
    return epochBatches(o.split.pairs, o.sampler, o.batchSize, o.seed, epoch, o.dropLast);
  }

  private settings(): LoadSettings {
    const o = this.options;
    return {
      ground: o.ground ? { width: o.ground.width, height: o.ground.height } : null,
      aerial: o.aerial ? { size: o.aerial.size, polar: o.aerial.polar ?? null } : null,
      augment: o.augment ?? null,
      cacheDir: o.cacheDir ?? null,
    };
  }

  /** Shapes [H, W] of one ground and one aerial image as the pipeline outputs them. */
  outputShapes(): { ground: [number, number] | null; aerial: [number, number] | null } {
    const o = this.options;
    let ground: [number, number] | null = null;
    if (o.ground) {
      const fov = o.augment?.fovDeg ?? 360;
      if (fov < 360) {
        const h = o.augment?.fovSize?.height ?? o.ground.height;
        // augmentPair's default FOV crop: the panorama's height, width in proportion to the FOV
        ground = [h, o.augment?.fovSize?.width ?? Math.max(1, Math.round((o.ground.width * fov) / 360))];
      } else ground = [o.ground.height, o.ground.width];
    }
    const aerial: [number, number] | null = o.aerial ? (o.aerial.polar ? [o.aerial.polar.height, o.aerial.polar.width] : [o.aerial.size, o.aerial.size]) : null;
    return { ground, aerial };
  }

  private async loadBatch(indices: number[], epoch: number): Promise<{ parts: LoadResult[]; ground: Float32Array | null; aerial: Float32Array | null }> {
    if (!this.pool) this.pool = new WorkerPool(new URL('./pipeline_worker.ts', import.meta.url), this.options.workers);
    const pool = this.pool;
    const pairs = this.options.split.pairs;
    const items: LoadItem[] = indices.map((i) => ({
      ground: this.options.ground ? pairs[i]!.ground : undefined,
      aerial: this.options.aerial ? pairs[i]!.aerial : undefined,
      seed: itemSeed(this.options.augmentSeed, epoch, i),
    }));
    // split the batch across the workers in contiguous chunks
    const per = Math.ceil(items.length / this.options.workers);
    const settings = this.settings();
    const shapes = this.outputShapes();
    const B = items.length;
    const gSize = shapes.ground ? shapes.ground[0] * shapes.ground[1] * 3 : 0;
    const aSize = shapes.aerial ? shapes.aerial[0] * shapes.aerial[1] * 3 : 0;
    const ground = gSize ? new Float32Array(new SharedArrayBuffer(B * gSize * 4)) : null;
    const aerial = aSize ? new Float32Array(new SharedArrayBuffer(B * aSize * 4)) : null;
    const jobs: Promise<LoadResult>[] = [];
    for (let k = 0; k < B; k += per) {
      const n = Math.min(per, B - k);
      jobs.push(pool.run<LoadResult>({
        items: items.slice(k, k + n),
        settings,
        ground: ground ? ground.subarray(k * gSize, (k + n) * gSize) : null,
        aerial: aerial ? aerial.subarray(k * aSize, (k + n) * aSize) : null,
      }));
    }
    return { parts: await Promise.all(jobs), ground, aerial };
  }

  /**
   * The batches of one epoch as tensors (the caller disposes them), from batch `from` on (a run
   * resumed in the middle of an epoch gets the same batches it would have had).
   */
  async *batches(epoch = 0, from = 0): AsyncGenerator<PairBatch> {
    // tensors need a backend: start the default one (CVGL_BACKEND or auto) if nobody has yet
    if (!engineInfo()) await initEngine();
    const plan = this.plan(epoch);
    const inflight: ReturnType<PairPipeline['loadBatch']>[] = [];
    let next = Math.max(0, from);
    const t0 = performance.now();
    try {
      for (let b = next; b < plan.length; b++) {
        while (next < plan.length && next <= b + this.options.prefetch) {
          const p = this.loadBatch(plan[next++]!, epoch);
          // a prefetched batch can fail (a missing image) while the caller is busy with a step: marked as
          // handled here, it is still thrown where it is awaited, not as an unhandled rejection that kills the process
          p.catch(() => undefined);
          inflight.push(p);
        }
        const loaded = await inflight.shift()!;
        const batch = this.toBatch(plan[b]!, loaded);
        this.stats.seconds = (performance.now() - t0) / 1000;
        yield batch;
      }
    } finally {
      // a consumer that stops early: let the in-flight loads finish quietly
      for (const p of inflight) p.catch(() => undefined);
    }
  }

  private toBatch(index: number[], loaded: Awaited<ReturnType<PairPipeline['loadBatch']>>): PairBatch {
    const B = index.length;
    const shapes = this.outputShapes();
    const headingDeg = loaded.parts.flatMap((p) => p.headingDeg);
    for (const p of loaded.parts) {
      this.stats.decoded += p.decoded;
      this.stats.cached += p.cached;
    }
    const ground = loaded.ground && shapes.ground ? tf.tensor4d(loaded.ground, [B, shapes.ground[0], shapes.ground[1], 3]) : null;
    const aerial = loaded.aerial && shapes.aerial ? tf.tensor4d(loaded.aerial, [B, shapes.aerial[0], shapes.aerial[1], 3]) : null;
    this.stats.images += (ground ? B : 0) + (aerial ? B : 0);
    return { ground, aerial, index, headingDeg };
  }

  /** Stops the worker threads (a pipeline can be used again afterwards: they restart). */
  async close(): Promise<void> {
    const p = this.pool;
    this.pool = null;
    await p?.close();
  }
}

/** The seed of one pair's augmentation in one epoch. */
export function itemSeed(seed: number, epoch: number, index: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(epoch + 1, 0xc2b2ae35) ^ Math.imul(index + 1, 0x27d4eb2f);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 13;
  return h >>> 0;
}
