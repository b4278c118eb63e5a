/**
 * Where the synthetic dataset's cameras stand. CVUSA-like sets put each camera on a street
 * (a lane of a road segment) with its aerial tile centred on it; VIGOR-like sets lay aerial tiles
 * on a grid with half-tile spacing (so every point is inside four tiles: the positive, whose
 * central quarter holds the camera, and three semi-positives) and let the camera sit off-centre.
 */
import { SeededRandom } from '../engine/random.js';
import { BLOCK_SIZE, World, insidePolygon } from './world.js';

export interface CameraSample {
  index: number;
  x: number;
  y: number;
  /** Heading of the panorama's centre column, degrees clockwise from north. */
  yawDeg: number;
}

export interface SamplingOptions {
  pairs: number;
  seed: number;
  /** Uniform random yaw in [-n, n] degrees (0 = north-aligned like CVUSA). */
  orientationNoise: number;
  /** Minimum distance between two cameras (m). */
  minSeparation?: number;
  /** Centre of the sampled region (m). */
  originX?: number;
  originY?: number;
}

/** Side length (m) of the square region that holds `pairs` cameras at a comfortable density. */
export function regionSide(pairs: number): number {
  return Math.max(400, Math.sqrt(pairs) * 60);
}

/** Cameras on streets, at least `minSeparation` apart, deterministic for a seed. */
export function sampleStreetCameras(world: World, o: SamplingOptions, accept?: (x: number, y: number) => boolean): CameraSample[] {
  const rng = new SeededRandom(o.seed ^ 0x5a17);
  const side = regionSide(o.pairs);
  const ox = o.originX ?? 0, oy = o.originY ?? 0;
  const sep = o.minSeparation ?? 18;
  const cells = new Map<string, [number, number][]>();
  const key = (x: number, y: number) => `${Math.floor(x / sep)},${Math.floor(y / sep)}`;
  const tooClose = (x: number, y: number) => {
    const ci = Math.floor(x / sep), cj = Math.floor(y / sep);
    for (let i = ci - 1; i <= ci + 1; i++) {
      for (let j = cj - 1; j <= cj + 1; j++) {
        for (const p of cells.get(`${i},${j}`) ?? []) if ((p[0] - x) ** 2 + (p[1] - y) ** 2 < sep * sep) return true;
      }
    }
    return false;
  };
  const n0 = Math.floor((ox - side / 2) / BLOCK_SIZE), n1 = Math.floor((ox + side / 2) / BLOCK_SIZE);
  const m0 = Math.floor((oy - side / 2) / BLOCK_SIZE), m1 = Math.floor((oy + side / 2) / BLOCK_SIZE);
  const out: CameraSample[] = [];
  let attempts = 0;
  const maxAttempts = o.pairs * 400 + 1000;
  while (out.length < o.pairs) {
    if (++attempts > maxAttempts) {
      throw new RangeError(`could only place ${out.length} of ${o.pairs} cameras (region too crowded for the constraints)`);
    }
    const i = n0 + rng.int(n1 - n0 + 1), j = m0 + rng.int(m1 - m0 + 1);
    const road = world.road(i, j, rng.chance(0.5) ? 0 : 1);
    if (!road) continue;
    const t = rng.uniform(0.12, 0.88);
    const len = Math.hypot(road.bx - road.ax, road.by - road.ay);
    const ux = (road.bx - road.ax) / len, uy = (road.by - road.ay) / len;
    const lane = (rng.chance(0.5) ? 1 : -1) * rng.uniform(0.2, 0.45) * road.halfWidth;
    const x = road.ax + ux * len * t - uy * lane, y = road.ay + uy * len * t + ux * lane;
    if (Math.abs(x - ox) > side / 2 || Math.abs(y - oy) > side / 2) continue;
    if (tooClose(x, y) || blocked(world, x, y)) continue;
    if (accept && !accept(x, y)) continue;
    const k = key(x, y);
    if (!cells.has(k)) cells.set(k, []);
    cells.get(k)!.push([x, y]);
    const yawDeg = o.orientationNoise > 0 ? rng.uniform(-o.orientationNoise, o.orientationNoise) : 0;
    out.push({ index: out.length, x, y, yawDeg });
  }
  return out;
}

/** True when (x, y) is inside a building, car or tree trunk (no camera can stand there). */
export function blocked(world: World, x: number, y: number): boolean {
  for (const b of world.blocksNear(x, y, 1)) {
    if (!insidePolygon(b.quad, x, y)) continue;
    for (const o of b.objects) {
      if (o.kind === 'tree') {
        if ((o.x - x) ** 2 + (o.y - y) ** 2 < (o.trunkR + 0.6) ** 2) return true;
      } else {
        const px = x - o.cx, py = y - o.cy;
        const u = px * o.cos + py * o.sin, v = -px * o.sin + py * o.cos;
        if (Math.abs(u) < o.hu + 0.6 && Math.abs(v) < o.hv + 0.6) return true;
      }
    }
  }
  return false;
}

/** The four VIGOR-style tiles covering a point, on a grid of `spacing` metres: the positive
 *  (nearest centre, so the camera is in its central quarter) first, then the three
 *  semi-positives. Returned as integer grid coordinates. */
export function coveringTiles(x: number, y: number, spacing: number): [number, number][] {
  const fx = x / spacing, fy = y / spacing;
  const ix = Math.round(fx), iy = Math.round(fy);
  const sx = fx >= ix ? 1 : -1, sy = fy >= iy ? 1 : -1;
  return [[ix, iy], [ix + sx, iy], [ix, iy + sy], [ix + sx, iy + sy]];
}
