/**
 * The S¹ projection (lib/eval/circle.ts) and the vMF KDE on angles (lib/eval/vmf_kde.ts), thesis
 * 003 Sec. 3.3, Figs. 4.3/4.4 columns 2 and 3:
 *   - I₀ₑ and the KDE against SciPy (test/reference/vmf_kde_scipy.py: scipy.special.i0e, the mean
 *     of scipy.stats.vonmises pdfs), relative error below 1e-10;
 *   - without python: the density integrates to 1 on the circle (for κ from 0 to 10⁴), a single
 *     point peaks at its own angle, mirrored angles give a mirrored density, a rotation rotates
 *     it, κ = 0 is uniform, κ far past I₀'s overflow stays finite; I₀ₑ against its integral
 *     form; projection and angles; the input errors.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CvglError } from '../../lib/engine/errors.js';
import { SeededRandom } from '../../lib/engine/random.js';
import { circleAngles, projectToCircle } from '../../lib/eval/circle.js';
import { DEFAULT_KAPPA, i0e, vmfKde, vonMisesPdf } from '../../lib/eval/vmf_kde.js';
import { requireInCi } from '../ci_requirements.js';
import { findPython, ReferenceDir } from '../reference_python.js';

const SCRIPT = fileURLToPath(new URL('../reference/vmf_kde_scipy.py', import.meta.url));

const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1e-300));
  return m;
};

/** Angles of two von Mises-ish clumps and a uniform background, as a t-SNE plot gives. */
function someAngles(seed: number, n: number): Float64Array {
  const r = new SeededRandom(seed);
  return Float64Array.from({ length: n }, (_, i) => {
    const a = i % 3 === 0 ? r.uniform(-Math.PI, Math.PI) : (i % 3 === 1 ? 1 : -2.5) + 0.2 * r.normal();
    return Math.atan2(Math.sin(a), Math.cos(a));
  });
}

const py = findPython(['numpy', 'scipy']);
const I0E_X = [0, 1e-8, 0.3, 1, 5, 14.9, 29.99, 30, 30.01, 50, 100, 700, 713.5, 1e4, 1e8];
const KAPPAS = [0.5, 5, 100, 600];

describe('vMF KDE against SciPy', () => {
  requireInCi("Debian's python3-scipy (vMF KDE reference; CVGL_PYTHON to override)", py.python != null, 'reason' in py ? py.reason : undefined);
  const angles = someAngles(1, 500);
  const grid = Float64Array.from({ length: 181 }, (_, k) => -Math.PI + (2 * Math.PI * k) / 181 + 0.001);
  let ref: { i0e: number[]; density: number[][] };

  beforeAll(() => {
    if (!py.python) return;
    const dir = new ReferenceDir('cvgl-vmf-');
    try {
      writeFileSync(join(dir.dir, 'angles.f64'), Buffer.from(angles.buffer));
      writeFileSync(join(dir.dir, 'grid.f64'), Buffer.from(grid.buffer));
      dir.run(py.python, SCRIPT, { n: angles.length, angles: 'angles.f64', m: grid.length, grid: 'grid.f64', kappas: KAPPAS, i0e_x: I0E_X });
      ref = JSON.parse(readFileSync(join(dir.dir, 'out.json'), 'utf8'));
    } finally {
      dir.remove();
    }
  });

  it.skipIf(!py.python)('i0e equals scipy.special.i0e (series, asymptotic, and at the switch)', () => {
    const ours = I0E_X.map(i0e);
    expect(maxRel(ours, ref.i0e), `ours ${ours}\nscipy ${ref.i0e}`).toBeLessThan(1e-12);
  });

  it.skipIf(!py.python).each(KAPPAS.map((k, i) => [k, i]))('κ = %d: the KDE equals the mean of scipy.stats.vonmises pdfs', (kappa, i) => {
    const { density, theta } = vmfKde(angles, { kappa, grid });
    expect(Array.from(theta)).toEqual(Array.from(grid));
    expect(maxRel(density, ref.density[i]!)).toBeLessThan(1e-10);
  });
});

