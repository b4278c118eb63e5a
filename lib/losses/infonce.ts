/**
 * InfoNCE, the contrastive loss of MoCo (thesis 003, Sec. 3.1.1, Eq. 3.1 and Algorithm 1) and of
 * MDUIT's contrastive module (paper 004, Sec. 2.2, Eq. 5):
 *
 *   L_q = −log( exp(q·k₊/τ) / Σ_{i=0}^{K} exp(q·k_i/τ) )
 *
 * with logits = [q·k₊, q·negativesᵀ] / τ ([B, 1+K], Algorithm 1's `cat([l_pos, l_neg])`) and the
 * positive at index 0 (`labels = zeros(N)`), i.e. `CrossEntropyLoss(logits/t, labels)`, the mean
 * over the batch. Computed as −logSoftmax(logits)[:, 0] (max-shifted: finite for any τ).
 *
 * q and k are L2-normalised here (as MoCo's encoders and MDUIT's head H do; unit rows pass
 * through unchanged), the negatives are used as given (unit rows already). The negatives are
 * either one set shared by the batch ([K, D]: MoCo's queue) or one set per query ([B, N, D]:
 * MDUIT's N_neg = 16 hard negatives of each source image).
 *
 * Gradients: q always. k: MoCo treats it as a constant (Algorithm 1's `k.detach()`, the default
 * here, enforced by a stop-gradient so tf.grads w.r.t. k are zeros); MDUIT's positive
 * z_{s→t} = H(E_c(I_{s→t})) is differentiable (Eq. 5 is what makes z_s and z_{s→t} consistent,
 * Sec. 2.2), `keyGrad: true`. The negatives are always constants (the queue; MDUIT's memory
 * bank of the epoch's embeddings).
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { l2NormalizeRows } from '../nn/l2.js';

/** Identity whose gradient is zero (torch's `.detach()`). */
const detach = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

/** Stop-gradient: the value of x, treated as a constant by tf.grads (Algorithm 1's `detach`). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return detach(x) as T;
}

export interface InfoNceOptions {
  /** Let the gradient flow into the positive keys k (MDUIT Eq. 5). Default false (MoCo's k.detach()). */
  keyGrad?: boolean;
}

/**
 * Eq. 3.1 (thesis) / Eq. 5 (MDUIT) averaged over the batch: queries q [B, D], their positive keys
 * k [B, D], negatives [K, D] shared by the batch (K ≥ 0) or [B, N, D] per query, temperature τ
 * (thesis Sec. 4.2: 0.2; MDUIT Sec. 3.1: 0.07).
 */
export function infoNce(q: tf.Tensor2D, k: tf.Tensor2D, negatives: tf.Tensor, tau = 0.2, opts: InfoNceOptions = {}): tf.Scalar {
  const perQuery = negatives.rank === 3;
  const d = q.shape[1];
  const okNeg = perQuery ? negatives.shape[0] === q.shape[0] && negatives.shape[2] === d : negatives.rank === 2 && negatives.shape[1] === d;
  if (q.rank !== 2 || k.rank !== 2 || q.shape[0] < 1 || k.shape[0] !== q.shape[0] || k.shape[1] !== d || !okNeg) {
    throw new CvglError(
      'infoNce: queries q [B, D], positive keys k [B, D] and negatives [K, D] (shared) or [B, N, D] (per query) with one D, B >= 1',
      `q [${q.shape.join(', ')}], k [${k.shape.join(', ')}], negatives [${negatives.shape.join(', ')}]`,
      'pass the projected outputs of the query and key encoders for one batch and the negative keys',
    );
  }
  if (!(tau > 0) || !Number.isFinite(tau)) {
    throw new CvglError('infoNce: a temperature τ > 0', String(tau), 'use the thesis’ τ = 0.2 (Sec. 4.2) or MDUIT’s 0.07 (Sec. 3.1)');
  }
  return tf.tidy(() => {
    const qn = l2NormalizeRows(q);
    const kn = opts.keyGrad ? l2NormalizeRows(k) : stopGradient(l2NormalizeRows(k));
    const neg = stopGradient(negatives);
    const lPos = tf.sum(tf.mul(qn, kn), 1, true); // [B,1]
    const lNeg = perQuery
      ? tf.sum(tf.mul(tf.expandDims(qn, 1), neg), 2) // [B,N]
      : tf.matMul(qn, neg as tf.Tensor2D, false, true); // [B,K]
    const logits = tf.div(tf.concat([lPos, lNeg], 1), tau) as tf.Tensor2D;
    const logp0 = tf.slice(tf.logSoftmax(logits, 1), [0, 0], [-1, 1]);
    return tf.neg(tf.mean(logp0)) as tf.Scalar;
  });
}
