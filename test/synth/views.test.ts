/**
 * The two renderers agree on geometry: a hand-made scene with one red-roofed building north of
 * the camera must show the roof above the aerial tile's centre and the facade in the panorama's
 * centre column (north, as CVUSA), at 1/4 width when the camera is turned 90 degrees east, and
 * nowhere in the east column. Plus determinism and the domains.
 */
import { describe, expect, it } from 'vitest';
import { renderAerial } from '../../lib/synth/aerial.js';
import { DOMAINS } from '../../lib/synth/domains.js';
import { renderPanorama } from '../../lib/synth/panorama.js';
import { LocalScene } from '../../lib/synth/scene.js';
import { CITY_STYLES, World, type Block, type BoxObject, type LandUse, type RoadSegment } from '../../lib/synth/world.js';
import type { RgbImage } from '../../lib/data/image.js';

const RED: [number, number, number] = [0.9, 0.05, 0.05];
const BLUE: [number, number, number] = [0.05, 0.1, 0.9];
const GREEN: [number, number, number] = [0.05, 0.8, 0.1];

/** A flat field with a building (footprint 10 x 6 m, 15 m tall, red roof, blue walls) centred
 *  `north` metres north of the camera, and a low green shed 30 m east (breaks the mirror symmetry). */
class OneBuildingWorld extends World {
  constructor(private readonly north: number) {
    super(1, CITY_STYLES.rural!);
  }
  override blocksNear(): Block[] {
    const b: BoxObject = { kind: 'building', cx: 0, cy: this.north, hu: 5, hv: 3, cos: 1, sin: 0, height: 15, roof: RED, facade: BLUE, floor: 0, spacing: 0, key: 1 };
    const quad: [number, number][] = [[-500, -500], [500, -500], [500, 500], [-500, 500]];
    const shed: BoxObject = { ...b, cx: 30, cy: 0, hu: 2, hv: 2, height: 6, roof: GREEN, facade: GREEN, key: 2 };
    return [{ i: 0, j: 0, use: 'park', quad, lot: quad, ground: [0.5, 0.45, 0.3], stripeAngle: 0, stripe: [0.5, 0.45, 0.3], pond: null, objects: [b, shed] }];
  }
  override roadsNear(): RoadSegment[] {
    return [];
  }
  override landUse(): LandUse {
    return 'farm';
  }
}

const px = (img: RgbImage, col: number, row: number) => {
  const p = (row * img.width + col) * 3;
  return [img.data[p]!, img.data[p + 1]!, img.data[p + 2]!];
};
const isRed = (c: number[]) => c[0]! > 2 * c[1]! && c[0]! > 2 * c[2]! && c[0]! > 60;
const isBlue = (c: number[]) => c[2]! > 1.5 * c[0]! && c[2]! > 1.5 * c[1]! && c[2]! > 40;
const isGreen = (c: number[]) => c[1]! > 2 * c[0]! && c[1]! > 2 * c[2]! && c[1]! > 30;

