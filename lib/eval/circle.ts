/**
 * Column 2 of the thesis' feature-distribution plots (003, Sec. 3.3; Figs. 4.3 and 4.4, "features
 * displayed in S¹ by l2-normalizing on features in R²"), after Wang & Isola 2020 (ref. [51]):
 * each 2-D t-SNE point projected onto the unit circle, and its angle arctan2(y, x) — the input of
 * the vMF KDE of column 3 (vmf_kde.ts).
 */
import { CvglError } from '../engine/errors.js';

type Points = ArrayLike<number>;

function pairs(points: Points, what: string): number {
  if (points.length % 2 !== 0) {
    throw new CvglError(`${what}: 2-D points as [n, 2] row-major values`, `${points.length} values (odd)`, 'pass the t-SNE embedding (x0, y0, x1, y1, …)');
  }
  return points.length / 2;
}

/**
 * Each point divided by its l2 norm (clamped at 1e-12, as our descriptor normalisation does, so
 * the origin stays at the origin rather than becoming NaN). [n, 2] in, [n, 2] unit vectors out.
 */
export function projectToCircle(points: Points): Float64Array {
  const n = pairs(points, 'projectToCircle');
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const x = points[2 * i]!, y = points[2 * i + 1]!;
    const norm = Math.max(Math.hypot(x, y), 1e-12);
    out[2 * i] = x / norm;
    out[2 * i + 1] = y / norm;
  }
  return out;
}

/** arctan2(y, x) of each point, in (−π, π] (the same before and after projection onto S¹). */
export function circleAngles(points: Points): Float64Array {
  const n = pairs(points, 'circleAngles');
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.atan2(points[2 * i + 1]!, points[2 * i]!);
  return out;
}
