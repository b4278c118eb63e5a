/**
 * Ground panorama renderer: an equirectangular image seen from a camera ~2 m above the ground,
 * ray cast through the same scene as the aerial tile. North is at the centre column (as in
 * CVUSA) when yaw = 0; column azimuths grow to the right (clockwise seen from above), so east is
 * at 3/4 of the width. A column is rendered front to back: objects the horizontal ray meets are
 * sorted by distance and fill the rows they cover that are still empty (a y-buffer), then the
 * remaining rows below the horizon see the ground, the rest the sky.
 */
import type { RgbImage } from '../data/image.js';
import type { Domain } from './domains.js';
import { NoiseTable, fbm2, hash01 } from './noise.js';
import { CELL, LocalScene, light, mixInto, multiplyInto, treeLeafTexture } from './scene.js';
import type { BoxObject, Rgb, TreeObject, WorldObject } from './world.js';

export interface PanoramaOptions {
  /** Camera position (world metres). */
  x: number;
  y: number;
  /** Heading of the centre column, degrees clockwise from north (0 = CVUSA alignment). */
  yawDeg?: number;
  width: number;
  height: number;
  /** Horizontal field of view in degrees (360 = full panorama; less = a limited-FOV crop centred on yaw). */
  fovDeg?: number;
  /** Elevation of the top and bottom image edges, degrees (default +50 / -50). */
  topDeg?: number;
  bottomDeg?: number;
  /** Camera height above the ground, metres (default 2). */
  cameraHeight?: number;
}

interface Hit {
  t: number;
  t1: number;
  o: WorldObject;
  /** Box: outward normal of the face entered, and the coordinate along that face. */
  nx: number;
  ny: number;
  s: number;
}

const BARK: Rgb = [0.3, 0.22, 0.15];
const DAY_GLASS: Rgb = [0.18, 0.24, 0.32];
const DARK_GLASS: Rgb = [0.03, 0.035, 0.05];
const LIT_WINDOW: Rgb = [1.0, 0.82, 0.48];

