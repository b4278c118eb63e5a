/**
 * VGG16 weights in and out of a `Vgg16` (thesis 003, appendix 6.1: ImageNet-initialised VGG16
 * `features`), from local files only (nothing is ever downloaded):
 *
 *  - `.safetensors` with torchvision names `features.{0,2,5,…,28}.{weight,bias}`, filters OIHW
 *    (transposed to our HWIO). timm's `vgg16` uses the same `features.*` names; it differs only
 *    in its head (`pre_logits.fc1/fc2.*`, `head.fc.*` instead of torchvision's
 *    `classifier.{0,3,6}.*`), which is ignored like torchvision's classifier. A common prefix
 *    (`module.`, `model.`, `backbone.`, our own `vgg16/`) is detected, or given.
 *  - a TensorFlow.js Layers `model.json` + binary shards (the output of `tensorflowjs_converter`
 *    on Keras' VGG16), Keras names `block{B}_conv{I}/kernel` (HWIO already) and `/bias`; float32
 *    entries and float16 / uint8 / uint16 quantized ones. Keras names in a `.safetensors` work too.
 *
 * Every problem (missing tensor, wrong shape, unreadable dtype) is gathered into one CvglError;
 * nothing is assigned unless every tensor the model needs is present and well shaped. Tensors
 * for layers beyond the model's cut, and heads, are ignored and reported.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { float16ToFloat32, openSafetensors, writeSafetensors, type TensorToWrite } from './safetensors.js';
import { vgg16Layers, type Vgg16 } from './vgg16.js';

export type Vgg16Naming = 'torchvision' | 'timm' | 'keras';

export interface Vgg16ImportOptions {
  /**
   * Text before the standard names in the file (`module.`, `model.`, `vgg16/`, …). Default:
   * detected from the name of the first convolution; give it when a file holds several VGGs.
   */
  prefix?: string;
  /** Which names to look for (default 'auto': torchvision/timm `features.N.*`, else Keras). */
  naming?: Vgg16Naming | 'auto';
  /**
   * Reverse conv1_1's input channels. Keras' (Caffe's) ImageNet VGG16 expects BGR input;
   * true makes the loaded model take RGB. Default false.
   */
  reverseInputChannels?: boolean;
}

export interface Vgg16ImportReport {
  /** The file read and its container format. */
  path: string;
  format: 'safetensors' | 'tfjs-layers';
  naming: Vgg16Naming;
  prefix: string;
  /** Names in the file that were loaded, in layer order. */
  loaded: string[];
  /** Names in the file that were not loaded (beyond the cut, classifier heads, anything else). */
  ignored: string[];
  /** What was ignored and why, in words. */
  notes: string[];
}

/** What a weight container offers: its names, the stored shape of each, and the values. */
interface WeightSource {
  path: string;
  format: Vgg16ImportReport['format'];
  names: string[];
  shape(name: string): number[];
  /** Why `read(name)` would fail (an unreadable dtype), or null. */
  unreadable(name: string): string | null;
  read(name: string): Promise<Float32Array>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// sources

async function safetensorsSource(path: string): Promise<WeightSource> {
  const r = await openSafetensors(path);
  return {
    path,
    format: 'safetensors',
    names: [...r.entries.keys()],
    shape: (n) => r.entries.get(n)!.shape,
    unreadable: (n) => (['F32', 'F16', 'BF16', 'F64'].includes(r.entries.get(n)!.dtype) ? null : `dtype ${r.entries.get(n)!.dtype} (F32, F16, BF16 or F64 expected)`),
    read: async (n) => (await r.read(n)).data,
    close: () => r.close(),
  };
}

interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}
interface TfjsGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

const TFJS_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

function tfjsError(path: string, found: string, fix = 'give the model.json that tensorflowjs_converter wrote (Layers format), with its shard files beside it'): CvglError {
  return new CvglError(`a TensorFlow.js Layers model.json at ${path} with a weightsManifest [{paths, weights: [{name, shape, dtype}]}]`, found, fix);
}

