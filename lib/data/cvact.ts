/**
 * CVACT reader (Liu & Li, CVPR 2019), the `ANU_data_small` / `ACT_small` layout:
 *
 * ```
 * <root>/ACT_data.mat                           panoIds, utm, trainSet.trainInd, valSet.valInd
 *                                               (+ testSet.testInd in the full-test version)
 * <root>/streetview/<panoId>_grdView.jpg        ground panorama
 * <root>/satview_polish/<panoId>_satView_polish.jpg   aerial
 * ```
 *
 * `panoIds` is a cell of strings, `utm` an N x 2 double matrix (easting, northing in metres),
 * the index vectors are 1-based into `panoIds`. Split `val` is CVACT_val (8,884 pairs);
 * `test`, when `testSet.testInd` exists, is CVACT_test (92,802 pairs, the set of the 25 m
 * distance recall; its images must be unpacked into the same two folders).
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CvglError } from '../engine/errors.js';
import type { CrossViewDataset, DatasetSplit, PairRecord } from './dataset.js';
import { matNumbers, matStrings, readMat, type MatValue } from './matfile.js';

export const CVACT_MAT = 'ACT_data.mat';
export const CVACT_GROUND_DIR = 'streetview';
export const CVACT_AERIAL_DIR = 'satview_polish';

/** Split name -> [struct variable, index field]; `required` ones must exist. */
const SPLITS: { name: string; variable: string; field: string; required: boolean }[] = [
  { name: 'train', variable: 'trainSet', field: 'trainInd', required: true },
  { name: 'val', variable: 'valSet', field: 'valInd', required: true },
  { name: 'test', variable: 'testSet', field: 'testInd', required: false },
];

const EXPECTED = `${CVACT_MAT} with variables panoIds (cell of strings), utm (N x 2 double), trainSet.trainInd and valSet.valInd (1-based indices)`;
const FIX_MAT = `use the ${CVACT_MAT} that comes with the CVACT download (ANU_data_small)`;

export function cvactGroundPath(root: string, id: string): string {
  return join(root, CVACT_GROUND_DIR, `${id}_grdView.jpg`);
}

export function cvactAerialPath(root: string, id: string): string {
  return join(root, CVACT_AERIAL_DIR, `${id}_satView_polish.jpg`);
}

/** The variables read from the file (the others are skipped, so anything else in it is fine). */
const VARIABLES = ['panoIds', 'utm', 'trainSet', 'valSet', 'testSet'];

function describeVars(vars: Record<string, MatValue>): string {
  const names = VARIABLES.filter((v) => v in vars);
  return names.length ? names.join(', ') : 'none';
}

/** `what` in the messages of the mat helpers, and ours. */
function need(vars: Record<string, MatValue>, name: string): MatValue {
  const v = vars[name];
  if (!v) throw new CvglError(EXPECTED, `no variable '${name}' (of ${VARIABLES.join(', ')} the file holds: ${describeVars(vars)})`, FIX_MAT);
  return v;
}

function indexVector(vars: Record<string, MatValue>, variable: string, field: string, n: number): number[] {
  const s = need(vars, variable);
  const what = `${variable}.${field}`;
  if (s.kind !== 'struct') {
    throw new CvglError(EXPECTED, `'${variable}' is a ${s.kind} ${s.dims.join('x')}, not a struct with field ${field}`, FIX_MAT);
  }
  if (!s.fieldNames.includes(field)) {
    throw new CvglError(EXPECTED, `'${variable}' has no field '${field}' (fields: ${s.fieldNames.join(', ') || 'none'})`, FIX_MAT);
  }
  if (s.elements.length !== 1) {
    throw new CvglError(EXPECTED, `'${variable}' is a ${s.dims.join('x')} struct array, expected 1x1`, FIX_MAT);
  }
  const raw = matNumbers(s.elements[0]![field]!, what);
  const out = new Array<number>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const k = raw[i]!;
    if (!Number.isInteger(k) || k < 1 || k > n) {
      throw new CvglError(
        `${what} in ${CVACT_MAT}: 1-based indices into panoIds, between 1 and ${n}`,
        `${k} at position ${i + 1} of ${raw.length}`,
        `${FIX_MAT}; panoIds and the index vectors must come from the same file`,
      );
    }
    out[i] = k - 1;
  }
  return out;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export async function readCvact(root: string): Promise<CrossViewDataset> {
  root = resolve(root);
  const matPath = join(root, CVACT_MAT);
  let stat;
  try {
    stat = statSync(matPath);
  } catch {
    stat = null;
  }
  if (!stat?.isFile()) {
    throw new CvglError(`a CVACT root with ${CVACT_MAT}`, `no ${CVACT_MAT} in ${root}`, 'pass the folder of the unpacked CVACT download (ANU_data_small, holding ACT_data.mat, streetview/ and satview_polish/)');
  }
  const vars = await readMat(matPath, { variables: VARIABLES });
  const ids = matStrings(need(vars, 'panoIds'), `panoIds in ${CVACT_MAT}`);
  const n = ids.length;
  if (n === 0) throw new CvglError(EXPECTED, 'panoIds is empty', FIX_MAT);

  const utmV = need(vars, 'utm');
  const utmData = matNumbers(utmV, `utm in ${CVACT_MAT}`);
  const [r, c] = [utmV.dims[0] ?? 0, utmV.dims[1] ?? 0];
  // N x 2 column-major: eastings then northings; a 2 x N matrix (transposed copy) is accepted
  let utmAt: (i: number) => [number, number];
  if (utmV.dims.length === 2 && r === n && c === 2) utmAt = (i) => [utmData[i]!, utmData[n + i]!];
  else if (utmV.dims.length === 2 && r === 2 && c === n) utmAt = (i) => [utmData[2 * i]!, utmData[2 * i + 1]!];
  else {
    throw new CvglError(
      `utm in ${CVACT_MAT}: a ${n} x 2 matrix (easting, northing for each of the ${n} panoIds)`,
      `a ${utmV.dims.join('x')} ${utmV.kind === 'numeric' ? utmV.class : utmV.kind}`,
      FIX_MAT,
    );
  }

  const notes: string[] = [];
  for (const d of [CVACT_GROUND_DIR, CVACT_AERIAL_DIR]) {
    if (!isDir(join(root, d))) {
      throw new CvglError(
        `the CVACT image folder ${d}/ next to ${CVACT_MAT}`,
        `no such folder in ${root}`,
        `unpack the CVACT images into ${root} (streetview/ holds <id>_grdView.jpg, satview_polish/ holds <id>_satView_polish.jpg)`,
      );
    }
  }

  const splits: Record<string, DatasetSplit> = {};
  for (const s of SPLITS) {
    if (!s.required && !(s.variable in vars)) {
      notes.push(`no ${s.variable}.${s.field} in ${CVACT_MAT}: no '${s.name}' split (the full CVACT_test set)`);
      continue;
    }
    const idx = indexVector(vars, s.variable, s.field, n);
    const pairs: PairRecord[] = [];
    const gallery: string[] = [];
    for (const k of idx) {
      const id = ids[k]!;
      const aerial = cvactAerialPath(root, id);
      pairs.push({ id, ground: cvactGroundPath(root, id), aerial, galleryIndex: [gallery.length], utm: utmAt(k) });
      gallery.push(aerial);
    }
    splits[s.name] = { name: s.name, pairs, gallery };
  }
  return { format: 'cvact', root, splits, notes };
}
