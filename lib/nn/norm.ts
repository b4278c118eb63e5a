/** Normalisation layers (biased variance, ε inside the square root, as PyTorch's). */
import { tf } from '../engine/tf.js';

/** LayerNorm over the last axis: (x − mean)/√(var + ε)·γ + β (torch's nn.LayerNorm, ε = 1e-5). */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta);
  });
}

/** Instance normalisation without affine parameters (PyTorch's InstanceNorm2d defaults: biased
 *  variance over H and W per sample and channel, ε = 1e-5). x [B, H, W, C]. */
export function instanceNorm(x: tf.Tensor4D, eps = 1e-5): tf.Tensor4D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [1, 2], true);
    return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))) as tf.Tensor4D;
  });
}