describe('aerial and panorama views of one scene agree', () => {
  const north = 25;
  const scene = new LocalScene(new OneBuildingWorld(north), 0, 0, 170);
  const aerial = renderAerial(scene, DOMAINS.day, { x: 0, y: 0, size: 128, extent: 100 });
  const W = 360, H = 100;
  const pano = renderPanorama(scene, DOMAINS.day, { x: 0, y: 0, width: W, height: H });

  it('the roof is above the centre of the aerial tile (north up)', () => {
    const gsd = 100 / 128;
    const row = Math.round(64 - north / gsd);
    expect(isRed(px(aerial, 64, row))).toBe(true);
    expect(isRed(px(aerial, 64, Math.round(64 + north / gsd)))).toBe(false); // not south
    expect(isRed(px(aerial, 64, 64))).toBe(false); // not at the camera
    // footprint 10 m wide east-west: the roof spans ~ +-5 m around the centre column only
    expect(isRed(px(aerial, Math.round(64 + 3.5 / gsd), row))).toBe(true);
    expect(isRed(px(aerial, Math.round(64 + 7 / gsd), row))).toBe(false);
    // the shed east of the camera: right of the centre
    expect(isGreen(px(aerial, Math.round(64 + 30 / gsd), 64))).toBe(true);
    expect(isGreen(px(aerial, Math.round(64 - 30 / gsd), 64))).toBe(false);
  });

  it('the facade is in the centre column of the panorama (north), above and below the horizon', () => {
    const centre = W / 2;
    // the horizon is at the middle row (top +50, bottom -50 degrees)
    const above = Math.round(H / 2 - 10), below = Math.round(H / 2 + 2);
    expect(isBlue(px(pano, centre, above))).toBe(true);
    expect(isBlue(px(pano, centre, below))).toBe(true);
    // the facade's angular width: atan(5 / 22) ~ 12.8 degrees each side of north
    expect(isBlue(px(pano, centre + 10, above))).toBe(true);
    expect(isBlue(px(pano, centre + 16, above))).toBe(false);
    // the top edge: atan((15 - 2) / 22) ~ 30.6 degrees above the horizon
    const rowOf = (deg: number) => Math.round(((50 - deg) / 100) * H - 0.5);
    expect(isBlue(px(pano, centre, rowOf(27)))).toBe(true);
    expect(isBlue(px(pano, centre, rowOf(34)))).toBe(false);
    // east (3/4 width) and south (the edges) see no building
    for (const col of [Math.round(0.75 * W), 2]) expect(isBlue(px(pano, col, above))).toBe(false);
    // the shed: east is at 3/4 of the width (azimuth grows to the right), not at 1/4
    expect(isGreen(px(pano, Math.round(0.75 * W), below))).toBe(true);
    expect(isGreen(px(pano, Math.round(0.25 * W), below))).toBe(false);
  });

  it('turning the camera 90 degrees east moves north to 1/4 of the width', () => {
    const turned = renderPanorama(scene, DOMAINS.day, { x: 0, y: 0, width: W, height: H, yawDeg: 90 });
    const above = Math.round(H / 2 - 10);
    expect(isBlue(px(turned, W / 4, above))).toBe(true);
    expect(isBlue(px(turned, W / 2, above))).toBe(false);
    // facing east, the shed is straight ahead
    expect(isGreen(px(turned, W / 2, Math.round(H / 2 + 2)))).toBe(true);
  });

  it('a limited field of view is the matching part of the panorama', () => {
    const fov = renderPanorama(scene, DOMAINS.day, { x: 0, y: 0, width: 90, height: H, fovDeg: 90 });
    // 90 columns over 90 degrees centred on north: the same pixels as the panorama's columns 135..224
    let diff = 0;
    for (let r = 0; r < H; r++) for (let c = 0; c < 90; c++) diff = Math.max(diff, Math.abs(px(fov, c, r)[2]! - px(pano, c + 135, r)[2]!));
    expect(diff).toBeLessThanOrEqual(1);
  });
});

describe('rendering is deterministic and domains change appearance only', () => {
  const world = new World(11);
  const road = world.road(2, 1, 0) ?? world.road(2, 1, 1)!;
  const x = (road.ax + road.bx) / 2, y = (road.ay + road.by) / 2;
  const render = (w: World, d: keyof typeof DOMAINS) => {
    const s = new LocalScene(w, x, y, 170);
    return { a: renderAerial(s, DOMAINS[d], { x, y, size: 64, extent: 120 }), p: renderPanorama(s, DOMAINS[d], { x, y, width: 160, height: 40 }) };
  };
  const mean = (img: RgbImage) => img.data.reduce((s, v) => s + v, 0) / img.data.length;

  it('same seed and place: identical pixels; another seed: another world', () => {
    const one = render(world, 'day'), two = render(new World(11), 'day'), other = render(new World(12), 'day');
    expect(Buffer.from(two.a.data).equals(Buffer.from(one.a.data))).toBe(true);
    expect(Buffer.from(two.p.data).equals(Buffer.from(one.p.data))).toBe(true);
    expect(Buffer.from(other.a.data).equals(Buffer.from(one.a.data))).toBe(false);
  });

  it('night is darker than day, snow brighter, fog lower in contrast', () => {
    const day = render(world, 'day'), night = render(world, 'night'), snow = render(world, 'snow'), fog = render(world, 'fog');
    expect(mean(night.a.data.length ? night.a : night.a)).toBeLessThan(mean(day.a) * 0.5);
    expect(mean(night.p)).toBeLessThan(mean(day.p) * 0.5);
    expect(mean(snow.a)).toBeGreaterThan(mean(day.a));
    const spread = (img: RgbImage) => {
      const m = mean(img);
      return Math.sqrt(img.data.reduce((s, v) => s + (v - m) ** 2, 0) / img.data.length);
    };
    expect(spread(fog.p)).toBeLessThan(spread(day.p));
  });
});
