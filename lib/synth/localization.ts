/**
 * The synthetic multi-domain visual-localization set of the MDUIT study (paper 004, Sec. 3.3,
 * RobotCar Seasons [34] as the model): a car drives along `routes` streets of the synthetic world
 * with a forward-looking camera (limited field of view, level, 2 m above the road).
 *
 *  - references: day images every `referenceSpacing` metres along each route, in the right-hand
 *    lane, looking along the street (RobotCar Seasons' overcast-reference traversal: the map);
 *  - queries: `queriesPerRoute` other poses on the same routes — the lane position moved sideways
 *    by N(0, lateralStd²) metres, the heading by N(0, yawStd²) degrees — each rendered in every
 *    domain (the same place under day, dusk, night, snow, fog: the renderer changes light and
 *    weather, never geometry). Table 1's "Day-All" are the day, dusk, snow and fog renders (as
 *    RobotCar Seasons' day conditions: dawn, dusk, rain, snow, sun, …), "Night-All" the night ones;
 *    the renders of one pose in all domains are also the true targets of a translation;
 *  - training: `trainPerDomain` images per domain at further random poses of the same
 *    distribution, plus the references (the unlabelled multi-condition traversals of RobotCar
 *    Seasons; here every pose is known, so positives and negatives can use the paper's 8° / 7 m).
 *
 * Query and training poses are drawn independently, so no query image is ever trained on.
 * Written as `<out>/images/<domain>/<name>.png` with the ground truth in `<out>/localization.json`;
 * rendering runs in the synthetic generator's worker threads; the folder is written under a
 * temporary name and moved into place when complete, and a set made with the same options is not
 * rendered again.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CvglError } from '../engine/errors.js';
import { SeededRandom } from '../engine/random.js';
import { isNightCondition, yawRotation, type LocalizationSet, type PosedImage } from '../data/localization.js';
import { DOMAIN_NAMES, type DomainName } from './domains.js';
import { runJobs } from './generate.js';
import type { RenderJob, RenderSettings } from './render_jobs.js';
import { blocked } from './sampling.js';
import { CITY_STYLES, World, type RoadSegment } from './world.js';

export const SYNTH_LOCALIZATION_VERSION = 1;
const MANIFEST = 'localization.json';
/** Camera height above the road (m). */
const CAMERA_Z = 2;

export interface SynthLocalizationOptions {
  out: string;
  seed: number;
  style: string;
  /** Streets driven (each a road segment of about 90 m). */
  routes: number;
  /** Metres between consecutive reference images. */
  referenceSpacing: number;
  /** Query poses per route (each rendered in every domain). */
  queriesPerRoute: number;
  /** Training images per domain (random poses on the routes). */
  trainPerDomain: number;
  width: number;
  height: number;
  /** Horizontal field of view (degrees). */
  fovDeg: number;
  /** Elevation of the top and bottom image rows (degrees). */
  topDeg: number;
  bottomDeg: number;
  /** Sideways offset of query and training poses from the lane, standard deviation (m). */
  lateralStd: number;
  /** Heading offset of query and training poses, standard deviation (degrees). */
  yawStd: number;
  domains: DomainName[];
  workers: number;
  force: boolean;
  onProgress?: (done: number, total: number) => void;
}

export const SYNTH_LOCALIZATION_DEFAULTS: Omit<SynthLocalizationOptions, 'out'> = {
  seed: 4,
  style: 'mixed',
  routes: 6,
  referenceSpacing: 2,
  queriesPerRoute: 8,
  trainPerDomain: 60,
  width: 64,
  height: 48,
  fovDeg: 90,
  topDeg: 30,
  bottomDeg: -37.5,
  lateralStd: 0.4,
  yawStd: 3,
  domains: [...DOMAIN_NAMES],
  workers: Math.max(1, availableParallelism()),
  force: false,
};

type Role = 'reference' | 'query' | 'train';

interface ImageRecord {
  /** File name relative to the set's root. */
  file: string;
  domain: DomainName;
  role: Role;
  route: number;
  x: number;
  y: number;
  yawDeg: number;
  /** Renders of one pose share it. */
  poseId: string;
}

