/**
 * Small convolutional building blocks of the image-translation and retrieval models (MDUIT's
 * encoders, generator and discriminators, NetVLAD's soft assignment): a convolution with bias
 * and its own initialiser, instance normalisation, nearest-neighbour upsampling, generalized-mean
 * pooling. NHWC, filters HWIO (PyTorch's OIHW transposed), as everywhere in lib/models.
 */
import { tf } from '../engine/tf.js';
import type { Rng } from '../engine/rng.js';
import { param } from './params.js';

export interface ConvLayer {
  w: tf.Variable; // [k, k, cin, cout]
  b: tf.Variable; // [cout]
  stride: number;
}

/** How new weights are drawn: N(0, std²) (MDUIT Sec. 3.1: "a Gaussian distribution with a zero
 *  mean and a standard deviation of 0.001"), or PyTorch's default Conv2d/Linear initialisation
 *  (Kaiming-uniform with a = √5, i.e. U(−1/√fan_in, 1/√fan_in) for weight and bias). */
export type WeightInit = { kind: 'normal'; std: number } | { kind: 'torch-default' };

function draw(r: Rng, shape: number[], fanIn: number, init: WeightInit, bias: boolean): tf.Tensor {
  if (init.kind === 'normal') return bias ? tf.zeros(shape) : r.normalTensor(shape, 0, init.std);
  const k = 1 / Math.sqrt(fanIn);
  return r.uniformTensor(shape, -k, k);
}

export function convLayer(r: Rng, name: string, k: number, cin: number, cout: number, stride: number, init: WeightInit, trainable = true): ConvLayer {
  return {
    w: param(() => draw(r, [k, k, cin, cout], k * k * cin, init, false), `${name}.weight`, trainable),
    b: param(() => draw(r, [cout], k * k * cin, init, true), `${name}.bias`, trainable),
    stride,
  };
}

/** Convolution with 'same' zero padding: (k−1)/2 on each side for odd k; for k = 4 at stride 2
 *  on an even size, 1 on each side (PyTorch's padding=1). */
export function conv(x: tf.Tensor4D, l: ConvLayer): tf.Tensor4D {
  return tf.add(tf.conv2d(x, l.w as tf.Tensor4D, l.stride, 'same'), l.b) as tf.Tensor4D;
}

export interface DenseLayer {
  w: tf.Variable; // [in, out], PyTorch's Linear.weight transposed
  b: tf.Variable;
}

export function denseLayer(r: Rng, name: string, fin: number, fout: number, init: WeightInit, trainable = true): DenseLayer {
  return {
    w: param(() => draw(r, [fin, fout], fin, init, false), `${name}.weight`, trainable),
    b: param(() => draw(r, [fout], fin, init, true), `${name}.bias`, trainable),
  };
}

export function dense(x: tf.Tensor2D, l: DenseLayer): tf.Tensor2D {
  return tf.add(tf.matMul(x, l.w as tf.Tensor2D), l.b) as tf.Tensor2D;
}

/** Instance normalisation without affine parameters (PyTorch's InstanceNorm2d defaults: biased
 *  variance over H and W per sample and channel, ε = 1e-5). */
export function instanceNorm(x: tf.Tensor4D, eps = 1e-5): tf.Tensor4D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [1, 2], true);
    return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))) as tf.Tensor4D;
  });
}

/** Nearest-neighbour upsampling by 2 (PyTorch's Upsample(scale_factor=2)), as a broadcast
 *  multiply with ones: its gradient is a sum (tfjs-wasm's gradients of concat and stack slice
 *  rank-5 tensors element by element in JavaScript). */
export function upsample2x(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const up = tf.mul(tf.reshape(x, [b * h, 1, w, 1, c]), tf.ones([1, 2, 1, 2, 1]));
    return tf.reshape(up, [b, 2 * h, 2 * w, c]) as tf.Tensor4D;
  });
}

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