export function renderPanorama(scene: LocalScene, d: Domain, o: PanoramaOptions): RgbImage {
  const W = o.width, H = o.height;
  const fov = ((o.fovDeg ?? 360) * Math.PI) / 180;
  const yaw = ((o.yawDeg ?? 0) * Math.PI) / 180;
  const top = ((o.topDeg ?? 50) * Math.PI) / 180, bottom = ((o.bottomDeg ?? -50) * Math.PI) / 180;
  const hc = o.cameraHeight ?? 2;
  const maxDist = scene.radius - CELL;
  scene.setSun(d.sun);
  const data = new Uint8Array(W * H * 3);
  const sinRow = new Float64Array(H), cosRow = new Float64Array(H), tanRow = new Float64Array(H);
  for (let r = 0; r < H; r++) {
    const phi = top - ((r + 0.5) / H) * (top - bottom);
    sinRow[r] = Math.sin(phi);
    cosRow[r] = Math.cos(phi);
    tanRow[r] = Math.tan(phi);
  }
  /** First and last row whose elevation lies in [lo, hi] (radians), clipped to the image. */
  const rowFirst = (hi: number) => Math.max(0, Math.ceil(((top - hi) / (top - bottom)) * H - 0.5));
  const rowLast = (lo: number) => Math.min(H - 1, Math.floor(((top - lo) / (top - bottom)) * H - 0.5));
  const filled = new Uint8Array(H);
  let left = H;
  const col = new Float32Array(H * 3);
  const c: Rgb = [0, 0, 0], L: Rgb = [0, 0, 0];
  const hits: Hit[] = [];

  const put = (r: number, dist: number) => {
    mixInto(c, d.fogColour, 1 - Math.exp(-dist / d.fogDistance));
    col[r * 3] = c[0]; col[r * 3 + 1] = c[1]; col[r * 3 + 2] = c[2];
    filled[r] = 1;
    left--;
  };

  for (let j = 0; j < W; j++) {
    const az = yaw - fov / 2 + ((j + 0.5) / W) * fov;
    const dx = Math.sin(az), dy = Math.cos(az);
    filled.fill(0);
    left = H;
    collectHits(scene, o.x, o.y, dx, dy, maxDist, hits);

    for (const h of hits) {
      if (left === 0) break;
      const ob = h.o;
      if (ob.kind === 'tree') {
        shadeTree(ob, h, dx, dy);
        continue;
      }
      // front face: rows whose ray meets the face plane between the ground and the top
      const r1 = rowLast(Math.atan(-hc / h.t) - 1e-9);
      for (let r = rowFirst(Math.atan((ob.height - hc) / h.t) + 1e-9); r <= r1; r++) {
        if (filled[r]) continue;
        const z = hc + h.t * tanRow[r]!;
        if (z < 0 || z > ob.height) continue;
        const px = o.x + dx * h.t, py = o.y + dy * h.t;
        facadeColour(ob, h.s, z, c);
        multiplyInto(c, light(d, h.nx, h.ny, 0, scene.shadowed(px + h.nx * 0.05, py + h.ny * 0.05, z, ob), L));
        if (isWindow(ob, h.s, z)) windowColour(ob, h.s, z, d, c);
        put(r, Math.sqrt(h.t * h.t + (z - hc) * (z - hc)));
      }
      // the top of objects lower than the camera (cars)
      if (ob.height < hc) {
        const q1 = rowLast(Math.atan((ob.height - hc) / h.t) - 1e-9);
        for (let r = rowFirst(Math.atan((ob.height - hc) / h.t1) + 1e-9); r <= q1; r++) {
          if (filled[r] || tanRow[r]! >= 0) continue;
          const t = (ob.height - hc) / tanRow[r]!;
          if (t < h.t || t > h.t1) continue;
          c[0] = ob.roof[0]; c[1] = ob.roof[1]; c[2] = ob.roof[2];
          multiplyInto(c, light(d, 0, 0, 1, false, L));
          put(r, Math.hypot(t, ob.height - hc));
        }
      }
    }

    // ground below the horizon, a distant silhouette and the sky above
    const sil = silhouette(scene, o.x, o.y, dx, dy, maxDist);
    for (let r = 0; r < H; r++) {
      if (filled[r]) continue;
      const tan = tanRow[r]!;
      if (tan < 0) {
        const t = -hc / tan;
        if (t < maxDist) {
          const gx = o.x + dx * t, gy = o.y + dy * t;
          const water = scene.groundAlbedo(gx, gy, d, c);
          multiplyInto(c, light(d, 0, 0, 1, scene.shadowed(gx, gy, 0.02), L));
          if (water) mixInto(c, skyColour(d, scene.seed, dx, dy, -sinRow[r]!, cosRow[r]!, L), d.night ? 0.3 : 0.35);
          if (d.night) {
            const lamp = Math.min(scene.lampLight(gx, gy), 1.5);
            c[0] += lamp * 0.55; c[1] += lamp * 0.42; c[2] += lamp * 0.2;
          }
          put(r, Math.sqrt(t * t + hc * hc));
          continue;
        }
      }
      if (tan * maxDist < sil.height - hc) {
        const dist = Math.max(maxDist, sil.height > hc ? (sil.height - hc) / Math.max(tan, 1e-3) : maxDist);
        c[0] = sil.colour[0]; c[1] = sil.colour[1]; c[2] = sil.colour[2];
        multiplyInto(c, light(d, -dx, -dy, 0.3, false, L));
        if (d.night && sil.lit && hash01(scene.seed, Math.floor(az * 400), r) < 0.25) mixInto(c, LIT_WINDOW, 0.6);
        mixInto(c, d.fogColour, Math.max(0.35, 1 - Math.exp(-dist / d.fogDistance)));
        put(r, dist);
        continue;
      }
      if (tan < 0) {
        c[0] = 0.38; c[1] = 0.44; c[2] = 0.3;
        multiplyInto(c, light(d, 0, 0, 1, false, L));
        mixInto(c, d.fogColour, 0.45);
        put(r, maxDist * 2);
        continue;
      }
      skyColour(d, scene.seed, dx, dy, sinRow[r]!, cosRow[r]!, c);
      col[r * 3] = c[0]; col[r * 3 + 1] = c[1]; col[r * 3 + 2] = c[2];
    }
    for (let r = 0; r < H; r++) {
      const p = (r * W + j) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const v = col[r * 3 + ch]! * 255;
        data[p + ch] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return { width: W, height: H, data };

  function shadeTree(t: TreeObject, h: Hit, dx: number, dy: number): void {
    const R = t.crownR;
    const ox = o.x - t.x, oy = o.y - t.y;
    // rows that can see the crown (its angular extent from the camera) or the trunk
    const along = (t.x - o.x) * dx + (t.y - o.y) * dy;
    const dist = Math.hypot(t.x - o.x, t.y - o.y, t.crownZ - hc);
    const centre = Math.atan2(t.crownZ - hc, along);
    const half = dist > R ? Math.asin(R / dist) : Math.PI / 2;
    const lo = Math.min(centre - half, h.s >= 0 ? Math.atan(-hc / h.s) : Infinity);
    const r1 = rowLast(lo - 1e-6);
    for (let r = rowFirst(centre + half + 1e-6); r <= r1; r++) {
      if (filled[r]) continue;
      // ray (cos φ dx, cos φ dy, sin φ) against the crown sphere
      const Dx = cosRow[r]! * dx, Dy = cosRow[r]! * dy, Dz = sinRow[r]!;
      const oz = hc - t.crownZ;
      const b = ox * Dx + oy * Dy + oz * Dz;
      const cc = ox * ox + oy * oy + oz * oz - R * R;
      const disc = b * b - cc;
      if (disc > 0) {
        const s = -b - Math.sqrt(disc);
        if (s > 0.1) {
          const px = o.x + Dx * s, py = o.y + Dy * s, pz = hc + Dz * s;
          const nx = (px - t.x) / R, ny = (py - t.y) / R, nz = (pz - t.crownZ) / R;
          c[0] = t.colour[0]; c[1] = t.colour[1]; c[2] = t.colour[2];
          multiplyInto(c, light(d, nx, ny, nz, nz < -0.2 || scene.shadowed(px, py, pz, t), L), treeLeafTexture(t, px, py, pz));
          if (d.snow > 0 && nz > 0) mixInto(c, [0.85, 0.87, 0.9], d.snow * 0.6 * nz);
          put(r, s);
          continue;
        }
      }
      // trunk: a thin cylinder up to the crown
      if (h.s >= 0) {
        const z = hc + h.s * tanRow[r]!;
        if (z >= 0 && z <= t.crownZ - R * 0.6) {
          c[0] = BARK[0]; c[1] = BARK[1]; c[2] = BARK[2];
          multiplyInto(c, light(d, -dx, -dy, 0, false, L));
          put(r, Math.hypot(h.s, z - hc));
        }
      }
    }
  }
}

/** Objects met by the horizontal ray from (x, y) along (dx, dy), nearest first. */
let stampCounter = 0;

/** Hit records are reused from column to column (a panorama meets tens of thousands). */
const pool: Hit[] = [];
function hitAt(k: number): Hit {
  let h = pool[k];
  if (!h) {
    h = { t: 0, t1: 0, o: null as unknown as WorldObject, nx: 0, ny: 0, s: 0 };
    pool[k] = h;
  }
  return h;
}

function collectHits(scene: LocalScene, x: number, y: number, dx: number, dy: number, maxDist: number, hits: Hit[]): void {
  const stamp = ++stampCounter;
  hits.length = 0;
  const step = CELL * 0.5;
  for (let t = 0; t < maxDist; t += step) {
    const list = scene.objectGrid.at(x + dx * t, y + dy * t);
    if (!list) continue;
    for (const ob of list) {
      if (ob.stamp === stamp) continue;
      ob.stamp = stamp;
      if (ob.kind === 'tree') {
        const ax = ob.x - x, ay = ob.y - y;
        const along = ax * dx + ay * dy;
        const perp = Math.abs(ax * dy - ay * dx);
        if (along <= 0 || perp >= ob.crownR) continue;
        const half = Math.sqrt(ob.crownR * ob.crownR - perp * perp);
        const trunk = perp < ob.trunkR ? along - Math.sqrt(ob.trunkR * ob.trunkR - perp * perp) : -1;
        const h = hitAt(hits.length);
        h.t = Math.max(0.1, along - half); h.t1 = along + half; h.o = ob; h.nx = 0; h.ny = 0; h.s = trunk;
        hits.push(h);
      } else {
        if (boxHit(ob, x, y, dx, dy, hitAt(hits.length))) hits.push(pool[hits.length]!);
      }
    }
  }
  hits.sort((a, b) => a.t - b.t);
}

/** 2D slab test of the horizontal ray against an oriented box; the entered face and the
 *  coordinate along it (for windows), written into `out`. False when missed or when the camera is inside. */
function boxHit(b: BoxObject, x: number, y: number, dx: number, dy: number, out: Hit): boolean {
  const px = x - b.cx, py = y - b.cy;
  const u = px * b.cos + py * b.sin, v = -px * b.sin + py * b.cos;
  const du = dx * b.cos + dy * b.sin, dv = -dx * b.sin + dy * b.cos;
  let t0 = -Infinity, t1 = Infinity, axis = 0;
  if (Math.abs(du) < 1e-12) {
    if (Math.abs(u) > b.hu) return false;
  } else {
    const a = (-b.hu - u) / du, c = (b.hu - u) / du;
    t0 = Math.min(a, c); t1 = Math.max(a, c);
  }
  if (Math.abs(dv) < 1e-12) {
    if (Math.abs(v) > b.hv) return false;
  } else {
    const a = (-b.hv - v) / dv, c = (b.hv - v) / dv;
    const lo = Math.min(a, c), hi = Math.max(a, c);
    if (lo > t0) { t0 = lo; axis = 1; }
    t1 = Math.min(t1, hi);
  }
  if (t0 > t1 || t0 < 0.2) return false;
  let nu = 0, nv = 0, s: number;
  if (axis === 0) {
    nu = du > 0 ? -1 : 1;
    s = v + dv * t0 + b.hv;
  } else {
    nv = dv > 0 ? -1 : 1;
    s = u + du * t0 + b.hu;
  }
  out.t = t0; out.t1 = t1; out.o = b; out.nx = nu * b.cos - nv * b.sin; out.ny = nu * b.sin + nv * b.cos; out.s = s;
  return true;
}

function facadeColour(b: BoxObject, s: number, z: number, out: Rgb): void {
  const f = b.facade;
  let k = 0.92 + 0.1 * hash01(b.key, Math.floor(s * 3), Math.floor(z * 3));
  if (b.kind === 'building' && b.floor > 0 && z % b.floor < 0.18) k *= 0.85; // floor lines
  out[0] = f[0] * k; out[1] = f[1] * k; out[2] = f[2] * k;
}

function isWindow(b: BoxObject, s: number, z: number): boolean {
  if (b.kind === 'car') return z > 0.95 && z < 1.35;
  if (b.floor <= 0 || b.spacing <= 0 || z < 0.9 || z > b.height - 0.8) return false;
  const fz = (z % b.floor) / b.floor, fs = (s % b.spacing) / b.spacing;
  return fz > 0.3 && fz < 0.8 && fs > 0.22 && fs < 0.78;
}

function windowColour(b: BoxObject, s: number, z: number, d: Domain, out: Rgb): void {
  if (d.night && b.kind === 'building') {
    const lit = hash01(b.key, Math.floor(s / b.spacing), Math.floor(z / b.floor)) < 0.35;
    const c = lit ? LIT_WINDOW : DARK_GLASS;
    out[0] = c[0]; out[1] = c[1]; out[2] = c[2];
    return;
  }
  const g = b.kind === 'car' ? DARK_GLASS : DAY_GLASS;
  out[0] = g[0] * 0.6 + out[0] * 0.15 + d.skyHorizon[0] * 0.25;
  out[1] = g[1] * 0.6 + out[1] * 0.15 + d.skyHorizon[1] * 0.25;
  out[2] = g[2] * 0.6 + out[2] * 0.15 + d.skyHorizon[2] * 0.25;
}

/** What stands beyond the scene radius along a direction: a coarse skyline from the land use
 *  of the blocks further out (towers downtown, tree lines in parks, nothing over farmland). */
function silhouette(scene: LocalScene, x: number, y: number, dx: number, dy: number, maxDist: number): { height: number; colour: Rgb; lit: boolean } {
  let best = 0, colour: Rgb = [0.5, 0.52, 0.55], lit = false;
  for (const dist of [maxDist + 40, maxDist + 120, maxDist + 260]) {
    const px = x + dx * dist, py = y + dy * dist;
    const i = Math.floor(px / 90), jj = Math.floor(py / 90);
    const use = scene.world.landUse(i, jj);
    const jitter = 0.6 + 0.8 * hash01(scene.seed, Math.floor(px / 14), Math.floor(py / 14), 77);
    let h = 0, c: Rgb = colour;
    if (use === 'downtown') { h = 35 * jitter; c = [0.5, 0.53, 0.58]; }
    else if (use === 'residential') { h = 7 * jitter; c = [0.42, 0.4, 0.36]; }
    else if (use === 'industrial') { h = 10 * jitter; c = [0.55, 0.55, 0.53]; }
    else if (use === 'park') { h = 10 * (0.7 + 0.3 * fbm2(scene.seed, px, py, 10)); c = [0.2, 0.32, 0.18]; }
    const elev = (h - 2) / dist;
    if (elev * maxDist + 2 > best) { best = elev * maxDist + 2; colour = c; lit = use === 'downtown' || use === 'residential'; }
  }
  return { height: best, colour, lit };
}

/** Sky radiance towards azimuth direction (dx, dy) at elevation sin φ, cos φ. */
function skyColour(d: Domain, seed: number, dx: number, dy: number, sinPhi: number, cosPhi: number, out: Rgb): Rgb {
  const t = Math.max(0, sinPhi);
  const k = Math.sqrt(t) * (1.1 - 0.1 * t); // about t^0.55, cheaper
  const clouds = NoiseTable.for(seed + 31);
  out[0] = d.skyHorizon[0] + (d.skyZenith[0] - d.skyHorizon[0]) * k;
  out[1] = d.skyHorizon[1] + (d.skyZenith[1] - d.skyHorizon[1]) * k;
  out[2] = d.skyHorizon[2] + (d.skyZenith[2] - d.skyHorizon[2]) * k;
  const cosSun = dx * cosPhi * d.sun[0] + dy * cosPhi * d.sun[1] + sinPhi * d.sun[2];
  if (d.sunGlow > 0) {
    const g = d.sunGlow * Math.exp((cosSun - 1) * 25) + (cosSun > 0.9996 ? 3 : 0);
    out[0] += g * d.sunColour[0] * 0.5; out[1] += g * d.sunColour[1] * 0.5; out[2] += g * d.sunColour[2] * 0.5;
  }
  if (d.clouds > 0 && t > 0.02) {
    const k2 = 1000 / (t / cosPhi) / 120;
    const n = clouds.at(dx * k2, dy * k2);
    const cover = Math.min(1, Math.max(0, (n - (1 - d.clouds)) * 3)) * Math.min(1, t * 6) * 0.85;
    const bright = d.night ? 0.06 : 0.75 + 0.25 * Math.max(0, cosSun);
    out[0] += (bright * d.sunColour[0] - out[0]) * cover;
    out[1] += (bright * d.sunColour[1] - out[1]) * cover;
    out[2] += (bright * (d.sunColour[2] + 0.05) - out[2]) * cover;
  }
  if (d.night && t > 0.05 && hash01(seed, Math.floor(Math.atan2(dx, dy) * 160), Math.floor(t * 160), 5) < 0.004) {
    out[0] = out[1] = out[2] = 0.8;
  }
  return out;
}