export interface SynthLocalizationManifest {
  generator: string;
  version: number;
  options: Omit<SynthLocalizationOptions, 'out' | 'workers' | 'force' | 'onProgress'>;
  conventions: string;
  images: ImageRecord[];
  created: string;
}

function fail(what: string, found: unknown, fix: string): never {
  throw new CvglError(what, String(found), fix);
}

function validate(o: SynthLocalizationOptions): void {
  const int = (name: string, v: number, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi) fail(`${name}: an integer from ${lo} to ${hi}`, v, `pass an integer in that range`);
  };
  int('routes', o.routes, 1, 400);
  int('queriesPerRoute', o.queriesPerRoute, 1, 10000);
  int('trainPerDomain', o.trainPerDomain, 0, 100000);
  int('width', o.width, 8, 4096);
  int('height', o.height, 8, 4096);
  int('workers', o.workers, 1, 256);
  if (!(o.referenceSpacing >= 0.1 && o.referenceSpacing <= 40)) fail('referenceSpacing: metres from 0.1 to 40', o.referenceSpacing, 'e.g. 2');
  if (!(o.fovDeg > 0 && o.fovDeg <= 360)) fail('fovDeg in (0, 360]', o.fovDeg, 'e.g. 90');
  if (!(o.topDeg > o.bottomDeg && o.topDeg <= 90 && o.bottomDeg >= -90)) fail('topDeg > bottomDeg within ±90', `${o.topDeg} / ${o.bottomDeg}`, 'e.g. 30 and -37.5');
  if (!(o.lateralStd >= 0 && o.yawStd >= 0)) fail('lateralStd and yawStd >= 0', `${o.lateralStd} / ${o.yawStd}`, 'e.g. 0.4 m and 3°');
  if (!o.domains.length || o.domains.some((d) => !DOMAIN_NAMES.includes(d)) || !o.domains.includes('day')) {
    fail(`domains: 'day' (the reference condition) and any of ${DOMAIN_NAMES.join(', ')}`, o.domains.join(','), `e.g. ${DOMAIN_NAMES.join(',')}`);
  }
  if (!CITY_STYLES[o.style]) fail(`style: one of ${Object.keys(CITY_STYLES).join(', ')}`, o.style, 'e.g. mixed');
}

const round = (v: number) => Math.round(v * 1000) / 1000;

interface Route {
  road: RoadSegment;
  /** Unit direction of travel, and its heading (degrees clockwise from north). */
  ux: number;
  uy: number;
  yawDeg: number;
  length: number;
}

/** `n` distinct streets near the origin, in a seeded order, each with a direction of travel. */
function pickRoutes(world: World, n: number, rng: SeededRandom): Route[] {
  const edges: { i: number; j: number; axis: 0 | 1 }[] = [];
  const reach = Math.max(2, Math.ceil(Math.sqrt(n)) + 1);
  for (let i = -reach; i <= reach; i++) for (let j = -reach; j <= reach; j++) for (const axis of [0, 1] as const) edges.push({ i, j, axis });
  const order = edges.map((e) => ({ e, k: rng.random() })).sort((a, b) => a.k - b.k);
  const out: Route[] = [];
  for (const { e } of order) {
    if (out.length === n) break;
    const road = world.road(e.i, e.j, e.axis);
    if (!road) continue;
    const forward = rng.chance(0.5);
    const [ax, ay, bx, by] = forward ? [road.ax, road.ay, road.bx, road.by] : [road.bx, road.by, road.ax, road.ay];
    const length = Math.hypot(bx - ax, by - ay);
    const ux = (bx - ax) / length, uy = (by - ay) / length;
    out.push({ road: { ...road, ax, ay, bx, by }, ux, uy, yawDeg: (Math.atan2(ux, uy) * 180) / Math.PI, length });
  }
  if (out.length < n) fail(`routes: at most ${out.length} streets near the origin`, n, 'ask for fewer routes');
  return out;
}

