/**
 * MATLAB .mat files: what CVACT's `ACT_data.mat` needs (a cell array of panorama ids, an N x 2
 * UTM matrix, structs of 1-based index vectors), read without MATLAB or Python.
 *
 * Two on-disk formats, told apart by the header:
 * - Level 5 (MATLAB v6 / v7, `save -v7`, scipy's savemat): parsed here (`matfile_v5.ts`).
 * - v7.3 (`save -v7.3`): an HDF5 file behind a 512-byte MATLAB header, read through h5wasm
 *   (`matfile_v73.ts`, loaded only when such a file is met).
 * Both give identical {@link MatValue}s for the same content: MATLAB's dims, column-major data.
 *
 * Every problem a user can cause (not a MAT-file, a truncated or damaged one, a class this reader
 * does not support, a variable of the wrong kind) is a {@link CvglError} naming the file.
 */
import { open, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CvglError } from '../engine/errors.js';
import { readMatV5 } from './matfile_v5.js';

export type MatNumericClass =
  | 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';

/**
 * One MATLAB array. `dims` are MATLAB's (at least two; a column vector is [n, 1]); element lists
 * are in MATLAB's column-major order. Numbers are widened to float64: int64/uint64 values beyond
 * 2^53 are rounded. A logical array is class 'uint8' with `logical: true`; `imag` is present only
 * for complex arrays. A char matrix is one string per row (MATLAB's padding kept; `dims[0]` rows).
 */
export type MatValue =
  | { kind: 'numeric'; class: MatNumericClass; dims: number[]; data: Float64Array; imag?: Float64Array; logical?: boolean }
  | { kind: 'char'; dims: number[]; rows: string[] }
  | { kind: 'cell'; dims: number[]; cells: MatValue[] }
  | { kind: 'struct'; dims: number[]; fieldNames: string[]; elements: Record<string, MatValue>[] };

export interface ReadMatOptions {
  /** Read only these variables (the others are skipped, so an unsupported class among them
   *  does not fail the read). Names not in the file are simply absent from the result. */
  variables?: string[];
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Reads every variable of a MAT-file (Level 5 or v7.3), detecting the format from its header.
 * Variables MATLAB writes for itself (an unnamed subsystem block, v7.3's `#refs#` and
 * `#subsystem#`) are not returned.
 */
export async function readMat(path: string, options: ReadMatOptions = {}): Promise<Record<string, MatValue>> {
  const abs = resolve(path);
  const wanted = options.variables ? new Set(options.variables) : null;
  const keep = (name: string) => wanted == null || wanted.has(name);
  let format: 'v5' | 'v73';
  let size: number;
  const fh = await open(abs, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new CvglError(
      `${path}: a readable MATLAB .mat file`,
      e.code === 'ENOENT' ? 'no such file' : `${e.code ?? 'error'}: ${e.message}`,
      'check the path (for CVACT: the ACT_data.mat that comes with the dataset)',
    );
  });
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      throw new CvglError(`${path}: a readable MATLAB .mat file`, st.isDirectory() ? 'a directory' : 'not a regular file', 'check the path (for CVACT: the ACT_data.mat that comes with the dataset)');
    }
    size = st.size;
    const head = new Uint8Array(128);
    const { bytesRead } = await fh.read(head, 0, 128, 0);
    format = await detectFormat(path, head.subarray(0, bytesRead), size, async (at) => {
      const sig = new Uint8Array(8);
      const r = await fh.read(sig, 0, 8, at);
      return r.bytesRead === 8 && HDF5_SIGNATURE.every((b, i) => sig[i] === b);
    });
  } finally {
    await fh.close();
  }
  if (format === 'v73') {
    const { readMatV73 } = await import('./matfile_v73.js');
    return readMatV73(path, abs, keep);
  }
  return readMatV5(path, new Uint8Array(await readFile(abs)), keep);
}

