/**
 * The safetensors format, read and written here (no dependency): an 8-byte little-endian u64
 * header length N, N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, …,
 * "__metadata__"?: {string: string}}`, then the raw little-endian tensor bytes, offsets counted
 * from the end of the header.
 *
 * Reading converts F32, F16, BF16 and F64 to Float32Array; writing writes F32. `openSafetensors`
 * reads the header alone and each tensor on request, so a weight file's unused tensors (VGG16's
 * 400 MB classifier) are never read.
 */
import { open, writeFile, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { CvglError } from '../engine/errors.js';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64';

const BYTES: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, F8_E4M3: 1, F8_E5M2: 1,
  I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};
const READABLE: readonly string[] = ['F32', 'F16', 'BF16', 'F64'];

/** One tensor as read: its stored dtype, its shape, its values as float32. */
export interface SafeTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array;
}

/** A tensor to write (always written as F32). */
export interface TensorToWrite {
  shape: readonly number[];
  data: Float32Array | ArrayLike<number>;
}

/** Header entry of one tensor; `begin`/`end` are absolute file offsets. */
export interface SafetensorsEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** Tensors by name, in file order, plus the header's `__metadata__`. */
export class SafetensorsMap extends Map<string, SafeTensor> {
  metadata: Record<string, string> = {};
}

/** Header of an opened file; `read(name)` reads and converts one tensor. */
export interface SafetensorsReader {
  path: string;
  entries: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  read(name: string): Promise<SafeTensor>;
  close(): Promise<void>;
}

const LAYOUT = 'an 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}, then the tensor bytes';

/** The metadata key of a cvgl training checkpoint (lib/train/checkpoint.ts writes it). */
export const CHECKPOINT_META_KEY = 'cvgl.checkpoint';

/** The first few names and how many more. */
function summarise(names: string[], shown = 3): string {
  return names.slice(0, shown).map((n) => `'${n}'`).join(', ') + (names.length > shown ? ` and ${names.length - shown} more` : '');
}

