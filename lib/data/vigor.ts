/**
 * VIGOR reader (Zhu, Yang & Chen, CVPR 2021), the official layout:
 *
 * ```
 * <root>/<City>/panorama/<id>,<lat>,<lon>,.jpg
 * <root>/<City>/satellite/satellite_<lat>_<lon>.png
 * <root>/splits/<City>/satellite_list.txt                one satellite file name per line
 * <root>/splits/<City>/same_area_balanced_train.txt      same-area protocol, train
 * <root>/splits/<City>/same_area_balanced_test.txt       same-area protocol, test
 * <root>/splits/<City>/pano_label_balanced.txt           cross-area protocol: all panoramas
 * ```
 *
 * A label line is `<pano> <sat1> <dx1> <dy1> ... <sat4> <dx4> <dy4>`: the positive satellite
 * first, then the three semi-positives, each with the camera's pixel offset from that
 * satellite's centre. Protocols: `same` = all four cities, train/test split inside each city
 * (both galleries hold every satellite of the four cities); `cross` = train on NewYork +
 * Seattle, test on SanFrancisco + Chicago (each gallery holds its cities' satellites).
 *
 * Positions (`galleryUtm`, and each pair's `utm` when the panorama name carries lat/lon) are
 * metres in an equirectangular frame per city: easting = R cos(phi_c) lon, northing = R lat
 * (R = 6,371,008.8 m, angles in radians, phi_c the mean latitude of the city's satellites).
 * Inside one city (a few km) this is metric to well under 0.1 %; different cities land
 * hundreds to thousands of km apart, so cross-city matches never fall within a distance
 * threshold. Only differences are meaningful.
 *
 * Some releases ship corrected labels in `splits__corrected/` instead of `splits/`; that
 * folder is used when `splits/` is absent.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CvglError } from '../engine/errors.js';
import type { CrossViewDataset, DatasetSplit, PairRecord } from './dataset.js';

export const VIGOR_CITIES = ['Chicago', 'NewYork', 'SanFrancisco', 'Seattle'] as const;
export type VigorProtocol = 'same' | 'cross';
export interface VigorOptions {
  protocol?: VigorProtocol;
  /** Restrict to these cities (names as in VIGOR_CITIES). */
  cities?: string[];
}

const SPLIT_DIRS = ['splits', 'splits__corrected'];
const EARTH_RADIUS_M = 6_371_008.8;

/** Per protocol: split name -> [cities, label file]. */
function protocolSplits(protocol: VigorProtocol): { name: string; cities: readonly string[]; label: string }[] {
  if (protocol === 'same') {
    return [
      { name: 'train', cities: VIGOR_CITIES, label: 'same_area_balanced_train.txt' },
      { name: 'test', cities: VIGOR_CITIES, label: 'same_area_balanced_test.txt' },
    ];
  }
  return [
    { name: 'train', cities: ['NewYork', 'Seattle'], label: 'pano_label_balanced.txt' },
    { name: 'test', cities: ['SanFrancisco', 'Chicago'], label: 'pano_label_balanced.txt' },
  ];
}

/** The splits folder in use under `root` (`splits/`, else `splits__corrected/`), or null. */
export function vigorSplitsDir(root: string): string | null {
  for (const d of SPLIT_DIRS) {
    const p = join(root, d);
    if (VIGOR_CITIES.some((c) => existsSync(join(p, c, 'satellite_list.txt')))) return p;
  }
  return null;
}

/**
 * The VIGOR city a panorama or satellite image belongs to, from its path
 * (`<root>/<City>/panorama/…` or `<root>/<City>/satellite/…`), or null for other layouts.
 */
export function vigorCityOf(path: string): string | null {
  const m = /(?:^|[\\/])([^\\/]+)[\\/](?:panorama|satellite)[\\/][^\\/]+$/.exec(path);
  return m && (VIGOR_CITIES as readonly string[]).includes(m[1]!) ? m[1]! : null;
}

/** lat/lon from `satellite_<lat>_<lon>.png`, or null. */
export function parseSatelliteLatLon(name: string): [number, number] | null {
  const m = /^satellite_(-?\d+(?:\.\d+)?)_(-?\d+(?:\.\d+)?)\.[A-Za-z]+$/.exec(name);
  if (!m) return null;
  return checkLatLon(Number(m[1]), Number(m[2]));
}

/** lat/lon from `<id>,<lat>,<lon>,.jpg`, or null. */
export function parsePanoramaLatLon(name: string): [number, number] | null {
  const parts = name.split(',');
  if (parts.length < 3) return null;
  return checkLatLon(Number(parts[1]), Number(parts[2]));
}