describe('vMF KDE', () => {
  it('integrates to 1 over the circle on the default grid, for κ from 0 to 10⁴', () => {
    const angles = someAngles(2, 300);
    for (const kappa of [0, 0.1, 1, 10, DEFAULT_KAPPA, 1000]) {
      const { theta, density } = vmfKde(angles, { kappa });
      expect(theta.length).toBe(360);
      expect(theta[0]).toBe(-Math.PI);
      expect(theta[359]!).toBeCloseTo(Math.PI - (2 * Math.PI) / 360, 14);
      const integral = density.reduce((a, b) => a + b, 0) * ((2 * Math.PI) / 360);
      expect(Math.abs(integral - 1), `κ = ${kappa}`).toBeLessThan(1e-9);
    }
    // κ = 1e4 (kernel std 0.01 rad) needs a finer grid than 1°
    const { density } = vmfKde(angles, { kappa: 1e4, gridSize: 4000 });
    expect(Math.abs(density.reduce((a, b) => a + b, 0) * ((2 * Math.PI) / 4000) - 1)).toBeLessThan(1e-9);
  });

  it('a single point peaks at its own angle with height 1 / (2π I₀ₑ(κ)); κ = 0 is uniform', () => {
    for (const a of [0.7, -3, Math.PI - 0.01]) {
      const k = 100;
      const { theta, density } = vmfKde([a], { kappa: k, gridSize: 3600 });
      let best = 0;
      for (let g = 1; g < density.length; g++) if (density[g]! > density[best]!) best = g;
      const d = Math.atan2(Math.sin(theta[best]! - a), Math.cos(theta[best]! - a));
      expect(Math.abs(d)).toBeLessThanOrEqual(Math.PI / 3600 + 1e-12);
      expect(vmfKde([a], { kappa: k, grid: [a] }).density[0]).toBeCloseTo(1 / (2 * Math.PI * i0e(k)), 10);
      expect(vonMisesPdf(a, a, k)).toBeCloseTo(1 / (2 * Math.PI * i0e(k)), 10);
    }
    const flat = vmfKde([1, 2, 3], { kappa: 0 }).density;
    expect(flat.every((v) => Math.abs(v - 1 / (2 * Math.PI)) < 1e-15)).toBe(true);
  });

  it('mirrored angles give the mirrored density; rotated angles the rotated density', () => {
    const angles = someAngles(3, 200);
    const grid = Float64Array.from({ length: 100 }, (_, k) => -3 + 0.06 * k);
    const f = vmfKde(angles, { kappa: 20, grid }).density;
    const mirrored = vmfKde(angles.map((a) => -a), { kappa: 20, grid: grid.map((t) => -t) }).density;
    expect(maxRel(mirrored, f)).toBeLessThan(1e-12);
    const rotated = vmfKde(angles.map((a) => a + 0.4), { kappa: 20, grid: grid.map((t) => t + 0.4) }).density;
    expect(maxRel(rotated, f)).toBeLessThan(1e-11);
    // symmetric data: angles and their negatives, density even in θ
    const sym = vmfKde([...angles, ...angles.map((a) => -a)], { kappa: 20, grid: [0.3, -0.3, 2, -2] }).density;
    expect(sym[0]).toBeCloseTo(sym[1]!, 13);
    expect(sym[2]).toBeCloseTo(sym[3]!, 13);
  });

  it('stays finite and normalised where I₀(κ) itself overflows (κ = 5000)', () => {
    expect(Number.isFinite(i0e(5000))).toBe(true);
    const { density } = vmfKde([0.5], { kappa: 5000, gridSize: 20000 });
    expect(density.every(Number.isFinite)).toBe(true);
    expect(Math.abs(density.reduce((a, b) => a + b, 0) * ((2 * Math.PI) / 20000) - 1)).toBeLessThan(1e-9);
  });

  it('I₀ₑ agrees with its integral form (1/π) ∫₀^π e^{x(cos t − 1)} dt', () => {
    for (const x of [0, 0.5, 3, 12, 29, 31, 80, 400]) {
      const m = 20000;
      let s = 0;
      for (let k = 0; k < m; k++) s += Math.exp(x * (Math.cos((Math.PI * (k + 0.5)) / m) - 1));
      expect(Math.abs(i0e(x) - s / m) / (s / m), `x = ${x}`).toBeLessThan(1e-12);
      expect(i0e(-x)).toBe(i0e(x));
    }
  });

  it('projects onto S¹ and takes arctan2(y, x)', () => {
    const pts = Float64Array.of(3, 4, -2, 0, 0, -0.5, 0, 0, 1e-300, 1e-300);
    const u = projectToCircle(pts);
    expect(Array.from(u.subarray(0, 6))).toEqual([0.6, 0.8, -1, 0, 0, -1]);
    expect(u[6]).toBe(0); // the origin stays put
    expect(u[7]).toBe(0);
    const a = circleAngles(pts);
    expect(a[0]).toBeCloseTo(Math.atan2(4, 3), 15);
    expect(a[1]).toBe(Math.PI);
    expect(a[2]).toBe(-Math.PI / 2);
    const au = circleAngles(u); // the same angles after projection, to rounding
    for (let i = 0; i < a.length; i++) expect(au[i]).toBeCloseTo(a[i]!, 14);
  });

  it('says what to do about bad input', () => {
    expect(() => vmfKde([1], { kappa: -1 })).toThrow(CvglError);
    expect(() => vmfKde([])).toThrow(/at least one angle/);
    expect(() => vmfKde([NaN])).toThrow(/finite angles/);
    expect(() => projectToCircle([1, 2, 3])).toThrow(/odd/);
  });
});
