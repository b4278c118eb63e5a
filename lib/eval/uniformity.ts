/**
 * The uniformity metric of the thesis (003), Sec. 3.3, after Wang & Isola [51]: the log of the
 * mean pairwise Gaussian potential of L2-normalised representations,
 *
 *   L_uniform = log E_{x,y} exp(−t ‖f(x) − f(y)‖²)                                    (Eq. 3.5)
 *
 * with t = 2, the default of Wang & Isola [51] whose metric the thesis adopts: the thesis never
 * states t (lib/papers/thesis/readings.ts, thesis.uniformity-t).
 *
 * reported three times (Eqs. 3.6–3.8): within the ground features, within the satellite features,
 * and over all 2N features together. Eqs. 3.6–3.8 print "log Σ_i Σ_{j≠i}", a sum; but the values
 * the thesis reports (−0.93 … −2.76, Figs. 4.3, 4.4) are only possible for a mean (a sum of
 * N(N−1) terms each ≥ e^{−4t} would be far above 0 for thousands of samples), so this is the mean
 * over ordered pairs i ≠ j:
 *
 *   value = log( Σ_{i≠j} exp(−t ‖z_i − z_j‖²) / (M (M − 1)) ),   M the number of features.
 *
 * Inputs: descriptors must be L2-normalised (unit rows, within `tolerance`, default 1e-3), else a
 * CvglError says so; `normalize: true` normalises them here instead. Deciding silently would hide
 * a model whose embeddings are not on the sphere, where the metric means nothing.
 *
 * Scale: pairwise blocks of `blockRows` (2048) rows per side, each block reduced on the backend to
 * a per-row max and sum of shifted exponentials, combined in float64 as a log-sum-exp (stable for
 * any t); the symmetric within-view sums compute each off-diagonal block pair once (counted twice).
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { l2NormalizeRows } from '../nn/l2.js';
import { descriptorArray, rowSquaredNorms, rowsTensor, shapeOf, type DescriptorArray, type Descriptors } from './similarity_blocks.js';

export interface UniformityOptions {
  /** Kernel sharpness t of Eq. 3.5 (default 2: Wang & Isola's; the thesis never states t). */
  t?: number;
  /** Normalise the rows here (default false: check that they are unit rows). */
  normalize?: boolean;
  /** Largest |‖z‖ − 1| accepted without `normalize` (default 1e-3). */
  tolerance?: number;
  /** Rows per side of one pairwise block (default 2048). */
  blockRows?: number;
  onProgress?: (p: { done: number; total: number }) => void;
}

export interface UniformityResult {
  /** Eq. 3.6, ground features. */
  ground: number;
  /** Eq. 3.7, satellite features. */
  satellite: number;
  /** Eq. 3.8, ground and satellite features together. */
  all: number;
  t: number;
  nGround: number;
  nSatellite: number;
}

/** Running log Σ exp(v) in float64. */
class LogSum {
  private m = -Infinity;
  private s = 0;
  add(v: number): void {
    if (v === -Infinity) return;
    if (v > this.m) {
      this.s = this.s * Math.exp(this.m - v) + 1;
      this.m = v;
    } else this.s += Math.exp(v - this.m);
  }
  get value(): number {
    return this.m + Math.log(this.s);
  }
}

function checkUnit(x: DescriptorArray, what: string, tol: number): void {
  const sq = rowSquaredNorms(x);
  for (let i = 0; i < sq.length; i++) {
    const n = Math.sqrt(sq[i]!);
    if (!(Math.abs(n - 1) <= tol)) {
      throw new CvglError(`uniformity: L2-normalised ${what} descriptors (unit rows, Sec. 3.3)`, `row ${i} has norm ${n}`, 'pass { normalize: true }, or normalise the embeddings first');
    }
  }
}

interface Blocked {
  x: Descriptors;
  n: number;
  normalize: boolean;
}

function upload(b: Blocked, start: number, end: number): { t: tf.Tensor2D; dispose: () => void } {
  const r = rowsTensor(b.x, start, end);
  if (!b.normalize) return { t: r.t, dispose: () => r.owned && r.t.dispose() };
  const t = l2NormalizeRows(r.t);
  if (r.owned) r.t.dispose();
  return { t, dispose: () => t.dispose() };
}

/**
 * log Σ exp(−t ‖a_i − b_j‖²) over all (i, j) of a block, per row: [max, Σ exp(· − max)].
 * `diagonal`: the block sits on the diagonal of one set, its i = j entries are excluded.
 */
