/**
 * VGG16 weight import/export (lib/models/weight_import.ts) and the safetensors reader/writer
 * (lib/models/safetensors.ts).
 *
 * Parity: test/reference/vgg16_torch.py (Debian's torch + torchvision under /usr/bin/python3, or
 * CVGL_PYTHON) writes torchvision VGG16 `features` weights (seeded, random biases) as safetensors
 * and its outputs on a fixed 1x3x32x48 input at pool5, conv5_3 and pool4; we load the file into
 * `Vgg16` at each cut and compare on the cpu and wasm backends, max |ours − torch| / max |torch|
 * < 1e-4. The rest (round trip, timm names, tfjs Layers model.json with Keras names, errors) uses
 * small files the tests write themselves.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CvglError, Rng, tf } from '../../lib/engine/index.js';
import { initEngine, type BackendName } from '../../lib/engine/init.js';
import { Vgg16, type Vgg16Cut, type Vgg16Options } from '../../lib/models/vgg16.js';
import { encodeSafetensors, readSafetensors, writeSafetensors, type TensorToWrite } from '../../lib/models/safetensors.js';
import { exportVgg16Safetensors, loadVgg16Weights } from '../../lib/models/weight_import.js';
import { requireInCi } from '../ci_requirements.js';
import { findPython } from '../reference_python.js';

const SCRIPT = fileURLToPath(new URL('../reference/vgg16_torch.py', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cvgl-weights-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
/** A Vgg16 with a unique variable prefix (tfjs variable names are global). */
function vgg(opts: Vgg16Options = {}, seed = 1): Vgg16 {
  return new Vgg16({ name: `w${count++}`, rng: new Rng(seed), ...opts });
}

function f32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function values(v: tf.Variable): Float32Array {
  return v.dataSync() as Float32Array;
}

async function cvglError(p: Promise<unknown>): Promise<CvglError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CvglError);
    return e as CvglError;
  }
  throw new Error('expected a CvglError, nothing was thrown');
}

/** Tensors of `file` as a Map we can edit and write again. */
async function tensorsOf(file: string): Promise<Map<string, TensorToWrite>> {
  return new Map([...(await readSafetensors(file)).entries()].map(([k, t]) => [k, { shape: t.shape, data: t.data }]));
}

const findTorch = () => findPython(['torch', 'torchvision']);

// ---------------------------------------------------------------------------------------------

