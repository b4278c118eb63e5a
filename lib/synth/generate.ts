/**
 * `cvgl data synth`: generates a synthetic cross-view dataset on disk, in the CVUSA layout
 * (centred pairs) or, with an offset, in the VIGOR layout (four cities, aerial tiles on a
 * half-overlapping grid, positives and semi-positives), so notebooks read synthetic and real
 * data through the same readers. Rendering runs in worker threads; the set is written to a
 * temporary directory and moved into place at the end, so an interrupted run leaves nothing
 * half-made behind.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { CvglError } from '../engine/errors.js';
import { processAlive, releasePidLock, tryPidLock } from '../engine/pid_lock.js';
import { WORKER_START_TIMEOUT_MS, tsWorker } from '../engine/workers.js';
import { DOMAIN_NAMES, type DomainName } from './domains.js';
import type { RenderJob, RenderSettings } from './render_jobs.js';
import { coveringTiles, sampleStreetCameras, type CameraSample } from './sampling.js';
import { CITY_STYLES, World } from './world.js';

export const SYNTH_VERSION = 1;

export interface SynthOptions {
  /** Output directory (the dataset root). */
  out: string;
  pairs: number;
  seed: number;
  aerialSize: number;
  /** Ground side of an aerial tile, metres. */
  aerialExtent: number;
  panoWidth: number;
  panoHeight: number;
  /** Random panorama yaw in [-n, n] degrees (CVFT's orientation test uses 20). */
  orientationNoise: number;
  /** Horizontal field of view of the ground images (360 = panorama). */
  fov: number;
  /** Null: CVUSA layout, aerial centred on the camera. A number: VIGOR layout, the camera up to
   *  this many metres (per axis) from its positive tile's centre (at most a quarter tile). */
  offset: number | null;
  domains: DomainName[];
  /** Region style for the CVUSA layout (VIGOR's four cities get their own). */
  style: string;
  valFraction: number;
  workers: number;
  quality: number;
  /** Replace an existing dataset at `out`. */
  force: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** Where the notebooks, the CLI and the quick presets find the embedded default dataset. */
export const DEFAULT_SYNTHETIC_DIR = 'data/synthetic';

export const SYNTH_DEFAULTS: Omit<SynthOptions, 'out'> = {
  pairs: 1000,
  seed: 1,
  aerialSize: 256,
  aerialExtent: 120,
  panoWidth: 616,
  panoHeight: 112,
  orientationNoise: 0,
  fov: 360,
  offset: null,
  domains: ['day'],
  style: 'mixed',
  valFraction: 0.2,
  workers: Math.max(1, availableParallelism()),
  quality: 92,
  force: false,
};

/** Per-sample ground truth written to `synthetic.json`. */
export interface SynthSampleRecord {
  id: string;
  split: string;
  city?: string;
  /** Camera position in the world frame (m, x east, y north) and UTM-like coordinates. */
  x: number;
  y: number;
  utm: [number, number];
  yawDeg: number;
  ground: string;
  aerial: string;
}

export interface SynthManifest {
  generator: string;
  version: number;
  layout: 'cvusa' | 'vigor';
  options: Omit<SynthOptions, 'out' | 'onProgress' | 'workers' | 'force'>;
  /** Panorama convention, for readers of the files. */
  conventions: string;
  metresPerPixel: number;
  domains: { name: DomainName; root: string }[];
  samples: SynthSampleRecord[];
  created: string;
}

/** The VIGOR cities of the synthetic world: separate regions with their own character, so the
 *  cross-area protocol (train NewYork+Seattle, test SanFrancisco+Chicago) has a real gap. */
const VIGOR_CITIES: { name: string; style: string; lat: number; lon: number }[] = [
  { name: 'NewYork', style: 'metropolis', lat: 40.75, lon: -73.98 },
  { name: 'Seattle', style: 'mixed', lat: 47.61, lon: -122.33 },
  { name: 'SanFrancisco', style: 'suburb', lat: 37.77, lon: -122.42 },
  { name: 'Chicago', style: 'metropolis', lat: 41.88, lon: -87.63 },
];
/** UTM-like false easting/northing of the CVUSA-layout region (metres). */
const UTM_ORIGIN: [number, number] = [500000, 4000000];

