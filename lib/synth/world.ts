/**
 * The procedural cross-view world: an unbounded city/countryside generated block by block from
 * a seed. A jittered lattice of roads cuts the plane into blocks; each block gets a land use
 * (downtown, residential, industrial, park, water, farm) and its objects: buildings (oriented
 * box footprint, height, roof and facade colours, window grid), trees (trunk + spherical crown)
 * and parked cars. Everything is a pure function of (seed, block index), so any worker thread
 * regenerates exactly the blocks it needs.
 *
 * Frame: x east, y north, z up, metres.
 */
import { HashStream, fbm2, hash01 } from './noise.js';

export type Rgb = [number, number, number];
export type Vec2 = [number, number];
export type LandUse = 'downtown' | 'residential' | 'industrial' | 'park' | 'water' | 'farm';
export const LAND_USES: readonly LandUse[] = ['downtown', 'residential', 'industrial', 'park', 'water', 'farm'];

/** An oriented box standing on the ground: buildings and cars. */
export interface BoxObject {
  kind: 'building' | 'car';
  cx: number;
  cy: number;
  /** Half extents along the box's own axes u (cos, sin) and v (-sin, cos). */
  hu: number;
  hv: number;
  cos: number;
  sin: number;
  height: number;
  roof: Rgb;
  facade: Rgb;
  /** Window grid (buildings): floor height and window spacing in metres; 0 = no windows. */
  floor: number;
  spacing: number;
  /** Per-object random key (window lights at night, roof details). */
  key: number;
  /** Scratch mark for renderers (visited in the current ray). */
  stamp?: number;
}

export interface TreeObject {
  kind: 'tree';
  x: number;
  y: number;
  trunkR: number;
  crownZ: number;
  crownR: number;
  colour: Rgb;
  key: number;
  stamp?: number;
}

export type WorldObject = BoxObject | TreeObject;

export interface RoadSegment {
  ax: number;
  ay: number;
  bx: number;
  by: number;
  halfWidth: number;
  main: boolean;
}

export interface Block {
  i: number;
  j: number;
  use: LandUse;
  /** Corners counter-clockwise: (i,j), (i+1,j), (i+1,j+1), (i,j+1). */
  quad: Vec2[];
  /** The buildable lot: the quad inset by each side's road half-width plus a sidewalk. */
  lot: Vec2[];
  /** Ground colour of the lot (lawn, plaza, field, asphalt, water). */
  ground: Rgb;
  /** Farm: furrow direction (radians) and stripe colours. */
  stripeAngle: number;
  stripe: Rgb;
  /** Park: an optional pond (circle). */
  pond: { x: number; y: number; r: number } | null;
  objects: WorldObject[];
}

/** The character of a region: how often each land use appears and how tall downtown gets. */
export interface CityStyle {
  name: string;
  landUse: Record<LandUse, number>;
  downtownHeight: [number, number];
  treeDensity: number;
}

export const CITY_STYLES: Record<string, CityStyle> = {
  mixed: {
    name: 'mixed',
    landUse: { downtown: 0.12, residential: 0.42, industrial: 0.1, park: 0.12, water: 0.04, farm: 0.2 },
    downtownHeight: [14, 60],
    treeDensity: 1,
  },
  metropolis: {
    name: 'metropolis',
    landUse: { downtown: 0.45, residential: 0.25, industrial: 0.15, park: 0.1, water: 0.05, farm: 0 },
    downtownHeight: [20, 90],
    treeDensity: 0.6,
  },
  suburb: {
    name: 'suburb',
    landUse: { downtown: 0.04, residential: 0.6, industrial: 0.06, park: 0.16, water: 0.06, farm: 0.08 },
    downtownHeight: [10, 30],
    treeDensity: 1.5,
  },
  rural: {
    name: 'rural',
    landUse: { downtown: 0, residential: 0.22, industrial: 0.05, park: 0.13, water: 0.06, farm: 0.54 },
    downtownHeight: [8, 16],
    treeDensity: 1.3,
  },
};