describe('safetensors', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'cpu' });
  });

  it('writes F32 and reads it back, with metadata, in insertion order', async () => {
    const p = join(dir, 'rt.safetensors');
    const a = Float32Array.from([1, -2.5, 3e-8, 1e30, -0, 7]);
    await writeSafetensors(p, { b: { shape: [2, 3], data: a }, a: { shape: [1], data: [0.5] }, empty: { shape: [0, 4], data: [] } }, { note: 'hi' });
    const raw = readFileSync(p);
    const n = Number(raw.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0); // header padded so the data starts 8-aligned
    const h = JSON.parse(raw.subarray(8, 8 + n).toString());
    expect(h.b).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    const m = await readSafetensors(p);
    expect([...m.keys()]).toEqual(['b', 'a', 'empty']);
    expect(m.metadata).toEqual({ note: 'hi' });
    expect(m.get('b')).toEqual({ dtype: 'F32', shape: [2, 3], data: a });
    expect(m.get('empty')!.shape).toEqual([0, 4]);
    expect(m.get('a')!.data).toEqual(Float32Array.from([0.5]));
  });

  it('reads F16, BF16 and F64 as float32', async () => {
    const p = join(dir, 'dtypes.safetensors');
    // F16: 1, -2, 0.5 (subnormal 2^-24 too); BF16: 1, -3.5; F64: 0.1, 1e300 (-> Infinity in f32)
    const f16 = Buffer.alloc(8);
    [0x3c00, 0xc000, 0x3800, 0x0001].forEach((v, i) => f16.writeUInt16LE(v, 2 * i));
    const bf16 = Buffer.alloc(4);
    [0x3f80, 0xc060].forEach((v, i) => bf16.writeUInt16LE(v, 2 * i));
    const f64 = Buffer.alloc(16);
    f64.writeDoubleLE(0.1, 0);
    f64.writeDoubleLE(1e300, 8);
    const header = Buffer.from(
      JSON.stringify({
        __metadata__: { format: 'pt' },
        h: { dtype: 'F16', shape: [2, 2], data_offsets: [0, 8] },
        b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
        d: { dtype: 'F64', shape: [2], data_offsets: [12, 28] },
      }),
    );
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    writeFileSync(p, Buffer.concat([len, header, f16, bf16, f64]));
    const m = await readSafetensors(p);
    expect(m.get('h')).toEqual({ dtype: 'F16', shape: [2, 2], data: Float32Array.from([1, -2, 0.5, 2 ** -24]) });
    expect(m.get('b')!.data).toEqual(Float32Array.from([1, -3.5]));
    expect(m.get('d')!.data).toEqual(Float32Array.from([0.1, Infinity]));
  });

  it('rejects truncated files, headers out of range, short and overlapping offsets, naming the file', async () => {
    const good = encodeSafetensors({ x: { shape: [4], data: [1, 2, 3, 4] }, y: { shape: [2], data: [5, 6] } });
    const n = Number(good.readBigUInt64LE(0));
    const header = JSON.parse(good.subarray(8, 8 + n).toString());
    const withHeader = (h: object) => {
      const j = Buffer.from(JSON.stringify(h));
      const l = Buffer.alloc(8);
      l.writeBigUInt64LE(BigInt(j.length));
      return Buffer.concat([l, j, good.subarray(8 + n)]);
    };
    const cases: [string, Buffer, RegExp][] = [
      ['tiny', good.subarray(0, 5), /fewer than the 8/],
      ['cut-data', good.subarray(0, good.length - 4), /past the end of the data/],
      ['cut-header', good.subarray(0, 8 + n - 3), /header out of range/],
      ['short', withHeader({ ...header, y: { dtype: 'F32', shape: [3], data_offsets: [16, 24] } }), /'y'.*hold 8 bytes.*needs 12/],
      ['overlap', withHeader({ ...header, y: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }), /'y'.*overlaps 'x'/],
      ['not-json', Buffer.concat([good.subarray(0, 8), Buffer.from('{"x": [oops'.padEnd(n, ' ')), good.subarray(8 + n)]), /not JSON/],
      ['bad-dtype', withHeader({ ...header, y: { dtype: 'F12', shape: [2], data_offsets: [16, 24] } }), /unknown dtype "F12"/],
    ];
    for (const [name, bytes, re] of cases) {
      const p = join(dir, `bad-${name}.safetensors`);
      writeFileSync(p, bytes);
      const e = await cvglError(readSafetensors(p));
      expect(e.message, name).toMatch(re);
      expect(e.message, name).toContain(p);
    }
    const e = await cvglError(readSafetensors(join(dir, 'does-not-exist.safetensors')));
    expect(e.found).toMatch(/ENOENT/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('VGG16 from torchvision weights matches torchvision', () => {
  const torch = findTorch();
  requireInCi("Debian's python3-torch + python3-torchvision (VGG16 reference)", torch.python != null, 'reason' in torch ? torch.reason : undefined);
  const ref = join(dir, 'torch');
  let shapes: Record<string, number[]> = {};
  let input: tf.Tensor4D | null = null;

  beforeAll(() => {
    if (!torch.python) return;
    const r = spawnSync(torch.python, [SCRIPT, ref], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`vgg16_torch.py failed (exit ${r.status}): ${r.stderr}`);
    shapes = JSON.parse(r.stdout.trim().split('\n').pop()!);
  });

  for (const backend of ['cpu', 'wasm'] as BackendName[]) {
    describe.skipIf(!torch.python)(backend, () => {
      beforeAll(async () => {
        await initEngine({ backend });
        input?.dispose();
        const [n, c, h, w] = shapes.input as [number, number, number, number];
        input = tf.tidy(() => tf.transpose(tf.tensor4d(f32(join(ref, 'input.f32')), [n, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D);
      });
      afterAll(() => {
        input?.dispose();
        input = null;
      });

      it.each(['pool5', 'conv5_3', 'pool4'] as Vgg16Cut[])('cut %s', async (cut) => {
        const m = vgg({ cut }, 99);
        const before = tf.memory().numTensors;
        const rep = await loadVgg16Weights(m, join(ref, 'vgg16_features.safetensors'));
        expect(tf.memory().numTensors).toBe(before);
        expect(rep).toMatchObject({ format: 'safetensors', naming: 'torchvision', prefix: '' });
        if (cut === 'pool4') {
          expect(rep.loaded).toHaveLength(20);
          expect(rep.ignored).toEqual(['24', '26', '28'].flatMap((i) => [`features.${i}.weight`, `features.${i}.bias`]));
          expect(rep.notes.join('\n')).toMatch(/6 tensors of layers beyond the cut 'pool4'/);
        } else {
          expect(rep.loaded).toHaveLength(26);
          expect(rep.ignored).toEqual([]);
        }
        const y = m.apply(input!);
        const [n, c, h, w] = shapes[cut] as [number, number, number, number];
        expect(y.shape).toEqual([n, h, w, c]);
        const want = tf.tidy(() => tf.transpose(tf.tensor4d(f32(join(ref, `${cut}.f32`)), [n, c, h, w]), [0, 2, 3, 1]));
        const scale = tf.tidy(() => tf.max(tf.abs(want)).dataSync()[0]!);
        const err = tf.tidy(() => tf.max(tf.abs(tf.sub(y, want))).dataSync()[0]!);
        tf.dispose([y, want]);
        m.dispose();
        if (process.env.CVGL_WEIGHT_DIFFS) console.log(`${backend} ${cut}: max err ${err}, scale ${scale}`);
        expect(scale).toBeGreaterThan(0);
        expect(err / scale, `${backend} ${cut}: max |ours - torch| = ${err}, max |torch| = ${scale}`).toBeLessThan(1e-4);
      });
    });
  }

  it.skipIf(!torch.python)('round-trips a full VGG16 through export (OIHW) bit for bit', async () => {
    const src = join(ref, 'vgg16_features.safetensors');
    const m = vgg({ cut: 'conv5_3' }, 5);
    await loadVgg16Weights(m, src);
    const out = join(dir, `full.safetensors`);
    await exportVgg16Safetensors(m, out);
    m.dispose();
    const a = await readSafetensors(src);
    const b = await readSafetensors(out);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [k, t] of a) expect(b.get(k)!.shape, k).toEqual(t.shape);
    for (const [k, t] of a) expect(Buffer.compare(Buffer.from(b.get(k)!.data.buffer), Buffer.from(t.data.buffer)), k).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------

describe('VGG16 weight files (small widths)', () => {
  const W = 8; // width divisor: 8..64 channels
  let source: Vgg16;
  let file: string;

  beforeAll(async () => {
    await initEngine({ backend: 'cpu' });
    source = vgg({ widthDivisor: W }, 3);
    // non-zero biases, so that a bias mix-up shows
    for (const c of source.convs) c.b.assign(tf.tidy(() => new Rng(c.index).normalTensor([c.cout], 0, 0.1)));
    file = join(dir, 'small.safetensors');
    await exportVgg16Safetensors(source, file);
  });
  afterAll(() => source.dispose());

  function expectSameWeights(a: Vgg16, b: Vgg16, tol = 0): void {
    const bv = b.namedVariables();
    for (const [k, v] of a.namedVariables()) {
      const x = values(v);
      const y = values(bv.get(k)!);
      expect(bv.get(k)!.shape, k).toEqual(v.shape);
      if (tol === 0) expect(y, k).toEqual(x);
      else for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!), `${k}[${i}]`).toBeLessThanOrEqual(tol);
    }
  }

  it('export writes torchvision names and OIHW shapes; import restores every variable exactly', async () => {
    const st = await readSafetensors(file);
    expect(st.get('features.0.weight')!.shape).toEqual([64 / W, 3, 3, 3]);
    expect(st.get('features.28.bias')!.shape).toEqual([512 / W]);
    expect(st.metadata).toMatchObject({ format: 'pt', cut: 'pool5', widthDivisor: String(W) });
    // OIHW[o][i][h][w] = HWIO[h][w][i][o]
    const w5 = st.get('features.5.weight')!;
    const hwio = source.namedVariables().get('features.5.weight')!.arraySync() as number[][][][];
    const [O, I] = w5.shape as [number, number];
    for (const [o, i, h, w] of [[0, 0, 0, 0], [O - 1, 2, 1, 2], [3, I - 1, 2, 0]] as const) {
      expect(w5.data[((o * I + i) * 3 + h) * 3 + w]).toBe(hwio[h]![w]![i]![o]);
    }
    const m = vgg({ widthDivisor: W }, 4);
    const rep = await loadVgg16Weights(m, file);
    expect(rep.ignored).toEqual([]);
    expectSameWeights(source, m);
    const x = new Rng(11).normalTensor([1, 32, 32, 3]) as tf.Tensor4D;
    const [ya, yb] = [source.apply(x), m.apply(x)];
    expect(yb.dataSync()).toEqual(ya.dataSync());
    tf.dispose([x, ya, yb]);
    m.dispose();
  });

  it('timm names (same features.*, pre_logits/head ignored), under a detected prefix', async () => {
    const t = await tensorsOf(file);
    const timm = new Map<string, TensorToWrite>();
    for (const [k, v] of t) timm.set(`model.${k}`, v);
    timm.set('model.pre_logits.fc1.weight', { shape: [16, 64, 7, 7], data: new Float32Array(16 * 64 * 49) });
    timm.set('model.pre_logits.fc1.bias', { shape: [16], data: new Float32Array(16) });
    timm.set('model.pre_logits.fc2.weight', { shape: [16, 16, 1, 1], data: new Float32Array(256) });
    timm.set('model.head.fc.weight', { shape: [10, 16], data: new Float32Array(160) });
    timm.set('model.head.fc.bias', { shape: [10], data: new Float32Array(10) });
    timm.set('step', { shape: [], data: [3] });
    const p = join(dir, 'timm.safetensors');
    await writeSafetensors(p, timm);
    const m = vgg({ widthDivisor: W, cut: 'conv4_3' }, 6);
    const rep = await loadVgg16Weights(m, p);
    expect(rep.naming).toBe('timm');
    expect(rep.prefix).toBe('model.');
    expect(rep.loaded[0]).toBe('model.features.0.weight');
    expect(rep.ignored).toContain('model.head.fc.bias');
    expect(rep.ignored).toContain('model.features.28.weight');
    expect(rep.notes.join('\n')).toMatch(/beyond the cut 'conv4_3'/);
    expect(rep.notes.join('\n')).toMatch(/5 tensors of the timm classifier head/);
    expect(rep.notes.join('\n')).toMatch(/1 other tensors.*step/);
    const want = source.namedVariables();
    for (const [k, v] of m.namedVariables()) expect(values(v), k).toEqual(values(want.get(k)!));
    m.dispose();
  });

  it('several VGGs in one file: asks for a prefix, loads the one named', async () => {
    const t = await tensorsOf(file);
    const two = new Map<string, TensorToWrite>();
    for (const [k, v] of t) two.set(`ground.${k}`, v);
    for (const [k, v] of t) two.set(`aerial.${k}`, { shape: v.shape, data: Float32Array.from(v.data, (x) => -x) });
    const p = join(dir, 'two.safetensors');
    await writeSafetensors(p, two);
    const m = vgg({ widthDivisor: W }, 6);
    const e = await cvglError(loadVgg16Weights(m, p));
    expect(e.found).toMatch(/'ground\.', 'aerial\.'/);
    const rep = await loadVgg16Weights(m, p, { prefix: 'aerial.' });
    expect(rep.ignored).toHaveLength(26);
    expect(values(m.namedVariables().get('features.2.bias')!)[1]).toBe(-values(source.namedVariables().get('features.2.bias')!)[1]!);
    m.dispose();
  });

  it('tfjs Layers model.json + shards with Keras names (float32, float16, uint8)', async () => {
    const tdir = join(dir, 'tfjs');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(tdir, { recursive: true });
    type Spec = { name: string; shape: number[]; dtype: string; quantization?: object };
    const groups: { paths: string[]; weights: Spec[] }[] = [];
    const expected = new Map<string, Float32Array>(); // our name -> the value the file means
    const f16 = (v: number): number => {
      // exact for the values used (k / 64, |k| < 1024)
      if (v === 0) return 0;
      const s = v < 0 ? 0x8000 : 0;
      const e = Math.floor(Math.log2(Math.abs(v)));
      return s | ((e + 15) << 10) | Math.round((Math.abs(v) / 2 ** e - 1) * 1024);
    };
    let chunks: Buffer[] = [];
    let specs: Spec[] = [];
    const flush = (shards: number) => {
      const all = Buffer.concat(chunks);
      const paths: string[] = [];
      const size = Math.ceil(all.length / shards);
      for (let i = 0; i < shards; i++) {
        const name = `group${groups.length + 1}-shard${i + 1}of${shards}.bin`;
        writeFileSync(join(tdir, name), all.subarray(i * size, (i + 1) * size));
        paths.push(name);
      }
      groups.push({ paths, weights: specs });
      chunks = [];
      specs = [];
    };
    for (const c of source.convs) {
      const [b, i] = /conv(\d)_(\d)/.exec(c.label)!.slice(1);
      const kernel = values(c.w);
      const bias = values(c.b);
      if (c.label === 'conv1_2') {
        // float16 kernel, values rounded to k/64
        const q = Float32Array.from(kernel, (x) => Math.round(x * 64) / 64);
        const buf = Buffer.alloc(q.length * 2);
        q.forEach((x, k) => buf.writeUInt16LE(f16(x), 2 * k));
        chunks.push(buf);
        specs.push({ name: `block${b}_conv${i}/kernel`, shape: c.w.shape, dtype: 'float32', quantization: { dtype: 'float16' } });
        expected.set(`features.${c.index}.weight`, q);
      } else if (c.label === 'conv2_1') {
        // uint8 affine kernel
        let lo = Infinity;
        let hi = -Infinity;
        for (const x of kernel) [lo, hi] = [Math.min(lo, x), Math.max(hi, x)];
        const scale = (hi - lo) / 255;
        const qs = Uint8Array.from(kernel, (x) => Math.round((x - lo) / scale));
        chunks.push(Buffer.from(qs));
        specs.push({ name: `block${b}_conv${i}/kernel`, shape: c.w.shape, dtype: 'float32', quantization: { dtype: 'uint8', scale, min: lo } });
        expected.set(`features.${c.index}.weight`, Float32Array.from(qs, (v) => v * scale + lo));
      } else {
        chunks.push(Buffer.from(kernel.slice().buffer));
        specs.push({ name: `block${b}_conv${i}/kernel`, shape: c.w.shape, dtype: 'float32' });
        expected.set(`features.${c.index}.weight`, kernel);
      }
      chunks.push(Buffer.from(bias.slice().buffer));
      specs.push({ name: `block${b}_conv${i}/bias`, shape: c.b.shape, dtype: 'float32' });
      expected.set(`features.${c.index}.bias`, bias);
      if (c.label === 'conv3_3') flush(3); // two groups, the first over three shards
    }
    chunks.push(Buffer.from(new Float32Array(8 * 4).buffer));
    specs.push({ name: 'fc1/kernel', shape: [8, 4], dtype: 'float32' });
    flush(2);
    const modelJson = join(tdir, 'model.json');
    writeFileSync(modelJson, JSON.stringify({ format: 'layers-model', generatedBy: 'test', modelTopology: {}, weightsManifest: groups }));

    const m = vgg({ widthDivisor: W }, 8);
    const before = tf.memory().numTensors;
    const rep = await loadVgg16Weights(m, tdir); // the directory works as well as model.json
    expect(tf.memory().numTensors).toBe(before);
    expect(rep).toMatchObject({ format: 'tfjs-layers', naming: 'keras', prefix: '', ignored: ['fc1/kernel'] });
    expect(rep.loaded.slice(0, 2)).toEqual(['block1_conv1/kernel', 'block1_conv1/bias']);
    expect(rep.notes.join('\n')).toMatch(/BGR/);
    for (const [k, v] of m.namedVariables()) {
      const got = values(v);
      const want = expected.get(k)!;
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `${k}[${i}]`).toBeLessThan(1e-6);
    }
    expect(values(m.namedVariables().get('features.0.weight')!)).toEqual(values(source.convs[0]!.w));

    // reverseInputChannels: conv1_1 sees BGR -> RGB
    const r = vgg({ widthDivisor: W, cut: 'conv4_3' }, 8);
    const rep2 = await loadVgg16Weights(r, modelJson, { reverseInputChannels: true });
    expect(rep2.notes.join('\n')).toMatch(/beyond the cut 'conv4_3'.*block5_conv1\/kernel/);
    expect(rep2.notes.join('\n')).not.toMatch(/BGR/);
    const flipped = tf.tidy(() => tf.reverse(source.convs[0]!.w, 2).dataSync());
    expect(values(r.convs[0]!.w)).toEqual(flipped);
    m.dispose();
    r.dispose();

    // a missing shard
    rmSync(join(tdir, 'group2-shard2of2.bin'));
    const q = vgg({ widthDivisor: W }, 8);
    expect((await cvglError(loadVgg16Weights(q, modelJson))).found).toMatch(/group2-shard2of2\.bin/);
    q.dispose();
  });

  it('missing and mis-shaped tensors: one error naming each, nothing assigned', async () => {
    const t = await tensorsOf(file);
    t.delete('features.7.bias');
    t.delete('features.26.weight');
    t.set('features.10.weight', { shape: [32, 16, 3, 1], data: new Float32Array(32 * 16 * 3) });
    const p = join(dir, 'broken.safetensors');
    await writeSafetensors(p, t);
    const m = vgg({ widthDivisor: W }, 9);
    const w0 = values(m.convs[0]!.w).slice();
    const e = await cvglError(loadVgg16Weights(m, p));
    expect(e.found).toMatch(/^3 problems/);
    expect(e.found).toContain('features.7.bias: missing (expected shape [16])');
    expect(e.found).toContain('features.26.weight: missing (expected shape [64, 64, 3, 3])');
    expect(e.found).toContain('features.10.weight: expected shape [32, 16, 3, 3], found [32, 16, 3, 1]');
    expect(e.message).toContain(p);
    expect(values(m.convs[0]!.w)).toEqual(w0); // untouched
    // a model of other widths: every conv reported, the fix names widthDivisor
    const wide = vgg({ widthDivisor: 4, cut: 'pool4' }, 9);
    const e2 = await cvglError(loadVgg16Weights(wide, file));
    expect(e2.found).toMatch(/^20 problems/);
    expect(e2.found).toContain('features.0.weight: expected shape [16, 3, 3, 3], found [8, 3, 3, 3]');
    expect(e2.fix).toMatch(/widthDivisor/);
    // names it does not know: the error shows what the file holds
    const other = join(dir, 'other.safetensors');
    await writeSafetensors(other, { 'conv1.weight': { shape: [1], data: [1] } });
    const e3 = await cvglError(loadVgg16Weights(m, other));
    expect(e3.found).toMatch(/26 problems/);
    expect(e3.found).toMatch(/the file holds: conv1\.weight/);
    m.dispose();
    wide.dispose();
  });

  it('truncated safetensors, absent files, vgg16_bn, .pth and .h5 files are clear errors', async () => {
    const p = join(dir, 'truncated.safetensors');
    writeFileSync(p, readFileSync(file));
    truncateSync(p, readFileSync(file).length - 100);
    const m = vgg({ widthDivisor: W }, 10);
    const e = await cvglError(loadVgg16Weights(m, p));
    expect(e.message).toContain(p);
    expect(e.found).toMatch(/truncated/);
    const e2 = await cvglError(loadVgg16Weights(m, join(dir, 'nope', 'vgg16.safetensors')));
    expect(e2.found).toMatch(/ENOENT/);
    const bn = await tensorsOf(file);
    bn.set('features.1.running_mean', { shape: [8], data: new Float32Array(8) });
    const pb = join(dir, 'bn.safetensors');
    await writeSafetensors(pb, bn);
    expect((await cvglError(loadVgg16Weights(m, pb))).found).toMatch(/VGG16-BN/);
    // a .pth (zip) or Keras .h5 given where safetensors are expected
    const pth = join(dir, 'vgg16.pth');
    writeFileSync(pth, Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(100, 7)]));
    expect((await cvglError(loadVgg16Weights(m, pth))).found).toMatch(/PyTorch checkpoint/);
    const h5 = join(dir, 'vgg16.h5');
    writeFileSync(h5, Buffer.concat([Buffer.from('\x89HDF\r\n\x1a\n', 'latin1'), Buffer.alloc(100)]));
    expect((await cvglError(loadVgg16Weights(m, h5))).fix).toMatch(/tensorflowjs_converter/);
    m.dispose();
  });

  it('export with a prefix; Keras names in a safetensors file', async () => {
    const p = join(dir, 'prefixed.safetensors');
    const names = await exportVgg16Safetensors(source, p, { prefix: 'module.' });
    expect(names[0]).toBe('module.features.0.weight');
    const m = vgg({ widthDivisor: W }, 12);
    expect((await loadVgg16Weights(m, p)).prefix).toBe('module.');
    expectSameWeights(source, m);
    const k = new Map<string, TensorToWrite>();
    for (const c of source.convs) {
      const [b, i] = /conv(\d)_(\d)/.exec(c.label)!.slice(1);
      k.set(`vgg16/block${b}_conv${i}/kernel:0`, { shape: c.w.shape, data: values(c.w) });
      k.set(`vgg16/block${b}_conv${i}/bias:0`, { shape: c.b.shape, data: values(c.b) });
    }
    const pk = join(dir, 'keras.safetensors');
    await writeSafetensors(pk, k);
    const n = vgg({ widthDivisor: W }, 13);
    const rep = await loadVgg16Weights(n, pk);
    expect(rep).toMatchObject({ naming: 'keras', prefix: 'vgg16/', ignored: [] });
    expectSameWeights(source, n);
    m.dispose();
    n.dispose();
  });
});
