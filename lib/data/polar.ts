/**
 * The polar transform of aerial images as a tensor op, SAFA (Shi et al., NeurIPS 2019,
 * "Spatial-Aware Feature Aggregation for Cross-View Image based Geo-Localization", Eq. 1).
 * The geometry, the exact formula and the bilinear sampling are documented in
 * lib/data/polar_grid.ts (which has no TensorFlow.js import, for worker threads); this file
 * re-exports that API.
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { polarGrid, type PolarGrid } from './polar_grid.js';

export { polarGrid, polarTransformImage, type PolarGrid } from './polar_grid.js';

/** The grid split into one index and one weight array per corner (cached with the grid). */
const split = new WeakMap<PolarGrid, { idx: Int32Array[]; wts: Float32Array[] }>();

function corners(g: PolarGrid): { idx: Int32Array[]; wts: Float32Array[] } {
  let hit = split.get(g);
  if (hit) return hit;
  const hw = g.height * g.width;
  const idx = [0, 1, 2, 3].map(() => new Int32Array(hw));
  const wts = [0, 1, 2, 3].map(() => new Float32Array(hw));
  for (let p = 0; p < hw; p++) {
    for (let k = 0; k < 4; k++) {
      idx[k]![p] = g.index[p * 4 + k]!;
      wts[k]![p] = g.weight[p * 4 + k]!;
    }
  }
  hit = { idx, wts };
  split.set(g, hit);
  return hit;
}

/**
 * Polar transform (SAFA Eq. 1) of a batch of square aerial images [N, S, S, C] (any C) to
 * [N, H, W, C] float32: each output pixel is the bilinear interpolation w0·a + w1·b + w2·c + w3·d
 * of four aerial pixels, taken from the cached `polarGrid(S, H, W)`. Vectorised: the batch is
 * reshaped to [N, S·S, C], each corner is one gather along axis 1, and the weighted corners are
 * added left to right, so every backend performs the same float32 operations. Non-float32
 * inputs are cast to float32 first. Leaves no tensors behind but the result.
 */
export function polarTransform(aerials: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  const shape = aerials.shape as number[];
  if (shape.length !== 4) {
    throw new CvglError(
      'aerial images as a 4D tensor [N, S, S, C]',
      `a tensor of shape [${shape.join(', ')}]`,
      'batch the aerial images (tf.expandDims for a single image) before the polar transform',
    );
  }
  const [n, s, s2, c] = shape as [number, number, number, number];
  if (s !== s2) {
    throw new CvglError(
      'square aerial images [N, S, S, C]',
      `shape [${shape.join(', ')}] (height ${s} ≠ width ${s2})`,
      'crop or resize the aerial images to squares centred on the camera before the polar transform',
    );
  }
  if (s < 2 || c < 1) {
    throw new CvglError(
      'aerial images of at least 2×2 pixels and 1 channel',
      `shape [${shape.join(', ')}]`,
      'pass non-empty aerial images',
    );
  }
  const g = polarGrid(s, height, width); // validates height and width
  const hw = height * width;
  const { idx, wts } = corners(g);
  return tf.tidy(() => {
    const x = tf.reshape(aerials.dtype === 'float32' ? aerials : tf.cast(aerials, 'float32'), [n, s * s, c]);
    let acc: tf.Tensor | null = null;
    for (let k = 0; k < 4; k++) {
      const corner = tf.gather(x, tf.tensor1d(idx[k]!, 'int32'), 1); // [N, H·W, C]
      const term = tf.mul(corner, tf.tensor3d(wts[k]!, [1, hw, 1], 'float32'));
      acc = acc == null ? term : tf.add(acc, term);
    }
    return tf.reshape(acc!, [n, height, width, c]) as tf.Tensor4D;
  });
}