/** Lattice spacing of the road network (metres) and its jitter. */
export const BLOCK_SIZE = 90;
const JITTER = 14;
const SIDEWALK = 2.5;

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
const mix = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
const jitterColour = (c: Rgb, s: HashStream, amount: number): Rgb => {
  const k = 1 + (s.next() - 0.5) * amount;
  return [clamp01(c[0] * k + (s.next() - 0.5) * amount * 0.3), clamp01(c[1] * k), clamp01(c[2] * k + (s.next() - 0.5) * amount * 0.3)];
};

const ROOFS: Rgb[] = [[0.45, 0.44, 0.43], [0.55, 0.27, 0.2], [0.32, 0.33, 0.36], [0.62, 0.6, 0.56], [0.4, 0.22, 0.18], [0.25, 0.3, 0.28]];
const FACADES: Rgb[] = [[0.78, 0.72, 0.62], [0.62, 0.38, 0.3], [0.85, 0.84, 0.8], [0.5, 0.52, 0.55], [0.7, 0.62, 0.5], [0.9, 0.85, 0.7]];
const TOWER_FACADES: Rgb[] = [[0.55, 0.6, 0.66], [0.7, 0.7, 0.68], [0.4, 0.45, 0.5], [0.75, 0.68, 0.58], [0.35, 0.4, 0.46]];
const CAR_COLOURS: Rgb[] = [[0.85, 0.85, 0.85], [0.1, 0.1, 0.12], [0.6, 0.1, 0.1], [0.15, 0.25, 0.55], [0.55, 0.56, 0.58], [0.8, 0.7, 0.2]];

export class World {
  readonly seed: number;
  readonly style: CityStyle;
  private readonly blocks = new Map<string, Block>();

  constructor(seed: number, style: CityStyle = CITY_STYLES.mixed!) {
    this.seed = seed >>> 0;
    this.style = style;
  }

  /** Jittered lattice vertex (i, j). */
  vertex(i: number, j: number): Vec2 {
    return [i * BLOCK_SIZE + (hash01(this.seed, i, j, 1) - 0.5) * 2 * JITTER, j * BLOCK_SIZE + (hash01(this.seed, i, j, 2) - 0.5) * 2 * JITTER];
  }

  /** Road along the lattice edge from (i,j) to (i+1,j) (axis 0) or (i,j+1) (axis 1), or null. */
  road(i: number, j: number, axis: 0 | 1): RoadSegment | null {
    const line = axis === 0 ? j : i;
    const main = ((line % 4) + 4) % 4 === 0;
    if (!main && hash01(this.seed, i, j, 10 + axis) < 0.12 * (1 + this.style.landUse.farm)) return null;
    const a = this.vertex(i, j);
    const b = axis === 0 ? this.vertex(i + 1, j) : this.vertex(i, j + 1);
    return { ax: a[0], ay: a[1], bx: b[0], by: b[1], halfWidth: main ? 7 : 4.5, main };
  }

  /** Roads of the four sides of block (i, j) in quad order: south, east, north, west. */
  blockRoads(i: number, j: number): (RoadSegment | null)[] {
    return [this.road(i, j, 0), this.road(i + 1, j, 1), this.road(i, j + 1, 0), this.road(i, j, 1)];
  }

  landUse(i: number, j: number): LandUse {
    const c = this.vertex(i, j);
    const district = fbm2(this.seed + 101, c[0], c[1], 420);
    const weights = LAND_USES.map((u) => {
      let w = this.style.landUse[u];
      if (u === 'downtown') w *= district > 0.58 ? 4 : district > 0.45 ? 1 : 0.15;
      if (u === 'farm') w *= district < 0.4 ? 3 : district < 0.5 ? 1 : 0.1;
      if (u === 'industrial') w *= district > 0.42 && district < 0.6 ? 1.5 : 0.5;
      return w;
    });
    const total = weights.reduce((s, w) => s + w, 0);
    let r = hash01(this.seed, i, j, 20) * total;
    for (let k = 0; k < LAND_USES.length; k++) {
      r -= weights[k]!;
      if (r < 0) return LAND_USES[k]!;
    }
    return 'residential';
  }

