/**
 * The Sinkhorn operation of CVFT (002, Sec. 4.2, Eq. 1–3): the entropy-regularised transport
 * plan of a cost matrix C, by alternating row and column normalisation of the kernel
 * C' = exp(−λC):
 *
 *   N^r_ij(C') = c'_ij / Σ_k c'_ik,   N^c_ij(C') = c'_ij / Σ_k c'_kj            (Eq. 2)
 *   S^0(C') = C',   S^m(C') = N^c(N^r(S^{m−1}(C')))                             (Eq. 3)
 *
 * Numerics: the iteration runs in the log domain. With L⁰ = −λC,
 *
 *   L ← L − logsumexp_k L[i,k] + log a_i      (rows:    log of N^r, scaled to the marginal a)
 *   L ← L − logsumexp_k L[k,j] + log b_j      (columns: log of N^c, scaled to the marginal b)
 *
 * and S^m = exp(L^m). Since log(c'_ij / Σ_k c'_ik) = log c'_ij − log Σ_k exp(log c'_ik), this is
 * Eq. 2–3 exactly in exact arithmetic (for a = b = 1, the defaults); each log-normalisation is
 * tfjs' `logSoftmax` (max-subtracted, with its own analytic gradient), so exp never over- or
 * underflows before normalising: λ·C may span thousands where exp(−λC) itself would be 0 or ∞
 * in float32. The gradient is that of the unrolled iteration (the paper's Eq. 4 for m = 1),
 * computed by tfjs' autodiff through plain ops; no implicit differentiation.
 *
 * Marginals (optional): Eq. 2 normalises every row and column to 1 (a doubly stochastic matrix
 * for square C). `rowMarginal` a and `colMarginal` b generalise it to the transport polytope of
 * Eq. 1, {P ≥ 0 : P·1 = a, Pᵀ·1 = b} (Cuturi 2013); Σa must equal Σb for the two to be reachable
 * together. After m ≥ 1 iterations the columns sum to b exactly (the last step), the rows to a
 * up to the convergence of the iteration.
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';

/** Defaults of CVFT's released code (the paper gives no values): λ = 100, m = 20 iterations. */
export const SINKHORN_DEFAULTS = { lambda: 100, iterations: 20 } as const;

export interface SinkhornOptions {
  /** λ of C' = exp(−λC) (Sec. 4.2). Default 100. */
  lambda?: number;
  /** m, the number of row+column normalisation pairs (Eq. 3). Default 20; 0 returns C' itself. */
  iterations?: number;
  /**
   * Row sums a: a number (every row) or a tensor [N] / [B, N]. Default 1 (Eq. 2).
   */
  rowMarginal?: number | tf.Tensor;
  /**
   * Column sums b: a number (every column) or a tensor [M] / [B, M]. Default: 1 for a square
   * C (Eq. 2), N/M for an N x M one (so that the total mass N matches the rows').
   */
  colMarginal?: number | tf.Tensor;
}

function checkNumber(name: string, v: number, integer: boolean, min: number): void {
  if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    throw new CvglError(
      `Sinkhorn: ${name} ${integer ? 'an integer' : 'a finite number'} >= ${min}`,
      String(v),
      `pass ${name} ${integer ? `as a whole number >= ${min}` : `>= ${min}`} (defaults: λ = 100, m = 20)`,
    );
  }
}

/** log of a marginal, shaped to broadcast against L [B, N, M] along `axis` (1: rows, 2: columns). */
function logMarginal(m: number | tf.Tensor, len: number, axis: 1 | 2, what: string): tf.Tensor | number | null {
  if (typeof m === 'number') {
    if (!(m > 0) || !Number.isFinite(m)) {
      throw new CvglError(`Sinkhorn: a ${what} marginal > 0`, String(m), 'pass positive row/column sums');
    }
    return m === 1 ? null : Math.log(m);
  }
  const ok = (m.rank === 1 && m.shape[0] === len) || (m.rank === 2 && m.shape[1] === len);
  if (!ok) {
    throw new CvglError(
      `Sinkhorn: a ${what} marginal of shape [${len}] or [B, ${len}]`,
      `shape [${m.shape.join(', ')}]`,
      `give one positive weight per ${what === 'row' ? 'row' : 'column'} of the cost matrix`,
    );
  }
  const lg = tf.log(m);
  const b = m.rank === 1 ? 1 : m.shape[0]!;
  return axis === 1 ? tf.reshape(lg, [b, len, 1]) : tf.reshape(lg, [b, 1, len]);
}

/**
 * log S^m(exp(L0)) for a log-kernel L0 [B, N, M] (or [N, M]): the log-domain iteration above.
 * `sinkhorn(C)` is `exp(sinkhornLog(−λC))`.
 */
export function sinkhornLog(logKernel: tf.Tensor, opts: Omit<SinkhornOptions, 'lambda'> = {}): tf.Tensor {
  const m = opts.iterations ?? SINKHORN_DEFAULTS.iterations;
  checkNumber('iterations (m)', m, true, 0);
  if (logKernel.rank !== 2 && logKernel.rank !== 3) {
    throw new CvglError(
      'Sinkhorn: a cost matrix [N, M] or a batch of them [B, N, M]',
      `a tensor of shape [${logKernel.shape.join(', ')}]`,
      'reshape the costs to [B, N, M]',
    );
  }
  return tf.tidy(() => {
    const squeeze = logKernel.rank === 2;
    let L = (squeeze ? tf.expandDims(logKernel, 0) : logKernel) as tf.Tensor3D;
    const [, n, mm] = L.shape;
    const la = logMarginal(opts.rowMarginal ?? 1, n, 1, 'row');
    const lb = logMarginal(opts.colMarginal ?? n / mm, mm, 2, 'column');
    for (let it = 0; it < m; it++) {
      // rows: L[i,:] − logsumexp(L[i,:]) (+ log a_i)
      L = tf.logSoftmax(L, -1) as tf.Tensor3D;
      if (la !== null) L = tf.add(L, la) as tf.Tensor3D;
      // columns: the same along axis 1, as rows of Lᵀ
      L = tf.transpose(tf.logSoftmax(tf.transpose(L, [0, 2, 1]), -1), [0, 2, 1]) as tf.Tensor3D;
      if (lb !== null) L = tf.add(L, lb) as tf.Tensor3D;
    }
    return squeeze ? tf.squeeze(L, [0]) : L;
  });
}

/**
 * P = S^m(exp(−λC)) (Eq. 1–3) of a cost C [B, N, M] (or [N, M]); differentiable (unrolled).
 * For square C and the default marginals every row and column sums to 1 (doubly stochastic).
 */
export function sinkhorn(cost: tf.Tensor, opts: SinkhornOptions = {}): tf.Tensor {
  const lambda = opts.lambda ?? SINKHORN_DEFAULTS.lambda;
  checkNumber('lambda (λ)', lambda, false, 0);
  return tf.tidy(() => tf.exp(sinkhornLog(tf.mul(cost, -lambda), opts)));
}

/**
 * FLOPs of m Sinkhorn iterations on one N x M cost (analytic, for `flops()`): the kernel
 * (one multiply and one exp per entry) and, per normalisation, one add (the sum) and one divide
 * per entry — as Eq. 2–3 count them, not the log-domain form's extra exps and logs.
 */
export function sinkhornFlops(n: number, m: number, iterations: number): number {
  return 2 * n * m + iterations * 2 * (2 * n * m);
}
