/**
 * The uniformity loss of the thesis (003), Eq. 3.9, on one mini-batch:
 *
 *   L_uniformity = log Σ_i Σ_{j≠i} exp(−t ‖z_i^g − z_j^g‖²) + log Σ_i Σ_{j≠i} exp(−t ‖z_i^s − z_j^s‖²)
 *
 * (a sum over ordered pairs i ≠ j inside each view, as printed — not the mean of the metric
 * lib/eval/uniformity.ts reports; the two differ by the constant 2·log(B(B−1)), which does not
 * change the gradient). The caller weights it by α (L'_total = L_total + α·L_uniformity, Sec. 3.4.1).
 *
 * z are the L2-normalised rows (the thesis's representations live on the sphere), normalised here
 * as the triplet losses do (lib/losses/triplet.ts), so raw or normalised descriptors are both fine.
 * ‖z_i − z_j‖² = ‖z_i‖² + ‖z_j‖² − 2 z_i·z_j from one B x B Gram matrix; the diagonal (i = j) is
 * replaced by a large negative logit and the double sum is a log-sum-exp (max-shifted: finite for
 * any t). Built from MatMul, Sum, Exp, Log, Max, Select only: every gradient exists in tfjs 4.22.
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { l2NormalizeRows } from '../nn/l2.js';

/** A logit no exp(·) survives: stands for the excluded diagonal. */
const EXCLUDED = -1e30;

/** log Σ_i Σ_{j≠i} exp(−t ‖z_i − z_j‖²) of the rows of z [B, D] (already normalised). */
export function logPairPotential(z: tf.Tensor2D, t: number): tf.Scalar {
  return tf.tidy(() => {
    const b = z.shape[0];
    const sq = tf.sum(tf.square(z), 1, true); // [B,1]
    const d2 = tf.sub(tf.add(sq, tf.reshape(sq, [1, b])), tf.mul(tf.matMul(z, z, false, true), 2));
    const logits = tf.mul(d2, -t);
    const offDiagonal = tf.logicalNot(tf.cast(tf.eye(b), 'bool'));
    const masked = tf.where(offDiagonal, logits, tf.fill([b, b], EXCLUDED));
    return tf.logSumExp(tf.reshape(masked, [b * b])) as tf.Scalar;
  });
}

/** Eq. 3.9 for ground descriptors `g` [B, D] and satellite descriptors `s` [B', D] (B, B' ≥ 2); t = 2 is
 *  the default of Wang & Isola [51], whose metric the thesis adopts: the thesis never states t. */
export function uniformityLoss(g: tf.Tensor2D, s: tf.Tensor2D, t = 2): tf.Scalar {
  for (const [x, name] of [[g, 'ground'], [s, 'satellite']] as const) {
    if (x.rank !== 2 || x.shape[0] < 2) {
      throw new CvglError(`uniformity loss: at least 2 ${name} descriptors [B, D]`, `shape [${x.shape.join(', ')}]`, 'use a batch of 2 pairs or more');
    }
  }
  if (!(t > 0)) throw new CvglError('uniformity loss: t > 0', String(t), 't = 2 is Wang & Isola\'s default (the thesis never states t)');
  return tf.tidy(() => tf.add(logPairPotential(l2NormalizeRows(g), t), logPairPotential(l2NormalizeRows(s), t)) as tf.Scalar);
}
