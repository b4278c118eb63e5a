/**
 * Spatial transformers (Jaderberg et al. 2015) of feature maps f [B,h,w,C]: an affine map and a
 * thin-plate spline (TPS) give, for every output position, a source coordinate at which f is
 * sampled bilinearly (lib/nn/grid_sample.ts). Coordinates are normalised (−1 … 1,
 * align_corners = true), (x, y) = (column, row).
 */
import { tf } from '../engine/tf.js';
import { CvglError, isCvglError } from '../engine/errors.js';
import { normCoord, sampleFeatureMap } from './grid_sample.js';
import { solveLinearSystem } from './linear_solve.js';

/** The output grid [h·w, 3] of (x, y, 1) in normalised coordinates, row-major. */
function affineBaseGrid(h: number, w: number): tf.Tensor2D {
  const v = new Float32Array(h * w * 3);
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) v.set([normCoord(j, w), normCoord(i, h), 1], (i * w + j) * 3);
  return tf.tensor2d(v, [h * w, 3]);
}

/**
 * An affine spatial transformer of f [B,h,w,C] with θ [B, 6] (row-major 2x3, normalised
 * coordinates, align_corners = true): (x_s, y_s) = θ · (x, y, 1) for every output position; as
 * PyTorch's `grid_sample(f, affine_grid(θ, align_corners=True), align_corners=True)`.
 */
export function affineTransform(f: tf.Tensor4D, theta: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w] = f.shape;
    const g = affineBaseGrid(h, w);
    const src = tf.matMul(g, tf.reshape(theta, [b * 2, 3]) as tf.Tensor2D, false, true); // [No, B·2]
    const st = tf.reshape(tf.transpose(src), [b, 2, h * w]);
    const [xs, ys] = tf.unstack(st, 1) as [tf.Tensor2D, tf.Tensor2D];
    return sampleFeatureMap(f, xs, ys);
  });
}

/** U(r) = r² log r² (U(0) = 0), the thin-plate radial basis. */
function tpsU(dx: number, dy: number): number {
  const r2 = dx * dx + dy * dy;
  return r2 === 0 ? 0 : r2 * Math.log(r2);
}

/** g x g control points on [−1, 1]², row-major, as [x, y] pairs. */
export function tpsControlPoints(g: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < g; i++) for (let j = 0; j < g; j++) out.push([normCoord(j, g), normCoord(i, g)]);
  return out;
}

/**
 * The thin-plate-spline interpolation matrix A [h·w, K] for K fixed source control points c_k:
 * the TPS f with f(c_k) = t_k, evaluated at the output grid, is A·t for every target set t [K,2].
 * (f(p) = a₀ + a₁x + a₂y + Σ_k w_k U(‖p − c_k‖), with [w; a] = L⁻¹ [t; 0] and
 * L = [[U(‖c_i − c_j‖)], [1 x y]; [1 x y]ᵀ, 0].) Computed in float64.
 */
export function tpsMatrix(h: number, w: number, ctrl: [number, number][]): tf.Tensor2D {
  const k = ctrl.length;
  const L: number[][] = [];
  for (let i = 0; i < k + 3; i++) L.push(new Array<number>(k + 3).fill(0));
  for (let i = 0; i < k; i++) {
    const [xi, yi] = ctrl[i]!;
    for (let j = 0; j < k; j++) L[i]![j] = tpsU(xi - ctrl[j]![0], yi - ctrl[j]![1]);
    for (const [c, v] of [1, xi, yi].entries()) {
      L[i]![k + c] = v;
      L[k + c]![i] = v;
    }
  }
  const rhs = L.map((_, i) => Array.from({ length: k }, (_, j) => (i === j ? 1 : 0)));
  let linv: number[][]; // [k+3, k] = L⁻¹[:, :k]
  try {
    linv = solveLinearSystem(L, rhs);
  } catch (e) {
    if (!isCvglError(e)) throw e;
    throw new CvglError('TPS control points, at least 3 of them not on one line', `${k} points whose TPS system is singular (${e.found})`, 'use a grid of control points, e.g. tpsControlPoints(4)');
  }
  const v = new Float32Array(h * w * k);
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      const x = normCoord(j, w);
      const y = normCoord(i, h);
      const phi = [...ctrl.map(([cx, cy]) => tpsU(x - cx, y - cy)), 1, x, y];
      for (let q = 0; q < k; q++) {
        let s = 0;
        for (let r = 0; r < k + 3; r++) s += phi[r]! * linv[r]![q]!;
        v[(i * w + j) * k + q] = s;
      }
    }
  return tf.tensor2d(v, [h * w, k]);
}

/**
 * A thin-plate-spline spatial transformer of f [B,h,w,C]: the source coordinates of the output
 * grid follow the TPS that maps the control points `ctrl` to `targets` [B, K, 2] (normalised
 * (x, y)); targets = ctrl is the identity.
 */
export function tpsTransform(f: tf.Tensor4D, targets: tf.Tensor3D, ctrl: [number, number][]): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w] = f.shape;
    const k = ctrl.length;
    const a = tpsMatrix(h, w, ctrl);
    const t = tf.reshape(tf.transpose(targets, [1, 0, 2]), [k, b * 2]) as tf.Tensor2D;
    const src = tf.transpose(tf.reshape(tf.matMul(a, t), [h * w, b, 2]), [1, 2, 0]); // [B, 2, No]
    const [xs, ys] = tf.unstack(src, 1) as [tf.Tensor2D, tf.Tensor2D];
    return sampleFeatureMap(f, xs, ys);
  });
}