  block(i: number, j: number): Block {
    const key = `${i},${j}`;
    let b = this.blocks.get(key);
    if (!b) {
      b = this.makeBlock(i, j);
      if (this.blocks.size > 4096) this.blocks.clear();
      this.blocks.set(key, b);
    }
    return b;
  }

  /** Blocks whose lattice cell lies within `radius` of (x, y) (with a margin for jitter). */
  blocksNear(x: number, y: number, radius: number): Block[] {
    const r = radius + JITTER + BLOCK_SIZE;
    const out: Block[] = [];
    for (let i = Math.floor((x - r) / BLOCK_SIZE); i <= Math.floor((x + r) / BLOCK_SIZE); i++) {
      for (let j = Math.floor((y - r) / BLOCK_SIZE); j <= Math.floor((y + r) / BLOCK_SIZE); j++) out.push(this.block(i, j));
    }
    return out;
  }

  /** Road segments within `radius` of (x, y) (each once). */
  roadsNear(x: number, y: number, radius: number): RoadSegment[] {
    const r = radius + JITTER + BLOCK_SIZE;
    const out: RoadSegment[] = [];
    for (let i = Math.floor((x - r) / BLOCK_SIZE); i <= Math.floor((x + r) / BLOCK_SIZE) + 1; i++) {
      for (let j = Math.floor((y - r) / BLOCK_SIZE); j <= Math.floor((y + r) / BLOCK_SIZE) + 1; j++) {
        for (const axis of [0, 1] as const) {
          const s = this.road(i, j, axis);
          if (s) out.push(s);
        }
      }
    }
    return out;
  }

  private makeBlock(i: number, j: number): Block {
    const s = new HashStream(this.seed, i * 7919 + j, 0x51ab);
    const quad = [this.vertex(i, j), this.vertex(i + 1, j), this.vertex(i + 1, j + 1), this.vertex(i, j + 1)];
    const roads = this.blockRoads(i, j);
    const use = this.landUse(i, j);
    const urban = use === 'downtown' || use === 'residential' || use === 'industrial';
    const insets = roads.map((r) => (r ? r.halfWidth + (urban ? SIDEWALK : 1) : 0.5));
    const lot = insetQuad(quad, insets);
    const groundByUse: Record<LandUse, Rgb> = {
      downtown: [0.6, 0.59, 0.56],
      residential: [0.38, 0.52, 0.27],
      industrial: [0.5, 0.5, 0.48],
      park: [0.33, 0.55, 0.25],
      water: [0.16, 0.33, 0.45],
      farm: s.pick<Rgb>([[0.62, 0.55, 0.3], [0.45, 0.58, 0.25], [0.52, 0.4, 0.27], [0.7, 0.64, 0.38]]),
    };
    const block: Block = {
      i, j, use, quad, lot,
      ground: jitterColour(groundByUse[use], s, 0.12),
      stripeAngle: s.range(0, Math.PI),
      stripe: jitterColour(s.pick<Rgb>([[0.5, 0.45, 0.25], [0.35, 0.5, 0.2], [0.6, 0.58, 0.4]]), s, 0.1),
      pond: null,
      objects: [],
    };
    const placer = new Placer(block, s);
    const td = this.style.treeDensity;
    switch (use) {
      case 'downtown': {
        const [lo, hi] = this.style.downtownHeight;
        placer.parcels(s.int(3) + 1, 1.5, () => s.range(lo, hi) * (0.6 + 0.4 * s.next()), TOWER_FACADES, 3.6, 2.6);
        placer.streetTrees(roads, 14, 0.4 * td);
        placer.parkedCars(roads, 0.35);
        break;
      }
      case 'residential':
        placer.houses(roads);
        placer.trees(Math.round(s.range(6, 18) * td), 'lot');
        placer.streetTrees(roads, 11, 0.55 * td);
        placer.parkedCars(roads, 0.5);
        break;
      case 'industrial':
        placer.parcels(s.int(2) + 1, 6, () => s.range(7, 15), FACADES, 5, 0);
        placer.parkingLot();
        placer.parkedCars(roads, 0.2);
        break;
      case 'park': {
        if (s.next() < 0.45) {
          const c = centroid(lot);
          block.pond = { x: c[0] + s.range(-8, 8), y: c[1] + s.range(-8, 8), r: s.range(9, 20) };
        }
        placer.trees(Math.round(s.range(20, 45) * td), 'lot');
        placer.parkedCars(roads, 0.1);
        break;
      }
      case 'water':
        placer.trees(Math.round(s.range(0, 6) * td), 'shore');
        break;
      case 'farm':
        if (s.next() < 0.3) placer.parcels(1, 30, () => s.range(5, 8), FACADES, 0, 0, 12);
        placer.streetTrees(roads, 9, 0.25 * td);
        break;
    }
    return block;
  }
}

