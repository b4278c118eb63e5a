/**
 * The MAT-file reader against files written by scipy (Level 5, plain and compressed), by h5py in
 * MATLAB's v7.3 layout, and byte by byte (both byte orders, odd storage types): every value is
 * compared with the JSON that test/reference/write_mat.py writes next to them. Broken inputs
 * (random bytes, truncated files, unsupported classes) must be CvglErrors naming the file.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { matField, matNumbers, matStrings, readMat, type MatValue } from '../../lib/data/matfile.js';
import { readMatV5 } from '../../lib/data/matfile_v5.js';
import { CvglError } from '../../lib/engine/errors.js';
import { SeededRandom } from '../../lib/engine/random.js';
import { requireInCi } from '../ci_requirements.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'reference', 'write_mat.py');
const PYTHON = process.env.CVGL_PYTHON || '/usr/bin/python3';
const DIR = mkdtempSync(join(tmpdir(), 'cvgl-matfile-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

/** Runs the fixture writer once (at collection: the python-dependent tests need to know). */
function writeFixtures(): { ok: true; expected: Record<string, Record<string, unknown>> } | { ok: false; reason: string } {
  const out = join(DIR, 'fx');
  mkdirSync(out);
  const r = spawnSync(PYTHON, [SCRIPT, out], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return { ok: false, reason: `${PYTHON}: ${r.error.message}` };
  if (r.status !== 0) return { ok: false, reason: `${PYTHON} ${SCRIPT} failed: ${r.stderr.trim().split('\n').slice(-1)[0]}` };
  // numbers JSON cannot hold come as strings ("NaN", "-Infinity", integers beyond 2^53)
  const expected = JSON.parse(readFileSync(join(out, 'expected.json'), 'utf8'), (key, v) =>
    (key === 'data' || key === 'imag') && Array.isArray(v) ? v.map(Number) : v);
  return { ok: true, expected };
}
const fx = writeFixtures();
const file = (name: string) => join(DIR, 'fx', name);

/** A MatValue with plain arrays for the typed ones (what the JSON holds). */
function plain(v: unknown): unknown {
  if (v instanceof Float64Array) return Array.from(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

async function caught(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e;
  }
  return undefined;
}

async function expectUserError(p: Promise<unknown> | (() => unknown), pattern: RegExp, mention?: string): Promise<void> {
  const e = await caught(p);
  expect(e, 'expected a CvglError').toBeInstanceOf(CvglError);
  const msg = (e as Error).message;
  expect(msg).toMatch(pattern);
  if (mention) expect(msg).toContain(mention);
}

describe('readMat on fixture files', () => {
  requireInCi('python3 with scipy and h5py (MAT-file fixtures; CVGL_PYTHON to override)', fx.ok, fx.ok ? undefined : fx.reason);
  const expected = fx.ok ? fx.expected : {};

  it.skipIf(!fx.ok).each([
    'act_v5.mat', 'act_v5z.mat', 'act_v73.mat',
    'classes_v5.mat', 'classes_v5z.mat', 'classes_v73.mat',
    'hand_le.mat', 'hand_be.mat',
  ])('%s: every variable as written', async (name) => {
    const vars = await readMat(file(name));
    expect(plain(vars)).toEqual(expected[name]);
  });

  it.skipIf(!fx.ok)('Level 5 (plain, compressed) and v7.3 give identical values', async () => {
    for (const stem of ['act', 'classes']) {
      const [a, b, c] = await Promise.all(['v5', 'v5z', 'v73'].map((s) => readMat(file(`${stem}_${s}.mat`))));
      expect(plain(b)).toEqual(plain(a));
      expect(plain(c)).toEqual(plain(a));
      expect(Object.keys(c!).sort()).toEqual(Object.keys(a!).sort());
    }
  });

  it.skipIf(!fx.ok)('the CVACT accessors: panoIds, utm, trainSet.trainInd, valSet.valInd', async () => {
    for (const name of ['act_v5.mat', 'act_v5z.mat', 'act_v73.mat']) {
      const v = await readMat(file(name));
      const what = (s: string) => `${name}: ${s}`;
      const ids = matStrings(v.panoIds!, what('panoIds'));
      expect(ids).toHaveLength(5);
      expect(ids[0]).toBe('-0cEvtfHHTDbA1ODBDHQtA');
      const utm = v.utm!;
      expect(utm.dims).toEqual([5, 2]);
      const u = matNumbers(utm, what('utm'));
      expect([u[0], u[5]]).toEqual([349125.25, 6086012.5]); // row 1: easting, northing (column-major)
      expect(Array.from(matNumbers(matField(v.trainSet!, 'trainInd', what('trainSet')), what('trainSet.trainInd')))).toEqual([1, 2, 4]);
      expect(Array.from(matNumbers(matField(v.valSet!, 'valInd', what('valSet')), what('valSet.valInd')))).toEqual([3, 5]);
      expect(Array.from(matNumbers(matField(v.testSet!, 'testInd', what('testSet')), what('testSet.testInd')))).toEqual([5]);
    }
  });

  it.skipIf(!fx.ok)('char matrices and cells of strings through matStrings', async () => {
    const v = await readMat(file('classes_v5.mat'));
    expect(matStrings(v.chars!, 'chars')).toEqual(['abc', 'DEF', 'g_ñ']);
    expect(matStrings(v.str!, 'str')).toEqual(['hello, world']);
    expect(matStrings(v.empty_str!, 'empty_str')).toEqual([]);
    expect(matStrings(v.cellstr_2x2!, 'cellstr_2x2')).toEqual(['r1c1', 'r2c1', 'r1c2', '']);
    await expectUserError(() => matStrings(v.nested!, 'classes_v5.mat: nested'), /cell array of strings[\s\S]*cell 2 of 4 is a 1x2 cell array/, 'classes_v5.mat: nested');
  });

  it.skipIf(!fx.ok)('options.variables reads only the named variables', async () => {
    for (const name of ['act_v5z.mat', 'act_v73.mat']) {
      const v = await readMat(file(name), { variables: ['utm', 'nope'] });
      expect(Object.keys(v)).toEqual(['utm']);
    }
    // a variable of an unsupported class does not matter when it is not asked for
    const ok = await readMat(file('sparse.mat'), { variables: ['ok'] });
    expect(Array.from(matNumbers(ok.ok!, 'ok'))).toEqual([1]);
  });

  it.skipIf(!fx.ok)('unsupported classes: sparse, object, function handle', async () => {
    await expectUserError(readMat(file('sparse.mat')), /variable sp[\s\S]*found: a 3x3 sparse matrix[\s\S]*full\(\)/, file('sparse.mat'));
    await expectUserError(readMat(file('object.mat')), /found: a MATLAB object of class 'MyClass'/, file('object.mat'));
    await expectUserError(readMat(file('funchandle.mat')), /variable fh[\s\S]*found: a function handle/, file('funchandle.mat'));
  });

  it.skipIf(!fx.ok)('broken files: random bytes, text, truncated (Level 5, compressed, v7.3)', async () => {
    await expectUserError(readMat(file('random.bin')), /a MATLAB \.mat file[\s\S]*no MAT-file header; the file starts with bytes [0-9a-f ]+/, file('random.bin'));
    await expectUserError(readMat(file('text.mat')), /no MAT-file header; the file starts with "panoIds,utm/, file('text.mat'));
    await expectUserError(readMat(file('truncated_v5.mat')), /a complete MAT-file[\s\S]*the file has 592 bytes[\s\S]*truncated or damaged/, file('truncated_v5.mat'));
    await expectUserError(readMat(file('truncated_v5z.mat')), /a complete MAT-file[\s\S]*truncated or damaged/, file('truncated_v5z.mat'));
    await expectUserError(readMat(file('truncated_v73.mat')), /v7\.3 MAT-file \(HDF5\)[\s\S]*found: HDF5: truncated file[\s\S]*truncated or damaged/, file('truncated_v73.mat'));
    // a v7.3 file cut inside its header or before its HDF5 superblock
    const v73 = readFileSync(file('act_v73.mat'));
    for (const n of [100, 300]) {
      const p = file(`cut${n}_v73.mat`);
      writeFileSync(p, v73.subarray(0, n));
      await expectUserError(readMat(p), /MAT-file[\s\S]*(cut after 100 bytes|no HDF5 superblock)/, p);
    }
  });

  it.skipIf(!fx.ok)('every prefix and random corruption of a Level 5 file: a CvglError or a correct subset, never anything else', async () => {
    const rng = new SeededRandom(11);
    for (const name of ['act_v5.mat', 'act_v5z.mat', 'classes_v5z.mat', 'hand_be.mat']) {
      const bytes = new Uint8Array(readFileSync(file(name)));
      const want = expected[name]!;
      const check = (b: Uint8Array, label: string, exact: boolean) => {
        let vars: Record<string, MatValue>;
        try {
          vars = readMatV5(label, b, () => true);
        } catch (e) {
          expect(e, `${label}: ${(e as Error).message}`).toBeInstanceOf(CvglError);
          expect((e as Error).message).toContain(label);
          return;
        }
        if (exact) for (const [k, v] of Object.entries(vars)) expect(plain(v), `${label} ${k}`).toEqual(want[k]);
      };
      for (let n = 128; n < bytes.length; n++) check(bytes.subarray(0, n), `${name}[:${n}]`, true);
      for (let t = 0; t < 300; t++) {
        const b = bytes.slice();
        const flips = 1 + rng.int(4);
        for (let i = 0; i < flips; i++) b[128 + rng.int(b.length - 128)] = rng.int(256);
        check(b, `${name}~${t}`, false);
      }
    }
  });
});

describe('readMat without fixtures', () => {
  it('missing files, directories, empty and short files', async () => {
    await expectUserError(readMat(join(DIR, 'missing.mat')), /readable MATLAB \.mat file[\s\S]*no such file/, 'missing.mat');
    await expectUserError(readMat(DIR), /found: a directory/, DIR);
    const empty = join(DIR, 'empty.mat');
    writeFileSync(empty, '');
    await expectUserError(readMat(empty), /found: an empty file/, empty);
    const short = join(DIR, 'short.mat');
    writeFileSync(short, 'MATLAB 5.0 MAT-file, Platform: GLNXA64');
    await expectUserError(readMat(short), /complete MAT-file header[\s\S]*cut after 38 bytes/, short);
  });

  it('a Level 5 header with an unknown version', async () => {
    const p = join(DIR, 'version.mat');
    const head = Buffer.alloc(128, 0x20);
    head.write('MATLAB 5.0 MAT-file', 0, 'latin1');
    head.writeUInt16LE(0x0300, 124);
    head.write('IM', 126, 'latin1');
    writeFileSync(p, head);
    await expectUserError(readMat(p), /found: version 0x0300/, p);
  });

  it('a header alone is a file without variables', async () => {
    const p = join(DIR, 'novars.mat');
    const head = Buffer.alloc(128, 0x20);
    head.write('MATLAB 5.0 MAT-file', 0, 'latin1');
    head.writeUInt16BE(0x0100, 124);
    head.write('MI', 126, 'latin1');
    writeFileSync(p, head);
    expect(await readMat(p)).toEqual({});
  });
});

describe('matStrings, matNumbers, matField', () => {
  const num = (data: number[], dims = [1, data.length]): Extract<MatValue, { kind: 'numeric' }> => ({ kind: 'numeric', class: 'double', dims, data: Float64Array.from(data) });
  const chr = (...rows: string[]): MatValue => ({ kind: 'char', dims: [rows.length, rows[0]?.length ?? 0], rows });
  const st: MatValue = { kind: 'struct', dims: [1, 1], fieldNames: ['trainInd'], elements: [{ trainInd: num([1, 2]) }] };

  it('take what they expect', () => {
    expect(matStrings({ kind: 'cell', dims: [1, 2], cells: [chr('a b'), chr('')] }, 'x')).toEqual(['a b', '']);
    expect(matStrings(chr('ab  ', 'abcd'), 'x')).toEqual(['ab', 'abcd']); // padding removed, as cellstr does
    expect(Array.from(matNumbers({ ...num([1, 0]), class: 'uint8', logical: true }, 'x'))).toEqual([1, 0]);
    expect(Array.from(matNumbers(matField(st, 'trainInd', 'ACT_data.mat: trainSet'), 'x'))).toEqual([1, 2]);
  });

  it('say what they expected and what they found', async () => {
    await expectUserError(() => matStrings(num([1]), 'ACT_data.mat: panoIds'), /ACT_data\.mat: panoIds: a cell array of strings[\s\S]*found: a 1x1 double array/);
    await expectUserError(() => matStrings({ kind: 'cell', dims: [1, 2], cells: [chr('a'), num([3])] }, 'ACT_data.mat: panoIds'), /cell 2 of 2 is a 1x1 double array/);
    await expectUserError(() => matStrings({ kind: 'cell', dims: [1, 1], cells: [chr('ab', 'cd')] }, 'p'), /cell 1 of 1 is a 2x2 char array/);
    await expectUserError(() => matNumbers(chr('abc'), 'ACT_data.mat: utm'), /ACT_data\.mat: utm: a real numeric array[\s\S]*found: a 1x3 char array/);
    await expectUserError(() => matNumbers({ ...num([1]), imag: Float64Array.of(2) }, 'u'), /found: a 1x1 double complex array/);
    await expectUserError(() => matField(st, 'valInd', 'ACT_data.mat: trainSet'), /ACT_data\.mat: trainSet: a struct with a field 'valInd'[\s\S]*found: fields trainInd/);
    await expectUserError(() => matField({ ...st, dims: [1, 2], elements: [{}, {}] }, 'trainInd', 'ACT_data.mat: trainSet'), /a 1x1 struct[\s\S]*found: a 1x2 struct/);
    await expectUserError(() => matField(num([1]), 'trainInd', 'ACT_data.mat: trainSet'), /found: a 1x1 double array/);
  });
});
