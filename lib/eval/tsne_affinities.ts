/**
 * The input-space side of t-SNE (van der Maaten & Hinton 2008, ref. [46] of the thesis 003,
 * Sec. 3.3): exact k nearest neighbours in squared Euclidean distance, the per-point Gaussian
 * bandwidths found by binary search so that each conditional distribution p_{j|i} has the asked
 * perplexity (Eq. 1 of [46], Perp(P_i) = 2^{H(P_i)}), and the symmetrised joint
 * p_ij = (p_{j|i} + p_{i|j}) / Σ (Sec. 3.1 of [46]), kept sparse over the neighbour graph as
 * Barnes–Hut-SNE (van der Maaten 2014) and scikit-learn's default method do.
 *
 * Plain float64 typed arrays, no TensorFlow.js. Each step is a generator that yields the number
 * of rows done, so that the caller can report progress and give the event loop a turn.
 */

/** k nearest neighbours of every row, nearest first: indices and squared distances, [n, k]. */
export interface Neighbours {
  k: number;
  indices: Int32Array;
  dist2: Float64Array;
}

/** Symmetric sparse matrix in compressed rows: row i holds cols[rowPtr[i] .. rowPtr[i+1]). */
export interface SparseRows {
  n: number;
  rowPtr: Int32Array;
  cols: Int32Array;
  vals: Float64Array;
}

/** Rows handled between two yields of the generators below. */
const ROWS_PER_YIELD = 64;

/**
 * Exact k-NN by brute force over all pairs (each pair computed once and offered to both rows'
 * bounded max-heaps). O(n² · dim); yields the number of rows finished.
 */
export function* nearestNeighbours(x: Float64Array, n: number, dim: number, k: number): Generator<number, Neighbours> {
  const hd = new Float64Array(n * k).fill(Infinity);
  const hi = new Int32Array(n * k).fill(-1);
  const size = new Int32Array(n);
  const offer = (row: number, j: number, d: number): void => {
    const base = row * k;
    let s = size[row]!;
    if (s < k) {
      // sift up
      let c = s;
      size[row] = s + 1;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (hd[base + p]! >= d) break;
        hd[base + c] = hd[base + p]!;
        hi[base + c] = hi[base + p]!;
        c = p;
      }
      hd[base + c] = d;
      hi[base + c] = j;
      return;
    }
    if (d >= hd[base]!) return;
    // replace the root (largest) and sift down
    s = k;
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= s) break;
      const r = l + 1;
      const m = r < s && hd[base + r]! > hd[base + l]! ? r : l;
      if (hd[base + m]! <= d) break;
      hd[base + c] = hd[base + m]!;
      hi[base + c] = hi[base + m]!;
      c = m;
    }
    hd[base + c] = d;
    hi[base + c] = j;
  };
  for (let i = 0; i < n; i++) {
    const oi = i * dim;
    for (let j = i + 1; j < n; j++) {
      const oj = j * dim;
      let d = 0;
      let t = 0;
      for (; t + 3 < dim; t += 4) {
        const a = x[oi + t]! - x[oj + t]!;
        const b = x[oi + t + 1]! - x[oj + t + 1]!;
        const c = x[oi + t + 2]! - x[oj + t + 2]!;
        const e = x[oi + t + 3]! - x[oj + t + 3]!;
        d += a * a + b * b + c * c + e * e;
      }
      for (; t < dim; t++) {
        const a = x[oi + t]! - x[oj + t]!;
        d += a * a;
      }
      offer(i, j, d);
      offer(j, i, d);
    }
    if ((i + 1) % ROWS_PER_YIELD === 0) yield i + 1;
  }
  // heaps -> ascending order (ties by index, so the result does not depend on heap history)
  const order = Array.from({ length: k }, (_, t) => t);
  const td = new Float64Array(k);
  const ti = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const base = i * k;
    order.sort((a, b) => hd[base + a]! - hd[base + b]! || hi[base + a]! - hi[base + b]!);
    for (let t = 0; t < k; t++) {
      td[t] = hd[base + order[t]!]!;
      ti[t] = hi[base + order[t]!]!;
    }
    hd.set(td, base);
    hi.set(ti, base);
    for (let t = 0; t < k; t++) order[t] = t;
  }
  return { k, indices: hi, dist2: hd };
}

