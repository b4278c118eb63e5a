/** Pooling layers tfjs lacks. */
import { tf } from '../engine/tf.js';

/**
 * Generalized-mean pooling (Radenović et al., the GeM of MDUIT's contrastive head H, Sec. 2.2):
 * (mean over H, W of clamp(x, ε)^p)^(1/p) per channel, p a trainable scalar (≥ 1 in practice;
 * p = 1 is average pooling, p → ∞ max pooling). x [B, H, W, C] → [B, C].
 */
export function gemPool(x: tf.Tensor4D, p: tf.Tensor, eps = 1e-6): tf.Tensor2D {
  return tf.tidy(() => {
    const m = tf.mean(tf.pow(tf.maximum(x, eps), p), [1, 2]);
    return tf.pow(m, tf.div(1, p)) as tf.Tensor2D;
  });
}
