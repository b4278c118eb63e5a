/**
 * `cvgl data synth` and `cvgl data check`: the dataset commands of the CLI.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CvglError } from '../engine/errors.js';
import { progressBar } from '../engine/progress.js';
import { checkDataset, checkLocalizationSet, formatCheckReport } from '../data/check.js';
import type { DatasetFormat } from '../data/dataset.js';
import { detectFormat, openDataset } from '../data/readers.js';
import { isRobotCarSeasons, readRobotCarSeasons } from '../data/robotcar_seasons.js';
import { DOMAIN_NAMES, type DomainName } from '../synth/domains.js';
import { SYNTH_DEFAULTS, generateSynthetic } from '../synth/generate.js';

export const DATA_HELP = `cvgl data — datasets

  cvgl data synth --out DIR [--pairs N] [--seed S] [--aerial-size N] [--aerial-extent M]
                  [--pano-size WxH] [--orientation-noise DEG] [--fov DEG] [--offset M]
                  [--domains day,dusk,night,snow,fog] [--style mixed|metropolis|suburb|rural]
                  [--workers N] [--force]
      Renders a synthetic cross-view world: aerial tiles (north up, centred on the camera) and
      ground panoramas ray cast from ~2 m over the same scene (north at the centre column).
      Written in the CVUSA layout; with --offset M in the VIGOR layout (four cities, tiles on a
      half-overlapping grid, the camera up to M metres from its positive tile's centre, three
      semi-positives). Defaults: ${SYNTH_DEFAULTS.pairs} pairs, seed ${SYNTH_DEFAULTS.seed}, aerial ${SYNTH_DEFAULTS.aerialSize} px over ${SYNTH_DEFAULTS.aerialExtent} m, panorama
      ${SYNTH_DEFAULTS.panoWidth}x${SYNTH_DEFAULTS.panoHeight} (VIGOR: 448x224 full sphere, 80 m tiles). Extra domains go to DIR/domains/<name>/.
      Ground truth (pose, UTM-like coordinates, splits) is in DIR/synthetic.json.

  cvgl data check DIR [--format cvusa|cvact|vigor|robotcar-seasons] [--protocol same|cross] [--no-decode]
      Reads a dataset through the same readers as training, counts pairs per split, and opens
      every image (a full decode, so truncated JPEGs are caught; --no-decode only checks that the
      files exist). Lists missing/unreadable files (first 20 and the total); exit status 1 if any.
      RobotCar Seasons (MDUIT's visual-localization set: images/<condition>/rear/,
      3D-models/all-merged/all.nvm, robotcar_v2_train.txt) is recognised too: references and
      queries with poses, images per condition.`;

type Values = Record<string, string | boolean | undefined>;

function parse(args: string[], options: ParseArgsConfig['options']): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    throw new CvglError('known options (see `cvgl data --help`)', (e as Error).message, 'check the spelling of the options');
  }
}

function num(v: Values, name: string, fallback: number, integer = false): number {
  const raw = v[name];
  if (raw == null) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new CvglError(`--${name}: ${integer ? 'an integer' : 'a number'}`, `'${String(raw)}'`, `e.g. --${name} ${fallback}`);
  }
  return n;
}

async function synth(args: string[]): Promise<number> {
  const { values: v, positionals } = parse(args, {
    out: { type: 'string' }, pairs: { type: 'string' }, seed: { type: 'string' },
    'aerial-size': { type: 'string' }, 'aerial-extent': { type: 'string' }, 'pano-size': { type: 'string' },
    'orientation-noise': { type: 'string' }, fov: { type: 'string' }, offset: { type: 'string' },
    domains: { type: 'string' }, style: { type: 'string' }, workers: { type: 'string' }, force: { type: 'boolean' },
    quiet: { type: 'boolean' },
  });
  if (v.help) {
    console.log(DATA_HELP);
    return 0;
  }
  if (positionals.length) throw new CvglError('only options after `cvgl data synth`', `'${positionals.join(' ')}'`, 'pass the directory as --out DIR');
  if (typeof v.out !== 'string') throw new CvglError('--out DIR: where to write the dataset', 'no --out', 'e.g. cvgl data synth --out data/synthetic');
  const vigor = v.offset != null;
  let panoWidth = vigor ? 448 : SYNTH_DEFAULTS.panoWidth, panoHeight = vigor ? 224 : SYNTH_DEFAULTS.panoHeight;
  if (typeof v['pano-size'] === 'string') {
    const m = /^(\d+)x(\d+)$/.exec(v['pano-size']);
    if (!m) throw new CvglError('--pano-size WIDTHxHEIGHT', `'${v['pano-size']}'`, 'e.g. --pano-size 616x112');
    panoWidth = Number(m[1]);
    panoHeight = Number(m[2]);
  }
  const domains = (typeof v.domains === 'string' ? v.domains : 'day').split(',').map((s) => s.trim()).filter(Boolean);
  for (const d of domains) {
    if (!DOMAIN_NAMES.includes(d as DomainName)) throw new CvglError(`--domains: a comma-separated list of ${DOMAIN_NAMES.join(', ')}`, `'${d}'`, 'e.g. --domains day,night');
  }
  const pairs = num(v, 'pairs', SYNTH_DEFAULTS.pairs, true);
  const bar = progressBar('rendering', { quiet: Boolean(v.quiet), unit: 'views' });
  const t0 = Date.now();
  const m = await generateSynthetic({
    out: v.out,
    pairs,
    seed: num(v, 'seed', SYNTH_DEFAULTS.seed, true),
    aerialSize: num(v, 'aerial-size', SYNTH_DEFAULTS.aerialSize, true),
    aerialExtent: num(v, 'aerial-extent', vigor ? 80 : SYNTH_DEFAULTS.aerialExtent),
    panoWidth,
    panoHeight,
    orientationNoise: num(v, 'orientation-noise', 0),
    fov: num(v, 'fov', 360),
    offset: vigor ? num(v, 'offset', 0) : null,
    domains: domains as DomainName[],
    style: typeof v.style === 'string' ? v.style : SYNTH_DEFAULTS.style,
    workers: num(v, 'workers', SYNTH_DEFAULTS.workers, true),
    force: Boolean(v.force),
    onProgress: bar,
  });
  bar.end();
  const s = (Date.now() - t0) / 1000;
  const splits = new Map<string, number>();
  for (const x of m.samples) splits.set(x.split, (splits.get(x.split) ?? 0) + 1);
  console.log(`${m.layout} layout, ${m.samples.length} pairs (${[...splits].map(([k, n]) => `${k} ${n}`).join(', ')}), domains ${m.domains.map((d) => d.name).join(', ')}`);
  console.log(`wrote ${v.out} in ${s.toFixed(1)} s (${(m.samples.length / s).toFixed(1)} pairs/s)`);
  return 0;
}

async function check(args: string[]): Promise<number> {
  const { values: v, positionals } = parse(args, {
    format: { type: 'string' }, protocol: { type: 'string' }, 'no-decode': { type: 'boolean' }, quiet: { type: 'boolean' },
  });
  if (v.help) {
    console.log(DATA_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CvglError('one dataset directory: cvgl data check DIR', positionals.length ? `'${positionals.join(' ')}'` : 'none', 'e.g. cvgl data check data/synthetic');
  const format = v.format as DatasetFormat | 'robotcar-seasons' | undefined;
  if (format !== undefined && !['cvusa', 'cvact', 'vigor', 'robotcar-seasons'].includes(format)) throw new CvglError('--format cvusa|cvact|vigor|robotcar-seasons', `'${format}'`, 'leave it out to detect the layout');
  if (format === 'robotcar-seasons' || (format === undefined && detectFormat(positionals[0]!) === null && isRobotCarSeasons(positionals[0]!))) {
    const set = readRobotCarSeasons(positionals[0]!);
    const bar = progressBar('checking', { quiet: Boolean(v.quiet), unit: 'files' });
    const report = await checkLocalizationSet(set, { decode: !v['no-decode'], onProgress: bar });
    bar.end();
    console.log(formatCheckReport(report));
    return report.ok ? 0 : 1;
  }
  const protocol = v.protocol as 'same' | 'cross' | undefined;
  if (protocol !== undefined && protocol !== 'same' && protocol !== 'cross') throw new CvglError('--protocol same|cross (VIGOR)', `'${protocol}'`, 'e.g. --protocol cross');
  const ds = await openDataset(positionals[0]!, { format: format as DatasetFormat | undefined, vigor: { protocol } });
  const bar = progressBar('checking', { quiet: Boolean(v.quiet), unit: 'files' });
  const report = await checkDataset(ds, { decode: !v['no-decode'], onProgress: bar });
  bar.end();
  console.log(formatCheckReport(report));
  return report.ok ? 0 : 1;
}

export async function dataCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'synth':
      return synth(rest);
    case 'check':
      return check(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(DATA_HELP);
      return 0;
    default:
      throw new CvglError('a data command: synth, check', `'${sub}'`, 'run `cvgl data --help`');
  }
}
