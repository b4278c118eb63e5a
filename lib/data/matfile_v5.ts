/**
 * MATLAB Level 5 MAT-files (MATLAB v6 / v7, scipy's savemat), parsed from bytes.
 *
 * Layout (MathWorks, "MAT-File Format", Level 5): a 128-byte header (116 bytes of text, the
 * subsystem offset, version 0x0100, and 'IM' or 'MI' giving the byte order), then data elements:
 * an 8-byte tag (type, byte count) and the data padded to 8 bytes, or a "small data element"
 * (type and count packed in 4 bytes, data in the next 4). Each variable is a miMATRIX, possibly
 * zlib-compressed inside a miCOMPRESSED element; a miMATRIX holds array flags (class, complex,
 * logical), dims, name, then the class's parts. Numbers may be stored in a type smaller than
 * their class (a double as miUINT8): they are converted.
 */
import { inflateSync } from 'node:zlib';
import { CvglError } from '../engine/errors.js';
import type { MatNumericClass, MatValue } from './matfile.js';

const miINT8 = 1, miUINT8 = 2, miINT16 = 3, miUINT16 = 4, miINT32 = 5, miUINT32 = 6, miSINGLE = 7;
const miDOUBLE = 9, miINT64 = 12, miUINT64 = 13, miMATRIX = 14, miCOMPRESSED = 15;
const miUTF8 = 16, miUTF16 = 17, miUTF32 = 18;

/** Bytes per value of the numeric storage types. */
const MI_SIZE: Record<number, number> = {
  [miINT8]: 1, [miUINT8]: 1, [miINT16]: 2, [miUINT16]: 2, [miINT32]: 4, [miUINT32]: 4,
  [miSINGLE]: 4, [miDOUBLE]: 8, [miINT64]: 8, [miUINT64]: 8,
};

const mxCELL = 1, mxSTRUCT = 2, mxOBJECT = 3, mxCHAR = 4, mxSPARSE = 5, mxFUNCTION = 16, mxOPAQUE = 17;
const MX_NUMERIC: Record<number, MatNumericClass> = {
  6: 'double', 7: 'single', 8: 'int8', 9: 'uint8', 10: 'int16', 11: 'uint16',
  12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64',
};

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const DAMAGED_FIX = 'the file is truncated or damaged: copy or download it again (compare its size with the original)';

/** A byte range being parsed: the file itself, or one decompressed miCOMPRESSED variable. */
interface Buf {
  bytes: Uint8Array;
  view: DataView;
  /** File offset of the miCOMPRESSED element this was inflated from; -1 for the file. */
  compressedAt: number;
}

interface Tag {
  type: number;
  nbytes: number;
  /** Offset of the data. */
  data: number;
  /** Offset of the next element (after the padding). */
  next: number;
  /** Offset of the tag. */
  at: number;
}

function makeBuf(bytes: Uint8Array, compressedAt: number): Buf {
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), compressedAt };
}

export function emptyDouble(): MatValue {
  return { kind: 'numeric', class: 'double', dims: [0, 0], data: new Float64Array(0) };
}

export function product(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** String from UTF-16 code units (in chunks: no argument-count limit). */
export function fromCharCodes(codes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < codes.length; i += 8192) {
    s += String.fromCharCode(...Array.prototype.slice.call(codes, i, Math.min(codes.length, i + 8192)) as number[]);
  }
  return s;
}

/** The rows of a char array from its characters in column-major order (rows = dims[0]). */
export function charRows(dims: number[], chars: string[]): string[] {
  const r = dims[0] ?? 0;
  if (r === 0) return [];
  const cols = chars.length / r;
  const rows: string[] = [];
  for (let i = 0; i < r; i++) {
    const parts = new Array<string>(cols);
    for (let j = 0; j < cols; j++) parts[j] = chars[i + r * j]!;
    rows.push(parts.join(''));
  }
  return rows;
}

/** MATLAB chars from a decoded string: UTF-16 code units, or code points where the count says so
 *  (a writer that counted characters, not units, for text outside the BMP). */
