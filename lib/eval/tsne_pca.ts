/**
 * The 'pca' initialisation of t-SNE as scikit-learn 1.2 does it: the scores of the first two
 * principal components of the centred data (randomised range finder, Halko et al. 2011,
 * Alg. 4.4, with power iterations), signs fixed so that each score column's largest-magnitude
 * entry is positive (scikit-learn's `svd_flip`), then scaled so that the first column has
 * standard deviation 1e-4 (the scale of its random init, scikit-learn issue #18018).
 * Plain float64; randomness only from the seeded generator.
 */
import { CvglError } from '../engine/errors.js';
import type { SeededRandom } from '../engine/random.js';

/** Orthonormalises the `k` columns of the [rows, k] row-major matrix in place (Gram–Schmidt twice). */
function orthonormalise(a: Float64Array, rows: number, k: number): void {
  for (let c = 0; c < k; c++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let b = 0; b < c; b++) {
        let dot = 0;
        for (let r = 0; r < rows; r++) dot += a[r * k + c]! * a[r * k + b]!;
        for (let r = 0; r < rows; r++) a[r * k + c] = a[r * k + c]! - dot * a[r * k + b]!;
      }
    }
    let norm = 0;
    for (let r = 0; r < rows; r++) norm += a[r * k + c]! ** 2;
    norm = Math.sqrt(norm);
    const f = norm > 1e-300 ? 1 / norm : 0; // a rank-deficient direction stays zero
    for (let r = 0; r < rows; r++) a[r * k + c] = a[r * k + c]! * f;
  }
}

/** Eigen-decomposition of a symmetric [m, m] matrix by cyclic Jacobi: values and column vectors. */
export function symmetricEigen(s: Float64Array, m: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(s);
  const v = new Float64Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += a[p * m + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = a[p * m + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const tau = (a[q * m + q]! - a[p * m + p]!) / (2 * apq);
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = t * c;
        for (let k = 0; k < m; k++) {
          const akp = a[k * m + p]!, akq = a[k * m + q]!;
          a[k * m + p] = c * akp - sn * akq;
          a[k * m + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < m; k++) {
          const apk = a[p * m + k]!, aqk = a[q * m + k]!;
          a[p * m + k] = c * apk - sn * aqk;
          a[q * m + k] = sn * apk + c * aqk;
        }
        for (let k = 0; k < m; k++) {
          const vkp = v[k * m + p]!, vkq = v[k * m + q]!;
          v[k * m + p] = c * vkp - sn * vkq;
          v[k * m + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(m);
  for (let i = 0; i < m; i++) values[i] = a[i * m + i]!;
  return { values, vectors: v };
}

/**
 * The first `nComponents` principal-component scores of x ([n, dim]), [n, nComponents], signs
 * as `svd_flip`. `rng` draws the range finder's Gaussian test matrix.
 */
export function pcaScores(x: Float64Array, n: number, dim: number, nComponents: number, rng: SeededRandom): Float64Array {
  const k = Math.min(nComponents + 8, dim, n);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let t = 0; t < dim; t++) mean[t] = mean[t]! + x[i * dim + t]!;
  for (let t = 0; t < dim; t++) mean[t] = mean[t]! / n;
  // Xc · A for A [dim, k]  ->  [n, k]
  const right = (a: Float64Array): Float64Array => {
    const out = new Float64Array(n * k);
    const ma = new Float64Array(k);
    for (let t = 0; t < dim; t++) for (let c = 0; c < k; c++) ma[c] = ma[c]! + mean[t]! * a[t * k + c]!;
    for (let i = 0; i < n; i++) {
      const oi = i * dim;
      for (let t = 0; t < dim; t++) {
        const xv = x[oi + t]!;
        if (xv === 0) continue;
        for (let c = 0; c < k; c++) out[i * k + c] = out[i * k + c]! + xv * a[t * k + c]!;
      }
      for (let c = 0; c < k; c++) out[i * k + c] = out[i * k + c]! - ma[c]!;
    }
    return out;
  };
  // Xcᵀ · B for B [n, k]  ->  [dim, k]
  const left = (b: Float64Array): Float64Array => {
    const out = new Float64Array(dim * k);
    const sb = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const oi = i * dim;
      for (let c = 0; c < k; c++) sb[c] = sb[c]! + b[i * k + c]!;
      for (let t = 0; t < dim; t++) {
        const xv = x[oi + t]!;
        if (xv === 0) continue;
        for (let c = 0; c < k; c++) out[t * k + c] = out[t * k + c]! + xv * b[i * k + c]!;
      }
    }
    for (let t = 0; t < dim; t++) for (let c = 0; c < k; c++) out[t * k + c] = out[t * k + c]! - mean[t]! * sb[c]!;
    return out;
  };
  const omega = new Float64Array(dim * k);
  for (let i = 0; i < omega.length; i++) omega[i] = rng.normal();
  let q = right(omega);
  orthonormalise(q, n, k);
  for (let it = 0; it < 7; it++) {
    const z = left(q);
    orthonormalise(z, dim, k);
    q = right(z);
    orthonormalise(q, n, k);
  }
  // B = Qᵀ Xc [k, dim];  B Bᵀ = Û Σ² Ûᵀ;  scores = Q Û Σ
  const bt = left(q); // = Xcᵀ Q = Bᵀ, [dim, k]
  const bbt = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      let s = 0;
      for (let t = 0; t < dim; t++) s += bt[t * k + a]! * bt[t * k + b]!;
      bbt[a * k + b] = s;
      bbt[b * k + a] = s;
    }
  }
  const { values, vectors } = symmetricEigen(bbt, k);
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => values[b]! - values[a]!);
  const out = new Float64Array(n * nComponents);
  for (let c = 0; c < nComponents; c++) {
    if (c >= k) break; // fewer directions than components: the rest stay zero
    const e = order[c]!;
    const sigma = Math.sqrt(Math.max(values[e]!, 0));
    let best = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let r = 0; r < k; r++) s += q[i * k + r]! * vectors[r * k + e]!;
      out[i * nComponents + c] = s * sigma;
      if (Math.abs(s) > Math.abs(best)) best = s;
    }
    if (best < 0) for (let i = 0; i < n; i++) out[i * nComponents + c] = -out[i * nComponents + c]!;
  }
  return out;
}

/** scikit-learn's PCA init of the 2-D embedding: PCA scores with std(first column) = 1e-4. */
export function pcaInit(x: Float64Array, n: number, dim: number, rng: SeededRandom): Float64Array {
  const y = pcaScores(x, n, dim, 2, rng);
  let m = 0;
  for (let i = 0; i < n; i++) m += y[2 * i]!;
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (y[2 * i]! - m) ** 2;
  const std = Math.sqrt(v / n);
  if (!(std > 0)) {
    throw new CvglError(
      't-SNE with init "pca" needs data that varies along at least one direction',
      `all ${n} points are identical (the first principal component has zero variance)`,
      'check the descriptors (a collapsed model gives identical rows), or pass init: "random"',
    );
  }
  for (let i = 0; i < 2 * n; i++) y[i] = (y[i]! / std) * 1e-4;
  return y;
}