function fail(what: string, found: unknown, fix: string): never {
  throw new CvglError(what, String(found), fix);
}

export function validateSynthOptions(o: SynthOptions): void {
  const posInt = (name: string, v: number, max: number) => {
    if (!Number.isInteger(v) || v < 1 || v > max) fail(`--${name}: an integer from 1 to ${max}`, v, `pass e.g. --${name} ${Math.min(max, 256)}`);
  };
  posInt('pairs', o.pairs, 2_000_000);
  if (o.pairs < 2) fail('--pairs: at least 2 (one for each of the train and val splits)', o.pairs, 'pass e.g. --pairs 100');
  posInt('aerial-size', o.aerialSize, 4096);
  posInt('workers', o.workers, 256);
  if (o.panoWidth < 8 || o.panoHeight < 4 || !Number.isInteger(o.panoWidth) || !Number.isInteger(o.panoHeight)) {
    fail('--pano-size: WIDTHxHEIGHT, at least 8x4', `${o.panoWidth}x${o.panoHeight}`, 'pass e.g. --pano-size 616x112');
  }
  if (!Number.isFinite(o.seed)) fail('--seed: an integer', o.seed, 'pass e.g. --seed 1');
  if (!(o.aerialExtent >= 10 && o.aerialExtent <= 1000)) fail('--aerial-extent: metres between 10 and 1000', o.aerialExtent, 'pass e.g. --aerial-extent 120');
  if (!(o.orientationNoise >= 0 && o.orientationNoise <= 180)) fail('--orientation-noise: degrees from 0 to 180', o.orientationNoise, 'pass e.g. --orientation-noise 20');
  if (!(o.fov > 0 && o.fov <= 360)) fail('--fov: degrees in (0, 360]', o.fov, 'pass e.g. --fov 90');
  if (o.offset !== null && !(o.offset >= 0 && o.offset <= o.aerialExtent / 4)) {
    fail(`--offset: metres from 0 to a quarter of the tile (${o.aerialExtent / 4} m for --aerial-extent ${o.aerialExtent})`, o.offset, 'pass a smaller --offset or a larger --aerial-extent');
  }
  if (o.domains.length === 0 || o.domains.some((d) => !DOMAIN_NAMES.includes(d))) {
    fail(`--domains: a comma-separated list of ${DOMAIN_NAMES.join(', ')}`, o.domains.join(','), 'pass e.g. --domains day,night');
  }
  if (!CITY_STYLES[o.style]) fail(`--style: one of ${Object.keys(CITY_STYLES).join(', ')}`, o.style, 'pass e.g. --style mixed');
  if (!(o.valFraction > 0 && o.valFraction < 1)) fail('a validation fraction in (0, 1)', o.valFraction, 'use 0.2');
  if (!(o.quality >= 1 && o.quality <= 100)) fail('JPEG quality 1..100', o.quality, 'use 92');
}

/** The manifest of an existing synthetic dataset at `dir`, or null. */
export function readSynthManifest(dir: string): SynthManifest | null {
  const p = join(dir, 'synthetic.json');
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as SynthManifest;
  } catch {
    return null;
  }
}

function manifestOptions(o: SynthOptions): SynthManifest['options'] {
  const { out: _o, onProgress: _p, workers: _w, force: _f, ...rest } = o;
  return rest;
}

/** True when `dir` holds a complete synthetic set made with these options. */
export function synthUpToDate(dir: string, o: Omit<SynthOptions, 'out'>): boolean {
  const m = readSynthManifest(dir);
  if (!m || m.version !== SYNTH_VERSION) return false;
  return JSON.stringify(m.options) === JSON.stringify(manifestOptions({ ...o, out: dir }));
}