export function splitChars(s: string, n: number): string[] | null {
  if (s.length === n) return s.split('');
  const points = Array.from(s);
  return points.length === n ? points : null;
}

class V5Parser {
  constructor(readonly path: string, readonly le: boolean) {}

  where(b: Buf, at: number, loc: string): string {
    const pos = b.compressedAt < 0 ? `at byte ${at}` : `at byte ${at} of the compressed variable at file byte ${b.compressedAt}`;
    return loc ? `variable ${loc}, ${pos}` : pos;
  }

  corrupt(b: Buf, at: number, loc: string, found: string): never {
    throw new CvglError(`${this.path}: a valid MAT-file (Level 5)`, `${this.where(b, at, loc)}: ${found}`, DAMAGED_FIX);
  }

  unsupported(loc: string, what: string, fix: string): never {
    throw new CvglError(
      `${this.path}: variable ${loc}: a MATLAB array this reader supports (numeric, logical, char, cell, struct)`,
      what, fix,
    );
  }

  tag(b: Buf, pos: number, end: number, loc: string): Tag {
    const fileEnd = b.compressedAt < 0 && end === b.bytes.length;
    if (pos + 8 > end) {
      if (fileEnd) {
        throw new CvglError(`${this.path}: a complete MAT-file`, `${this.where(b, pos, loc)}: a data element starts, but the file ends after ${end} bytes`, DAMAGED_FIX);
      }
      this.corrupt(b, pos, loc, `a data element runs past the end of the element that contains it`);
    }
    const w0 = b.view.getUint32(pos, this.le);
    if (w0 >>> 16 !== 0) {
      const nbytes = w0 >>> 16;
      if (nbytes > 4) this.corrupt(b, pos, loc, `a small data element claims ${nbytes} bytes (at most 4 fit)`);
      return { type: w0 & 0xffff, nbytes, data: pos + 4, next: pos + 8, at: pos };
    }
    const nbytes = b.view.getUint32(pos + 4, this.le);
    const data = pos + 8;
    if (data + nbytes > end) {
      if (fileEnd) {
        throw new CvglError(
          `${this.path}: a complete MAT-file`,
          `${this.where(b, pos, loc)}: a data element of ${nbytes} bytes, but only ${end - data} bytes follow its tag (the file has ${end} bytes)`,
          DAMAGED_FIX,
        );
      }
      this.corrupt(b, pos, loc, `a data element of ${nbytes} bytes runs past the end of the element that contains it (${end - data} bytes left)`);
    }
    // MATLAB does not pad compressed elements; a last element may lack its padding
    const next = w0 === miCOMPRESSED ? data + nbytes : Math.min(end, data + nbytes + ((8 - (nbytes % 8)) % 8));
    return { type: w0, nbytes, data, next, at: pos };
  }

  /** All variables, in file order. */
  variables(bytes: Uint8Array, keep: (name: string) => boolean): Record<string, MatValue> {
    const file = makeBuf(bytes, -1);
    const out: Record<string, MatValue> = {};
    let pos = 128;
    while (pos < bytes.length) {
      const t = this.tag(file, pos, bytes.length, '');
      let got: { name: string; value: MatValue } | null;
      if (t.type === miCOMPRESSED) {
        let inflated: Uint8Array;
        try {
          inflated = inflateSync(bytes.subarray(t.data, t.data + t.nbytes));
        } catch (e) {
          this.corrupt(file, t.at, '', `its compressed data does not decompress (zlib: ${(e as Error).message})`);
        }
        const b = makeBuf(inflated, t.at);
        const it = this.tag(b, 0, inflated.length, '');
        if (it.type !== miMATRIX) this.corrupt(b, 0, '', `a compressed element holding data type ${it.type}, not an array (miMATRIX)`);
        got = this.matrix(b, it.data, it.data + it.nbytes, '', keep);
      } else if (t.type === miMATRIX) {
        got = this.matrix(file, t.data, t.data + t.nbytes, '', keep);
      } else {
        this.corrupt(file, t.at, '', `a top-level data element of type ${t.type} (a variable is miMATRIX or miCOMPRESSED)`);
      }
      // an unnamed variable is MATLAB's subsystem data (function workspaces, objects), not user data
      if (got && got.name !== '') out[got.name] = got.value;
      pos = t.next;
    }
    return out;
  }

