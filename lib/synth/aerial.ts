/**
 * Aerial tile renderer: a top-down orthographic view, north up, the location at the centre, in
 * the style of CVUSA/CVACT satellite tiles. Each pixel shows the highest surface above it (roof,
 * tree crown, car, ground), lit by the domain's sun with cast shadows from the shared scene.
 */
import type { RgbImage } from '../data/image.js';
import type { Domain } from './domains.js';
import { hash01 } from './noise.js';
import { LocalScene, light, mixInto, multiplyInto, treeLeafTexture } from './scene.js';
import type { BoxObject, Rgb, TreeObject } from './world.js';

export interface AerialOptions {
  /** Centre of the tile (world metres). */
  x: number;
  y: number;
  /** Output size in pixels (square). */
  size: number;
  /** Ground extent of the tile in metres (side length). */
  extent: number;
  /** Samples per pixel along each axis (anti-aliasing); 1 = one sample at the pixel centre. */
  supersample?: number;
}

export function renderAerial(scene: LocalScene, d: Domain, o: AerialOptions): RgbImage {
  const S = o.size, ss = Math.max(1, Math.round(o.supersample ?? 1));
  const gsd = o.extent / S;
  const data = new Uint8Array(S * S * 3);
  scene.setSun(d.sun);
  const acc: Rgb = [0, 0, 0], c: Rgb = [0, 0, 0];
  for (let r = 0; r < S; r++) {
    for (let col = 0; col < S; col++) {
      acc[0] = acc[1] = acc[2] = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const wx = o.x + (col + (sx + 0.5) / ss - S / 2) * gsd;
          const wy = o.y - (r + (sy + 0.5) / ss - S / 2) * gsd;
          shadeTop(scene, d, wx, wy, c);
          acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2];
        }
      }
      const k = 255 / (ss * ss), p = (r * S + col) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const v = acc[ch]! * k;
        data[p + ch] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return { width: S, height: S, data };
}

const L: Rgb = [0, 0, 0];

/** Colour of the highest surface above (x, y) seen from straight above. */
function shadeTop(scene: LocalScene, d: Domain, x: number, y: number, out: Rgb): void {
  let top = -1;
  let hit: BoxObject | TreeObject | null = null;
  const list = scene.objectGrid.at(x, y);
  if (list) {
    for (const o of list) {
      if (o.kind === 'tree') {
        const r2 = (x - o.x) ** 2 + (y - o.y) ** 2;
        if (r2 < o.crownR * o.crownR) {
          const z = o.crownZ + Math.sqrt(o.crownR * o.crownR - r2);
          if (z > top) { top = z; hit = o; }
        }
      } else {
        const px = x - o.cx, py = y - o.cy;
        const u = px * o.cos + py * o.sin, v = -px * o.sin + py * o.cos;
        if (Math.abs(u) <= o.hu && Math.abs(v) <= o.hv && o.height > top) { top = o.height; hit = o; }
      }
    }
  }
  if (hit && hit.kind === 'tree') {
    const R = hit.crownR;
    const nx = (x - hit.x) / R, ny = (y - hit.y) / R;
    const nz = Math.sqrt(Math.max(0, 1 - nx * nx - ny * ny));
    out[0] = hit.colour[0]; out[1] = hit.colour[1]; out[2] = hit.colour[2];
    multiplyInto(out, light(d, nx, ny, nz, scene.shadowed(x, y, top + 0.05, hit), L), treeLeafTexture(hit, x, y, top));
    if (d.snow > 0) mixInto(out, [0.85, 0.87, 0.9], d.snow * 0.55 * nz);
  } else if (hit) {
    const b = hit as BoxObject;
    const px = x - b.cx, py = y - b.cy;
    const u = px * b.cos + py * b.sin, v = -px * b.sin + py * b.cos;
    let c: Rgb = b.roof;
    let shade = 1;
    if (b.kind === 'car') {
      // windscreen and rear window as dark bands across the body
      const fu = u / b.hu;
      if ((fu > 0.15 && fu < 0.45) || (fu < -0.45 && fu > -0.7)) c = [0.08, 0.1, 0.12];
    } else {
      const rim = Math.min(b.hu - Math.abs(u), b.hv - Math.abs(v));
      if (rim < 0.5) shade = 1.15; // parapet
      else if (b.height > 12 && hash01(b.key, Math.floor(u / 4), Math.floor(v / 4)) < 0.06) shade = 0.75; // roof units
      else shade = 0.94 + 0.12 * hash01(b.key, Math.floor(u * 2), Math.floor(v * 2));
    }
    out[0] = c[0]; out[1] = c[1]; out[2] = c[2];
    multiplyInto(out, light(d, 0, 0, 1, scene.shadowed(x, y, top + 0.02, b), L), shade);
    if (d.snow > 0 && b.kind === 'building') mixInto(out, [0.93, 0.94, 0.97], d.snow * 0.9);
  } else {
    const water = scene.groundAlbedo(x, y, d, out);
    multiplyInto(out, light(d, 0, 0, 1, scene.shadowed(x, y, 0.02), L));
    if (water && !d.night) mixInto(out, d.skyHorizon, 0.15);
  }
  if (d.night) {
    const lamp = Math.min(scene.lampLight(x, y), 1.5) * (top < 0 ? 1 : 0.3);
    out[0] += lamp * 0.55; out[1] += lamp * 0.42; out[2] += lamp * 0.2;
  }
  if (d.aerialHaze > 0) mixInto(out, d.fogColour, d.aerialHaze);
}
