/**
 * Column 3 of the thesis' feature-distribution plots (003, Sec. 3.3; Figs. 4.3 and 4.4, "features
 * density estimation by Mises-Fisher (vMF) KDE on angles (i.e., arctan2(y, x) for each point
 * (x, y) ∈ S¹)"), after Wang & Isola 2020 (ref. [51], Fig. 3): a kernel density estimate on the
 * circle with von Mises kernels of concentration κ,
 *
 *   f̂(θ) = (1/n) Σ_i exp(κ cos(θ − θ_i)) / (2π I₀(κ))
 *        = (1/n) Σ_i exp(κ (cos(θ − θ_i) − 1)) / (2π I₀ₑ(κ)),   I₀ₑ(κ) = e^{−κ} I₀(κ),
 *
 * the second form finite for any κ (I₀(κ) alone overflows past κ ≈ 713).
 *
 * κ: neither the thesis nor [51] states the value behind their plots; the default 100 is our
 * choice — a kernel of angular spread ≈ 1/√κ ≈ 0.1 rad (5.7°), smooth for the few thousand
 * validation descriptors of a CVACT/VIGOR plot yet sharp enough to show the peaks the thesis
 * discusses. Pass `kappa` to match another plot.
 */
import { CvglError } from '../engine/errors.js';

/** Default concentration of the vMF kernels (see the file comment). */
export const DEFAULT_KAPPA = 100;

/**
 * I₀ₑ(x) = e^{−|x|} I₀(x), the exponentially scaled modified Bessel function of the first kind,
 * order 0. |x| ≤ 30: the power series I₀(x) = Σ_k ((x/2)^{2k}) / (k!)² (positive terms: no
 * cancellation, relative error a few ulp); |x| > 30: the asymptotic expansion
 * I₀ₑ(x) ≈ (2πx)^{−1/2} Σ_k [(2k − 1)!!]² / (k! (8x)^k) (Abramowitz & Stegun 9.7.1), summed
 * while its terms still shrink (they do until k ≈ 2x, far past double precision).
 */
export function i0e(x: number): number {
  const ax = Math.abs(x);
  if (Number.isNaN(ax)) return NaN;
  if (ax === Infinity) return 0;
  if (ax <= 30) {
    const q = (ax * ax) / 4;
    let term = 1;
    let sum = 1;
    for (let k = 1; k < 500; k++) {
      term *= q / (k * k);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return sum * Math.exp(-ax);
  }
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 200; k++) {
    const next = (term * (2 * k - 1) * (2 * k - 1)) / (8 * ax * k);
    if (next >= term) break;
    term = next;
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum / Math.sqrt(2 * Math.PI * ax);
}

/** The von Mises density exp(κ cos(θ − μ)) / (2π I₀(κ)) at θ, computed as its scaled form. */
export function vonMisesPdf(theta: number, mu: number, kappa: number): number {
  return Math.exp(kappa * (Math.cos(theta - mu) - 1)) / (2 * Math.PI * i0e(kappa));
}

export interface VmfKdeOptions {
  /** Kernel concentration κ ≥ 0 (0: the uniform density 1/2π); default DEFAULT_KAPPA = 100. */
  kappa?: number;
  /** Number of evaluation angles, evenly spaced over [−π, π); default 360. Ignored with `grid`. */
  gridSize?: number;
  /** Angles (radians) to evaluate at instead of the even grid. */
  grid?: ArrayLike<number>;
}

export interface VmfKde {
  /** The evaluation angles. */
  theta: Float64Array;
  /** f̂ at each angle; on the default even grid, Σ f̂ · 2π / gridSize = 1 to within rounding. */
  density: Float64Array;
  kappa: number;
}

/** The vMF KDE of `angles` (radians, e.g. `circleAngles` of the t-SNE embedding). */
export function vmfKde(angles: ArrayLike<number>, opts: VmfKdeOptions = {}): VmfKde {
  const kappa = opts.kappa ?? DEFAULT_KAPPA;
  if (!(kappa >= 0) || !Number.isFinite(kappa)) {
    throw new CvglError('vMF KDE: a finite concentration κ ≥ 0', `kappa = ${kappa}`, `use the default ${DEFAULT_KAPPA}, or smaller for a smoother curve`);
  }
  const n = angles.length;
  if (n === 0) throw new CvglError('vMF KDE: at least one angle', 'an empty array', 'pass the angles of the embedded descriptors (circleAngles)');
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(angles[i]!)) {
      throw new CvglError('vMF KDE: finite angles', `${angles[i]} at index ${i}`, 'check the embedding for non-finite coordinates');
    }
  }
  let theta: Float64Array;
  if (opts.grid) theta = Float64Array.from(opts.grid);
  else {
    const m = opts.gridSize ?? 360;
    if (!Number.isInteger(m) || m < 1) throw new CvglError('vMF KDE: a grid size ≥ 1', String(m), 'use the default 360');
    theta = Float64Array.from({ length: m }, (_, k) => -Math.PI + (2 * Math.PI * k) / m);
  }
  // exp(κ(cos(θ − θ_i) − 1)) with cos(θ − θ_i) = cos θ cos θ_i + sin θ sin θ_i
  const ci = new Float64Array(n), si = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ci[i] = Math.cos(angles[i]!);
    si[i] = Math.sin(angles[i]!);
  }
  const norm = 1 / (n * 2 * Math.PI * i0e(kappa));
  const density = new Float64Array(theta.length);
  for (let g = 0; g < theta.length; g++) {
    const c = Math.cos(theta[g]!), s = Math.sin(theta[g]!);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.exp(kappa * (c * ci[i]! + s * si[i]! - 1));
    density[g] = sum * norm;
  }
  return { theta, density, kappa };
}
