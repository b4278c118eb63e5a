/**
 * MATLAB v7.3 MAT-files: HDF5 behind a 512-byte MATLAB header, read through h5wasm (the HDF5
 * C library compiled to WebAssembly; its Node build opens host paths directly).
 *
 * MATLAB's layout: every variable carries a `MATLAB_class` attribute; arrays are stored with
 * their dims reversed (HDF5 is row-major, MATLAB column-major), so the HDF5 data in storage order
 * is already MATLAB's column-major order; char is uint16 code units; complex is a compound of
 * `real` and `imag`; logical is uint8 with class 'logical'; a cell is a dataset of object
 * references into `/#refs#`; a 1x1 struct is a group with one member per field (order in
 * `MATLAB_fields`), a struct array a group whose fields are reference datasets of the struct's
 * shape; an empty array is a dataset holding its dims with `MATLAB_empty` = 1.
 */
import h5wasm, { Dataset, Group, Reference, RegionReference } from 'h5wasm/node';
import type { Entity, File as H5File, OutputData } from 'h5wasm/node';
import { CvglError } from '../engine/errors.js';
import type { MatNumericClass, MatValue } from './matfile.js';
import { charRows, fromCharCodes, product, splitChars } from './matfile_v5.js';

const H5T_INTEGER = 0, H5T_FLOAT = 1, H5T_COMPOUND = 6, H5T_REFERENCE = 7, H5T_ENUM = 8;
const NUMERIC = new Set<string>(['double', 'single', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64']);
const DAMAGED_FIX = 'the file is truncated or damaged: copy or download it again (compare its size with the original)';
const MAX_DEPTH = 64;
const USED_ATTRS = new Set(['MATLAB_class', 'MATLAB_empty', 'MATLAB_fields']);

/** (h5wasm gives a reference's bytes as a Uint8Array when read, a plain array when created) */
function hex(bytes: ArrayLike<number>): string {
  return Buffer.from(Uint8Array.from(bytes)).toString('hex');
}

/** Reads the variables of a v7.3 file (`path` for messages, `abs` to open). */
export async function readMatV73(path: string, abs: string, keep: (name: string) => boolean): Promise<Record<string, MatValue>> {
  const Module = await h5wasm.ready;
  // HDF5 errors become exceptions (with HDF5's error stack as the message) instead of a
  // diagnostic dump on stderr and an invalid handle; restored below, the read being synchronous
  Module.activate_throwing_error_handler();
  let f: H5File | null = null;
  try {
    f = new h5wasm.File(abs, 'r');
    if (f.file_id < 0n) throw new Error('H5Fopen returned an invalid handle');
    const reader = new V73Reader(path, f);
    const out: Record<string, MatValue> = {};
    for (const name of f.keys()) {
      if (name === '#refs#' || name === '#subsystem#' || !keep(name)) continue;
      out[name] = reader.value(f.get(name), name, 0);
    }
    return out;
  } catch (e) {
    if (e instanceof CvglError) throw e;
    throw new CvglError(`${path}: a readable MATLAB v7.3 MAT-file (HDF5)`, hdf5Reason(e), DAMAGED_FIX);
  } finally {
    try {
      if (f && f.file_id >= 0n) f.close();
    } catch {
      // closing a file that failed half-way: nothing more to do
    }
    Module.deactivate_throwing_error_handler();
  }
}

/** The innermost message of an HDF5 error stack ("#006: ... in H5F__super_read(): file signature not found"). */
function hdf5Reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = [...text.matchAll(/#\d+:.*? in [\w.]+\(\): (.*)$/gm)];
  const last = lines.at(-1)?.[1]?.trim();
  return last ? `HDF5: ${last}` : text.split('\n')[0]!.trim() || 'an HDF5 error';
}

function matDims(shape: number[] | null): number[] {
  if (shape == null || shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0]!, 1];
  return [...shape].reverse();
}

function toFloat64(v: OutputData | null): Float64Array {
  if (v == null) return new Float64Array(0);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return Float64Array.of(Number(v));
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return Float64Array.from(v, Number);
  if (ArrayBuffer.isView(v)) return v instanceof Float64Array ? v : Float64Array.from(v as ArrayLike<number>);
  if (Array.isArray(v)) return Float64Array.from(v, (x) => Number(x));
  return new Float64Array(0);
}

class V73Reader {
  constructor(readonly path: string, readonly f: H5File) {}

  corrupt(loc: string, found: string): never {
    throw new CvglError(`${this.path}: a valid MATLAB v7.3 MAT-file`, `variable ${loc}: ${found}`, DAMAGED_FIX);
  }

  unsupported(loc: string, what: string, fix: string): never {
    throw new CvglError(
      `${this.path}: variable ${loc}: a MATLAB array this reader supports (numeric, logical, char, cell, struct)`,
      what, fix,
    );
  }

  /** The attributes this reader uses (each h5wasm call is costly: only these are read). */
  attrs(obj: Dataset | Group): Map<string, OutputData | null> {
    const out = new Map<string, OutputData | null>();
    for (const name of Object.keys(obj.attrs)) {
      out.set(name, USED_ATTRS.has(name) ? obj.get_attribute(name, false) : null);
    }
    return out;
  }

  /** Object reference (its bytes, hex) -> path, for everything in '#refs#'. HDF5 can only name
   *  a dereferenced object by searching the whole file (H5Iget_name), which made reading a cell
   *  array quadratic in its size; creating each member's reference by path is cheap. */
  private refPaths: Map<string, string> | null = null;

  private pathOf(r: Reference): string | null {
    if (this.refPaths == null) {
      this.refPaths = new Map();
      const refs = this.f.get('#refs#');
      if (refs instanceof Group) {
        for (const k of refs.keys()) {
          const path = `/#refs#/${k}`;
          const obj = this.f.get(path);
          if (obj instanceof Dataset || obj instanceof Group) this.refPaths.set(hex(obj.create_reference().ref_data), path);
        }
      }
    }
    return this.refPaths.get(hex(r.ref_data)) ?? null;
  }

  value(obj: Entity | null, loc: string, depth: number): MatValue {
    if (depth > MAX_DEPTH) this.corrupt(loc, `arrays nested more than ${MAX_DEPTH} deep (a reference cycle?)`);
    if (obj instanceof Group) return this.group(obj, loc, depth);
    if (!(obj instanceof Dataset)) this.corrupt(loc, `an HDF5 object that is neither a dataset nor a group (${obj == null ? 'missing' : obj.constructor.name})`);
    const attrs = this.attrs(obj);
    const clsAttr = attrs.get('MATLAB_class');
    const cls = typeof clsAttr === 'string' ? clsAttr : undefined;
    if (attrs.has('MATLAB_object_decode')) {
      this.unsupported(loc, `a MATLAB object${cls ? ` of class '${cls}'` : ''}`, 'in MATLAB, convert it to plain arrays, cells or structs and save again');
    }
    const empty = attrs.get('MATLAB_empty');
    if (empty != null && Number(empty) !== 0) return this.empty(obj, attrs, cls, loc);
    const meta = obj.metadata;
    const dims = matDims(obj.shape);
    const n = product(dims);

    if (cls === 'char') {
      const codes = toFloat64(obj.value);
      if (codes.length !== n) this.corrupt(loc, `${codes.length} characters for a ${dims.join('x')} char array`);
      const s = fromCharCodes(codes); // MATLAB_int_decode 2: UTF-16 code units, as MATLAB writes char
      const chars = splitChars(s, n) ?? this.corrupt(loc, `undecodable text for a ${dims.join('x')} char array`);
      return { kind: 'char', dims, rows: charRows(dims, chars) };
    }
    if (cls === 'cell' || (cls === undefined && meta.type === H5T_REFERENCE)) {
      if (meta.type !== H5T_REFERENCE) this.corrupt(loc, 'a cell array whose dataset does not hold object references');
      const refs = obj.value as unknown as Reference[];
      const cells = refs.map((r, i) => this.deref(r, `${loc}{${i + 1}}`, depth));
      return { kind: 'cell', dims, cells };
    }
    if (cls === 'struct') return { kind: 'struct', dims: [1, 1], fieldNames: [], elements: [{}] };
    if (cls === 'logical' || (cls !== undefined && NUMERIC.has(cls)) || cls === undefined) {
      return this.numeric(obj, cls, dims, loc);
    }
    if (cls === 'function_handle') this.unsupported(loc, 'a function handle', 'save the data without the function handle');
    return this.unsupported(loc, `an array of MATLAB class '${cls}'`, 'in MATLAB, convert it to numeric, char, cell or struct arrays and save again');
  }

  private deref(r: Reference, loc: string, depth: number): MatValue {
    if (!(r instanceof Reference) || r instanceof RegionReference) this.corrupt(loc, 'a cell that is not an object reference');
    const path = this.pathOf(r);
    // (the overloads of dereference() cannot tell the two reference classes apart by type)
    const target = path != null ? this.f.get(path) : (this.f.dereference(r) as unknown as Entity | null);
    return this.value(target, loc, depth + 1);
  }

  private numeric(obj: Dataset, cls: string | undefined, dims: number[], loc: string): MatValue {
    const meta = obj.metadata;
    const n = product(dims);
    let klass: MatNumericClass;
    const logical = cls === 'logical' || (cls === undefined && meta.type === H5T_ENUM);
    if (cls !== undefined && cls !== 'logical') klass = cls as MatNumericClass;
    else if (logical) klass = 'uint8';
    else {
      const base = meta.type === H5T_COMPOUND ? meta.compound_type?.members[0] : meta;
      if (base?.type === H5T_FLOAT) klass = base.size === 4 ? 'single' : 'double';
      else if (base?.type === H5T_INTEGER && [1, 2, 4, 8].includes(base.size)) {
        klass = `${base.signed ? 'int' : 'uint'}${base.size * 8}` as MatNumericClass;
      } else {
        return this.unsupported(loc, `an HDF5 dataset of type class ${meta.type} without a MATLAB_class`, 'store it as a MATLAB array (save -v7.3 from MATLAB)');
      }
    }
    let v: MatValue;
    if (meta.type === H5T_COMPOUND) {
      const members = meta.compound_type?.members.map((m) => m.name) ?? [];
      const ri = members.indexOf('real');
      const ii = members.indexOf('imag');
      if (ri < 0 || ii < 0) this.corrupt(loc, `a compound dataset with members ${members.join(', ')} (complex numbers are real, imag)`);
      const rows = (obj.value ?? []) as unknown as OutputData[][];
      const data = new Float64Array(rows.length);
      const imag = new Float64Array(rows.length);
      rows.forEach((row, i) => {
        data[i] = Number(row[ri]);
        imag[i] = Number(row[ii]);
      });
      v = { kind: 'numeric', class: klass, dims, data, imag };
    } else if (meta.type === H5T_INTEGER || meta.type === H5T_FLOAT || meta.type === H5T_ENUM) {
      v = { kind: 'numeric', class: klass, dims, data: toFloat64(obj.value) };
    } else {
      return this.corrupt(loc, `a ${cls ?? 'numeric'} array stored as HDF5 type class ${meta.type}`);
    }
    if (v.data.length !== n) this.corrupt(loc, `${v.data.length} values for a ${dims.join('x')} array`);
    if (logical) v.logical = true;
    return v;
  }

  private empty(obj: Dataset, attrs: Map<string, OutputData | null>, cls: string | undefined, loc: string): MatValue {
    const dims = Array.from(toFloat64(obj.value));
    while (dims.length < 2) dims.push(dims.length === 0 ? 0 : 1);
    if (product(dims) !== 0) this.corrupt(loc, `an empty array (MATLAB_empty) of dims ${dims.join('x')}`);
    switch (cls) {
      case 'char': return { kind: 'char', dims, rows: charRows(dims, []) };
      case 'cell': return { kind: 'cell', dims, cells: [] };
      case 'struct': return { kind: 'struct', dims, fieldNames: this.fieldList(attrs) ?? [], elements: [] };
      case 'logical': return { kind: 'numeric', class: 'uint8', dims, data: new Float64Array(0), logical: true };
      case undefined: return { kind: 'numeric', class: 'double', dims, data: new Float64Array(0) };
      default:
        if (NUMERIC.has(cls)) return { kind: 'numeric', class: cls as MatNumericClass, dims, data: new Float64Array(0) };
        return this.unsupported(loc, `an empty array of MATLAB class '${cls}'`, 'in MATLAB, convert it to numeric, char, cell or struct arrays and save again');
    }
  }

  /** MATLAB_fields: a variable-length array of one-character strings per field name. */
  private fieldList(attrs: Map<string, OutputData | null>): string[] | null {
    const raw = attrs.get('MATLAB_fields');
    if (raw == null) return null;
    const list = Array.isArray(raw) ? raw : [raw];
    return list.map((x) => {
      if (typeof x === 'string') return x;
      if (Array.isArray(x)) return x.map((c) => (typeof c === 'string' ? c : ArrayBuffer.isView(c) ? fromCharCodes(c as Uint8Array) : String(c))).join('');
      if (ArrayBuffer.isView(x)) return fromCharCodes(x as Uint8Array);
      return String(x);
    });
  }

  private group(g: Group, loc: string, depth: number): MatValue {
    const attrs = this.attrs(g);
    const clsAttr = attrs.get('MATLAB_class');
    const cls = typeof clsAttr === 'string' ? clsAttr : undefined;
    if (attrs.has('MATLAB_sparse')) {
      this.unsupported(loc, 'a sparse matrix', 'in MATLAB, convert it with full() and save again');
    }
    if (cls !== undefined && cls !== 'struct') {
      this.unsupported(loc, `a MATLAB object of class '${cls}'`, 'in MATLAB, convert it to plain arrays, cells or structs and save again');
    }
    const keys = g.keys();
    const fieldNames = this.fieldList(attrs) ?? keys;
    for (const f of fieldNames) {
      if (!keys.includes(f)) this.corrupt(loc, `the struct lists a field '${f}' that the group does not hold`);
    }
    const empty = attrs.get('MATLAB_empty');
    if (empty != null && Number(empty) !== 0) return { kind: 'struct', dims: [0, 0], fieldNames, elements: [] };
    if (fieldNames.length === 0) return { kind: 'struct', dims: [1, 1], fieldNames, elements: [{}] };

    // a struct array stores each field as references (one per element) with no MATLAB_class
    const first = g.get(fieldNames[0]!);
    const isArray = first instanceof Dataset && first.metadata.type === H5T_REFERENCE && !Object.keys(first.attrs).includes('MATLAB_class');
    if (!isArray) {
      const el: Record<string, MatValue> = {};
      for (const f of fieldNames) el[f] = this.value(g.get(f), `${loc}.${f}`, depth + 1);
      return { kind: 'struct', dims: [1, 1], fieldNames, elements: [el] };
    }
    const dims = matDims(first.shape);
    const n = product(dims);
    const elements: Record<string, MatValue>[] = Array.from({ length: n }, () => ({}));
    for (const f of fieldNames) {
      const ds = g.get(f);
      if (!(ds instanceof Dataset) || ds.metadata.type !== H5T_REFERENCE) this.corrupt(`${loc}.${f}`, 'a struct-array field that is not a dataset of references');
      const refs = ds.value as unknown as Reference[];
      if (refs.length !== n) this.corrupt(`${loc}.${f}`, `${refs.length} elements in a ${dims.join('x')} struct array`);
      refs.forEach((r, i) => {
        elements[i]![f] = this.deref(r, `${loc}(${i + 1}).${f}`, depth);
      });
    }
    return { kind: 'struct', dims, fieldNames, elements };
  }
}