function bad(path: string, found: string, fix = 'the file is damaged or not a safetensors file: write it again (safetensors.torch.save_file, or writeSafetensors)'): CvglError {
  return new CvglError(`a safetensors file at ${path} (${LAYOUT})`, found, fix);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Parses and checks the header; `fileSize` is the file's length in bytes. */
export function parseSafetensorsHeader(path: string, headerBytes: Buffer, fileSize: number): { entries: Map<string, SafetensorsEntry>; metadata: Record<string, string> } {
  let json: unknown;
  try {
    json = JSON.parse(headerBytes.toString('utf8'));
  } catch (e) {
    throw bad(path, `a header that is not JSON (${(e as Error).message})`);
  }
  if (json == null || typeof json !== 'object' || Array.isArray(json)) throw bad(path, `a header that is not a JSON object`);
  const dataStart = 8 + headerBytes.length;
  const dataSize = fileSize - dataStart;
  const entries = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  const problems: string[] = [];
  const pastEnd: string[] = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw == null || typeof raw !== 'object' || Array.isArray(raw)) problems.push(`__metadata__ is not an object`);
      else metadata = Object.fromEntries(Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (e == null || typeof e !== 'object') {
      problems.push(`'${name}': not an object`);
      continue;
    }
    const { dtype, shape, data_offsets: offs } = e;
    if (typeof dtype !== 'string' || !(dtype in BYTES)) {
      problems.push(`'${name}': unknown dtype ${JSON.stringify(dtype)}`);
      continue;
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) {
      problems.push(`'${name}': shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
      continue;
    }
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isCount) || (offs[0] as number) > (offs[1] as number)) {
      problems.push(`'${name}': data_offsets ${JSON.stringify(offs)} is not [begin, end] with begin <= end`);
      continue;
    }
    const [b, en] = offs as [number, number];
    const want = shape.reduce((n: number, d: number) => n * d, 1) * BYTES[dtype]!;
    if (en - b !== want) {
      problems.push(`'${name}': data_offsets [${b}, ${en}] hold ${en - b} bytes, its ${dtype} shape [${shape.join(', ')}] needs ${want}`);
      continue;
    }
    if (en > dataSize) {
      pastEnd.push(name);
      continue;
    }
    entries.set(name, { name, dtype, shape: shape.slice(), begin: dataStart + b, end: dataStart + en });
  }
  // no two tensors may share bytes
  const sorted = [...entries.values()].filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    const p = sorted[i - 1]!;
    const c = sorted[i]!;
    if (c.begin < p.end) {
      problems.push(`'${c.name}' (bytes ${c.begin - dataStart}..${c.end - dataStart}) overlaps '${p.name}' (bytes ${p.begin - dataStart}..${p.end - dataStart})`);
    }
  }
  // A cut-short file has most of its tensors past the end: a summary, not hundreds of names.
  if (pastEnd.length > 0) {
    const total = Object.keys(json as object).filter((k) => k !== '__metadata__').length;
    problems.unshift(`${pastEnd.length} of ${total} tensors reach past the end of the data (${dataSize} bytes): the file is truncated (cut short); ${summarise(pastEnd)}`);
  }
  if (problems.length > 0) {
    const found = problems.length > 3 ? `${problems.slice(0, 3).join('; ')}; and ${problems.length - 3} more problems` : problems.join('; ');
    // a training checkpoint is written by cvgl, so the torch advice for weight files does not fit it
    const fix = metadata[CHECKPOINT_META_KEY]
      ? `this cvgl checkpoint is incomplete (cut short while being copied or written): resume from the run's other checkpoint (checkpoints/best.safetensors or last.safetensors) or re-run the training`
      : undefined;
    throw bad(path, found, fix);
  }
  return { entries, metadata };
}

async function fileHandle(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (e) {
    throw new CvglError(`a safetensors file at ${path}`, `it cannot be opened (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'check the path (weights are never downloaded: place the file there yourself)');
  }
}

async function readExactly(fh: FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** Weight files people mistake for safetensors, told apart by their first bytes. */
function otherFormat(head: Buffer): { found: string; fix: string } | null {
  if (head.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1')) || (head[0] === 0x80 && head[1]! >= 2 && head[1]! <= 5)) {
    return {
      found: 'a PyTorch checkpoint (.pth/.pt: a zip or pickle, which this library does not unpickle)',
      fix: 'convert it once to safetensors with Python (README, "Pretrained VGG16 weights"): torch.load, keep the tensors, save them as safetensors',
    };
  }
  if (head.subarray(0, 4).equals(Buffer.from('\x89HDF', 'latin1'))) {
    return { found: 'an HDF5 file (a Keras .h5)', fix: 'convert it with tensorflowjs_converter (--input_format keras) and load the model.json it writes' };
  }
  return null;
}

const LE = endianness() === 'LE';

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

let HALF_TABLE: Float32Array | null = null;
/** float16 bits -> float32 value, by table (65536 entries, built once). */
export function float16ToFloat32(bits: Uint16Array | ArrayLike<number>): Float32Array {
  if (!HALF_TABLE) {
    HALF_TABLE = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) HALF_TABLE[i] = halfToFloat(i);
  }
  const t = HALF_TABLE;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = t[bits[i]!]!;
  return out;
}

/** Converts little-endian bytes of a readable dtype to float32. */
function toFloat32(bytes: Buffer, dtype: SafetensorsDtype): Float32Array {
  const n = bytes.length / BYTES[dtype]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': {
      if (LE) {
        const out = new Float32Array(n);
        new Uint8Array(out.buffer).set(bytes);
        return out;
      }
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true);
      return out;
    }
    case 'F16': {
      const u = new Uint16Array(n);
      for (let i = 0; i < n; i++) u[i] = dv.getUint16(2 * i, true);
      return float16ToFloat32(u);
    }
    case 'BF16': {
      const u = new Uint32Array(n);
      for (let i = 0; i < n; i++) u[i] = dv.getUint16(2 * i, true) << 16;
      return new Float32Array(u.buffer);
    }
  }
}

/** Opens a safetensors file and checks its header; tensors are read by `read(name)`. */
export async function openSafetensors(path: string): Promise<SafetensorsReader> {
  const fh = await fileHandle(path);
  try {
    const size = (await fh.stat()).size;
    if (size < 8) throw bad(path, `${size} bytes, fewer than the 8 of the header length (the file is truncated)`);
    const lenBuf = await readExactly(fh, 8, 0);
    const n = lenBuf.readBigUInt64LE(0);
    // only a length that cannot be right makes us look for another format
    const other = n > BigInt(size - 8) || n === 0n ? otherFormat(lenBuf) : null;
    if (other) throw bad(path, other.found, other.fix);
    if (n > BigInt(size - 8)) throw bad(path, `a header length of ${n} bytes, but only ${size - 8} bytes follow the length (header out of range; the file is truncated?)`);
    if (n === 0n) throw bad(path, `a header length of 0`);
    const header = await readExactly(fh, Number(n), 8);
    const { entries, metadata } = parseSafetensorsHeader(path, header, size);
    return {
      path,
      entries,
      metadata,
      async read(name: string): Promise<SafeTensor> {
        const e = entries.get(name);
        if (!e) throw new CvglError(`a tensor '${name}' in ${path}`, `none; the file holds ${entries.size ? `${entries.size} tensors: ${summarise([...entries.keys()], 5)}` : 'no tensors'}`, 'check the tensor name');
        if (!READABLE.includes(e.dtype)) {
          throw new CvglError(`tensor '${name}' in ${path} of dtype F32, F16, BF16 or F64`, `dtype ${e.dtype}`, 'convert the file to floating point (e.g. tensor.float() before saving)');
        }
        const bytes = await readExactly(fh, e.end - e.begin, e.begin);
        if (bytes.length !== e.end - e.begin) throw bad(path, `'${name}' ends at byte ${e.end} past the end of the file (truncated while reading?)`);
        return { dtype: e.dtype as SafetensorsDtype, shape: e.shape.slice(), data: toFloat32(bytes, e.dtype as SafetensorsDtype) };
      },
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** Reads every tensor of a safetensors file (F32/F16/BF16/F64, converted to float32). */
export async function readSafetensors(path: string): Promise<SafetensorsMap> {
  const r = await openSafetensors(path);
  try {
    const out = new SafetensorsMap();
    out.metadata = r.metadata;
    for (const name of r.entries.keys()) out.set(name, await r.read(name));
    return out;
  } finally {
    await r.close();
  }
}

/** The bytes of a safetensors file holding `tensors` as F32 (header padded to 8 bytes). */
export function encodeSafetensors(
  tensors: Map<string, TensorToWrite> | Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): Buffer {
  const list = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, String(v)]));
  let offset = 0;
  for (const [name, t] of list) {
    if (name === '__metadata__') throw new CvglError('tensor names other than __metadata__', `a tensor named __metadata__`, 'rename the tensor');
    const numel = t.shape.reduce((n, d) => n * d, 1);
    if (!t.shape.every(isCount) || numel !== t.data.length) {
      throw new CvglError(`tensor '${name}' whose shape [${t.shape.join(', ')}] holds ${numel} values`, `${t.data.length} values`, 'pass the data and shape of one tensor together');
    }
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * numel] };
    offset += 4 * numel;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  let at = 8 + json.length;
  for (const [, t] of list) {
    const f = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
    if (LE) Buffer.from(f.buffer, f.byteOffset, f.byteLength).copy(out, at);
    else for (let i = 0; i < f.length; i++) out.writeFloatLE(f[i]!, at + 4 * i);
    at += f.byteLength;
  }
  return out;
}

/** Writes `tensors` as an F32 safetensors file (insertion order), with optional `__metadata__`. */
export async function writeSafetensors(
  path: string,
  tensors: Map<string, TensorToWrite> | Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFile(path, encodeSafetensors(tensors, metadata));
}
