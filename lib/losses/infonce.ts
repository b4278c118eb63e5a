/**
 * InfoNCE, the contrastive loss of MoCo (thesis 003, Sec. 3.1.1, Eq. 3.1 and Algorithm 1):
 *
 *   L_q = −log( exp(q·k₊/τ) / Σ_{i=0}^{K} exp(q·k_i/τ) )
 *
 * with logits = [q·k₊, q·queueᵀ] / τ ([B, 1+K], Algorithm 1's `cat([l_pos, l_neg])`) and the
 * positive at index 0 (`labels = zeros(N)`), i.e. `CrossEntropyLoss(logits/t, labels)`, the mean
 * over the batch. Computed as −logSoftmax(logits)[:, 0] (max-shifted: finite for any τ).
 *
 * q and k are L2-normalised here (as MoCo's encoders do; unit rows pass through unchanged), the
 * queue is used as given (its rows are already unit keys). Only q is differentiable: k and the
 * queue are constants (Algorithm 1's `k.detach()`; the queue holds no graph), enforced by a
 * stop-gradient, so tf.grads w.r.t. k or the queue are zeros.
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';

const EPS = 1e-12;

/** Identity whose gradient is zero (torch's `.detach()`). */
const detach = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

/** Stop-gradient: the value of x, treated as a constant by tf.grads (Algorithm 1's `detach`). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return detach(x) as T;
}

/** Rows divided by their L2 norm (torch's F.normalize(x, dim=1): norm clamped at 1e-12). */
export function normalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), EPS)) as tf.Tensor2D);
}

/**
 * Eq. 3.1 averaged over the batch: queries q [B, D], their positive keys k [B, D], the queue of
 * negative keys [K, D] (K ≥ 0), temperature τ (thesis Sec. 4.2: 0.2).
 */
export function infoNce(q: tf.Tensor2D, k: tf.Tensor2D, queue: tf.Tensor2D, tau = 0.2): tf.Scalar {
  if (q.rank !== 2 || k.rank !== 2 || queue.rank !== 2 || q.shape[0] < 1 || k.shape[0] !== q.shape[0] || k.shape[1] !== q.shape[1] || queue.shape[1] !== q.shape[1]) {
    throw new CvglError(
      'infoNce: queries q [B, D], positive keys k [B, D] and a queue [K, D] with one D, B >= 1',
      `q [${q.shape.join(', ')}], k [${k.shape.join(', ')}], queue [${queue.shape.join(', ')}]`,
      'pass the projected outputs of the query and key encoders for one batch and the queue of past keys',
    );
  }
  if (!(tau > 0) || !Number.isFinite(tau)) {
    throw new CvglError('infoNce: a temperature τ > 0', String(tau), 'use the thesis’ τ = 0.2 (Sec. 4.2)');
  }
  return tf.tidy(() => {
    const qn = normalizeRows(q);
    const kn = stopGradient(normalizeRows(k));
    const neg = stopGradient(queue);
    const lPos = tf.sum(tf.mul(qn, kn), 1, true); // [B,1]
    const lNeg = tf.matMul(qn, neg, false, true); // [B,K]
    const logits = tf.div(tf.concat([lPos, lNeg], 1), tau) as tf.Tensor2D;
    const logp0 = tf.slice(tf.logSoftmax(logits, 1), [0, 0], [-1, 1]);
    return tf.neg(tf.mean(logp0)) as tf.Scalar;
  });
}
