/**
 * RobotCar Seasons (Sattler et al., CVPR 2018 — MDUIT's [34]) as a LocalizationSet, from the
 * folder its download unpacks into (visuallocalization.net, v2):
 *
 *   images/<condition>/rear/<timestamp>.jpg     the rear camera of every traversal (left/right are
 *                                               not used, as MDUIT's single-image setting)
 *   3D-models/all-merged/all.nvm                reference poses: NVM_V3, one line per image
 *                                               "<name> <focal> <qw> <qx> <qy> <qz> <cx> <cy> <cz> <radial> 0",
 *                                               q the world-to-camera rotation, c the camera centre
 *   robotcar_v2_train.txt                       query poses (v2 training split, the only public query
 *   (or metadata/robotcar_v2_train.txt)         ground truth): "<name> m00 m01 … m33", the
 *                                               camera-to-world 4 × 4 matrix, row-major
 *
 * Conditions: overcast-reference (the map), dawn, dusk, night, night-rain, overcast-summer,
 * overcast-winter, rain, snow, sun. Table 1's "Night-All" are night and night-rain, "Day-All" the
 * others. Names in the pose files may say .png where the images are .jpg (a known quirk of the
 * release) and may start with "./"; both are normalised.
 *
 * Evaluation here uses the v2 training queries (their poses are public); the paper's numbers
 * come from the benchmark's hidden test poses, so a reproduction on this folder is indicative,
 * not the benchmark. Training (the unsupervised translation) uses every rear image.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CvglError } from '../engine/errors.js';
import { isNightCondition, quaternionToMatrix, transpose3, type LocalizationSet, type Pose, type PosedImage } from './localization.js';

export const ROBOTCAR_REFERENCE = 'overcast-reference';
export const ROBOTCAR_CONDITIONS = [ROBOTCAR_REFERENCE, 'dawn', 'dusk', 'night', 'night-rain', 'overcast-summer', 'overcast-winter', 'rain', 'snow', 'sun'];
export const ROBOTCAR_NVM = '3D-models/all-merged/all.nvm';
const V2_TRAIN = ['robotcar_v2_train.txt', 'metadata/robotcar_v2_train.txt'];
const CAMERA = 'rear';

/** True when `root` looks like RobotCar Seasons (its images folder with the reference condition, or its pose files). */
export function isRobotCarSeasons(root: string): boolean {
  return existsSync(join(root, 'images', ROBOTCAR_REFERENCE)) || existsSync(join(root, ROBOTCAR_NVM)) || V2_TRAIN.some((f) => existsSync(join(root, f)));
}

const normName = (name: string) => name.replace(/^\.\//, '').replace(/\.png$/i, '.jpg');

function fail(expected: string, found: string, fix: string): never {
  throw new CvglError(`RobotCar Seasons: ${expected}`, found, fix);
}

/** Reference poses from an NVM_V3 file: image name → pose. */
export function parseNvmPoses(text: string, file: string): Map<string, Pose> {
  const lines = text.split(/\r?\n/);
  let k = 0;
  while (k < lines.length && (lines[k]!.trim() === '' || lines[k]!.startsWith('NVM_V3'))) k++;
  const count = Number(lines[k]?.trim());
  if (!Number.isInteger(count) || count < 0) fail(`${file}: an NVM_V3 file (a header, then the number of images)`, `line ${k + 1}: '${lines[k] ?? ''}'`, 're-extract 3D-models/all-merged/all.nvm from the dataset');
  const poses = new Map<string, Pose>();
  k++;
  while (poses.size < count && k < lines.length) {
    const line = lines[k++]!.trim();
    if (!line) continue;
    const f = line.split(/\s+/);
    const v = f.slice(1, 9).map(Number);
    if (f.length < 9 || v.some((x) => !Number.isFinite(x))) fail(`${file}: image lines '<name> <focal> <qw> <qx> <qy> <qz> <cx> <cy> <cz> …'`, `line ${k}: '${line.slice(0, 120)}'`, 'the file is damaged: re-extract it');
    const [, qw, qx, qy, qz, cx, cy, cz] = v as [number, number, number, number, number, number, number, number];
    poses.set(normName(f[0]!), { position: [cx, cy, cz], rotation: transpose3(quaternionToMatrix(qw, qx, qy, qz)) });
  }
  if (poses.size < count) fail(`${file}: ${count} image lines, as its header says`, `${poses.size}`, 'the file is truncated: re-extract it');
  return poses;
}

/** Query poses of robotcar_v2_train.txt: image name → pose (the camera-to-world matrix). */
export function parseV2TrainPoses(text: string, file: string): Map<string, Pose> {
  const poses = new Map<string, Pose>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const f = line.split(/\s+/);
    const m = f.slice(1).map(Number);
    if (m.length !== 16 || m.some((x) => !Number.isFinite(x))) fail(`${file}: lines '<name>' and 16 numbers (a 4 x 4 camera-to-world matrix)`, `line ${i + 1}: '${line.slice(0, 120)}'`, 'the file is damaged: download robotcar_v2_train.txt again');
    poses.set(normName(f[0]!), { position: [m[3]!, m[7]!, m[11]!], rotation: [m[0]!, m[1]!, m[2]!, m[4]!, m[5]!, m[6]!, m[8]!, m[9]!, m[10]!] });
  });
  return poses;
}