/** Places objects inside a block's lot without overlaps (rejection sampling). */
class Placer {
  private readonly taken: { x: number; y: number; r: number }[] = [];
  constructor(private readonly b: Block, private readonly s: HashStream) {}

  private free(x: number, y: number, r: number): boolean {
    for (const t of this.taken) if ((t.x - x) ** 2 + (t.y - y) ** 2 < (t.r + r) ** 2) return false;
    return true;
  }

  private box(kind: 'building' | 'car', cx: number, cy: number, hu: number, hv: number, angle: number, height: number, roof: Rgb, facade: Rgb, floor: number, spacing: number, slack = 0): boolean {
    const cos = Math.cos(angle), sin = Math.sin(angle);
    const r = Math.hypot(hu, hv);
    if (kind === 'building') {
      for (const [du, dv] of [[1, 1], [1, -1], [-1, 1], [-1, -1]] as const) {
        const px = cx + du * hu * cos - dv * hv * sin;
        const py = cy + du * hu * sin + dv * hv * cos;
        if (!insidePolygon(this.b.lot, px, py)) return false;
      }
      if (!this.free(cx, cy, r * (1 - slack))) return false;
      this.taken.push({ x: cx, y: cy, r: r * (1 - slack) });
    }
    this.b.objects.push({ kind, cx, cy, hu, hv, cos, sin, height, roof, facade, floor, spacing, key: this.s.int(1 << 30) });
    return true;
  }

  /** Splits the lot along its long axis into n parcels, one building each (downtown, industrial, farmhouse). */
  parcels(n: number, margin: number, height: () => number, facades: Rgb[], floor: number, spacing: number, maxSize = Infinity): void {
    const q = this.b.lot;
    const e0: Vec2 = [q[1]![0] - q[0]![0], q[1]![1] - q[0]![1]];
    const angle = Math.atan2(e0[1], e0[0]);
    const cos = Math.cos(angle), sin = Math.sin(angle);
    // extent of the lot in the frame of its first edge
    let umin = Infinity, umax = -Infinity, vmin = Infinity, vmax = -Infinity;
    for (const p of q) {
      const u = p[0] * cos + p[1] * sin, v = -p[0] * sin + p[1] * cos;
      umin = Math.min(umin, u); umax = Math.max(umax, u); vmin = Math.min(vmin, v); vmax = Math.max(vmax, v);
    }
    const shrink = 0.86; // the lot is a jittered quad, not a rectangle
    const cu = (umin + umax) / 2, cv = (vmin + vmax) / 2;
    const W = (umax - umin) * shrink, H = (vmax - vmin) * shrink;
    for (let k = 0; k < n; k++) {
      const pu = cu - W / 2 + (W / n) * (k + 0.5);
      let hu = Math.min(W / n / 2 - margin, maxSize), hv = Math.min(H / 2 - margin, maxSize);
      if (hu < 3 || hv < 3) continue;
      hu *= this.s.range(0.75, 1);
      hv *= this.s.range(0.75, 1);
      const x = pu * cos - cv * sin, y = pu * sin + cv * cos;
      for (let attempt = 0; attempt < 6; attempt++) {
        if (this.box('building', x, y, hu, hv, angle, height(), jitterColour(this.s.pick(ROOFS), this.s, 0.15), jitterColour(this.s.pick(facades), this.s, 0.1), floor, spacing)) break;
        hu *= 0.85;
        hv *= 0.85;
      }
    }
  }