interface Plan {
  jobs: RenderJob[];
  samples: SynthSampleRecord[];
  files: Map<string, string>;
}

const pad = (i: number) => String(i + 1).padStart(7, '0');
const domainRoot = (tmp: string, d: DomainName, first: DomainName) => (d === first ? tmp : join(tmp, 'domains', d));

/** CVUSA layout: splits/{train,val}-19zl.csv, bingmap/19/<id>.jpg, streetview/panos/<id>.jpg. */
function planCvusa(o: SynthOptions, tmp: string): Plan {
  const world = new World(o.seed, CITY_STYLES[o.style]);
  const cams = sampleStreetCameras(world, { pairs: o.pairs, seed: o.seed, orientationNoise: o.orientationNoise });
  const jobs: RenderJob[] = [];
  const samples: SynthSampleRecord[] = [];
  const w = { seed: o.seed, style: o.style };
  const splits = cams.map(splitAssigner(o));
  // both split files must have rows (the CVUSA reader refuses an empty split, as for a real download)
  if (cams.length >= 2 && !splits.includes('val')) splits[splits.length - 1] = 'val';
  if (cams.length >= 2 && !splits.includes('train')) splits[0] = 'train';
  const rows: Record<string, string[]> = { train: [], val: [] };
  for (const c of cams) {
    const id = pad(c.index);
    const aerial = `bingmap/19/${id}.jpg`, ground = `streetview/panos/${id}.jpg`;
    jobs.push({
      world: w, x: c.x, y: c.y, yawDeg: c.yawDeg,
      aerial: o.domains.map((d) => ({ domain: d, path: join(domainRoot(tmp, d, o.domains[0]!), aerial) })),
      pano: o.domains.map((d) => ({ domain: d, path: join(domainRoot(tmp, d, o.domains[0]!), ground) })),
    });
    const split = splits[c.index]!;
    rows[split]!.push(`${aerial},${ground},annotations/${id}.png`);
    samples.push({ id, split, x: round(c.x), y: round(c.y), utm: [round(UTM_ORIGIN[0] + c.x), round(UTM_ORIGIN[1] + c.y)], yawDeg: round(c.yawDeg), ground, aerial });
  }
  const files = new Map<string, string>();
  for (const d of o.domains) {
    const root = domainRoot(tmp, d, o.domains[0]!);
    files.set(join(root, 'splits/train-19zl.csv'), rows.train!.join('\n') + '\n');
    files.set(join(root, 'splits/val-19zl.csv'), rows.val!.join('\n') + '\n');
  }
  return { jobs, samples, files };
}

/** VIGOR layout: <city>/panorama/<id>,<lat>,<lon>,.jpg, <city>/satellite/satellite_<lat>_<lon>.png,
 *  splits/<city>/{satellite_list.txt, same_area_balanced_{train,test}.txt, pano_label_balanced.txt}. */
