/**
 * The dataset readers on tiny trees in the official layouts of CVUSA, CVACT and VIGOR, read
 * back through `openDataset` as a user would; then broken trees, which must give a CvglError
 * naming the file (reader) or a CheckReport problem naming it (checker).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync, existsSync, cpSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { CvglError } from '../../lib/engine/errors.js';
import { detectFormat, openDataset } from '../../lib/data/readers.js';
import { checkDataset, formatCheckReport } from '../../lib/data/check.js';
import { requireInCi } from '../ci_requirements.js';

const WRITE_MAT = fileURLToPath(new URL('../reference/write_cvact_mat.py', import.meta.url));

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-readers-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

let seed = 12345;
function rand(): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
}

/** A random-colour noise image (JPEG or PNG by extension), creating its folder. */
async function image(path: string, width: number, height: number): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const px = Buffer.alloc(width * height * 3);
  const base = [rand() * 255, rand() * 255, rand() * 255];
  for (let i = 0; i < px.length; i++) px[i] = Math.max(0, Math.min(255, base[i % 3]! + (rand() - 0.5) * 120));
  const img = sharp(px, { raw: { width, height, channels: 3 } });
  await (path.endsWith('.png') ? img.png() : img.jpeg({ quality: 90 })).toFile(path);
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Runs `fn`, expecting a CvglError whose message matches every pattern. */
async function expectCvglError(fn: () => Promise<unknown>, ...patterns: RegExp[]): Promise<CvglError> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a CvglError').toBeInstanceOf(CvglError);
  const msg = (err as Error).message;
  for (const p of patterns) expect(msg).toMatch(p);
  expect(msg).toMatch(/found: /);
  expect(msg).toMatch(/what to do: /);
  return err as CvglError;
}

function truncate(path: string): void {
  const b = readFileSync(path);
  writeFileSync(path, b.subarray(0, Math.floor(b.length / 2)));
}

// ---------------------------------------------------------------------------------------- CVUSA

async function cvusaTree(root: string, opts: { polar?: boolean } = {}): Promise<void> {
  const train = ['0000019', '0000020', '0000021'];
  const val = ['0000044', '0000045'];
  for (const id of [...train, ...val]) {
    await image(join(root, 'bingmap/19', `${id}.jpg`), 64, 64);
    await image(join(root, 'streetview/panos', `${id}.jpg`), 176, 32);
    if (opts.polar) await image(join(root, 'polarmap/19', `${id}.png`), 64, 16);
  }
  const row = (id: string) => `bingmap/19/${id}.jpg,streetview/panos/${id}.jpg,annotations/${id}.png`;
  // CRLF, a space after a comma, trailing blank lines: all tolerated
  write(join(root, 'splits/train-19zl.csv'), train.map((id, i) => (i === 1 ? row(id).replace(',', ', ') : row(id))).join('\r\n') + '\r\n\r\n\r\n');
  write(join(root, 'splits/val-19zl.csv'), val.map(row).join('\n') + '\n');
}