/** The pose at fraction t along a route, `lateral` metres right of the lane centre, heading offset `dyaw`. */
function poseOn(r: Route, t: number, lateral: number, dyaw: number): { x: number; y: number; yawDeg: number } {
  // right-hand lane: a third of the half-width right of the centre line
  const off = 0.35 * r.road.halfWidth + lateral;
  const rx = r.uy, ry = -r.ux; // right of the direction of travel
  return { x: r.road.ax + r.ux * r.length * t + rx * off, y: r.road.ay + r.uy * r.length * t + ry * off, yawDeg: r.yawDeg + dyaw };
}

const T0 = 0.12, T1 = 0.88;

function plan(o: SynthLocalizationOptions): ImageRecord[] {
  const world = new World(o.seed, CITY_STYLES[o.style]);
  const rng = new SeededRandom(o.seed ^ 0x10ca1);
  const routes = pickRoutes(world, o.routes, rng);
  const images: ImageRecord[] = [];
  let poseN = 0;
  const add = (role: Role, route: number, p: { x: number; y: number; yawDeg: number }, domains: DomainName[]) => {
    const poseId = `${role[0]}${String(++poseN).padStart(6, '0')}`;
    for (const d of domains) images.push({ file: `images/${d}/${poseId}.png`, domain: d, role, route, x: round(p.x), y: round(p.y), yawDeg: round(p.yawDeg), poseId });
  };
  const randomPose = (ri: number) => {
    for (let attempt = 0; attempt < 50; attempt++) {
      const r = routes[ri]!;
      const p = poseOn(r, rng.uniform(T0, T1), o.lateralStd * rng.normal(), o.yawStd * rng.normal());
      if (!blocked(world, p.x, p.y)) return p;
    }
    return null;
  };
  routes.forEach((r, ri) => {
    const n = Math.max(1, Math.floor(((T1 - T0) * r.length) / o.referenceSpacing) + 1);
    for (let k = 0; k < n; k++) {
      const p = poseOn(r, T0 + (k * o.referenceSpacing) / r.length, 0, 0);
      if (!blocked(world, p.x, p.y)) add('reference', ri, p, ['day']);
    }
    for (let q = 0; q < o.queriesPerRoute; q++) {
      const p = randomPose(ri);
      if (p) add('query', ri, p, o.domains);
    }
  });
  for (const d of o.domains) {
    for (let k = 0; k < o.trainPerDomain; k++) {
      const ri = rng.int(routes.length);
      const p = randomPose(ri);
      if (p) add('train', ri, p, [d]);
    }
  }
  return images;
}

function manifestOptions(o: SynthLocalizationOptions): SynthLocalizationManifest['options'] {
  const { out: _o, workers: _w, force: _f, onProgress: _p, ...rest } = o;
  return rest;
}

export function readSynthLocalizationManifest(dir: string): SynthLocalizationManifest | null {
  const p = join(dir, MANIFEST);
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as SynthLocalizationManifest;
  } catch {
    return null;
  }
}

function upToDate(dir: string, o: SynthLocalizationOptions): boolean {
  const m = readSynthLocalizationManifest(dir);
  return m !== null && m.version === SYNTH_LOCALIZATION_VERSION && JSON.stringify(m.options) === JSON.stringify(manifestOptions(o));
}

