/** Small dense linear systems in float64 on the CPU (the thin-plate-spline setup). */
import { CvglError } from '../engine/errors.js';

/**
 * Solves A X = B (Gauss–Jordan elimination with partial pivoting) for A [n,n] and B [n,k] as
 * row-major arrays; returns X [n,k]. Throws a CvglError when a pivot falls below 1e-12 (A singular
 * or nearly so). Meant for the few dozen unknowns of a TPS, not for large systems.
 */
export function solveLinearSystem(a: number[][], bm: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...bm[i]!]);
  const k = bm[0]!.length;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    if (Math.abs(m[p]![c]!) < 1e-12) {
      throw new CvglError('a non-singular square system', `no pivot above 1e-12 in column ${c} of ${n}`, 'check that the equations are independent');
    }
    [m[c], m[p]] = [m[p]!, m[c]!];
    const piv = m[c]![c]!;
    for (let j = 0; j < n + k; j++) m[c]![j]! /= piv;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const fct = m[r]![c]!;
      if (fct === 0) continue;
      for (let j = 0; j < n + k; j++) m[r]![j]! -= fct * m[c]![j]!;
    }
  }
  return m.map((row) => row.slice(n));
}
