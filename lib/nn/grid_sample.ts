/**
 * Bilinear sampling of feature maps at arbitrary source coordinates, as PyTorch's
 * `grid_sample(…, mode='bilinear', padding_mode='zeros', align_corners=True)`, written as a
 * sampling matrix so that it differentiates (in the map and in the coordinates) on every backend.
 */
import { tf } from '../engine/tf.js';

/** Normalised coordinate (−1 … 1, align_corners = true) of pixel index i of n. */
export function normCoord(i: number, n: number): number {
  return n === 1 ? 0 : -1 + (2 * i) / (n - 1);
}

/**
 * The bilinear-sampling matrix W [B, No, h·w] of source pixel coordinates px, py [B, No]
 * (column, row; 0 … w−1, 0 … h−1): W[b,o,(y,x)] = wy·wx with the four neighbours of
 * (px, py), zero outside the map (PyTorch `grid_sample`'s zero padding). Differentiable in
 * px, py through the fractional parts (the floors carry no gradient), so the gradient at an
 * integer coordinate is the one-sided difference, as grid_sample's.
 */
export function bilinearSamplingMatrix(px: tf.Tensor2D, py: tf.Tensor2D, h: number, w: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, no] = px.shape;
    const axisWeights = (p: tf.Tensor2D, n: number): tf.Tensor3D => {
      const p0 = tf.floor(p);
      const f = tf.expandDims(tf.sub(p, p0), 2); // [B,No,1]
      const d = tf.sub(tf.range(0, n, 1, 'float32'), tf.expandDims(p0, 2)); // [B,No,n] = idx − floor(p)
      const hit0 = tf.relu(tf.sub(1, tf.abs(d))); // 1 where idx = floor(p)
      const hit1 = tf.relu(tf.sub(1, tf.abs(tf.sub(d, 1)))); // 1 where idx = floor(p) + 1
      return tf.add(tf.mul(hit0, tf.sub(1, f)), tf.mul(hit1, f)) as tf.Tensor3D;
    };
    const wx = axisWeights(px, w);
    const wy = axisWeights(py, h);
    return tf.reshape(tf.mul(tf.expandDims(wy, 3), tf.expandDims(wx, 2)), [b, no, h * w]) as tf.Tensor3D;
  });
}

/** Samples f [B,h,w,C] at normalised source coordinates xs, ys [B, h·w] (one per output position). */
export function sampleFeatureMap(f: tf.Tensor4D, xs: tf.Tensor2D, ys: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = f.shape;
    const px = tf.mul(tf.add(xs, 1), (w - 1) / 2) as tf.Tensor2D;
    const py = tf.mul(tf.add(ys, 1), (h - 1) / 2) as tf.Tensor2D;
    const m = bilinearSamplingMatrix(px, py, h, w);
    return tf.reshape(tf.matMul(m, tf.reshape(f, [b, h * w, c]) as tf.Tensor3D), [b, h, w, c]) as tf.Tensor4D;
  });
}
