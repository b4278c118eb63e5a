/**
 * The part of the world around one location, indexed for rendering: objects, roads, blocks,
 * street lamps and shadow casters in a uniform grid. Both renderers (aerial and panorama) ask
 * this one scene for ground colour, shadows and object hits, which is what makes the two views
 * of a location agree.
 */
import type { Domain } from './domains.js';
import { NoiseTable, hash01 } from './noise.js';
import { World, insidePolygon, type Block, type BoxObject, type Rgb, type RoadSegment, type TreeObject, type WorldObject } from './world.js';

export const CELL = 8;
const ASPHALT: Rgb = [0.24, 0.24, 0.25];
const SIDEWALK: Rgb = [0.66, 0.65, 0.62];
const WATER: Rgb = [0.13, 0.27, 0.38];
const SNOW: Rgb = [0.93, 0.94, 0.97];
const ICE: Rgb = [0.7, 0.75, 0.8];
const WILD_GRASS: Rgb = [0.4, 0.5, 0.3];
const VERGE: Rgb = [0.42, 0.5, 0.3];
const YELLOW_LINE: Rgb = [0.75, 0.62, 0.2];
const WHITE_LINE: Rgb = [0.85, 0.85, 0.82];
const MAX_SHADOW = 110;

class Grid<T> {
  readonly cells: T[][];
  constructor(readonly x0: number, readonly y0: number, readonly n: number) {
    this.cells = Array.from({ length: n * n }, () => []);
  }
  addBox(item: T, minx: number, miny: number, maxx: number, maxy: number): void {
    const i0 = Math.max(0, Math.floor((minx - this.x0) / CELL)), i1 = Math.min(this.n - 1, Math.floor((maxx - this.x0) / CELL));
    const j0 = Math.max(0, Math.floor((miny - this.y0) / CELL)), j1 = Math.min(this.n - 1, Math.floor((maxy - this.y0) / CELL));
    for (let j = j0; j <= j1; j++) for (let i = i0; i <= i1; i++) this.cells[j * this.n + i]!.push(item);
  }
  at(x: number, y: number): T[] | undefined {
    const i = Math.floor((x - this.x0) / CELL), j = Math.floor((y - this.y0) / CELL);
    if (i < 0 || j < 0 || i >= this.n || j >= this.n) return undefined;
    return this.cells[j * this.n + i];
  }
}

interface Lamp {
  x: number;
  y: number;
}

export function boxBounds(b: BoxObject): [number, number, number, number] {
  const ex = Math.abs(b.hu * b.cos) + Math.abs(b.hv * b.sin);
  const ey = Math.abs(b.hu * b.sin) + Math.abs(b.hv * b.cos);
  return [b.cx - ex, b.cy - ey, b.cx + ex, b.cy + ey];
}

function objectBounds(o: WorldObject): [number, number, number, number] {
  if (o.kind === 'tree') return [o.x - o.crownR, o.y - o.crownR, o.x + o.crownR, o.y + o.crownR];
  return boxBounds(o);
}

function objectTop(o: WorldObject): number {
  return o.kind === 'tree' ? o.crownZ + o.crownR : o.height;
}

export class LocalScene {
  readonly objects: WorldObject[] = [];
  readonly objectGrid: Grid<WorldObject>;
  private readonly roadGrid: Grid<RoadSegment>;
  private readonly blockGrid: Grid<Block>;
  private readonly lampGrid: Grid<Lamp>;
  private casterGrid: Grid<WorldObject>;
  private sun: [number, number, number] = [0, 0, 1];
  readonly seed: number;
  readonly texture: NoiseTable;

  /** The world around (x, y) within `radius` metres. */
  constructor(readonly world: World, readonly x: number, readonly y: number, readonly radius: number) {
    this.seed = world.seed;
    this.texture = NoiseTable.for(world.seed + 7);
    const n = Math.ceil((2 * radius) / CELL) + 1;
    const x0 = x - radius, y0 = y - radius;
    this.objectGrid = new Grid(x0, y0, n);
    this.roadGrid = new Grid(x0, y0, n);
    this.blockGrid = new Grid(x0, y0, n);
    this.lampGrid = new Grid(x0, y0, n);
    this.casterGrid = new Grid(x0, y0, n);
    for (const b of world.blocksNear(x, y, radius)) {
      let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
      for (const p of b.quad) {
        minx = Math.min(minx, p[0]); maxx = Math.max(maxx, p[0]); miny = Math.min(miny, p[1]); maxy = Math.max(maxy, p[1]);
      }
      this.blockGrid.addBox(b, minx, miny, maxx, maxy);
      for (const o of b.objects) {
        const [ax, ay, bx, by] = objectBounds(o);
        if (bx < x0 || by < y0 || ax > x + radius || ay > y + radius) continue;
        this.objects.push(o);
        this.objectGrid.addBox(o, ax, ay, bx, by);
      }
    }
    for (const r of world.roadsNear(x, y, radius)) {
      const pad = r.halfWidth + 3;
      this.roadGrid.addBox(r, Math.min(r.ax, r.bx) - pad, Math.min(r.ay, r.by) - pad, Math.max(r.ax, r.bx) + pad, Math.max(r.ay, r.by) + pad);
      // street lamps every 30 m on alternating sides (lit at night)
      const len = Math.hypot(r.bx - r.ax, r.by - r.ay);
      const ux = (r.bx - r.ax) / len, uy = (r.by - r.ay) / len;
      for (let t = 15, k = 0; t < len - 10; t += 30, k++) {
        const side = k % 2 ? 1 : -1;
        const lx = r.ax + ux * t - uy * side * (r.halfWidth + 0.8), ly = r.ay + uy * t + ux * side * (r.halfWidth + 0.8);
        this.lampGrid.addBox({ x: lx, y: ly }, lx - 14, ly - 14, lx + 14, ly + 14);
      }
    }
  }