function planVigor(o: SynthOptions, tmp: string): Plan {
  const spacing = o.aerialExtent / 2;
  const gsd = o.aerialExtent / o.aerialSize;
  const jobs: RenderJob[] = [];
  const samples: SynthSampleRecord[] = [];
  const files = new Map<string, string>();
  const perCity = Math.ceil(o.pairs / VIGOR_CITIES.length);
  let made = 0;
  VIGOR_CITIES.forEach((city, ci) => {
    const n = Math.min(perCity, o.pairs - made);
    if (n <= 0) return;
    made += n;
    const seed = o.seed + 1000 * (ci + 1);
    const world = new World(seed, CITY_STYLES[city.style]);
    const maxOff = o.offset!;
    const near = (x: number, y: number) => {
      const [ix, iy] = coveringTiles(x, y, spacing)[0]!;
      return Math.abs(x - ix * spacing) <= maxOff && Math.abs(y - iy * spacing) <= maxOff;
    };
    const cams = sampleStreetCameras(world, { pairs: n, seed, orientationNoise: o.orientationNoise, minSeparation: Math.min(18, spacing / 2) }, near);
    const latLon = (x: number, y: number) => {
      const lat = city.lat + y / 111320;
      const lon = city.lon + x / (111320 * Math.cos((city.lat * Math.PI) / 180));
      return [lat.toFixed(7), lon.toFixed(7)];
    };
    const tiles = new Map<string, string>();
    const tileName = (ix: number, iy: number) => {
      const k = `${ix},${iy}`;
      let name = tiles.get(k);
      if (!name) {
        const [lat, lon] = latLon(ix * spacing, iy * spacing);
        name = `satellite_${lat}_${lon}.png`;
        tiles.set(k, name);
        const w = { seed, style: city.style };
        jobs.push({ world: w, x: ix * spacing, y: iy * spacing, yawDeg: 0, pano: [], aerial: o.domains.map((d) => ({ domain: d, path: join(domainRoot(tmp, d, o.domains[0]!), city.name, 'satellite', name!) })) });
      }
      return name;
    };
    const all: string[] = [], train: string[] = [], test: string[] = [];
    for (const c of cams) {
      const [lat, lon] = latLon(c.x, c.y);
      const pano = `${city.name.slice(0, 2).toLowerCase()}${pad(c.index)},${lat},${lon},.jpg`;
      const cover = coveringTiles(c.x, c.y, spacing);
      const parts = [pano];
      for (const [ix, iy] of cover) {
        // VIGOR gives the camera's pixel offset from each tile's centre: rows (south +), columns (east +)
        const drow = (iy * spacing - c.y) / gsd, dcol = (c.x - ix * spacing) / gsd;
        parts.push(tileName(ix, iy), drow.toFixed(4), dcol.toFixed(4));
      }
      const line = parts.join(' ');
      all.push(line);
      const split = hashSplit(o.seed + ci, c.index, 0.5) ? 'test' : 'train';
      (split === 'test' ? test : train).push(line);
      jobs.push({ world: { seed, style: city.style }, x: c.x, y: c.y, yawDeg: c.yawDeg, aerial: [], pano: o.domains.map((d) => ({ domain: d, path: join(domainRoot(tmp, d, o.domains[0]!), city.name, 'panorama', pano) })) });
      samples.push({ id: pano, split, city: city.name, x: round(c.x), y: round(c.y), utm: [round(UTM_ORIGIN[0] + c.x + ci * 1e5), round(UTM_ORIGIN[1] + c.y)], yawDeg: round(c.yawDeg), ground: `${city.name}/panorama/${pano}`, aerial: `${city.name}/satellite/${tileName(cover[0]![0], cover[0]![1])}` });
    }
    for (const d of o.domains) {
      const root = join(domainRoot(tmp, d, o.domains[0]!), 'splits', city.name);
      files.set(join(root, 'satellite_list.txt'), [...tiles.values()].join('\n') + '\n');
      files.set(join(root, 'same_area_balanced_train.txt'), train.join('\n') + '\n');
      files.set(join(root, 'same_area_balanced_test.txt'), test.join('\n') + '\n');
      files.set(join(root, 'pano_label_balanced.txt'), all.join('\n') + '\n');
    }
  });
  return { jobs, samples, files };
}

/** Jobs in strips of 360 m, serpentine, so a worker's consecutive locations share world blocks. */
function spatialOrder(jobs: RenderJob[]): RenderJob[] {
  const strip = (j: RenderJob) => Math.floor(j.y / 360);
  return [...jobs].sort((a, b) => {
    if (a.world.seed !== b.world.seed) return a.world.seed - b.world.seed;
    const sa = strip(a), sb = strip(b);
    if (sa !== sb) return sa - sb;
    return sa % 2 ? b.x - a.x : a.x - b.x;
  });
}

const round = (v: number) => Math.round(v * 1000) / 1000;

function hashSplit(seed: number, index: number, fraction: number): boolean {
  let h = Math.imul((seed ^ 0x9e3779b9) + index * 0x85ebca6b, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x27d4eb2f);
  h ^= h >>> 13;
  return (h >>> 0) / 4294967296 < fraction;
}