async function detectFormat(
  path: string, head: Uint8Array, size: number, hdf5At: (offset: number) => Promise<boolean>,
): Promise<'v5' | 'v73'> {
  // HDF5 looks for its superblock at 0, 512, 1024, 2048, ...; MATLAB v7.3 puts it at 512
  for (let at = 0; at + 8 <= size && at <= 1 << 20; at = at === 0 ? 512 : at * 2) {
    if (await hdf5At(at)) return 'v73';
  }
  const text = new TextDecoder('latin1').decode(head.subarray(0, Math.min(116, head.length)));
  const fix = 'the file is truncated or damaged: copy or download it again (compare its size with the original)';
  if (text.startsWith('MATLAB 7.3')) {
    throw new CvglError(`${path}: a MATLAB v7.3 MAT-file (HDF5 after the 512-byte header)`, `no HDF5 superblock in the file's ${size} bytes`, fix);
  }
  if (head.length === 128) {
    const endian = String.fromCharCode(head[126]!, head[127]!);
    if (endian === 'IM' || endian === 'MI') {
      const version = endian === 'IM' ? head[124]! | (head[125]! << 8) : (head[124]! << 8) | head[125]!;
      if (version === 0x0100) return 'v5';
      if (version === 0x0200) {
        throw new CvglError(`${path}: a MATLAB v7.3 MAT-file (HDF5 after the 512-byte header)`, `a v7.3 header but no HDF5 superblock in the file's ${size} bytes`, fix);
      }
      throw new CvglError(`${path}: a MAT-file of version 0x0100 (Level 5) or 0x0200 (v7.3)`, `version 0x${version.toString(16).padStart(4, '0')}`, 're-save it in MATLAB with save(..., \'-v7\')');
    }
  }
  if (text.startsWith('MATLAB')) {
    throw new CvglError(`${path}: a complete MAT-file header (128 bytes)`, `a MATLAB header cut after ${head.length} bytes`, fix);
  }
  throw new CvglError(
    `${path}: a MATLAB .mat file (Level 5 / v7, or v7.3)`,
    head.length === 0 ? 'an empty file' : `no MAT-file header; the file starts with ${preview(head)}`,
    'check that the path points at the .mat file itself (for CVACT: ACT_data.mat); a file saved with MATLAB\'s -v4 option must be re-saved with save(..., \'-v7\')',
  );
}

function preview(bytes: Uint8Array): string {
  const first = bytes.subarray(0, 16);
  const printable = first.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  if (printable) return JSON.stringify(new TextDecoder('latin1').decode(first));
  return `bytes ${[...first].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}

function describe(v: MatValue): string {
  const dims = v.dims.join('x');
  switch (v.kind) {
    case 'numeric': return `a ${dims} ${v.logical ? 'logical' : v.class}${v.imag ? ' complex' : ''} array`;
    case 'char': return `a ${dims} char array`;
    case 'cell': return `a ${dims} cell array`;
    case 'struct': return `a ${dims} struct${v.fieldNames.length ? ` (fields ${v.fieldNames.join(', ')})` : ' with no fields'}`;
  }
}

/** Removes MATLAB's blank padding from the end of a char-matrix row (what `cellstr` does). */
function trimPadding(row: string): string {
  return row.replace(/[\s\0]+$/u, '');
}

/**
 * The strings of a cell array of char (any shape, in column-major order; an empty char is '')
 * or the rows of a char matrix (trailing blanks removed, as MATLAB's `cellstr` does).
 */
export function matStrings(v: MatValue, what: string): string[] {
  if (v.kind === 'char') return v.rows.map(trimPadding);
  if (v.kind !== 'cell') {
    throw new CvglError(`${what}: a cell array of strings (or a char matrix)`, describe(v), 'check that the file is the one the dataset ships, unmodified');
  }
  return v.cells.map((c, i) => {
    if (c.kind === 'char' && c.rows.length <= 1) return c.rows[0] ?? '';
    throw new CvglError(
      `${what}: a cell array of strings (each cell one row of char)`,
      `cell ${i + 1} of ${v.cells.length} is ${describe(c)}`,
      'check that the file is the one the dataset ships, unmodified',
    );
  });
}

/** The numbers of a real numeric or logical array, in column-major order. */
export function matNumbers(v: MatValue, what: string): Float64Array {
  if (v.kind === 'numeric' && !v.imag) return v.data;
  throw new CvglError(`${what}: a real numeric array`, describe(v), 'check that the file is the one the dataset ships, unmodified');
}

/** Field `field` of a 1x1 struct. */
export function matField(v: MatValue, field: string, what: string): MatValue {
  if (v.kind !== 'struct' || v.elements.length !== 1) {
    throw new CvglError(`${what}: a 1x1 struct with a field '${field}'`, describe(v), 'check that the file is the one the dataset ships, unmodified');
  }
  const el = v.elements[0]!;
  if (!Object.hasOwn(el, field)) {
    throw new CvglError(
      `${what}: a struct with a field '${field}'`,
      v.fieldNames.length ? `fields ${v.fieldNames.join(', ')}` : 'a struct with no fields',
      'check that the file is the one the dataset ships, unmodified',
    );
  }
  return el[field]!;
}