/** Renders the set (or returns the existing one made with the same options). */
export async function generateSynthLocalization(options: Partial<SynthLocalizationOptions> & { out: string }): Promise<SynthLocalizationManifest> {
  const o: SynthLocalizationOptions = { ...SYNTH_LOCALIZATION_DEFAULTS, ...options };
  validate(o);
  const out = resolve(o.out);
  if (existsSync(out)) {
    const m = readSynthLocalizationManifest(out);
    if (!m && !o.force) fail('an empty folder or a synthetic localization set for the MDUIT data', `${out} exists and holds something else`, 'choose another folder, or pass force: true to replace it');
    if (!o.force && upToDate(out, o)) return m!;
  }
  const images = plan(o);
  const tmp = `${out}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    // one job per pose: its renders in all its domains share one scene
    const byPose = new Map<string, ImageRecord[]>();
    for (const im of images) byPose.set(im.poseId, [...(byPose.get(im.poseId) ?? []), im]);
    const jobs: RenderJob[] = [...byPose.values()].map((ims) => ({
      world: { seed: o.seed, style: o.style },
      x: ims[0]!.x,
      y: ims[0]!.y,
      yawDeg: ims[0]!.yawDeg,
      aerial: [],
      pano: ims.map((im) => ({ domain: im.domain, path: join(tmp, im.file) })),
    }));
    const settings: RenderSettings = {
      aerialSize: 8, aerialExtent: 10,
      panoWidth: o.width, panoHeight: o.height, fovDeg: o.fovDeg, topDeg: o.topDeg, bottomDeg: o.bottomDeg,
      sceneRadius: 150, quality: 95,
    };
    for (const d of o.domains) mkdirSync(join(tmp, 'images', d), { recursive: true });
    await runJobs(jobs, settings, o.workers, o.onProgress);
    const manifest: SynthLocalizationManifest = {
      generator: 'cvgl synthetic localization set (MDUIT)',
      version: SYNTH_LOCALIZATION_VERSION,
      options: manifestOptions(o),
      conventions: `x east, y north (m); camera ${CAMERA_Z} m above the road, level, yawDeg clockwise from north; images ${o.width}x${o.height}, ${o.fovDeg}° wide; roles: reference (day, the map), query (one pose in every domain), train`,
      images,
      created: new Date().toISOString(),
    };
    writeFileSync(join(tmp, MANIFEST), JSON.stringify(manifest, null, 1));
    mkdirSync(dirname(out), { recursive: true });
    rmSync(out, { recursive: true, force: true });
    renameSync(tmp, out);
    return manifest;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Reads a synthetic localization set into a LocalizationSet. */
export function readSynthLocalization(dir: string): LocalizationSet {
  const root = resolve(dir);
  const m = readSynthLocalizationManifest(root);
  if (!m) fail(`a synthetic localization set (${MANIFEST})`, `none in ${root}`, 'generate it with generateSynthLocalization({ out }) (runMduitStudy does it on first use)');
  const posed = (im: ImageRecord): PosedImage => ({
    id: `${im.domain}/${im.poseId}`,
    path: join(root, im.file),
    condition: im.domain,
    pose: { position: [im.x, im.y, CAMERA_Z], rotation: yawRotation(im.yawDeg) },
    poseId: im.poseId,
  });
  const refs = m.images.filter((i) => i.role === 'reference').map(posed);
  const queries = m.images.filter((i) => i.role === 'query').map(posed);
  const truth = new Map<string, Map<string, PosedImage>>();
  for (const q of queries) {
    if (!truth.has(q.poseId!)) truth.set(q.poseId!, new Map());
    truth.get(q.poseId!)!.set(q.condition, q);
  }
  return {
    kind: 'synthetic',
    root,
    conditions: ['day', ...m.options.domains.filter((d) => d !== 'day')],
    referenceCondition: 'day',
    references: refs,
    queries: { day: queries.filter((q) => !isNightCondition(q.condition)), night: queries.filter((q) => isNightCondition(q.condition)) },
    training: [...refs, ...m.images.filter((i) => i.role === 'train').map(posed)],
    truth,
    notes: [`${m.options.routes} routes, ${refs.length} references every ${m.options.referenceSpacing} m, ${truth.size} query poses in ${m.options.domains.length} domains`],
  };
}

/** Generated on first use, like the cross-view default set. */
export async function ensureSynthLocalization(dir: string, options: Partial<Omit<SynthLocalizationOptions, 'out'>> = {}): Promise<LocalizationSet> {
  const o = { ...SYNTH_LOCALIZATION_DEFAULTS, ...options, out: dir };
  const existing = readSynthLocalizationManifest(resolve(dir));
  if (!(existing && upToDate(resolve(dir), o))) await generateSynthLocalization({ ...o, force: existing !== null || o.force });
  return readSynthLocalization(dir);
}