function splitAssigner(o: SynthOptions): (c: CameraSample) => 'train' | 'val' {
  return (c) => (hashSplit(o.seed, c.index, o.valFraction) ? 'val' : 'train');
}

function settingsOf(o: SynthOptions): RenderSettings {
  const vigor = o.offset !== null;
  return {
    aerialSize: o.aerialSize,
    aerialExtent: o.aerialExtent,
    panoWidth: o.panoWidth,
    panoHeight: o.panoHeight,
    fovDeg: o.fov,
    // CVUSA panoramas span about 100 degrees around the horizon; VIGOR's are full spheres
    topDeg: vigor ? 90 : 50,
    bottomDeg: vigor ? -90 : -50,
    sceneRadius: Math.max(170, (o.aerialExtent / 2) * Math.SQRT2 + 20),
    quality: o.quality,
  };
}

/** Runs the render jobs on a pool of worker threads (also the MDUIT localization set's, lib/synth/localization.ts). */
export async function runJobs(jobs: RenderJob[], settings: RenderSettings, workers: number, onProgress?: (done: number, total: number) => void): Promise<void> {
  const chunk = 8;
  let next = 0, done = 0;
  const total = jobs.length;
  const n = Math.max(1, Math.min(workers, Math.ceil(total / chunk)));
  const pool: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: n }, () =>
        new Promise<void>((resolveWorker, reject) => {
          const w = tsWorker(new URL('./render_worker_impl.ts', import.meta.url));
          pool.push(w);
          const startTimer = setTimeout(() => reject(new Error(`a synthetic renderer worker did not start within ${WORKER_START_TIMEOUT_MS / 1000} s`)), WORKER_START_TIMEOUT_MS);
          startTimer.unref();
          const feed = () => {
            if (next >= total) {
              resolveWorker();
              return;
            }
            const jobsNow = jobs.slice(next, next + chunk);
            next += jobsNow.length;
            w.postMessage({ type: 'chunk', jobs: jobsNow, settings });
          };
          w.on('message', (m: { type: string; n?: number; message?: string }) => {
            if (m.type === 'ready') clearTimeout(startTimer);
            if (m.type === 'ready' || m.type === 'chunk-done') feed();
            else if (m.type === 'progress') {
              done += m.n ?? 1;
              onProgress?.(done, total);
            } else if (m.type === 'error') reject(new Error(`synthetic renderer worker failed: ${m.message}`));
          });
          w.on('error', reject);
          w.on('exit', (code) => {
            if (next < total || done < total) reject(new Error(`a synthetic renderer worker exited (code ${code}) before the work was done`));
          });
        }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

/** Generates the dataset; returns its manifest. */
export async function generateSynthetic(options: Partial<SynthOptions> & { out: string }): Promise<SynthManifest> {
  const o: SynthOptions = { ...SYNTH_DEFAULTS, ...options };
  validateSynthOptions(o);
  const out = resolve(o.out);
  if (existsSync(out) && !isEmptyDir(out)) {
    if (!o.force && !readSynthManifest(out)) {
      fail(`an empty or synthetic output directory for --out`, `${out} exists and is not a synthetic dataset`, 'choose another --out, or pass --force to replace it');
    }
    if (!o.force && synthUpToDate(out, o)) return readSynthManifest(out)!;
  }
  mkdirSync(dirname(out), { recursive: true });
  removeStalePartials(out);
  const tmp = `${out}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const release = removeOnExit(tmp);
  try {
    const plan = o.offset === null ? planCvusa(o, tmp) : planVigor(o, tmp);
    await runJobs(spatialOrder(plan.jobs), settingsOf(o), o.workers, o.onProgress);
    for (const [path, text] of plan.files) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
    const manifest: SynthManifest = {
      generator: 'cvgl synthetic cross-view world',
      version: SYNTH_VERSION,
      layout: o.offset === null ? 'cvusa' : 'vigor',
      options: manifestOptions(o),
      conventions:
        'x east, y north (m); aerial tiles north up, centred on the camera (cvusa) or on a grid of half-tile spacing (vigor); ' +
        'panoramas equirectangular, centre column at yawDeg clockwise from north (0 = north, as CVUSA), azimuth grows to the right',
      metresPerPixel: o.aerialExtent / o.aerialSize,
      domains: o.domains.map((d) => ({ name: d, root: d === o.domains[0] ? '.' : `domains/${d}` })),
      samples: plan.samples,
      created: new Date().toISOString(),
    };
    writeFileSync(join(tmp, 'synthetic.json'), JSON.stringify(manifest, null, 1));
    rmSync(out, { recursive: true, force: true });
    renameSync(tmp, out);
    return manifest;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    release();
  }
}

function isEmptyDir(path: string): boolean {
  return statSync(path).isDirectory() && readdirSync(path).length === 0;
}

/** `<out>.partial-<pid>` folders whose process is gone (killed, or a machine that crashed) go. */
function removeStalePartials(out: string): void {
  const prefix = `${basename(out)}.partial-`;
  for (const name of readdirSync(dirname(out))) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)(\.removing)?$/.exec(name.slice(prefix.length))?.[1]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid)) rmSync(join(dirname(out), name), { recursive: true, force: true });
  }
}

const EXIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Removes `dir` however the process ends while it is being written: at exit (process.exit
 * included), and on Ctrl-C/SIGTERM/SIGHUP when nothing else handles the signal, after which
 * the signal is raised again so the process ends as it would have. The returned function
 * undoes the hooks.
 */
function removeOnExit(dir: string): () => void {
  const remove = () => {
    // renamed first: render workers still running cannot add files to it while it is removed
    const doomed = `${dir}.removing`;
    try {
      renameSync(dir, doomed);
      rmSync(doomed, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // gone already, or half removed: the next run takes it (removeStalePartials)
    }
  };
  const onSignal = (sig: NodeJS.Signals) => {
    // another handler (a trainer finishing its step) decides; the exit hook still cleans up
    if (process.listenerCount(sig) > 1) return;
    remove();
    release();
    process.kill(process.pid, sig);
  };
  const release = () => {
    process.off('exit', remove);
    for (const s of EXIT_SIGNALS) process.off(s, onSignal);
  };
  process.on('exit', remove);
  for (const s of EXIT_SIGNALS) process.on(s, onSignal);
  return release;
}

/**
 * The default dataset of the notebooks and `npm run report`: generated on first use. Notebooks
 * run side by side (`--jobs 2`) and each ensures the same folder: one process generates, under
 * `<dir>.lock`, while the others wait for it and then read what it made (two generators would each
 * replace the folder, the second under the feet of a run already reading the first).
 */
export async function ensureSynthetic(dir: string, options: Partial<Omit<SynthOptions, 'out'>> = {}): Promise<SynthManifest> {
  const o = { ...SYNTH_DEFAULTS, ...options };
  const out = resolve(dir);
  if (existsSync(out) && synthUpToDate(out, o)) return readSynthManifest(out)!;
  mkdirSync(dirname(out), { recursive: true });
  const lockPath = `${out}.lock`;
  for (;;) {
    const lock = tryPidLock(lockPath);
    if (lock.held) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const hooks = releaseOnExit(lockPath);
  try {
    // made by the process we waited for
    if (existsSync(out) && synthUpToDate(out, o)) return readSynthManifest(out)!;
    // replaces an outdated synthetic set, never a directory of something else
    return await generateSynthetic({ ...o, out, force: readSynthManifest(out) !== null });
  } finally {
    hooks();
    releasePidLock(lockPath);
  }
}

/** The lock also goes at process.exit; a process killed outright leaves it to be taken over (its pid is gone). */
function releaseOnExit(lockPath: string): () => void {
  const release = () => releasePidLock(lockPath);
  process.on('exit', release);
  return () => process.off('exit', release);
}