async function tfjsSource(path: string): Promise<WeightSource> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw tfjsError(path, (e as NodeJS.ErrnoException).code ? `it cannot be read (${(e as NodeJS.ErrnoException).code})` : `text that is not JSON (${(e as Error).message})`);
  }
  const obj = json as { format?: unknown; weightsManifest?: unknown };
  if (obj && typeof obj === 'object' && obj.format === 'graph-model') {
    throw tfjsError(path, 'a graph model (format "graph-model"), whose weights carry op names instead of layer names', 'convert the Keras model with `tensorflowjs_converter --input_format keras --output_format tfjs_layers_model`');
  }
  const manifest = Array.isArray(json) ? json : obj?.weightsManifest;
  if (!Array.isArray(manifest)) throw tfjsError(path, 'no weightsManifest array');
  const dir = dirname(path);
  type Loc = { spec: TfjsWeightSpec; group: number; begin: number; end: number };
  const locs = new Map<string, Loc>();
  const groups: { files: string[]; sizes: number[] | null }[] = [];
  for (const [gi, g] of (manifest as TfjsGroup[]).entries()) {
    if (!g || !Array.isArray(g.paths) || !Array.isArray(g.weights)) throw tfjsError(path, `weightsManifest[${gi}] without paths and weights arrays`);
    groups.push({ files: g.paths.map((p) => join(dir, p)), sizes: null });
    let offset = 0;
    for (const w of g.weights) {
      if (!w || typeof w.name !== 'string' || !Array.isArray(w.shape) || typeof w.dtype !== 'string') {
        throw tfjsError(path, `weightsManifest[${gi}] holds an entry without name, shape and dtype: ${JSON.stringify(w).slice(0, 200)}`);
      }
      const stored = w.quantization?.dtype ?? w.dtype;
      const per = TFJS_BYTES[stored];
      if (per == null) {
        // strings have per-value lengths: nothing after them can be located
        throw tfjsError(path, `weight '${w.name}' of dtype ${stored}, whose byte length this reader cannot compute`, 'convert the model without string weights');
      }
      const bytes = w.shape.reduce((n: number, d: number) => n * d, 1) * per;
      locs.set(w.name, { spec: w, group: gi, begin: offset, end: offset + bytes });
      offset += bytes;
    }
  }
  const handles = new Map<string, Awaited<ReturnType<typeof open>>>();
  const sizesOf = async (gi: number): Promise<number[]> => {
    const g = groups[gi]!;
    if (!g.sizes) {
      g.sizes = [];
      for (const f of g.files) {
        try {
          g.sizes.push((await stat(f)).size);
        } catch (e) {
          throw tfjsError(path, `its shard ${f} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'keep the shard files (group1-shard1ofN.bin, …) in the directory of model.json');
        }
      }
    }
    return g.sizes;
  };
  /** Bytes [begin, end) of group `gi`'s shards taken as one buffer. */
  const readRange = async (gi: number, begin: number, end: number, name: string): Promise<Buffer> => {
    const sizes = await sizesOf(gi);
    const out = Buffer.alloc(end - begin);
    let fileStart = 0;
    let got = 0;
    for (const [k, size] of sizes.entries()) {
      const a = Math.max(begin, fileStart);
      const b = Math.min(end, fileStart + size);
      if (a < b) {
        const f = groups[gi]!.files[k]!;
        let h = handles.get(f);
        if (!h) handles.set(f, (h = await open(f, 'r')));
        const { bytesRead } = await h.read(out, a - begin, b - a, a - fileStart);
        got += bytesRead;
      }
      fileStart += size;
    }
    if (got !== end - begin) {
      throw tfjsError(path, `weight '${name}' needs bytes ${begin}..${end} of weight group ${gi}, whose shards hold ${fileStart} bytes (a shard is missing or truncated)`);
    }
    return out;
  };
  return {
    path,
    format: 'tfjs-layers',
    names: [...locs.keys()],
    shape: (n) => locs.get(n)!.spec.shape,
    unreadable: (n) => {
      const s = locs.get(n)!.spec;
      if (s.dtype !== 'float32') return `dtype ${s.dtype} (float32 expected)`;
      const q = s.quantization?.dtype;
      if (q != null && !['float16', 'uint8', 'uint16'].includes(q)) return `quantization ${q} (float16, uint8 or uint16 expected)`;
      return null;
    },
    read: async (n) => {
      const { spec, group, begin, end } = locs.get(n)!;
      const buf = await readRange(group, begin, end, n);
      const q = spec.quantization;
      const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      if (!q) {
        const out = new Float32Array(buf.length / 4);
        for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(4 * i, true);
        return out;
      }
      if (q.dtype === 'float16') {
        const u = new Uint16Array(buf.length / 2);
        for (let i = 0; i < u.length; i++) u[i] = dv.getUint16(2 * i, true);
        return float16ToFloat32(u);
      }
      // affine uint8/uint16: value = q * scale + min
      const scale = q.scale ?? 1;
      const min = q.min ?? 0;
      const n8 = q.dtype === 'uint8';
      const out = new Float32Array(buf.length / (n8 ? 1 : 2));
      for (let i = 0; i < out.length; i++) out[i] = (n8 ? dv.getUint8(i) : dv.getUint16(2 * i, true)) * scale + min;
      return out;
    },
    close: async () => {
      for (const h of handles.values()) await h.close();
    },
  };
}

async function openSource(path: string): Promise<WeightSource> {
  let p = resolve(path);
  let st;
  try {
    st = await stat(p);
  } catch (e) {
    throw new CvglError(
      `a VGG16 weight file at ${path} (.safetensors, or a tfjs model.json with its shards)`,
      `nothing there (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      'check the path; weights are never downloaded, place the file there yourself (see the README, "Pretrained VGG16 weights")',
    );
  }
  if (st.isDirectory()) p = join(p, 'model.json');
  if (p.toLowerCase().endsWith('.json')) return tfjsSource(p);
  return safetensorsSource(p);
}

// ---------------------------------------------------------------------------------------------
// names

interface Wanted {
  /** Our name (`features.N.weight`), from Vgg16.namedVariables(). */
  ours: string;
  /** The name in the file, prefix included. */
  file: string;
  /** The shape stored in the file, as it should be. */
  fileShape: number[];
  /** Stored as OIHW (torch), to be transposed to HWIO. */
  perm: boolean;
  isConv1Weight: boolean;
}

const TORCH_RE = /^(.*?)features\.(\d+)\.(weight|bias)$/;
const keras = (label: string, what: 'kernel' | 'bias') => {
  const [, b, i] = /^conv(\d)_(\d)$/.exec(label)!;
  return `block${b}_conv${i}/${what}`;
};
const KERAS_RE = /^(.*?)block(\d)_conv(\d)\/(kernel|bias)(?::0)?$/;

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** The prefixes before `features.0.weight` / `block1_conv1/kernel` found among `names`. */
function prefixesOf(names: string[], naming: 'torch' | 'keras'): string[] {
  const out: string[] = [];
  for (const n of names) {
    if (naming === 'torch') {
      const m = TORCH_RE.exec(n);
      if (m && m[2] === '0' && m[3] === 'weight') out.push(m[1]!);
    } else {
      const m = KERAS_RE.exec(n);
      if (m && m[2] === '1' && m[3] === '1' && m[4] === 'kernel') out.push(m[1]!);
    }
  }
  return uniq(out);
}

function sample(names: string[], k = 12): string {
  return names.length <= k ? names.join(', ') : `${names.slice(0, k).join(', ')}, … (${names.length} in all)`;
}

function shapeText(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

// ---------------------------------------------------------------------------------------------
// layouts (plain loops: a tf.transpose of VGG16's 14.7 M weights takes seconds on the cpu backend)

/** torch's [O, I, H, W] -> our [H, W, I, O]. */
export function oihwToHwio(src: Float32Array, [O, I, H, W]: readonly [number, number, number, number]): Float32Array {
  const out = new Float32Array(src.length);
  let k = 0;
  for (let o = 0; o < O; o++)
    for (let i = 0; i < I; i++)
      for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) out[((h * W + w) * I + i) * O + o] = src[k++]!;
  return out;
}

/** our [H, W, I, O] -> torch's [O, I, H, W]. */
export function hwioToOihw(src: Float32Array, [H, W, I, O]: readonly [number, number, number, number]): Float32Array {
  const out = new Float32Array(src.length);
  let k = 0;
  for (let h = 0; h < H; h++)
    for (let w = 0; w < W; w++)
      for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) out[((o * I + i) * H + h) * W + w] = src[k++]!;
  return out;
}

/** Reverses axis 2 (input channels) of an HWIO filter: BGR <-> RGB for a first convolution. */
function reverseInputChannels(src: Float32Array, [H, W, I, O]: readonly [number, number, number, number]): Float32Array {
  const out = new Float32Array(src.length);
  for (let hw = 0; hw < H * W; hw++)
    for (let i = 0; i < I; i++) out.set(src.subarray((hw * I + i) * O, (hw * I + i + 1) * O), (hw * I + (I - 1 - i)) * O);
  return out;
}

// ---------------------------------------------------------------------------------------------
// import

/**
 * Loads ImageNet (or any) VGG16 weights into `vgg` from a local `.safetensors` file
 * (torchvision or timm names) or a tfjs Layers `model.json` + shards (Keras names). Layers
 * beyond `vgg.cut` are ignored; a `widthDivisor` model needs a file of its own widths.
 * Throws one CvglError listing every missing or mis-shaped tensor; assigns nothing then.
 */
export async function loadVgg16Weights(vgg: Vgg16, path: string, opts: Vgg16ImportOptions = {}): Promise<Vgg16ImportReport> {
  const src = await openSource(path);
  try {
    return await loadFrom(vgg, src, opts);
  } finally {
    await src.close();
  }
}

async function loadFrom(vgg: Vgg16, src: WeightSource, opts: Vgg16ImportOptions): Promise<Vgg16ImportReport> {
  const names = src.names;
  const vars = vgg.namedVariables();
  const expectedWhat = `VGG16 weights for ${vgg.name} (cut ${vgg.cut}, width divisor ${vgg.widthDivisor}) in ${src.path}`;

  // which naming, which prefix
  let style: 'torch' | 'keras';
  if (opts.naming === 'keras') style = 'keras';
  else if (opts.naming === 'torchvision' || opts.naming === 'timm') style = 'torch';
  else style = prefixesOf(names, 'torch').length > 0 || prefixesOf(names, 'keras').length === 0 ? 'torch' : 'keras';
  let prefix = opts.prefix;
  if (prefix == null) {
    const found = prefixesOf(names, style);
    if (found.length > 1) {
      throw new CvglError(
        `one VGG16 in ${src.path}`,
        `${found.length}: the first convolution appears under the prefixes ${found.map((p) => `'${p}'`).join(', ')}`,
        `pass { prefix } naming the one to load, e.g. { prefix: '${found[0]}' }`,
      );
    }
    prefix = found[0] ?? '';
  }
  const bn = names.filter((n) => n.startsWith(prefix!) && /features\.\d+\.running_mean$/.test(n));
  if (style === 'torch' && bn.length > 0) {
    throw new CvglError(expectedWhat, `batch-norm statistics (${sample(bn, 3)}): this is VGG16-BN, whose layers Vgg16 (no batch norm) does not have`, 'use plain VGG16 weights (torchvision vgg16, timm vgg16.tv_in1k), not vgg16_bn');
  }
  const naming: Vgg16Naming =
    style === 'keras' ? 'keras' : opts.naming === 'timm' || opts.naming === 'torchvision' ? opts.naming : names.some((n) => n.startsWith(`${prefix}pre_logits.`) || n.startsWith(`${prefix}head.fc.`)) ? 'timm' : 'torchvision';

  // what the model needs, as the file should store it
  const wanted: Wanted[] = [];
  for (const c of vgg.convs) {
    const w = vars.get(`features.${c.index}.weight`)!;
    const b = vars.get(`features.${c.index}.bias`)!;
    if (style === 'torch') {
      wanted.push({ ours: `features.${c.index}.weight`, file: `${prefix}features.${c.index}.weight`, fileShape: [c.cout, c.cin, 3, 3], perm: true, isConv1Weight: c.index === 0 });
      wanted.push({ ours: `features.${c.index}.bias`, file: `${prefix}features.${c.index}.bias`, fileShape: [c.cout], perm: false, isConv1Weight: false });
    } else {
      const k = keras(c.label, 'kernel');
      const kb = keras(c.label, 'bias');
      const withColon = (n: string) => (names.includes(`${prefix}${n}`) || !names.includes(`${prefix}${n}:0`) ? `${prefix}${n}` : `${prefix}${n}:0`);
      wanted.push({ ours: `features.${c.index}.weight`, file: withColon(k), fileShape: w.shape.slice(), perm: false, isConv1Weight: c.index === 0 });
      wanted.push({ ours: `features.${c.index}.bias`, file: withColon(kb), fileShape: b.shape.slice(), perm: false, isConv1Weight: false });
    }
  }

  // check everything before assigning anything
  const have = new Set(names);
  const problems: string[] = [];
  for (const w of wanted) {
    if (!have.has(w.file)) {
      problems.push(`${w.file}: missing (expected shape ${shapeText(w.fileShape)})`);
      continue;
    }
    const s = src.shape(w.file);
    if (s.length !== w.fileShape.length || s.some((d, i) => d !== w.fileShape[i])) {
      problems.push(`${w.file}: expected shape ${shapeText(w.fileShape)}, found ${shapeText(s)}`);
      continue;
    }
    const why = src.unreadable(w.file);
    if (why) problems.push(`${w.file}: ${why}`);
  }
  if (problems.length > 0) {
    const allMissing = problems.every((p) => p.includes(': missing'));
    const layout = style === 'torch' ? 'OIHW weights [out, in, 3, 3] and biases [out]' : 'HWIO kernels [3, 3, in, out] and biases [out]';
    throw new CvglError(
      `${expectedWhat}: ${wanted.length} tensors with ${naming} names${prefix ? ` under the prefix '${prefix}'` : ''}, ${layout}`,
      `${problems.length} problem${problems.length === 1 ? '' : 's'}:\n    ${problems.join('\n    ')}${allMissing ? `\n  the file holds: ${sample(names)}` : ''}`,
      allMissing
        ? 'check the file (torchvision/timm `features.N.weight` or Keras `blockB_convI/kernel` names) and pass { prefix } or { naming } if it uses other ones'
        : `use weights of the same architecture: widths must match widthDivisor ${vgg.widthDivisor} (full ImageNet VGG16 needs widthDivisor 1)`,
    );
  }

  // read, then assign
  const values: Float32Array[] = [];
  for (const w of wanted) values.push(await src.read(w.file));
  for (const [k, w] of wanted.entries()) {
    const v = vars.get(w.ours)!;
    let data = values[k]!;
    if (w.perm) data = oihwToHwio(data, w.fileShape as [number, number, number, number]);
    if (w.isConv1Weight && opts.reverseInputChannels) data = reverseInputChannels(data, v.shape as [number, number, number, number]);
    tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32')));
  }

  // what was left out, and why
  const loaded = wanted.map((w) => w.file);
  const loadedSet = new Set(loaded);
  const ignored = names.filter((n) => !loadedSet.has(n));
  const notes: string[] = [];
  const beyond: string[] = [];
  const heads: string[] = [];
  const other: string[] = [];
  const lastIndex = vgg.convs[vgg.convs.length - 1]!.index;
  const labelsAll = vgg16Layers('pool5', vgg.widthDivisor);
  for (const n of ignored) {
    if (!n.startsWith(prefix)) {
      other.push(n);
      continue;
    }
    const rest = n.slice(prefix.length);
    const mt = /^features\.(\d+)\./.exec(rest);
    const mk = /^block(\d)_conv(\d)\//.exec(rest);
    if (style === 'torch' && mt && Number(mt[1]) > lastIndex) beyond.push(n);
    else if (style === 'keras' && mk && labelsAll.some((l) => l.label === `conv${mk[1]}_${mk[2]}` && l.index > lastIndex)) beyond.push(n);
    else if (/^(classifier\.|pre_logits\.|head\.|fc\d\/|predictions\/)/.test(rest)) heads.push(n);
    else other.push(n);
  }
  if (beyond.length) notes.push(`${beyond.length} tensors of layers beyond the cut '${vgg.cut}' were not loaded: ${sample(beyond, 6)}`);
  if (heads.length) notes.push(`${heads.length} tensors of the ${naming} classifier head were not loaded (Vgg16 is the feature extractor): ${sample(heads, 6)}`);
  if (other.length) notes.push(`${other.length} other tensors were not loaded: ${sample(other, 6)}`);
  if (style === 'keras' && !opts.reverseInputChannels) {
    notes.push("Keras' ImageNet VGG16 expects BGR input with Caffe preprocessing (0..255 minus the channel means); pass { reverseInputChannels: true } to feed RGB");
  }
  return { path: src.path, format: src.format, naming, prefix, loaded, ignored, notes };
}

// ---------------------------------------------------------------------------------------------
// export

export interface Vgg16ExportOptions {
  /** Put before every name (e.g. 'features.' users of `model.` wrappers need). Default ''. */
  prefix?: string;
  /** Extra `__metadata__` entries. */
  metadata?: Record<string, string>;
}

/**
 * Writes `vgg`'s weights as an F32 safetensors file with torchvision names
 * (`features.N.weight` OIHW, `features.N.bias`) that `torch.nn.Module.load_state_dict`
 * (via `safetensors.torch.load_file`) and `loadVgg16Weights` read. Returns the names written.
 */
export async function exportVgg16Safetensors(vgg: Vgg16, path: string, opts: Vgg16ExportOptions = {}): Promise<string[]> {
  const prefix = opts.prefix ?? '';
  const tensors = new Map<string, TensorToWrite>();
  for (const c of vgg.convs) {
    const [H, W, I, O] = c.w.shape as [number, number, number, number];
    tensors.set(`${prefix}features.${c.index}.weight`, { shape: [O, I, H, W], data: hwioToOihw(c.w.dataSync() as Float32Array, [H, W, I, O]) });
    tensors.set(`${prefix}features.${c.index}.bias`, { shape: c.b.shape, data: c.b.dataSync() as Float32Array });
  }
  await writeSafetensors(path, tensors, {
    format: 'pt',
    producer: 'cvgl',
    model: 'vgg16.features',
    cut: vgg.cut,
    widthDivisor: String(vgg.widthDivisor),
    ...opts.metadata,
  });
  return [...tensors.keys()];
}