/**
 * p_{j|i} over each row's neighbours (Eq. 1 of [46]): exp(−β_i d²_ij) normalised, β_i found by
 * bisection on the entropy H(P_i) = log Perp (natural log), starting from β = 1, doubling/halving
 * until bracketed — the search of scikit-learn's `_binary_search_perplexity` (tolerance 1e-5,
 * at most 100 steps). Distances are shifted by the row's smallest one first (the normalised
 * p_{j|i} do not change; exp cannot underflow to an all-zero row). Returns [n, k] values.
 */
export function* conditionalProbabilities(nb: Neighbours, n: number, perplexity: number): Generator<number, Float64Array> {
  const { k, dist2 } = nb;
  const out = new Float64Array(n * k);
  const target = Math.log(perplexity);
  for (let i = 0; i < n; i++) {
    const base = i * k;
    let dmin = Infinity;
    for (let t = 0; t < k; t++) dmin = Math.min(dmin, dist2[base + t]!);
    let beta = 1;
    let lo = -Infinity;
    let hi = Infinity;
    let sumP = 0;
    for (let step = 0; step < 100; step++) {
      sumP = 0;
      let sumDP = 0;
      for (let t = 0; t < k; t++) {
        const d = dist2[base + t]! - dmin;
        const p = Math.exp(-d * beta);
        out[base + t] = p;
        sumP += p;
        sumDP += d * p;
      }
      const entropy = Math.log(sumP) + (beta * sumDP) / sumP;
      const diff = entropy - target;
      if (Math.abs(diff) <= 1e-5) break;
      if (diff > 0) {
        lo = beta;
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = lo === -Infinity ? beta / 2 : (beta + lo) / 2;
      }
    }
    for (let t = 0; t < k; t++) out[base + t] = out[base + t]! / sumP;
    if ((i + 1) % (ROWS_PER_YIELD * 16) === 0) yield i + 1;
  }
  return out;
}

/**
 * The symmetrised joint distribution p_ij = (p_{j|i} + p_{i|j}) / Σ_kl (p_{l|k} + p_{k|l})
 * (Sec. 3.1 of [46]) over the union of both neighbour directions, as sparse rows; every pair is
 * stored in both of its rows.
 */
export function symmetrise(nb: Neighbours, cond: Float64Array, n: number): SparseRows {
  const { k, indices } = nb;
  // generous per-row slots: own neighbours + reverse edges
  const count = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    count[i]! += k;
    for (let t = 0; t < k; t++) count[indices[i * k + t]!]! += 1;
  }
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i]! + count[i]!;
  const rawCols = new Int32Array(start[n]!);
  const rawVals = new Float64Array(start[n]!);
  const fill = start.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t]!;
      const p = cond[i * k + t]!;
      rawCols[fill[i]!] = j;
      rawVals[fill[i]!] = p;
      fill[i]! += 1;
      rawCols[fill[j]!] = i;
      rawVals[fill[j]!] = p;
      fill[j]! += 1;
    }
  }
  // merge duplicates row by row (a pair in both neighbour lists), in order of first appearance
  const slot = new Int32Array(n).fill(-1);
  const rowPtr = new Int32Array(n + 1);
  const cols = new Int32Array(start[n]!);
  const vals = new Float64Array(start[n]!);
  let nnz = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const rowStart = nnz;
    for (let e = start[i]!; e < start[i + 1]!; e++) {
      const j = rawCols[e]!;
      const s = slot[j]!;
      if (s >= 0) vals[s] = vals[s]! + rawVals[e]!;
      else {
        slot[j] = nnz;
        cols[nnz] = j;
        vals[nnz] = rawVals[e]!;
        nnz++;
      }
    }
    for (let e = rowStart; e < nnz; e++) {
      slot[cols[e]!] = -1;
      total += vals[e]!;
    }
    rowPtr[i + 1] = nnz;
  }
  const scale = 1 / Math.max(total, Number.EPSILON);
  const v = vals.slice(0, nnz);
  for (let e = 0; e < nnz; e++) v[e] = v[e]! * scale;
  return { n, rowPtr, cols: cols.slice(0, nnz), vals: v };
}