  /** One miMATRIX whose data spans [start, end). `keep` is given for a top-level variable only:
   *  when it rejects the name, the rest is not parsed. */
  matrix(b: Buf, start: number, end: number, loc: string, keep?: (name: string) => boolean): { name: string; value: MatValue } | null {
    if (start === end) return keep && !keep('') ? null : { name: '', value: emptyDouble() }; // MATLAB's empty element
    const { view } = b;
    const le = this.le;
    const flags = this.tag(b, start, end, loc);
    if (flags.type !== miUINT32 || flags.nbytes !== 8) {
      this.corrupt(b, start, loc, `an array without its array-flags element (found type ${flags.type}, ${flags.nbytes} bytes)`);
    }
    const w = view.getUint32(flags.data, le);
    const cls = w & 0xff;
    const isComplex = (w & 0x0800) !== 0;
    const isLogical = (w & 0x0200) !== 0;

    const dimsTag = this.tag(b, flags.next, end, loc);
    if ((dimsTag.type !== miINT32 && dimsTag.type !== miUINT32) || dimsTag.nbytes % 4 !== 0 || dimsTag.nbytes < 4) {
      this.corrupt(b, dimsTag.at, loc, `an array without its dimensions element (found type ${dimsTag.type}, ${dimsTag.nbytes} bytes)`);
    }
    const dims: number[] = [];
    for (let i = 0; i < dimsTag.nbytes / 4; i++) {
      const d = view.getInt32(dimsTag.data + 4 * i, le);
      if (d < 0) this.corrupt(b, dimsTag.at, loc, `a negative dimension (${d})`);
      dims.push(d);
    }
    if (dims.length === 1) dims.push(1);

    const nameTag = this.tag(b, dimsTag.next, end, loc);
    if (nameTag.type !== miINT8 && nameTag.type !== miUINT8 && nameTag.type !== miUTF8) {
      this.corrupt(b, nameTag.at, loc, `an array without its name element (found type ${nameTag.type})`);
    }
    const name = latin1(b.bytes.subarray(nameTag.data, nameTag.data + nameTag.nbytes)).replace(/\0+$/, '');
    if (keep && !keep(name)) return null;
    if (!loc) loc = name || `(unnamed, ${this.where(b, start - 8, '')})`;
    const n = product(dims);
    let pos = nameTag.next;
    const dimsText = dims.join('x');

    if (cls in MX_NUMERIC) {
      const re = this.tag(b, pos, end, loc);
      const data = this.numbers(b, re, n, loc, isComplex ? 'real part' : 'data');
      const v: MatValue = { kind: 'numeric', class: MX_NUMERIC[cls]!, dims, data };
      if (isComplex) {
        const im = this.tag(b, re.next, end, loc);
        v.imag = this.numbers(b, im, n, loc, 'imaginary part');
      }
      if (isLogical) v.logical = true;
      return { name, value: v };
    }
    switch (cls) {
      case mxCHAR: {
        const t = this.tag(b, pos, end, loc);
        const chars = this.chars(b, t, n, loc);
        return { name, value: { kind: 'char', dims, rows: charRows(dims, chars) } };
      }
      case mxCELL: {
        if (n * 8 > end - pos) this.corrupt(b, pos, loc, `a ${dimsText} cell array in ${end - pos} bytes`);
        const cells: MatValue[] = [];
        for (let i = 0; i < n; i++) {
          const t = this.tag(b, pos, end, loc);
          const cellLoc = `${loc}{${i + 1}}`;
          if (t.type !== miMATRIX) this.corrupt(b, t.at, cellLoc, `a cell holding data type ${t.type}, not an array (miMATRIX)`);
          cells.push(this.matrix(b, t.data, t.data + t.nbytes, cellLoc)!.value);
          pos = t.next;
        }
        return { name, value: { kind: 'cell', dims, cells } };
      }
      case mxSTRUCT: {
        const { fieldNames, next } = this.fieldNames(b, pos, end, loc);
        return { name, value: this.structElements(b, next, end, loc, dims, fieldNames) };
      }
      case mxOBJECT: {
        const t = this.tag(b, pos, end, loc);
        const className = latin1(b.bytes.subarray(t.data, t.data + t.nbytes)).replace(/\0+$/, '');
        return this.unsupported(loc, `a MATLAB object of class '${className}' (${dimsText})`, 'in MATLAB, convert it to a struct (struct(obj)) or plain arrays and save again');
      }
      case mxSPARSE:
        return this.unsupported(loc, `a ${dimsText} sparse matrix`, 'in MATLAB, convert it with full() and save again');
      case mxFUNCTION:
        return this.unsupported(loc, 'a function handle', 'save the data without the function handle');
      case mxOPAQUE:
        return this.unsupported(loc, 'an opaque MATLAB object (a class such as string, table or datetime)', 'in MATLAB, convert it to char/cell/numeric arrays (e.g. cellstr, table2struct) and save again');
      default:
        return this.corrupt(b, start, loc, `an array of unknown class ${cls}`);
    }
  }

