/**
 * Descriptors of a whole split, extracted in batches through the input pipeline with the model
 * in inference mode (BatchNorm moving statistics), kept in JS memory as Float32Arrays so a large
 * gallery never has to be one tensor on the backend's heap.
 *
 * One-to-one splits (CVUSA, CVACT, the synthetic CVUSA layout): the ground query i and aerial i
 * are a pair and go through the model together. VIGOR-style splits, whose gallery is not the
 * pairs' aerials, are refused with an explanation (the models embed pairs, not single views).
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { PairPipeline } from '../data/pipeline.js';
import type { DatasetSplit } from '../data/dataset.js';
import type { CrossViewModel } from '../models/model.js';
import type { ProgressFn } from '../engine/progress.js';

export interface ViewSizes {
  ground: { height: number; width: number };
  aerial: { size: number; polar?: { height: number; width: number } | null };
}

export interface SplitEmbeddings {
  split: string;
  n: number;
  dim: number;
  /** [n, dim] row-major ground (query) descriptors. */
  ground: Float32Array;
  /** [n, dim] row-major aerial (reference) descriptors; row i is the true match of query i. */
  aerial: Float32Array;
}

/** True when the split's gallery is its pairs' aerials in order (one-to-one retrieval). */
export function isOneToOne(split: DatasetSplit): boolean {
  return split.gallery.length === split.pairs.length && split.pairs.every((p, i) => p.galleryIndex.length === 1 && p.galleryIndex[0] === i);
}

export async function extractEmbeddings(
  model: CrossViewModel,
  split: DatasetSplit,
  views: ViewSizes,
  opts: { batchSize?: number; workers?: number; cacheDir?: string | null; onProgress?: ProgressFn } = {},
): Promise<SplitEmbeddings> {
  if (split.pairs.length === 0) throw new CvglError(`a split with pairs to evaluate`, `split '${split.name}' is empty`, 'check the dataset (cvgl data check DIR) or pick another --split');
  if (!isOneToOne(split)) {
    throw new CvglError(
      'a one-to-one split (CVUSA/CVACT layout: query i matches aerial i)',
      `split '${split.name}' with a gallery of ${split.gallery.length} aerials for ${split.pairs.length} queries (VIGOR layout)`,
      'evaluate on a CVUSA/CVACT-layout set; VIGOR galleries need single-view embedding, not supported yet',
    );
  }
  const pipe = new PairPipeline({
    split,
    batchSize: opts.batchSize ?? 32,
    sampler: 'sequential',
    ground: views.ground,
    aerial: { size: views.aerial.size, polar: views.aerial.polar ?? null },
    cacheDir: opts.cacheDir ?? null,
    ...(opts.workers ? { workers: opts.workers } : {}),
    seed: 0,
  });
  const n = split.pairs.length;
  const dim = model.descriptorLength();
  const ground = new Float32Array(n * dim), aerial = new Float32Array(n * dim);
  const wasTraining = model.training;
  if (wasTraining !== undefined) model.training = false;
  let done = 0;
  try {
    for await (const b of pipe.batches(0)) {
      const [g, s] = tf.tidy(() => {
        const e = model.embed(b.ground!, b.aerial!);
        return [e.g, e.s];
      });
      b.ground!.dispose();
      b.aerial!.dispose();
      const [gv, sv] = await Promise.all([g!.data(), s!.data()]);
      tf.dispose([g!, s!]);
      if (g!.shape[1] !== dim) throw new CvglError(`descriptors of length ${dim} (descriptorLength())`, `length ${g!.shape[1]}`, `a bug in ${model.name}: its descriptorLength() disagrees with embed()`);
      for (let k = 0; k < b.index.length; k++) {
        const i = b.index[k]!;
        ground.set((gv as Float32Array).subarray(k * dim, (k + 1) * dim), i * dim);
        aerial.set((sv as Float32Array).subarray(k * dim, (k + 1) * dim), i * dim);
      }
      done += b.index.length;
      opts.onProgress?.(done, n);
    }
  } finally {
    if (wasTraining !== undefined) model.training = wasTraining;
    await pipe.close();
  }
  return { split: split.name, n, dim, ground, aerial };
}
