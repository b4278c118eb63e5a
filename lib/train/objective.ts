/**
 * The training objective of a config: the model's descriptors of a batch fed to the loss its
 * paper trains it with, plus the thesis' uniformity term when asked (Eq. 3.9 weighted by α,
 * Table 4.7).
 */
import { tf } from '../engine/tf.js';
import { softMarginTripletExhaustive, softTriHard, softTripletThesis } from '../losses/triplet.js';
import { uniformityLoss } from '../losses/uniformity.js';
import type { CrossViewModel, Embeddings } from '../models/model.js';
import { Mgtl, mgtlLoss } from '../models/mgtl.js';
import { UnifiedMoCo } from '../models/unified_moco.js';
import type { LossConfig } from './config.js';
import { CvglError } from '../engine/errors.js';

export type Objective = (ground: tf.Tensor4D, aerial: tf.Tensor4D) => tf.Scalar;

function tripletOf(loss: LossConfig): (e: Embeddings) => tf.Scalar {
  switch (loss.kind) {
    case 'soft-margin-exhaustive':
      return (e) => softMarginTripletExhaustive(e.g, e.s, loss.gamma ?? 10);
    case 'soft-triplet-thesis':
      return (e) => softTripletThesis(e.g, e.s, loss.gamma ?? 10, { reduction: loss.reduction, gammaOn: loss.gammaOn });
    case 'soft-trihard':
      return (e) => softTriHard(e.g, e.s, loss.alpha ?? 15, loss.mining ?? 'batch-hard');
    default:
      throw new CvglError('a descriptor loss', loss.kind, 'mgtl and unified-infonce are handled with their models');
  }
}

export function buildObjective(model: CrossViewModel, loss: LossConfig): Objective {
  if (loss.kind === 'unified-infonce') {
    if (!(model instanceof UnifiedMoCo)) throw new CvglError('the unified-moco model for the unified-infonce loss', model.name, 'use soft-triplet-thesis for other models');
    return (ground, aerial) => model.loss(ground, aerial);
  }
  const alpha = loss.uniformity ?? 0;
  // Eq. 3.9 sums over pairs i ≠ j inside a view: a batch of one pair (the VIGOR sampler can end an
  // epoch with one) has none, and adds no uniformity term
  const withUniformity = (e: Embeddings, main: tf.Scalar): tf.Scalar => (alpha > 0 && e.g.shape[0] >= 2 && e.s.shape[0] >= 2 ? tf.add(main, tf.mul(uniformityLoss(e.g, e.s), alpha)) : main);
  if (loss.kind === 'mgtl') {
    if (!(model instanceof Mgtl)) throw new CvglError('the MGTL model for the mgtl loss', model.name, 'use soft-margin-exhaustive for other models');
    return (ground, aerial) => tf.tidy(() => {
      const out = model.forwardWithAux(ground, aerial);
      return withUniformity(out, mgtlLoss(out, loss.gamma ?? 10, loss.lambda ?? 0.05));
    });
  }
  const triplet = tripletOf(loss);
  return (ground, aerial) => tf.tidy(() => {
    const e = model.embed(ground, aerial);
    return withUniformity(e, triplet(e));
  });
}
