/**
 * Resizing feature maps [B, H, W, C]: bilinear with TensorFlow 1's `resize_bilinear` semantics
 * (CVFT's framework) and area (adaptive average pooling, PyTorch's `interpolate(mode='area')`),
 * each applied as one matrix so that it differentiates on every backend; and nearest-neighbour
 * upsampling by 2.
 */
import { tf } from '../engine/tf.js';

/**
 * The 1-D interpolation weights [out][in] of TF 1's `resize_bilinear` (align_corners = false,
 * half_pixel_centers = false): output i reads source x = i·in/out, from floor(x) and
 * min(floor(x) + 1, in − 1).
 */
export function bilinearWeights(inSize: number, outSize: number): number[][] {
  const scale = inSize / outSize;
  const m: number[][] = [];
  for (let i = 0; i < outSize; i++) {
    const row = new Array<number>(inSize).fill(0);
    const x = i * scale;
    const x0 = Math.floor(x);
    const x1 = Math.min(x0 + 1, inSize - 1);
    const f = x - x0;
    row[x0]! += 1 - f;
    row[x1]! += f;
    m.push(row);
  }
  return m;
}

/**
 * The 1-D weights [out][in] of an area resize (adaptive average pooling, PyTorch's
 * `adaptive_avg_pool2d` / `interpolate(mode='area')`): output i is the mean of inputs
 * floor(i·in/out) … ceil((i+1)·in/out) − 1. Every input is in some output's window, up- or
 * downsampling; for in = k·out it is k-to-1 averaging (TF's `resize_area` too).
 */
export function areaWeights(inSize: number, outSize: number): number[][] {
  const m: number[][] = [];
  for (let i = 0; i < outSize; i++) {
    const row = new Array<number>(inSize).fill(0);
    const a = Math.floor((i * inSize) / outSize);
    const b = Math.ceil(((i + 1) * inSize) / outSize);
    for (let x = a; x < b; x++) row[x] = 1 / (b - a);
    m.push(row);
  }
  return m;
}

export type ResizeKind = 'bilinear-tf1' | 'area';
const WEIGHTS: Record<ResizeKind, (inSize: number, outSize: number) => number[][]> = { 'bilinear-tf1': bilinearWeights, area: areaWeights };

/** The 1-D weights [out][in] of a resize of that kind. */
export function resizeWeights(kind: ResizeKind, inSize: number, outSize: number): number[][] {
  return WEIGHTS[kind](inSize, outSize);
}

/**
 * The 2-D resize [outH·outW, inH·inW] (row-major positions) as the Kronecker product of the 1-D
 * ones (default: TF 1 bilinear).
 */
export function resizeMatrix(inHW: [number, number], outHW: [number, number], kind: ResizeKind = 'bilinear-tf1'): tf.Tensor2D {
  const ry = resizeWeights(kind, inHW[0], outHW[0]);
  const rx = resizeWeights(kind, inHW[1], outHW[1]);
  const ni = inHW[0] * inHW[1];
  const no = outHW[0] * outHW[1];
  const v = new Float32Array(no * ni);
  for (let i = 0; i < outHW[0]; i++)
    for (let j = 0; j < outHW[1]; j++)
      for (let y = 0; y < inHW[0]; y++) {
        const wy = ry[i]![y]!;
        if (wy === 0) continue;
        for (let x = 0; x < inHW[1]; x++) v[(i * outHW[1] + j) * ni + y * inHW[1] + x] = wy * rx[j]![x]!;
      }
  return tf.tensor2d(v, [no, ni]);
}

/** out[b,o,c] = Σ_i M[o,i] x[b,i,c] for M [No, Ni] and x [B,Ni,C], as one 2-D matMul (no batch broadcast). */
function applySpatial(m: tf.Tensor2D, x: tf.Tensor3D): tf.Tensor3D {
  const [b, ni, c] = x.shape;
  const xt = tf.reshape(tf.transpose(x, [1, 0, 2]), [ni, b * c]) as tf.Tensor2D;
  const y = tf.matMul(m, xt); // [No, B·C]
  return tf.transpose(tf.reshape(y, [m.shape[0], b, c]), [1, 0, 2]) as tf.Tensor3D;
}

/**
 * Bilinear resize of x [B,H,W,C] to outHW with TF 1 semantics (see `bilinearWeights`; equal to
 * `tf.image.resizeBilinear(x, outHW, false, false)`); x itself when the sizes agree.
 */
export function resizeBilinearTf1(x: tf.Tensor4D, outHW: [number, number]): tf.Tensor4D {
  return resizeMaps(x, outHW, 'bilinear-tf1');
}

/** Area resize of x [B,H,W,C] to outHW (adaptive average pooling, see `areaWeights`); x itself when the sizes agree. */
export function resizeArea(x: tf.Tensor4D, outHW: [number, number]): tf.Tensor4D {
  return resizeMaps(x, outHW, 'area');
}

/** Resize of x [B,H,W,C] to outHW of either kind; x itself when the sizes agree. */
export function resizeMaps(x: tf.Tensor4D, outHW: [number, number], kind: ResizeKind): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  if (h === outHW[0] && w === outHW[1]) return x;
  return tf.tidy(() => {
    const y = applySpatial(resizeMatrix([h, w], outHW, kind), tf.reshape(x, [b, h * w, c]) as tf.Tensor3D);
    return tf.reshape(y, [b, outHW[0], outHW[1], c]) as tf.Tensor4D;
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
