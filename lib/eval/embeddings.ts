/**
 * Descriptors of a whole split, extracted in batches through the input pipeline with the model
 * in inference mode (BatchNorm moving statistics), kept in JS memory as Float32Arrays so a large
 * gallery never has to be one tensor on the backend's heap.
 *
 * One-to-one splits (CVUSA, CVACT, the synthetic CVUSA layout): ground query i and aerial i are a
 * pair and go through the model together. VIGOR-style splits, whose gallery is every aerial of
 * the split's cities: the queries and the gallery are embedded separately — through the model's
 * `embedView` where it has one, else each batch with a black image in the other view's place:
 * every model here computes g from the ground image alone and s from the aerial alone (tested for
 * each architecture), so the filler never matters.
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { PairPipeline } from '../data/pipeline.js';
import { isOneToOne, type DatasetSplit } from '../data/dataset.js';
import type { CrossViewModel } from '../models/model.js';
import type { ProgressFn } from '../engine/progress.js';
import type { PairOptions } from '../data/augment.js';

export interface ViewSizes {
  ground: { height: number; width: number };
  aerial: { size: number; polar?: { height: number; width: number } | null };
}

export interface SplitEmbeddings {
  split: string;
  /** Queries. */
  n: number;
  /** Gallery size (n for one-to-one splits). */
  galleryN: number;
  dim: number;
  /** [n, dim] row-major ground (query) descriptors. */
  ground: Float32Array;
  /** [galleryN, dim] row-major aerial (reference) descriptors; one-to-one: row i matches query i. */
  aerial: Float32Array;
  /** VIGOR-style splits: per query, its positive then its semi-positives (gallery rows). */
  galleryIndex?: number[][];
}

export { isOneToOne };

export async function extractEmbeddings(
  model: CrossViewModel,
  split: DatasetSplit,
  views: ViewSizes,
  opts: {
    batchSize?: number;
    workers?: number;
    cacheDir?: string | null;
    onProgress?: ProgressFn;
    /** Augmentation of the evaluated views (e.g. orientation noise at test time), drawn from seed 0:
     *  the same views on every call. */
    augment?: PairOptions | null;
  } = {},
): Promise<SplitEmbeddings> {
  if (split.pairs.length === 0) throw new CvglError(`a split with pairs to evaluate`, `split '${split.name}' is empty`, 'check the dataset (cvgl data check DIR) or pick another --split');
  if (!isOneToOne(split)) return extractSeparately(model, split, views, opts);
  const pipe = new PairPipeline({
    split,
    batchSize: opts.batchSize ?? 32,
    sampler: 'sequential',
    ground: views.ground,
    aerial: { size: views.aerial.size, polar: views.aerial.polar ?? null },
    cacheDir: opts.cacheDir ?? null,
    ...(opts.workers ? { workers: opts.workers } : {}),
    seed: 0,
    augment: opts.augment ?? null,
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
  return { split: split.name, n, galleryN: n, dim, ground, aerial };
}

type ExtractOptions = NonNullable<Parameters<typeof extractEmbeddings>[3]>;

/** Descriptors of one view of `split`'s pairs (ground queries, or the gallery as pairs). */
async function embedView(model: CrossViewModel, split: DatasetSplit, views: ViewSizes, which: 'g' | 's', opts: ExtractOptions, done0: number, total: number): Promise<Float32Array> {
  const pipe = new PairPipeline({
    split,
    batchSize: opts.batchSize ?? 32,
    sampler: 'sequential',
    ground: which === 'g' ? views.ground : null,
    aerial: which === 's' ? { size: views.aerial.size, polar: views.aerial.polar ?? null } : null,
    cacheDir: opts.cacheDir ?? null,
    ...(opts.workers ? { workers: opts.workers } : {}),
    seed: 0,
    augment: opts.augment ?? null,
  });
  const [gh, gw] = [views.ground.height, views.ground.width];
  const [ah, aw] = views.aerial.polar ? [views.aerial.polar.height, views.aerial.polar.width] : [views.aerial.size, views.aerial.size];
  const dim = model.descriptorLength();
  const out = new Float32Array(split.pairs.length * dim);
  let done = done0;
  try {
    for await (const b of pipe.batches(0)) {
      const B = b.index.length;
      const d = tf.tidy(() => {
        if (model.embedView) return model.embedView(which === 'g' ? 'ground' : 'aerial', (which === 'g' ? b.ground : b.aerial)!);
        const ground = b.ground ?? tf.zeros([B, gh, gw, 3]);
        const aerial = b.aerial ?? tf.zeros([B, ah, aw, 3]);
        return model.embed(ground as tf.Tensor4D, aerial as tf.Tensor4D)[which];
      });
      tf.dispose([b.ground, b.aerial].filter((t): t is tf.Tensor4D => t !== null));
      const v = (await d.data()) as Float32Array;
      d.dispose();
      for (let k = 0; k < B; k++) out.set(v.subarray(k * dim, (k + 1) * dim), b.index[k]! * dim);
      done += B;
      opts.onProgress?.(done, total);
    }
  } finally {
    await pipe.close();
  }
  return out;
}

async function extractSeparately(model: CrossViewModel, split: DatasetSplit, views: ViewSizes, opts: ExtractOptions): Promise<SplitEmbeddings> {
  if (split.gallery.length === 0) throw new CvglError(`a gallery of aerial images in split '${split.name}'`, 'an empty gallery', 'check the dataset (cvgl data check DIR)');
  const gallerySplit: DatasetSplit = {
    name: `${split.name}-gallery`,
    gallery: split.gallery,
    pairs: split.gallery.map((aerial, j) => ({ id: `gallery-${j}`, ground: '', aerial, galleryIndex: [j] })),
  };
  const n = split.pairs.length, galleryN = split.gallery.length, total = n + galleryN;
  const wasTraining = model.training;
  if (wasTraining !== undefined) model.training = false;
  try {
    const ground = await embedView(model, split, views, 'g', opts, 0, total);
    const aerial = await embedView(model, gallerySplit, views, 's', opts, n, total);
    return { split: split.name, n, galleryN, dim: model.descriptorLength(), ground, aerial, galleryIndex: split.pairs.map((p) => [...p.galleryIndex]) };
  } finally {
    if (wasTraining !== undefined) model.training = wasTraining;
  }
}
