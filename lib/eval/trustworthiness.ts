/**
 * Trustworthiness of an embedding (Venna & Kaski 2001; the definition of
 * `sklearn.manifold.trustworthiness`, Euclidean metric):
 *
 *   T(k) = 1 − 2 / (n k (2n − 3k − 1)) · Σ_i Σ_{j ∈ N_k(i)} max(0, r(i, j) − k)
 *
 * where N_k(i) are the k nearest neighbours of i in the embedding and r(i, j) is the rank of j
 * among i's neighbours in the input space (1 = nearest). 1 means every embedded neighbourhood is
 * made of true neighbours. Reports print it beside the thesis' t-SNE plots (003, Sec. 3.3,
 * Figs. 4.3/4.4) to say how faithful a plot is. O(n² (dim + k)) time, O(n) extra memory.
 */
import { CvglError } from '../engine/errors.js';

type Floats = Float32Array | Float64Array;

/** `x` is [n, dim], `y` is [n, y.length / n] (row-major); `k` neighbours (default 5, as sklearn). */
export function trustworthiness(x: Floats, n: number, dim: number, y: Floats, k = 5): number {
  if (!Number.isInteger(n) || n < 3 || !Number.isInteger(dim) || dim < 1 || x.length !== n * dim) {
    throw new CvglError(
      'trustworthiness: x holds n rows of dim values (n ≥ 3)',
      `x.length ${x.length} for n = ${n}, dim = ${dim}`,
      'pass the number of points and the descriptor size that match the data',
    );
  }
  const ed = y.length / n;
  if (!Number.isInteger(ed) || ed < 1) {
    throw new CvglError('trustworthiness: y holds n rows of the embedding', `y.length ${y.length} for n = ${n}`, 'pass the embedding of the same n points');
  }
  if (!Number.isInteger(k) || k < 1 || k >= n / 2) {
    throw new CvglError(
      'trustworthiness: a neighbourhood size k with 1 ≤ k < n / 2',
      `k = ${k} for n = ${n}`,
      `use k between 1 and ${Math.ceil(n / 2) - 1} (scikit-learn's default is 5)`,
    );
  }
  const dx = new Float64Array(n);
  const nbD = new Float64Array(k);
  const nbI = new Int32Array(k);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    // input-space distances of row i
    for (let j = 0; j < n; j++) {
      let d = 0;
      for (let t = 0; t < dim; t++) {
        const a = x[i * dim + t]! - x[j * dim + t]!;
        d += a * a;
      }
      dx[j] = d;
    }
    // the k nearest in the embedding, by (distance, index), by insertion into a sorted list
    let size = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let d = 0;
      for (let t = 0; t < ed; t++) {
        const a = y[i * ed + t]! - y[j * ed + t]!;
        d += a * a;
      }
      if (size === k && d >= nbD[k - 1]!) continue;
      let p = size < k ? size++ : k - 1;
      while (p > 0 && nbD[p - 1]! > d) {
        nbD[p] = nbD[p - 1]!;
        nbI[p] = nbI[p - 1]!;
        p--;
      }
      nbD[p] = d;
      nbI[p] = j;
    }
    // rank of each in the input space: 1 + #{l ≠ i closer (ties broken by index)}
    for (let t = 0; t < k; t++) {
      const j = nbI[t]!;
      const dj = dx[j]!;
      let rank = 1;
      for (let l = 0; l < n; l++) {
        if (l === i || l === j) continue;
        const dl = dx[l]!;
        if (dl < dj || (dl === dj && l < j)) rank++;
      }
      if (rank > k) sum += rank - k;
    }
  }
  return 1 - sum * (2 / (n * k * (2 * n - 3 * k - 1)));
}
