/**
 * PreciseBN (Wu & Johnson 2021, "Rethinking 'batch' in BatchNorm", Sec. 3): before an
 * evaluation, replace the moving BatchNorm statistics of a model by the mean of the batch
 * statistics over a few training batches, computed with the current weights.
 *
 * Why: Keras' moving averages (momentum 0.99, GeoCapsNet's ResNetX) forget their initial values
 * (mean 0, variance 1) with a time constant of 100 steps and trail the weights by as much; after a
 * run of 50–200 steps, evaluating with them measures a different network from the one trained.
 * On GeoCapsNet at quick size the moving statistics left recall at chance where the same weights
 * with batch statistics had learnt (docs/papers/geocapsnet.md). Over a long run the two agree, so PreciseBN changes nothing where the moving
 * averages have converged.
 *
 * How: the model's `batchNormMomentum` is set to k/(k+1) for the k-th batch, which makes the
 * moving statistics the plain mean of the batch statistics (biased variances, as Keras updates
 * them) seen in training mode; weights are untouched; momentum and mode are restored after.
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import type { CrossViewModel } from '../models/model.js';
import { cumulativeMomentum } from '../models/resnetx.js';

/** A batch of training pairs (a `PairBatch` of the pipeline fits). */
export interface PairTensors {
  ground: tf.Tensor4D | null;
  aerial: tf.Tensor4D | null;
}

/**
 * The epoch number under which PreciseBN draws its batches from a training pipeline: far from
 * the epochs a run trains, so the batches are another sample of the training split (the order
 * depends on the pipeline's seed and this number only) and the training batches stay untouched.
 */
export function preciseBnEpoch(epoch: number): number {
  return 1_000_000 + epoch;
}

/** True for models with BatchNorm moving statistics (`training` and `batchNormMomentum` present). */
export function hasBatchNorm(model: CrossViewModel): boolean {
  return model.training !== undefined && model.batchNormMomentum !== undefined;
}

/**
 * Recompute the moving statistics of `model` from at most `maxBatches` batches of `batches`
 * (training pairs; the tensors are disposed here). Returns the number of batches used; 0 (and
 * nothing changed) for a model without BatchNorm.
 */
export async function recomputeBatchNormStatistics(
  model: CrossViewModel,
  batches: AsyncIterable<PairTensors> | Iterable<PairTensors>,
  maxBatches: number,
): Promise<number> {
  if (!Number.isInteger(maxBatches) || maxBatches < 1) {
    throw new CvglError('PreciseBN: a number of batches >= 1', String(maxBatches), 'e.g. 10 training batches');
  }
  if (!hasBatchNorm(model)) return 0;
  const wasTraining = model.training!;
  const momentum = model.batchNormMomentum!;
  let k = 0;
  try {
    model.training = true;
    for await (const b of batches) {
      try {
        if (k < maxBatches) {
          if (!b.ground || !b.aerial) throw new CvglError('PreciseBN: batches with ground and aerial images', 'a batch without one of them', 'use a pipeline of the training pairs');
          const [g, a] = [b.ground, b.aerial];
          model.batchNormMomentum = cumulativeMomentum(k);
          tf.tidy(() => {
            model.embed(g, a);
          });
          k++;
        }
      } finally {
        tf.dispose([b.ground, b.aerial].filter((t): t is tf.Tensor4D => t !== null));
      }
      if (k >= maxBatches) break;
    }
  } finally {
    model.training = wasTraining;
    model.batchNormMomentum = momentum;
  }
  if (k === 0) throw new CvglError('PreciseBN: at least one training batch', 'none', 'check the training split and the batch size');
  return k;
}