  private fieldNames(b: Buf, pos: number, end: number, loc: string): { fieldNames: string[]; next: number } {
    const lenTag = this.tag(b, pos, end, loc);
    if (lenTag.type !== miINT32 || lenTag.nbytes !== 4) this.corrupt(b, lenTag.at, loc, 'a struct without its field-name length');
    const len = b.view.getInt32(lenTag.data, this.le);
    const namesTag = this.tag(b, lenTag.next, end, loc);
    if (namesTag.type !== miINT8 && namesTag.type !== miUINT8) this.corrupt(b, namesTag.at, loc, 'a struct without its field names');
    if (len < 0 || (len === 0 && namesTag.nbytes !== 0) || (len > 0 && namesTag.nbytes % len !== 0)) {
      this.corrupt(b, namesTag.at, loc, `${namesTag.nbytes} bytes of field names for a field-name length of ${len}`);
    }
    const fieldNames: string[] = [];
    for (let off = 0; len > 0 && off < namesTag.nbytes; off += len) {
      const raw = b.bytes.subarray(namesTag.data + off, namesTag.data + off + len);
      const nul = raw.indexOf(0);
      fieldNames.push(latin1(nul < 0 ? raw : raw.subarray(0, nul)));
    }
    return { fieldNames, next: namesTag.next };
  }

  private structElements(b: Buf, pos: number, end: number, loc: string, dims: number[], fieldNames: string[]): MatValue {
    const n = product(dims);
    if (n * fieldNames.length * 8 > end - pos || (fieldNames.length === 0 && n > 1e7)) {
      this.corrupt(b, pos, loc, `a ${dims.join('x')} struct with ${fieldNames.length} fields in ${end - pos} bytes`);
    }
    const elements: Record<string, MatValue>[] = [];
    for (let i = 0; i < n; i++) {
      const el: Record<string, MatValue> = {};
      for (const f of fieldNames) {
        const fieldLoc = n === 1 ? `${loc}.${f}` : `${loc}(${i + 1}).${f}`;
        const t = this.tag(b, pos, end, fieldLoc);
        if (t.type !== miMATRIX) this.corrupt(b, t.at, fieldLoc, `a struct field holding data type ${t.type}, not an array (miMATRIX)`);
        el[f] = this.matrix(b, t.data, t.data + t.nbytes, fieldLoc)!.value;
        pos = t.next;
      }
      elements.push(el);
    }
    return { kind: 'struct', dims, fieldNames, elements };
  }