  /** Houses along each side of the lot, set back from the street, facing it. */
  houses(roads: (RoadSegment | null)[]): void {
    const q = this.b.lot;
    for (let e = 0; e < 4; e++) {
      if (!roads[e]) continue;
      const a = q[e]!, b = q[(e + 1) % 4]!;
      const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
      const ux = (b[0] - a[0]) / len, uy = (b[1] - a[1]) / len;
      const nx = -uy, ny = ux; // inward normal (counter-clockwise polygon)
      let t = this.s.range(6, 10);
      while (t < len - 6) {
        const w = this.s.range(4, 6.5), d = this.s.range(4, 6.5);
        const setback = this.s.range(3, 6) + d;
        const cx = a[0] + ux * (t + w) + nx * setback, cy = a[1] + uy * (t + w) + ny * setback;
        this.box('building', cx, cy, w, d, Math.atan2(uy, ux), this.s.range(5, 9.5), jitterColour(this.s.pick(ROOFS), this.s, 0.2), jitterColour(this.s.pick(FACADES), this.s, 0.12), 3, 3.2);
        t += 2 * w + this.s.range(3, 8);
      }
    }
  }

  trees(n: number, where: 'lot' | 'shore'): void {
    const q = this.b.lot;
    let minx = Infinity, maxx = -Infinity, miny = Infinity, maxy = -Infinity;
    for (const p of q) {
      minx = Math.min(minx, p[0]); maxx = Math.max(maxx, p[0]); miny = Math.min(miny, p[1]); maxy = Math.max(maxy, p[1]);
    }
    for (let k = 0, tries = 0; k < n && tries < n * 6; tries++) {
      const x = this.s.range(minx, maxx), y = this.s.range(miny, maxy);
      if (!insidePolygon(q, x, y)) continue;
      if (where === 'shore' && distanceToPolygonEdge(q, x, y) > 6) continue;
      const p = this.b.pond;
      const R = this.s.range(2, 4.5);
      if (p && Math.hypot(x - p.x, y - p.y) < p.r + R) continue;
      if (!this.free(x, y, R * 0.8)) continue;
      this.taken.push({ x, y, r: R * 0.8 });
      this.tree(x, y, R);
      k++;
    }
  }

  private tree(x: number, y: number, R: number): void {
    const c: Rgb = jitterColour(this.s.pick<Rgb>([[0.18, 0.36, 0.14], [0.24, 0.42, 0.16], [0.14, 0.3, 0.16], [0.3, 0.4, 0.14]]), this.s, 0.2);
    this.b.objects.push({ kind: 'tree', x, y, trunkR: 0.15 + R * 0.05, crownZ: R + this.s.range(1.5, 4), crownR: R, colour: c, key: this.s.int(1 << 30) });
  }

  /** Trees along the sidewalks of the block's streets. */
  streetTrees(roads: (RoadSegment | null)[], every: number, p: number): void {
    const q = this.b.lot;
    for (let e = 0; e < 4; e++) {
      if (!roads[e]) continue;
      const a = q[e]!, b = q[(e + 1) % 4]!;
      const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
      const ux = (b[0] - a[0]) / len, uy = (b[1] - a[1]) / len;
      for (let t = every / 2; t < len; t += every) {
        if (this.s.next() > p) continue;
        const x = a[0] + ux * t + uy * 1.2, y = a[1] + uy * t - ux * 1.2; // on the sidewalk, just outside the lot
        const R = this.s.range(1.8, 3.2);
        if (!this.free(x, y, R * 0.6)) continue;
        this.taken.push({ x, y, r: R * 0.6 });
        this.tree(x, y, R);
      }
    }
  }

