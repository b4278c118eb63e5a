/**
 * 2-D convolutions with bias, NHWC, filters HWIO (PyTorch's OIHW transposed), 'same' zero
 * padding.
 */
import { tf } from '../engine/tf.js';
import type { Rng } from '../engine/rng.js';
import { initBias, initWeight, type WeightInit } from './init.js';
import { param } from './param.js';

/** The weights a convolution applies, and its stride. */
export interface ConvWeights {
  w: tf.Tensor; // [kh, kw, cin, cout]
  b: tf.Tensor; // [cout]
  stride: number;
}

/** A convolution's trainable variables. */
export interface ConvLayer extends ConvWeights {
  w: tf.Variable;
  b: tf.Variable;
}

/**
 * Variables `${name}.weight` [kh, kw, cin, cout] and `${name}.bias` [cout], drawn in that order;
 * `k` is the side of a square kernel or [kh, kw]. Fans: kh·kw·cin in, kh·kw·cout out.
 */
export function convLayer(r: Rng, name: string, k: number | [number, number], cin: number, cout: number, stride: number, init: WeightInit, trainable = true): ConvLayer {
  const [kh, kw] = typeof k === 'number' ? [k, k] : k;
  const fans = { fanIn: kh * kw * cin, fanOut: kh * kw * cout };
  return {
    w: param(() => initWeight(r, [kh, kw, cin, cout], fans, init), `${name}.weight`, trainable),
    b: param(() => initBias(r, [cout], fans, init), `${name}.bias`, trainable),
    stride,
  };
}

/** Convolution with 'same' zero padding: (k−1)/2 on each side for odd k; for k = 4 at stride 2
 *  on an even size, 1 on each side (PyTorch's padding=1). */
export function conv(x: tf.Tensor4D, l: ConvWeights): tf.Tensor4D {
  return tf.add(tf.conv2d(x, l.w as tf.Tensor4D, l.stride, 'same'), l.b) as tf.Tensor4D;
}