function checkLatLon(lat: number, lon: number): [number, number] | null {
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return [lat, lon];
}

/** The per-city equirectangular frame described in the header. */
function cityFrame(meanLatDeg: number): (ll: [number, number]) => [number, number] {
  const k = Math.cos((meanLatDeg * Math.PI) / 180);
  return ([lat, lon]) => [(EARTH_RADIUS_M * k * lon * Math.PI) / 180, (EARTH_RADIUS_M * lat * Math.PI) / 180];
}

function lines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const all = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  for (let i = 0; i < all.length; i++) {
    const t = all[i]!.trim();
    if (t !== '') out.push({ text: t, line: i + 1 });
  }
  return out;
}

async function readText(path: string, rel: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new CvglError(`a readable VIGOR split file ${rel}`, (e as Error).message, `check ${path} (it comes with the VIGOR download, in splits/)`);
  }
}

interface CityData {
  city: string;
  satellites: string[];
  satIndex: Map<string, number>;
  latLon: ([number, number] | null)[];
  frame: ((ll: [number, number]) => [number, number]) | null;
}

export async function readVigor(root: string, opts: VigorOptions = {}): Promise<CrossViewDataset> {
  root = resolve(root);
  const protocol = opts.protocol ?? 'same';
  if (protocol !== 'same' && protocol !== 'cross') {
    throw new CvglError(`a VIGOR protocol: 'same' (same-area) or 'cross' (cross-area)`, `'${String(protocol)}'`, `pass protocol: 'same' or 'cross'`);
  }
  if (opts.cities) {
    const bad = opts.cities.filter((c) => !(VIGOR_CITIES as readonly string[]).includes(c));
    if (bad.length) {
      throw new CvglError(`VIGOR city names: ${VIGOR_CITIES.join(', ')}`, `${bad.map((b) => `'${b}'`).join(', ')}`, 'spell the cities as VIGOR does (case matters)');
    }
  }
  const notes: string[] = [];
  const splitsDir = vigorSplitsDir(root) ?? join(root, 'splits');
  const splitsRel = splitsDir.slice(root.length + 1);
  if (splitsRel !== 'splits') notes.push(`using ${splitsRel}/ (no splits/ folder)`);

  const wanted = (c: string) => !opts.cities || opts.cities.includes(c);
  const plan = protocolSplits(protocol).map((s) => ({ ...s, cities: s.cities.filter(wanted) }));

  // which cities have everything this protocol needs
  const lookedFor: string[] = [];
  const usable = new Map<string, boolean>();
  for (const s of plan) {
    for (const city of s.cities) {
      const need = [join(splitsRel, city, 'satellite_list.txt'), join(splitsRel, city, s.label)];
      lookedFor.push(...need.filter((n) => !lookedFor.includes(n)));
      const missing = need.filter((n) => !existsSync(join(root, n)));
      const ok = missing.length === 0 && isDir(join(root, city, 'panorama')) && isDir(join(root, city, 'satellite'));
      if (missing.length) notes.push(`VIGOR ${city} skipped for ${s.name}: ${missing.join(', ')} not found`);
      else if (!ok) notes.push(`VIGOR ${city} skipped for ${s.name}: ${city}/panorama/ or ${city}/satellite/ not found`);
      usable.set(`${s.name}/${city}`, ok);
    }
  }
  if (![...usable.values()].some(Boolean)) {
    throw new CvglError(
      `a VIGOR root for the ${protocol}-area protocol${opts.cities ? ` (cities ${opts.cities.join(', ')})` : ''}: looked for ${lookedFor.join(', ')} and the <City>/panorama/, <City>/satellite/ image folders`,
      `none of them complete in ${root}`,
      'pass the folder of the unpacked VIGOR download (holding splits/ and one folder per city)',
    );
  }

  const cityCache = new Map<string, CityData>();
  const loadCity = async (city: string): Promise<CityData> => {
    const hit = cityCache.get(city);
    if (hit) return hit;
    const rel = join(splitsRel, city, 'satellite_list.txt');
    const satellites = lines(await readText(join(root, rel), rel)).map((l) => {
      if (/\s/.test(l.text)) {
        throw new CvglError(`${rel}:${l.line}: one satellite file name per line`, JSON.stringify(l.text), `repair line ${l.line} of ${rel}`);
      }
      return l.text;
    });
    if (satellites.length === 0) throw new CvglError(`${rel}: satellite file names, one per line`, 'an empty file', `restore ${rel} from the VIGOR download`);
    const satIndex = new Map<string, number>();
    satellites.forEach((s, i) => satIndex.set(s, i));
    const latLon = satellites.map(parseSatelliteLatLon);
    const known = latLon.filter((x): x is [number, number] => x !== null);
    const frame = known.length ? cityFrame(known.reduce((a, x) => a + x[0], 0) / known.length) : null;
    if (known.length < satellites.length) {
      notes.push(`VIGOR ${city}: ${satellites.length - known.length} of ${satellites.length} satellite names carry no lat/lon (satellite_<lat>_<lon>.png): no galleryUtm`);
    }
    const d: CityData = { city, satellites, satIndex, latLon, frame };
    cityCache.set(city, d);
    return d;
  };

  const splits: Record<string, DatasetSplit> = {};
  for (const s of plan) {
    const cities = s.cities.filter((c) => usable.get(`${s.name}/${c}`));
    if (cities.length === 0) {
      notes.push(`no '${s.name}' split: none of ${s.cities.join(', ') || '(no city selected)'} is complete`);
      continue;
    }
    const gallery: string[] = [];
    const galleryUtm: [number, number][] = [];
    let utmComplete = true;
    const base = new Map<string, number>();
    // the gallery: every satellite of the split's cities (same-area: of all usable cities)
    const galleryCities = protocol === 'same' ? VIGOR_CITIES.filter((c) => plan.some((p) => usable.get(`${p.name}/${c}`))) : cities;
    for (const city of galleryCities) {
      const d = await loadCity(city);
      base.set(city, gallery.length);
      d.satellites.forEach((name, i) => {
        gallery.push(join(root, city, 'satellite', name));
        const ll = d.latLon[i];
        if (ll && d.frame) galleryUtm.push(d.frame(ll));
        else utmComplete = false;
      });
    }
    const pairs: PairRecord[] = [];
    for (const city of cities) {
      const d = await loadCity(city);
      const off = base.get(city)!;
      const rel = join(splitsRel, city, s.label);
      for (const l of lines(await readText(join(root, rel), rel))) {
        const f = l.text.split(/\s+/);
        const where = `${rel}:${l.line}`;
        if (f.length !== 13) {
          throw new CvglError(
            `${where}: 13 space-separated fields: <panorama> then 4 x (<satellite> <row offset> <column offset>), the positive satellite first`,
            `${f.length} field${f.length === 1 ? '' : 's'}: ${JSON.stringify(l.text.length > 160 ? l.text.slice(0, 157) + '...' : l.text)}`,
            `repair or delete line ${l.line} of ${rel} (a fresh copy comes with the VIGOR download)`,
          );
        }
        const galleryIndex: number[] = [];
        const offsets: [number, number][] = [];
        for (let k = 0; k < 4; k++) {
          const sat = f[1 + 3 * k]!;
          const i = d.satIndex.get(sat);
          if (i === undefined) {
            throw new CvglError(
              `${where}: satellite ${k + 1} listed in ${join(splitsRel, city, 'satellite_list.txt')}`,
              `'${sat}', not in that list (${d.satellites.length} names)`,
              `use the split files of one VIGOR release together (splits/ or splits__corrected/, not mixed)`,
            );
          }
          const drow = Number(f[2 + 3 * k]);
          const dcol = Number(f[3 + 3 * k]);
          if (!Number.isFinite(drow) || !Number.isFinite(dcol)) {
            throw new CvglError(`${where}: numeric pixel offsets (row, column) after satellite ${k + 1}`, `'${f[2 + 3 * k]}' '${f[3 + 3 * k]}'`, `repair line ${l.line} of ${rel}`);
          }
          galleryIndex.push(off + i);
          offsets.push([drow, dcol]);
        }
        const pano = f[0]!;
        const pair: PairRecord = {
          id: pano,
          ground: join(root, city, 'panorama', pano),
          aerial: gallery[galleryIndex[0]!]!,
          galleryIndex,
          offsets,
        };
        const ll = parsePanoramaLatLon(pano);
        if (ll && d.frame) pair.utm = d.frame(ll);
        pairs.push(pair);
      }
    }
    const split: DatasetSplit = { name: s.name, pairs, gallery };
    if (utmComplete && gallery.length) split.galleryUtm = galleryUtm;
    splits[s.name] = split;
  }
  notes.push(`VIGOR ${protocol}-area protocol: ${Object.values(splits).map((s) => `${s.name} ${s.pairs.length} panoramas / ${s.gallery.length} satellites`).join(', ')}`);
  return { format: 'vigor', root, splits, notes };
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