  /** Sets the light direction and indexes which objects can shade which cells. */
  setSun(sun: [number, number, number]): void {
    if (this.sun === sun) return;
    this.sun = sun;
    this.casterGrid = new Grid(this.objectGrid.x0, this.objectGrid.y0, this.objectGrid.n);
    const k = sun[2] > 0.05 ? Math.min(1 / Math.tan(Math.asin(sun[2])), 8) : 0;
    const sx = -sun[0] / Math.hypot(sun[0], sun[1]) || 0, sy = -sun[1] / Math.hypot(sun[0], sun[1]) || 0;
    for (const o of this.objects) {
      const [ax, ay, bx, by] = objectBounds(o);
      const len = Math.min(objectTop(o) * k, MAX_SHADOW);
      const dx = sx * len, dy = sy * len;
      this.casterGrid.addBox(o, Math.min(ax, ax + dx), Math.min(ay, ay + dy), Math.max(bx, bx + dx), Math.max(by, by + dy));
    }
  }

  /** True when the point (x, y, z) cannot see the sun (another object is in the way). */
  shadowed(x: number, y: number, z: number, skip?: WorldObject): boolean {
    const list = this.casterGrid.at(x, y);
    if (!list) return false;
    const [sx, sy, sz] = this.sun;
    for (const o of list) {
      if (o === skip) continue;
      if (o.kind === 'tree') {
        const cx = o.x - x, cy = o.y - y, cz = o.crownZ - z;
        const t = cx * sx + cy * sy + cz * sz;
        if (t <= 0) continue;
        const d2 = cx * cx + cy * cy + cz * cz - t * t;
        if (d2 < o.crownR * o.crownR * 0.8) return true;
      } else if (rayHitsBox(o, x, y, z, sx, sy, sz)) return true;
    }
    return false;
  }

  /** Warm light from street lamps at a ground point (night). */
  lampLight(x: number, y: number): number {
    const list = this.lampGrid.at(x, y);
    if (!list) return 0;
    let s = 0;
    for (const l of list) {
      const d2 = (l.x - x) ** 2 + (l.y - y) ** 2;
      s += Math.exp(-d2 / 60);
    }
    return s;
  }