  /** `n` numbers of a numeric data element of any storage type, as float64. */
  private numbers(b: Buf, t: Tag, n: number, loc: string, part: string): Float64Array {
    const size = MI_SIZE[t.type];
    if (size === undefined) this.corrupt(b, t.at, loc, `the ${part} is stored as data type ${t.type}, not a number type`);
    if (t.nbytes !== n * size) {
      this.corrupt(b, t.at, loc, `the ${part} holds ${t.nbytes / size} values for ${n} elements`);
    }
    const { view } = b;
    const le = this.le;
    const out = new Float64Array(n);
    const at = t.data;
    switch (t.type) {
      case miDOUBLE:
        if (le === HOST_LE) new Uint8Array(out.buffer).set(b.bytes.subarray(at, at + 8 * n));
        else for (let i = 0; i < n; i++) out[i] = view.getFloat64(at + 8 * i, le);
        break;
      case miSINGLE: for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + 4 * i, le); break;
      case miINT8: for (let i = 0; i < n; i++) out[i] = view.getInt8(at + i); break;
      case miUINT8: for (let i = 0; i < n; i++) out[i] = view.getUint8(at + i); break;
      case miINT16: for (let i = 0; i < n; i++) out[i] = view.getInt16(at + 2 * i, le); break;
      case miUINT16: for (let i = 0; i < n; i++) out[i] = view.getUint16(at + 2 * i, le); break;
      case miINT32: for (let i = 0; i < n; i++) out[i] = view.getInt32(at + 4 * i, le); break;
      case miUINT32: for (let i = 0; i < n; i++) out[i] = view.getUint32(at + 4 * i, le); break;
      case miINT64: for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(at + 8 * i, le)); break;
      case miUINT64: for (let i = 0; i < n; i++) out[i] = Number(view.getBigUint64(at + 8 * i, le)); break;
    }
    return out;
  }

  /** The `n` characters of a char array, in column-major order. */
  private chars(b: Buf, t: Tag, n: number, loc: string): string[] {
    const { view } = b;
    const le = this.le;
    const bytes = b.bytes.subarray(t.data, t.data + t.nbytes);
    let s: string;
    switch (t.type) {
      case miUINT16: case miUTF16: case miINT16: {
        if (t.nbytes % 2 !== 0) this.corrupt(b, t.at, loc, `UTF-16 text of odd length ${t.nbytes}`);
        const codes = new Uint16Array(t.nbytes / 2);
        for (let i = 0; i < codes.length; i++) codes[i] = view.getUint16(t.data + 2 * i, le);
        s = fromCharCodes(codes);
        break;
      }
      case miUINT8: case miINT8:
        s = latin1(bytes);
        break;
      case miUTF8:
        s = new TextDecoder('utf-8').decode(bytes);
        break;
      case miUTF32: case miUINT32: case miINT32: {
        if (t.nbytes % 4 !== 0) this.corrupt(b, t.at, loc, `UTF-32 text of length ${t.nbytes}`);
        const points: string[] = [];
        for (let i = 0; i < t.nbytes / 4; i++) {
          const cp = view.getUint32(t.data + 4 * i, le);
          points.push(cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd');
        }
        s = points.join('');
        break;
      }
      default:
        this.corrupt(b, t.at, loc, `char data stored as data type ${t.type}, not text`);
    }
    const chars = splitChars(s, n);
    if (!chars) this.corrupt(b, t.at, loc, `${s.length} characters of text for a char array of ${n} characters`);
    return chars;
  }
}

function latin1(bytes: Uint8Array): string {
  return fromCharCodes(bytes);
}

/** Parses a whole Level 5 MAT-file (`bytes` including its 128-byte header). */
export function readMatV5(path: string, bytes: Uint8Array, keep: (name: string) => boolean): Record<string, MatValue> {
  const le = bytes[126] === 0x49 && bytes[127] === 0x4d; // 'IM': written little-endian
  return new V5Parser(path, le).variables(bytes, keep);
}
