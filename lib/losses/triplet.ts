/**
 * Triplet losses on L2-normalised descriptors, over every pair in a mini-batch at once.
 * Distances are Euclidean, computed as a matrix: d(a,b) = sqrt(max(2 − 2·a·b, ε)).
 */
import { tf } from '../engine/tf.js';

const EPS = 1e-12;

/** D[i,j] = ‖g_i − s_j‖₂ for L2-normalised rows g [B,D], s [B,D]. */
export function pairwiseDistances(g: tf.Tensor2D, s: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const cos = tf.matMul(g, s, false, true);
    return tf.sqrt(tf.maximum(tf.sub(2, tf.mul(2, cos)), EPS)) as tf.Tensor2D;
  });
}

/**
 * Thesis (003) Eq. 3.3 summed as Eq. 3.4: L_triplet = log(1 + γ·exp(d_pos − d_neg)),
 * L_total = Σ_i Σ_{j≠i} [ L(z_i^g, z_i^s, z_j^s) + L(z_i^s, z_i^g, z_j^g) ].
 * Note γ multiplies the exponential here (it scales the distance gap in CVFT's loss).
 */
export function softTripletThesis(g: tf.Tensor2D, s: tf.Tensor2D, gamma = 10): tf.Scalar {
  return tf.tidy(() => {
    const b = g.shape[0];
    const d = pairwiseDistances(g, s); // d[i,j] = ‖g_i − s_j‖
    const pos = tf.reshape(tf.matMul(tf.mul(d, tf.eye(b)), tf.ones([b, 1])), [b, 1]); // d_ii
    const offDiag = tf.sub(1, tf.eye(b));
    const term = (gap: tf.Tensor) => tf.mul(tf.log(tf.add(1, tf.mul(gamma, tf.exp(gap)))), offDiag);
    const groundAnchor = term(tf.sub(pos, d)); // row i: d_ii − d_ij (negatives s_j)
    const satAnchor = term(tf.sub(pos, tf.transpose(d))); // row i: d_ii − d_ji (negatives g_j)
    return tf.add(tf.sum(groundAnchor), tf.sum(satAnchor)) as tf.Scalar;
  });
}