  /** Cars parked along the kerb of the block's side of each street. */
  parkedCars(roads: (RoadSegment | null)[], p: number): void {
    const q = this.b.quad;
    for (let e = 0; e < 4; e++) {
      const r = roads[e];
      if (!r) continue;
      const a = q[e]!, b = q[(e + 1) % 4]!;
      const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
      const ux = (b[0] - a[0]) / len, uy = (b[1] - a[1]) / len;
      const off = r.halfWidth - 1.3;
      for (let t = r.halfWidth + 8; t < len - r.halfWidth - 8; t += this.s.range(5.5, 8)) {
        if (this.s.next() > p) continue;
        const x = a[0] + ux * t - uy * off, y = a[1] + uy * t + ux * off;
        this.car(x, y, Math.atan2(uy, ux));
      }
    }
  }

  private car(x: number, y: number, angle: number): void {
    const body = this.s.pick(CAR_COLOURS);
    this.box('car', x, y, 2.2, 0.9, angle, 1.45, body, body, 0, 0);
  }

  /** Rows of parked cars in the free part of an industrial lot. */
  parkingLot(): void {
    const c = centroid(this.b.lot);
    const q = this.b.lot;
    const angle = Math.atan2(q[1]![1] - q[0]![1], q[1]![0] - q[0]![0]);
    const cos = Math.cos(angle), sin = Math.sin(angle);
    for (let row = -2; row <= 2; row++) {
      for (let k = -6; k <= 6; k++) {
        if (this.s.next() < 0.45) continue;
        const u = k * 2.8, v = row * 7;
        const x = c[0] + u * cos - v * sin, y = c[1] + u * sin + v * cos;
        if (!insidePolygon(q, x, y) || !this.free(x, y, 2)) continue;
        this.car(x, y, angle + Math.PI / 2);
      }
    }
  }
}

export function centroid(p: Vec2[]): Vec2 {
  let x = 0, y = 0;
  for (const v of p) {
    x += v[0];
    y += v[1];
  }
  return [x / p.length, y / p.length];
}

/** Point in polygon (even-odd rule). */
export function insidePolygon(p: Vec2[], x: number, y: number): boolean {
  let inside = false;
  for (let a = 0, b = p.length - 1; a < p.length; b = a++) {
    const ya = p[a]![1], yb = p[b]![1];
    if (ya > y !== yb > y) {
      const xc = p[a]![0] + ((y - ya) / (yb - ya)) * (p[b]![0] - p[a]![0]);
      if (x < xc) inside = !inside;
    }
  }
  return inside;
}

export function distanceToSegment(ax: number, ay: number, bx: number, by: number, x: number, y: number): number {
  const dx = bx - ax, dy = by - ay;
  const l2 = dx * dx + dy * dy;
  let t = l2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / l2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return Math.hypot(ax + t * dx - x, ay + t * dy - y);
}

function distanceToPolygonEdge(p: Vec2[], x: number, y: number): number {
  let d = Infinity;
  for (let a = 0, b = p.length - 1; a < p.length; b = a++) d = Math.min(d, distanceToSegment(p[a]![0], p[a]![1], p[b]![0], p[b]![1], x, y));
  return d;
}

/** Insets a convex counter-clockwise quad: side k moves inward by d[k]. */
function insetQuad(q: Vec2[], d: number[]): Vec2[] {
  const lines = q.map((a, k) => {
    const b = q[(k + 1) % 4]!;
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    const nx = -(b[1] - a[1]) / len, ny = (b[0] - a[0]) / len; // inward normal for CCW
    return { px: a[0] + nx * d[k]!, py: a[1] + ny * d[k]!, dx: b[0] - a[0], dy: b[1] - a[1] };
  });
  return lines.map((_, k) => {
    const l1 = lines[(k + 3) % 4]!, l2 = lines[k]!;
    const den = l1.dx * l2.dy - l1.dy * l2.dx;
    const t = ((l2.px - l1.px) * l2.dy - (l2.py - l1.py) * l2.dx) / den;
    return [l1.px + t * l1.dx, l1.py + t * l1.dy] as Vec2;
  });
}

export { mix };