describe('CVUSA', () => {
  it('reads train and val with absolute paths, ids and the pre-made polar aerials', async () => {
    const root = join(tmp, 'cvusa');
    await cvusaTree(root, { polar: true });
    expect(detectFormat(root)).toBe('cvusa');
    const ds = await openDataset(root);
    expect(ds.format).toBe('cvusa');
    expect(ds.root).toBe(root);
    expect(Object.keys(ds.splits)).toEqual(['train', 'val']);
    const train = ds.splits.train!;
    expect(train.pairs.map((p) => p.id)).toEqual(['0000019', '0000020', '0000021']);
    expect(train.pairs[1]).toEqual({
      id: '0000020',
      ground: join(root, 'streetview/panos/0000020.jpg'),
      aerial: join(root, 'bingmap/19/0000020.jpg'),
      polar: join(root, 'polarmap/19/0000020.png'),
      galleryIndex: [1],
    });
    expect(train.gallery).toEqual(train.pairs.map((p) => p.aerial));
    expect(ds.splits.val!.pairs).toHaveLength(2);
    expect(ds.splits.val!.gallery).toHaveLength(2);
    expect(ds.notes.join('\n')).toMatch(/annotations\/ not present/);
    expect(ds.notes.join('\n')).toMatch(/polarmap\/ present/);

    const seen: number[] = [];
    const rep = await checkDataset(ds, { onProgress: (d) => seen.push(d) });
    expect(rep).toMatchObject({ format: 'cvusa', ok: true, filesChecked: 15, problems: [] });
    expect(rep.splits).toEqual([
      { name: 'train', pairs: 3, gallery: 3 },
      { name: 'val', pairs: 2, gallery: 2 },
    ]);
    expect(seen.at(-1)).toBe(15);
    expect(formatCheckReport(rep)).toMatch(/train: 3 pairs[\s\S]*val: 2 pairs[\s\S]*OK: all 15 files/);
  });

  it('without polarmap/ leaves polar out', async () => {
    const root = join(tmp, 'cvusa-nopolar');
    await cvusaTree(root);
    const ds = await openDataset(root, { format: 'cvusa' });
    expect(ds.splits.train!.pairs.every((p) => p.polar === undefined)).toBe(true);
  });

  it('a malformed row names file:line', async () => {
    const root = join(tmp, 'cvusa-badrow');
    await cvusaTree(root);
    write(join(root, 'splits/val-19zl.csv'), 'bingmap/19/0000044.jpg,streetview/panos/0000044.jpg,annotations/0000044.png\nbingmap/19/0000045.jpg,streetview/panos/0000045.jpg\n');
    await expectCvglError(() => openDataset(root), /splits\/val-19zl\.csv:2/, /3 comma-separated paths/, /2 fields/);
    write(join(root, 'splits/val-19zl.csv'), 'bingmap/19/0000044.jpg, ,annotations/0000044.png\n');
    await expectCvglError(() => openDataset(root), /splits\/val-19zl\.csv:1/, /empty ground panorama path/);
  });

  it('a missing image folder is a reader error; a missing or truncated image a checker problem', async () => {
    const root = join(tmp, 'cvusa-broken');
    await cvusaTree(root);
    unlinkSync(join(root, 'streetview/panos/0000020.jpg'));
    truncate(join(root, 'bingmap/19/0000044.jpg'));
    const ds = await openDataset(root);
    const rep = await checkDataset(ds, { concurrency: 3 });
    expect(rep.ok).toBe(false);
    expect(rep.filesChecked).toBe(10);
    expect(rep.problems).toHaveLength(2);
    expect(rep.problems[0]).toMatchObject({ path: join(root, 'bingmap/19/0000044.jpg'), problem: 'unreadable' });
    expect(rep.problems[0]!.detail).toBeTruthy();
    expect(rep.problems[1]).toEqual({ path: join(root, 'streetview/panos/0000020.jpg'), problem: 'missing' });
    const text = formatCheckReport(rep);
    expect(text).toMatch(/missing\s+streetview\/panos\/0000020\.jpg/);
    expect(text).toMatch(/unreadable\s+bingmap\/19\/0000044\.jpg/);
    expect(text).toMatch(/NOT OK: 2 of 10 files/);
    // the header alone does not see the truncation
    const quick = await checkDataset(ds, { decode: false });
    expect(quick.problems.map((p) => p.problem)).toEqual(['missing']);

    rmSync(join(root, 'streetview'), { recursive: true });
    await expectCvglError(() => openDataset(root), /ground panorama folder streetview\/panos/, /train-19zl\.csv:1/);
  });

  it('the report lists the first 20 problems and the total', async () => {
    const root = join(tmp, 'cvusa-many');
    const rows = Array.from({ length: 25 }, (_, i) => `bingmap/19/${String(i).padStart(7, '0')}.jpg,streetview/panos/${String(i).padStart(7, '0')}.jpg,annotations/x.png`);
    write(join(root, 'splits/train-19zl.csv'), rows.join('\n'));
    mkdirSync(join(root, 'bingmap/19'), { recursive: true });
    mkdirSync(join(root, 'streetview/panos'), { recursive: true });
    const rep = await checkDataset(await openDataset(root));
    expect(rep.problems).toHaveLength(50);
    const text = formatCheckReport(rep);
    expect(text.match(/^ {2}missing /gm)).toHaveLength(20);
    expect(text).toMatch(/\.\.\. and 30 more/);
    expect(text).toMatch(/problems \(50: 50 missing, 0 unreadable\)/);
    expect(text).toMatch(/NOT OK: 50 of 50 files/);
    expect(formatCheckReport(rep, 5)).toMatch(/\.\.\. and 45 more/);
  });
});

