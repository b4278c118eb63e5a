/**
 * Distance-based recall@K, the city-scale protocol of CVFT (002) Fig. 8 on CVACT_test (after
 * NetVLAD, Arandjelović et al. 2016): a query is localised at K when at least one of its top-K
 * retrieved references lies within `radius` metres (default d = 25 m) of the query's ground-truth
 * position. Returned as the curve over K = 1..maxK (default 25, NetVLAD's range).
 *
 * Ties, conservatively as in lib/eval/recall.ts: with b the best score among the references within
 * the radius ("near"), a query's rank is the number of the other ("far") references scoring at
 * least b — the position of its first near reference under the worst ordering of ties. A query
 * with no reference within the radius is never localised (rank −1).
 *
 * Exact, not approximate: each query chunk's full score rows come from the chunked scan
 * (lib/eval/similarity_blocks.ts); the near references of a query come from a grid of the
 * gallery positions with cells of `radius` metres; counting stops at maxK.
 *
 * Positions are metres, [easting, northing]: the pair's `utm` for the queries; for the gallery,
 * `DatasetSplit.galleryUtm` (VIGOR) or, for one-to-one sets whose aerials are centred on the
 * camera (CVUSA, CVACT), the pairs' `utm` again.
 */
import { CvglError } from '../engine/errors.js';
import { scanSimilarity, shapeOf, type Descriptors, type Metric, type ScanOptions } from './similarity_blocks.js';

export type Positions = ReadonlyArray<readonly [number, number]> | Float64Array;

export interface DistanceRecallOptions extends ScanOptions {
  /** Ground-truth position of each query, metres. */
  queryPositions: Positions;
  /** Position of each gallery reference, metres. */
  galleryPositions: Positions;
  /** d of CVFT Fig. 8 (default 25 m); a reference exactly at d counts as within. */
  radius?: number;
  /** Longest K of the curve (default 25). */
  maxK?: number;
  /** K to report in `atK` (default 1, 5, 10 up to maxK). */
  ks?: number[];
}

export interface DistanceRecallResult {
  n: number;
  galleryN: number;
  radius: number;
  maxK: number;
  /** curve[K − 1]: fraction of queries localised at K. */
  curve: number[];
  atK: Record<number, number>;
  /** Per query: far references scoring at least as well as its best near one, capped at maxK; −1: none near. */
  ranks: Int32Array;
  /** Queries with no reference within the radius at all. */
  withoutNear: number;
  metric: Metric;
  seconds: number;
}

function coords(p: Positions, n: number, what: string): Float64Array {
  const len = p instanceof Float64Array ? p.length / 2 : p.length;
  if (len !== n) throw new CvglError(`${what}: one position per row (${n})`, `${len}`, 'pass [easting, northing] in metres for every row');
  const out = p instanceof Float64Array ? p : Float64Array.from(p.flatMap((xy) => [xy[0], xy[1]]));
  if (!out.every(Number.isFinite)) throw new CvglError(`${what}: finite positions`, 'NaN or infinite coordinates', 'check the UTM columns of the split');
  return out;
}

/** Gallery rows bucketed in square cells of `cell` metres. */
class Grid {
  private readonly cells = new Map<string, number[]>();
  constructor(private readonly xy: Float64Array, private readonly cell: number) {
    for (let j = 0; j < xy.length / 2; j++) {
      const k = this.key(Math.floor(xy[2 * j]! / cell), Math.floor(xy[2 * j + 1]! / cell));
      const c = this.cells.get(k);
      if (c) c.push(j);
      else this.cells.set(k, [j]);
    }
  }
  private key(cx: number, cy: number): string {
    return `${cx},${cy}`;
  }
  /** Rows within `r` (≤ cell) of (x, y). */
  near(x: number, y: number, r: number): number[] {
    const cx = Math.floor(x / this.cell), cy = Math.floor(y / this.cell);
    const out: number[] = [];
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const j of this.cells.get(this.key(cx + dx, cy + dy)) ?? []) {
          if (Math.hypot(this.xy[2 * j]! - x, this.xy[2 * j + 1]! - y) <= r) out.push(j);
        }
      }
    }
    return out;
  }
}

/** CVFT Fig. 8 recall@K within `radius` metres; see the file comment. */
export async function distanceRecall(query: Descriptors, gallery: Descriptors, o: DistanceRecallOptions): Promise<DistanceRecallResult> {
  const t0 = performance.now();
  const [nq] = shapeOf(query, 'queries');
  const [ng] = shapeOf(gallery, 'gallery');
  const radius = o.radius ?? 25;
  const maxK = o.maxK ?? 25;
  if (!(radius > 0)) throw new CvglError('radius > 0 metres', String(radius), 'CVFT uses 25');
  if (!Number.isInteger(maxK) || maxK < 1) throw new CvglError('maxK: a positive integer', String(maxK), 'e.g. 25');
  const ks = o.ks ?? [1, 5, 10].filter((k) => k <= maxK);
  if (!ks.every((k) => Number.isInteger(k) && k >= 1 && k <= maxK)) throw new CvglError(`ks: integers in [1, ${maxK}]`, ks.join(', '), 'raise maxK or drop the larger K');
  const qxy = coords(o.queryPositions, nq, 'queryPositions');
  const grid = new Grid(coords(o.galleryPositions, ng, 'galleryPositions'), radius);
  const ranks = new Int32Array(nq);
  let withoutNear = 0;

  await scanSimilarity(query, gallery, o, (q0, q1, rows) => {
    for (let i = q0; i < q1; i++) {
      const off = (i - q0) * ng;
      const near = grid.near(qxy[2 * i]!, qxy[2 * i + 1]!, radius);
      if (!near.length) {
        ranks[i] = -1;
        withoutNear++;
        continue;
      }
      let best = -Infinity;
      for (const j of near) if (rows[off + j]! > best) best = rows[off + j]!;
      if (best === -Infinity) {
        ranks[i] = maxK; // only NaN scores near: not localised
        continue;
      }
      const isNear = new Set(near);
      let c = 0;
      for (let j = 0; j < ng && c < maxK; j++) if (rows[off + j]! >= best && !isNear.has(j)) c++;
      ranks[i] = c;
    }
  });

  const hist = new Float64Array(maxK + 1);
  for (const r of ranks) if (r >= 0 && r < maxK) hist[r + 1]!++;
  for (let k = 1; k <= maxK; k++) hist[k]! += hist[k - 1]!;
  const curve = Array.from({ length: maxK }, (_, k) => (nq ? hist[k + 1]! / nq : 0));
  const atK: Record<number, number> = {};
  for (const k of ks) atK[k] = curve[k - 1]!;
  return { n: nq, galleryN: ng, radius, maxK, curve, atK, ranks, withoutNear, metric: o.metric ?? 'cosine', seconds: (performance.now() - t0) / 1000 };
}