  /** Albedo of the ground at (x, y) (roads, sidewalks, lots, water, fields), before lighting. */
  groundAlbedo(x: number, y: number, d: Domain, out: Rgb): boolean {
    const roads = this.roadGrid.at(x, y);
    let best = Infinity, bestRoad: RoadSegment | null = null, along = 0, len = 0;
    if (roads) {
      for (const r of roads) {
        const dx = r.bx - r.ax, dy = r.by - r.ay;
        const l2 = dx * dx + dy * dy;
        let t = ((x - r.ax) * dx + (y - r.ay) * dy) / l2;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = r.ax + t * dx - x, ey = r.ay + t * dy - y;
        const dist = Math.sqrt(ex * ex + ey * ey) - r.halfWidth;
        if (dist < best) {
          best = dist;
          bestRoad = r;
          along = t;
          len = Math.sqrt(l2);
        }
      }
    }
    const tex = 0.82 + 0.36 * this.texture.at(x / 3.5, y / 3.5);
    const snow = d.snow;
    if (bestRoad && best < 0) {
      const r = bestRoad;
      const s = along * len;
      let c: Rgb = ASPHALT;
      const centre = -best - r.halfWidth; // distance from the centre line (negative inside)
      const nearEnds = s < r.halfWidth + 6 || s > len - r.halfWidth - 6;
      if (!nearEnds) {
        if (r.main && Math.abs(Math.abs(centre) - 0.25) < 0.12) c = YELLOW_LINE;
        else if (!r.main && Math.abs(centre) < 0.12 && s % 6 < 3) c = WHITE_LINE;
        else if (r.main && Math.abs(-best - 0.5) < 0.12) c = WHITE_LINE;
      }
      const k = 0.9 + 0.2 * (tex - 0.82);
      out[0] = c[0] * k; out[1] = c[1] * k; out[2] = c[2] * k;
      if (snow > 0) mixInto(out, SNOW, snow * 0.35);
      return false;
    }
    const blocks = this.blockGrid.at(x, y);
    let block: Block | undefined;
    if (blocks) for (const b of blocks) if (insidePolygon(b.quad, x, y)) { block = b; break; }
    let c: Rgb;
    let water = false;
    let tile = 1;
    if (!block) c = WILD_GRASS;
    else if (block.use === 'water' && best > 1.5) { c = WATER; water = true; }
    else if (!insidePolygon(block.lot, x, y)) {
      const urban = block.use === 'downtown' || block.use === 'residential' || block.use === 'industrial';
      c = urban && best < 3 ? SIDEWALK : VERGE;
    } else if (block.pond && (x - block.pond.x) ** 2 + (y - block.pond.y) ** 2 < block.pond.r ** 2) { c = WATER; water = true; }
    else if (block.use === 'farm') {
      const u = x * Math.cos(block.stripeAngle) + y * Math.sin(block.stripeAngle);
      c = Math.sin(u * 1.6) > 0 ? block.ground : block.stripe;
    } else if (block.use === 'downtown') {
      tile = ((Math.floor(x / 1.5) + Math.floor(y / 1.5)) & 1) ? 1 : 0.94;
      c = block.ground;
    } else c = block.ground;
    const k = (water ? 0.95 + 0.1 * (tex - 0.82) : tex) * tile;
    out[0] = c[0] * k; out[1] = c[1] * k; out[2] = c[2] * k;
    if (snow > 0 && !water) mixInto(out, SNOW, snow);
    if (snow > 0 && water) mixInto(out, ICE, snow * 0.6);
    return water;
  }
}

export function mixInto(out: Rgb, c: Rgb, t: number): void {
  out[0] += (c[0] - out[0]) * t;
  out[1] += (c[1] - out[1]) * t;
  out[2] += (c[2] - out[2]) * t;
}

/** Ray (ox, oy, oz) + t (dx, dy, dz), t > 0, against an oriented box standing on the ground. */
export function rayHitsBox(b: BoxObject, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number): boolean {
  const px = ox - b.cx, py = oy - b.cy;
  const u = px * b.cos + py * b.sin, v = -px * b.sin + py * b.cos;
  const du = dx * b.cos + dy * b.sin, dv = -dx * b.sin + dy * b.cos;
  let t0 = 1e-4, t1 = Infinity;
  // three slabs, inlined (this runs for every shadow test)
  if (Math.abs(du) < 1e-12) {
    if (u < -b.hu || u > b.hu) return false;
  } else {
    let a = (-b.hu - u) / du, c = (b.hu - u) / du;
    if (a > c) { const t = a; a = c; c = t; }
    if (a > t0) t0 = a;
    if (c < t1) t1 = c;
    if (t0 > t1) return false;
  }
  if (Math.abs(dv) < 1e-12) {
    if (v < -b.hv || v > b.hv) return false;
  } else {
    let a = (-b.hv - v) / dv, c = (b.hv - v) / dv;
    if (a > c) { const t = a; a = c; c = t; }
    if (a > t0) t0 = a;
    if (c < t1) t1 = c;
    if (t0 > t1) return false;
  }
  if (Math.abs(dz) < 1e-12) return oz >= 0 && oz <= b.height;
  let a = (0 - oz) / dz, c = (b.height - oz) / dz;
  if (a > c) { const t = a; a = c; c = t; }
  if (a > t0) t0 = a;
  if (c < t1) t1 = c;
  return t0 <= t1;
}

/** Light reaching a surface with normal n, per channel into `out`: sky light (ambient colour)
 *  plus direct sun (sun colour) unless shadowed. */
export function light(d: Domain, nx: number, ny: number, nz: number, shadowed: boolean, out: Rgb): Rgb {
  const direct = shadowed ? 0 : Math.max(0, nx * d.sun[0] + ny * d.sun[1] + nz * d.sun[2]) * (1 - d.ambient) * 1.35;
  const amb = d.ambient * (0.75 + 0.25 * nz);
  out[0] = amb * d.ambientColour[0] + direct * d.sunColour[0];
  out[1] = amb * d.ambientColour[1] + direct * d.sunColour[1];
  out[2] = amb * d.ambientColour[2] + direct * d.sunColour[2];
  return out;
}

export function multiplyInto(out: Rgb, k: Rgb, s = 1): void {
  out[0] *= k[0] * s;
  out[1] *= k[1] * s;
  out[2] *= k[2] * s;
}

export function treeLeafTexture(t: TreeObject, x: number, y: number, z: number): number {
  return 0.8 + 0.4 * hash01(t.key, Math.floor(x * 2.2), Math.floor(y * 2.2), Math.floor(z * 2.2));
}