function listJpgs(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => /\.jpe?g$/i.test(f)).sort();
  } catch {
    return [];
  }
}

/** Reads the folder (see the file comment). Every problem is a CvglError saying what is missing. */
export function readRobotCarSeasons(dir: string): LocalizationSet {
  const root = resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(root).isDirectory();
  } catch {
    /* missing */
  }
  if (!isDir) fail('a dataset folder', `${root}: no such folder`, 'pass the folder RobotCar Seasons was unpacked into (the one holding images/ and 3D-models/)');
  const imagesDir = join(root, 'images');
  if (!existsSync(join(imagesDir, ROBOTCAR_REFERENCE, CAMERA))) {
    fail(`images/${ROBOTCAR_REFERENCE}/${CAMERA}/ with the reference images`, `${root} holds ${existsSync(imagesDir) ? `images/ with ${readdirSync(imagesDir).join(', ') || 'nothing'}` : 'no images/ folder'}`, `unzip the condition archives into ${imagesDir} (images/<condition>/{left,rear,right}/*.jpg)`);
  }
  const nvmPath = join(root, ROBOTCAR_NVM);
  if (!existsSync(nvmPath)) fail(`${ROBOTCAR_NVM} (the reference poses)`, 'missing', 'download the 3D-models archive of RobotCar Seasons and unpack it into the dataset folder');
  const v2 = V2_TRAIN.map((f) => join(root, f)).find((p) => existsSync(p));
  if (!v2) fail(`${V2_TRAIN.join(' or ')} (query poses; the only public query ground truth)`, 'missing', 'download robotcar_v2_train.txt from visuallocalization.net into the dataset folder');
  const refPoses = parseNvmPoses(readFileSync(nvmPath, 'utf8'), ROBOTCAR_NVM);
  const queryPoses = parseV2TrainPoses(readFileSync(v2, 'utf8'), v2.slice(root.length + 1));
  const notes: string[] = [];
  const conditions = readdirSync(imagesDir).filter((c) => existsSync(join(imagesDir, c, CAMERA))).sort((a, b) => (a === ROBOTCAR_REFERENCE ? -1 : b === ROBOTCAR_REFERENCE ? 1 : a.localeCompare(b)));
  const unknown = conditions.filter((c) => !ROBOTCAR_CONDITIONS.includes(c));
  if (unknown.length) notes.push(`conditions not in RobotCar Seasons' list, used as query conditions: ${unknown.join(', ')}`);
  const training: PosedImage[] = [];
  const references: PosedImage[] = [];
  const queries: PosedImage[] = [];
  let refsWithoutPose = 0;
  for (const cond of conditions) {
    for (const f of listJpgs(join(imagesDir, cond, CAMERA))) {
      const name = `${cond}/${CAMERA}/${f}`;
      const isRef = cond === ROBOTCAR_REFERENCE;
      const pose = (isRef ? refPoses : queryPoses).get(name) ?? null;
      const im: PosedImage = { id: name.replace(/\.jpe?g$/i, ''), path: join(imagesDir, name), condition: cond, pose };
      training.push(im);
      if (isRef) {
        if (pose) references.push(im);
        else refsWithoutPose++;
      } else if (pose) queries.push(im);
    }
  }
  if (!references.length) {
    const sample = [...refPoses.keys()].filter((n) => n.startsWith(`${ROBOTCAR_REFERENCE}/${CAMERA}/`)).slice(0, 3);
    fail(`reference images of images/${ROBOTCAR_REFERENCE}/${CAMERA}/ named in ${ROBOTCAR_NVM}`, `none of the ${listJpgs(join(imagesDir, ROBOTCAR_REFERENCE, CAMERA)).length} files there is in it${sample.length ? ` (it names e.g. ${sample.join(', ')})` : ` (it names no ${CAMERA}-camera image)`}`, 'check that images/ and 3D-models/ come from the same release');
  }
  if (!queries.length) {
    const sample = [...queryPoses.keys()].slice(0, 3);
    fail(`query images of images/<condition>/${CAMERA}/ named in robotcar_v2_train.txt`, `none found${sample.length ? ` (it names e.g. ${sample.join(', ')})` : ' (the file lists no image)'}`, 'unzip the query conditions (dawn, dusk, night, …) into images/');
  }
  if (refsWithoutPose) notes.push(`${refsWithoutPose} reference images without a pose in ${ROBOTCAR_NVM} (used for training only)`);
  const missingQueries = [...queryPoses.keys()].filter((n) => n.includes(`/${CAMERA}/`) && !existsSync(join(imagesDir, n)));
  if (missingQueries.length) notes.push(`${missingQueries.length} query images of robotcar_v2_train.txt are not in images/ (e.g. ${missingQueries.slice(0, 2).join(', ')})`);
  return {
    kind: 'robotcar-seasons',
    root,
    conditions,
    referenceCondition: ROBOTCAR_REFERENCE,
    references,
    queries: { day: queries.filter((q) => !isNightCondition(q.condition)), night: queries.filter((q) => isNightCondition(q.condition)) },
    training,
    notes,
  };
}