// ---------------------------------------------------------------------------------------- CVACT

function findScipyPython(): { python: string } | { python: null; reason: string } {
  const python = process.env.CVGL_PYTHON || '/usr/bin/python3';
  if (!existsSync(python)) return { python: null, reason: `${python} not found` };
  const r = spawnSync(python, ['-c', 'import scipy.io, numpy'], { encoding: 'utf8' });
  if (r.status !== 0) return { python: null, reason: `${python} has no scipy (apt-get install python3-scipy)` };
  return { python };
}

describe('CVACT', () => {
  const py = findScipyPython();
  requireInCi("python3 with scipy (writes the test's ACT_data.mat)", py.python != null, 'reason' in py ? py.reason : undefined);
  const ids = ['__-DFIFxvZBCn1873qkqXA', 'a1B2c3-d4E5', 'zz_top-9', 'Qx7', 'p-0_p', 'last_one'];
  const utm = ids.map((_, i) => [500000 + 10.5 * i, 6090000 - 3.25 * i]);
  const good = { panoIds: ids, utm, trainInd: [1, 3, 5], valInd: [2, 4] };
  /** root name -> ACT_data.mat contents, all written by one python run */
  const trees: Record<string, Record<string, unknown>> = {
    'cvact': { ...good, testInd: [6, 1, 2] },
    'cvact-notest': good,
    'cvact-trunc': good,
    'cvact-novalset': { ...good, omit: ['valSet'] },
    'cvact-range': { ...good, trainInd: [1, 7] },
    'cvact-utm': { ...good, utm: utm.slice(0, 4) },
    'cvact-noids': { ...good, omit: ['panoIds'] },
    'cvact-noaerial': good,
  };
  const at = (name: string) => join(tmp, name);

  beforeAll(async () => {
    if (!py.python) return;
    const args: string[] = [];
    for (const [name, spec] of Object.entries(trees)) {
      const root = at(name);
      for (const id of ids) {
        if (name === 'cvact' || name === 'cvact-trunc' || name === 'cvact-notest') {
          await image(join(root, 'streetview', `${id}_grdView.jpg`), 176, 32);
          await image(join(root, 'satview_polish', `${id}_satView_polish.jpg`), 64, 64);
        }
      }
      mkdirSync(join(root, 'streetview'), { recursive: true });
      if (name !== 'cvact-noaerial') mkdirSync(join(root, 'satview_polish'), { recursive: true });
      writeFileSync(join(tmp, `${name}.json`), JSON.stringify(spec));
      args.push(join(root, 'ACT_data.mat'), join(tmp, `${name}.json`));
    }
    const r = spawnSync(py.python, [WRITE_MAT, ...args], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it.skipIf(!py.python)('reads train/val (+ test when testSet exists) with utm', async () => {
    const root = at('cvact');
    expect(detectFormat(root)).toBe('cvact');
    const ds = await openDataset(root);
    expect(ds.format).toBe('cvact');
    expect(Object.keys(ds.splits)).toEqual(['train', 'val', 'test']);
    const train = ds.splits.train!;
    expect(train.pairs.map((p) => p.id)).toEqual([ids[0], ids[2], ids[4]]);
    expect(train.pairs[1]).toEqual({
      id: ids[2],
      ground: join(root, 'streetview', `${ids[2]}_grdView.jpg`),
      aerial: join(root, 'satview_polish', `${ids[2]}_satView_polish.jpg`),
      galleryIndex: [1],
      utm: [500021, 6089993.5],
    });
    expect(train.gallery).toEqual(train.pairs.map((p) => p.aerial));
    expect(ds.splits.val!.pairs.map((p) => p.utm)).toEqual([utm[1], utm[3]]);
    expect(ds.splits.test!.pairs.map((p) => p.id)).toEqual([ids[5], ids[0], ids[1]]);
    const rep = await checkDataset(ds);
    expect(rep.ok).toBe(true);
    expect(rep.filesChecked).toBe(12);
  });

  it.skipIf(!py.python)('without testSet there is no test split, and a note says so', async () => {
    const ds = await openDataset(at('cvact-notest'));
    expect(Object.keys(ds.splits)).toEqual(['train', 'val']);
    expect(ds.notes.join('\n')).toMatch(/testSet\.testInd/);
  });

  it.skipIf(!py.python)('a missing variable, an index out of range, a missing image folder name the culprit', async () => {
    await expectCvglError(() => openDataset(at('cvact-novalset')), /no variable 'valSet'/, /the file holds: panoIds, utm, trainSet\)/);
    await expectCvglError(() => openDataset(at('cvact-range')), /trainSet\.trainInd/, /between 1 and 6/, /found: 7 at position 2/);
    await expectCvglError(() => openDataset(at('cvact-utm')), /utm in ACT_data\.mat: a 6 x 2 matrix/, /4x2/);
    await expectCvglError(() => openDataset(at('cvact-noids')), /no variable 'panoIds'/);
    await expectCvglError(() => openDataset(at('cvact-noaerial')), /satview_polish\//);
  });

  it.skipIf(!py.python)('the checker names a truncated ground panorama', async () => {
    const root = at('cvact-trunc');
    truncate(join(root, 'streetview', `${ids[3]}_grdView.jpg`));
    const rep = await checkDataset(await openDataset(root));
    expect(rep.problems).toEqual([{ path: join(root, 'streetview', `${ids[3]}_grdView.jpg`), problem: 'unreadable', detail: expect.any(String) }]);
  });
});

// ---------------------------------------------------------------------------------------- VIGOR

const SATS: Record<string, [number, number][]> = {
  Chicago: [
    [41.88, -87.63],
    [41.8805, -87.63],
    [41.88, -87.6295],
    [41.8805, -87.6295],
  ],
  NewYork: [
    [40.71, -74.0],
    [40.7105, -74.0],
    [40.71, -73.9995],
    [40.7105, -73.9995],
  ],
};
const satName = ([lat, lon]: [number, number]) => `satellite_${lat}_${lon}.png`;
const panoName = (id: string, [lat, lon]: [number, number]) => `${id},${lat},${lon},.jpg`;

async function vigorTree(root: string): Promise<void> {
  for (const [city, sats] of Object.entries(SATS)) {
    for (const s of sats) await image(join(root, city, 'satellite', satName(s)), 64, 64);
    const panos = [0, 1, 2].map((k) => panoName(`${city}Pano${k}`, [sats[k]![0] + 0.0001, sats[k]![1]]));
    for (const p of panos) await image(join(root, city, 'panorama', p), 176, 32);
    write(join(root, 'splits', city, 'satellite_list.txt'), sats.map(satName).join('\n') + '\n');
    // pano k: positive satellite k, semi-positives the next ones round
    const label = (k: number) =>
      [panos[k], ...[0, 1, 2, 3].flatMap((j) => [satName(sats[(k + j) % 4]!), String(10 * k + j + 0.5), String(-(10 * k + j))])].join(' ');
    write(join(root, 'splits', city, 'same_area_balanced_train.txt'), `${label(0)}\n${label(1)}\n`);
    write(join(root, 'splits', city, 'same_area_balanced_test.txt'), `${label(2)}\r\n\r\n`);
    write(join(root, 'splits', city, 'pano_label_balanced.txt'), [0, 1, 2].map(label).join('\n'));
  }
}

describe('VIGOR', () => {
  let root: string;
  beforeAll(async () => {
    root = join(tmp, 'vigor');
    await vigorTree(root);
  });

  it('same-area protocol: every city split inside, one gallery of all satellites', async () => {
    expect(detectFormat(root)).toBe('vigor');
    const ds = await openDataset(root);
    expect(ds.format).toBe('vigor');
    expect(ds.notes.join('\n')).toMatch(/SanFrancisco skipped/);
    expect(ds.notes.join('\n')).toMatch(/Seattle skipped/);
    const { train, test } = ds.splits as Record<string, NonNullable<(typeof ds.splits)[string]>>;
    expect(train!.pairs).toHaveLength(4);
    expect(test!.pairs).toHaveLength(2);
    const gallery = [...SATS.Chicago!.map((s) => join(root, 'Chicago/satellite', satName(s))), ...SATS.NewYork!.map((s) => join(root, 'NewYork/satellite', satName(s)))];
    expect(train!.gallery).toEqual(gallery);
    expect(test!.gallery).toEqual(gallery);
    // NewYork's pano 1 (train): positive NewYork satellite 1 = gallery index 4 + 1
    const p = train!.pairs[3]!;
    expect(p.id).toBe(panoName('NewYorkPano1', [40.7105 + 0.0001, -74.0]));
    expect(p.ground).toBe(join(root, 'NewYork/panorama', p.id));
    expect(p.galleryIndex).toEqual([5, 6, 7, 4]);
    expect(p.aerial).toBe(gallery[5]);
    expect(p.offsets).toEqual([
      [10.5, -10],
      [11.5, -11],
      [12.5, -12],
      [13.5, -13],
    ]);
    // Chicago's test pano 2
    expect(test!.pairs[0]!.galleryIndex).toEqual([2, 3, 0, 1]);
    // positions: a local metric frame per city
    const u = train!.galleryUtm!;
    expect(u).toHaveLength(8);
    const d = (a: [number, number], b: [number, number]) => Math.hypot(a[0] - b[0], a[1] - b[1]);
    expect(d(u[0]!, u[1]!)).toBeCloseTo(0.0005 * 111195, -1); // 0.0005 deg of latitude ~ 55.6 m
    expect(d(u[0]!, u[2]!)).toBeCloseTo(0.0005 * 111195 * Math.cos((41.88025 * Math.PI) / 180), -1);
    expect(d(u[0]!, u[4]!)).toBeGreaterThan(1e6); // Chicago and New York never meet
    expect(d(p.utm!, u[5]!)).toBeCloseTo(0.0001 * 111195, 0);

    const rep = await checkDataset(ds);
    expect(rep.ok).toBe(true);
    expect(rep.filesChecked).toBe(8 + 6); // satellites once though shared by both splits
  });

  it('cross-area protocol: train NewYork (+Seattle), test Chicago (+SanFrancisco), all panoramas', async () => {
    const ds = await openDataset(root, { vigor: { protocol: 'cross' } });
    const train = ds.splits.train!;
    const test = ds.splits.test!;
    expect(train.pairs.map((p) => p.id)).toEqual([0, 1, 2].map((k) => panoName(`NewYorkPano${k}`, [SATS.NewYork![k]![0] + 0.0001, SATS.NewYork![k]![1]])));
    expect(train.gallery).toEqual(SATS.NewYork!.map((s) => join(root, 'NewYork/satellite', satName(s))));
    expect(test.pairs).toHaveLength(3);
    expect(test.gallery).toEqual(SATS.Chicago!.map((s) => join(root, 'Chicago/satellite', satName(s))));
    expect(test.pairs[1]!.galleryIndex).toEqual([1, 2, 3, 0]);
    expect(test.pairs[1]!.aerial).toBe(test.gallery[1]);

    const onlyChicago = await openDataset(root, { vigor: { protocol: 'cross', cities: ['Chicago'] } });
    expect(Object.keys(onlyChicago.splits)).toEqual(['test']);
    expect(onlyChicago.notes.join('\n')).toMatch(/no 'train' split/);
  });

  it('a protocol with nothing there, or a bad city name, says what was looked for', async () => {
    await expectCvglError(
      () => openDataset(root, { vigor: { protocol: 'cross', cities: ['Seattle'] } }),
      /looked for splits\/Seattle\/satellite_list\.txt, splits\/Seattle\/pano_label_balanced\.txt/,
    );
    await expectCvglError(() => openDataset(root, { vigor: { cities: ['Boston'] } }), /Chicago, NewYork, SanFrancisco, Seattle/, /'Boston'/);
  });

  it('a label line with too few fields, or an unknown satellite, names file:line', async () => {
    const bad = join(tmp, 'vigor-bad');
    cpSync(root, bad, { recursive: true });
    const f = join(bad, 'splits/NewYork/same_area_balanced_train.txt');
    const good = readFileSync(f, 'utf8').split('\n');
    write(f, `${good[0]}\n${good[1]!.split(' ').slice(0, 10).join(' ')}\n`);
    await expectCvglError(() => openDataset(bad), /splits\/NewYork\/same_area_balanced_train\.txt:2/, /13 space-separated fields/, /10 fields/);
    write(f, `${good[0]!.replace('satellite_40.71_-74.png', 'satellite_1_2.png')}\n`);
    await expectCvglError(() => openDataset(bad), /same_area_balanced_train\.txt:1/, /'satellite_1_2\.png', not in that list/);
  });

  it('the checker finds a missing satellite once, and a truncated panorama', async () => {
    const bad = join(tmp, 'vigor-check');
    cpSync(root, bad, { recursive: true });
    unlinkSync(join(bad, 'Chicago/satellite', satName(SATS.Chicago![0]!)));
    const pano = panoName('NewYorkPano2', [40.71 + 0.0001, -73.9995]);
    truncate(join(bad, 'NewYork/panorama', pano));
    const rep = await checkDataset(await openDataset(bad));
    expect(rep.problems.map((p) => [p.path, p.problem])).toEqual([
      [join(bad, 'Chicago/satellite', satName(SATS.Chicago![0]!)), 'missing'],
      [join(bad, 'NewYork/panorama', pano), 'unreadable'],
    ]);
  });
});

// ----------------------------------------------------------------------------------- detection

describe('openDataset on something that is not a dataset', () => {
  it('a missing root', async () => {
    await expectCvglError(() => openDataset(join(tmp, 'nope')), /CVUSA .*CVACT .*VIGOR/, /no such file or folder/);
    expect(detectFormat(join(tmp, 'nope'))).toBeNull();
  });

  it('a folder of other things lists a few of its entries', async () => {
    const root = join(tmp, 'other');
    for (let i = 0; i < 12; i++) write(join(root, `file${String(i).padStart(2, '0')}.txt`), 'x');
    mkdirSync(join(root, 'images'));
    expect(detectFormat(root)).toBeNull();
    await expectCvglError(() => openDataset(root), /marker files/, /file00\.txt, file01\.txt/, /\(13 entries\)/);
  });

  it('a dataset one level down is pointed at', async () => {
    const root = join(tmp, 'parent');
    write(join(root, 'CVUSA/splits/val-19zl.csv'), 'bingmap/19/1.jpg,streetview/panos/1.jpg,annotations/1.png\n');
    await expectCvglError(() => openDataset(root), new RegExp(`pass ${join(root, 'CVUSA').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('a file as root', async () => {
    const f = join(tmp, 'a-file');
    write(f, 'x');
    await expectCvglError(() => openDataset(f), /a file, not a folder/);
  });
});