function blockRows(a: tf.Tensor2D, b: tf.Tensor2D, t: number, diagonal: boolean): [tf.Tensor1D, tf.Tensor1D] {
  return tf.tidy(() => {
    const na = tf.sum(tf.square(a), 1, true);
    const nb = tf.reshape(tf.sum(tf.square(b), 1), [1, -1]);
    const d2 = tf.relu(tf.sub(tf.add(na, nb), tf.mul(tf.matMul(a, tf.transpose(b)), 2))); // no transposeB: slow on wasm
    let e: tf.Tensor2D = tf.mul(d2, -t);
    if (diagonal) e = tf.where(tf.cast(tf.eye(a.shape[0]), 'bool'), tf.fill(e.shape, -Infinity), e);
    const m = tf.max(e, 1);
    const s = tf.sum(tf.exp(tf.sub(e, tf.reshape(m, [-1, 1]))), 1);
    return [m as tf.Tensor1D, s as tf.Tensor1D];
  });
}

/** log of Σ over ordered pairs of rows of `a` x `b` (i ≠ j when `same`). */
async function pairLogSum(a: Blocked, b: Blocked, same: boolean, t: number, rows: number, tick: () => void): Promise<number> {
  const acc = new LogSum();
  for (let i0 = 0; i0 < a.n; i0 += rows) {
    const i1 = Math.min(a.n, i0 + rows);
    const A = upload(a, i0, i1);
    try {
      for (let j0 = same ? i0 : 0; j0 < b.n; j0 += rows) {
        const j1 = Math.min(b.n, j0 + rows);
        const B = same && j0 === i0 ? A : upload(b, j0, j1);
        const [m, s] = blockRows(A.t, B.t, t, same && j0 === i0);
        if (B !== A) B.dispose();
        const [mv, sv] = [(await m.data()) as Float32Array, (await s.data()) as Float32Array];
        tf.dispose([m, s]);
        const extra = same && j0 !== i0 ? Math.LN2 : 0; // the (j, i) block of a symmetric set
        for (let r = 0; r < mv.length; r++) if (mv[r]! > -Infinity) acc.add(mv[r]! + Math.log(sv[r]!) + extra);
        tick();
      }
    } finally {
      A.dispose();
    }
  }
  return acc.value;
}

/** Eqs. 3.6–3.8 (as means over pairs i ≠ j, see the file comment) of ground `g` and satellite `s`. */
export async function uniformityMetric(g: Descriptors, s: Descriptors, o: UniformityOptions = {}): Promise<UniformityResult> {
  const t = o.t ?? 2;
  if (!(t > 0)) throw new CvglError('uniformity: t > 0', String(t), 't = 2 is Wang & Isola\'s default (the thesis never states t)');
  const [ng, dg] = shapeOf(g, 'ground');
  const [ns, ds] = shapeOf(s, 'satellite');
  if (dg !== ds) throw new CvglError('ground and satellite descriptors of the same dimension', `${dg} vs ${ds}`, 'embed both views with the same model');
  if (ng < 2 || ns < 2) throw new CvglError('uniformity: at least 2 descriptors of each view', `${ng} ground, ${ns} satellite`, 'embed more samples');
  const normalize = Boolean(o.normalize);
  if (!normalize) {
    checkUnit(await descriptorArray(g), 'ground', o.tolerance ?? 1e-3);
    checkUnit(await descriptorArray(s), 'satellite', o.tolerance ?? 1e-3);
  }
  const rows = Math.max(1, o.blockRows ?? 2048);
  const G: Blocked = { x: g, n: ng, normalize }, S: Blocked = { x: s, n: ns, normalize };
  const nb = (n: number) => Math.ceil(n / rows);
  const total = (nb(ng) * (nb(ng) + 1)) / 2 + (nb(ns) * (nb(ns) + 1)) / 2 + nb(ng) * nb(ns);
  let done = 0;
  const tick = () => o.onProgress?.({ done: ++done, total });
  const lgg = await pairLogSum(G, G, true, t, rows, tick);
  const lss = await pairLogSum(S, S, true, t, rows, tick);
  const lgs = await pairLogSum(G, S, false, t, rows, tick);
  const all = new LogSum();
  for (const v of [lgg, lss, lgs + Math.LN2]) all.add(v);
  const m = ng + ns;
  return {
    ground: lgg - Math.log(ng * (ng - 1)),
    satellite: lss - Math.log(ns * (ns - 1)),
    all: all.value - Math.log(m * (m - 1)),
    t,
    nGround: ng,
    nSatellite: ns,
  };
}
