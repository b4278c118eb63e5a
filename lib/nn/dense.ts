/** Fully connected layers: weight [in, out] (PyTorch's `nn.Linear.weight` transposed), bias [out]. */
import { tf } from '../engine/tf.js';
import type { Rng } from '../engine/rng.js';
import { initBias, initWeight, type WeightInit } from './init.js';
import { param } from './param.js';

/** The weights a dense layer applies; tensors, so that a test or a functional call can pass its own. */
export interface DenseWeights {
  w: tf.Tensor; // [in, out]
  b: tf.Tensor; // [out]
}

/** A dense layer's trainable variables. */
export interface DenseLayer extends DenseWeights {
  w: tf.Variable;
  b: tf.Variable;
}

/** Variables `${name}.weight` [fin, fout] and `${name}.bias` [fout], drawn in that order. */
export function denseLayer(r: Rng, name: string, fin: number, fout: number, init: WeightInit, trainable = true): DenseLayer {
  const fans = { fanIn: fin, fanOut: fout };
  return {
    w: param(() => initWeight(r, [fin, fout], fans, init), `${name}.weight`, trainable),
    b: param(() => initBias(r, [fout], fans, init), `${name}.bias`, trainable),
  };
}

/** x W + b for x [B, in]. */
export function dense(x: tf.Tensor2D, l: DenseWeights): tf.Tensor2D {
  return tf.add(tf.matMul(x, l.w as tf.Tensor2D), l.b) as tf.Tensor2D;
}

/** The same dense layer at every position of x [B, N, in] → [B, N, out] (one matMul over B·N rows). */
export function densePerPosition(x: tf.Tensor3D, l: DenseWeights): tf.Tensor3D {
  const [b, n, c] = x.shape;
  const y = dense(tf.reshape(x, [b * n, c]) as tf.Tensor2D, l);
  return tf.reshape(y, [b, n, l.w.shape[1]!]) as tf.Tensor3D;
}
