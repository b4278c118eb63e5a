/**
 * Visual-localization image sets (MDUIT, paper 004, Sec. 3.3; RobotCar Seasons [34]): a map of
 * reference images with 6-DoF poses, queries under other conditions (with poses, for evaluation),
 * and the multi-domain images the unsupervised translation trains on. Read from RobotCar Seasons
 * (lib/data/robotcar_seasons.ts) or from the synthetic world's localization layout
 * (lib/synth/localization.ts); both give a `LocalizationSet`.
 *
 * Poses: camera centre in world metres and the world-from-camera rotation (row-major 3 × 3).
 * Localization error of a query against a retrieved reference: the distance of the centres and
 * the angle of the relative rotation, arccos((trace(R_qᵀ R_r) − 1) / 2) (the RobotCar Seasons
 * benchmark's position and orientation errors).
 */
import { CvglError } from '../engine/errors.js';

export interface Pose {
  /** Camera centre, metres. */
  position: [number, number, number];
  /** World-from-camera rotation, row-major 3 × 3. */
  rotation: number[];
}

export interface PosedImage {
  /** Stable id (relative path without extension, or the synthetic render's name). */
  id: string;
  /** Absolute path of the image file. */
  path: string;
  /** Condition / appearance domain (RobotCar Seasons: overcast-reference, dawn, …, night-rain; synthetic: day, dusk, night, snow, fog). */
  condition: string;
  /** Known pose, or null (RobotCar Seasons' query images outside robotcar_v2_train.txt). */
  pose: Pose | null;
  /** Synthetic sets: the renders of one camera pose in several domains share this id. */
  poseId?: string;
}

export type LocalizationSetKind = 'synthetic' | 'robotcar-seasons';

export interface LocalizationSet {
  kind: LocalizationSetKind;
  root: string;
  /** Every condition in the set, the reference condition first. */
  conditions: string[];
  /** The reference condition (synthetic 'day', RobotCar Seasons 'overcast-reference'). */
  referenceCondition: string;
  /** The map: reference images with poses. */
  references: PosedImage[];
  /** Evaluation queries with poses, grouped as Table 1 ("Day-All": every condition but night; "Night-All"). */
  queries: { day: PosedImage[]; night: PosedImage[] };
  /** The images translation and contrastive learning train on (references included). */
  training: PosedImage[];
  /** Synthetic sets: renders of one query pose in every domain, for translation ground truth. */
  truth?: Map<string, Map<string, PosedImage>>;
  notes: string[];
}

/** The world-from-camera rotation of a camera at heading `yawDeg` (clockwise from north, level). */
export function yawRotation(yawDeg: number): number[] {
  const a = (yawDeg * Math.PI) / 180;
  const c = Math.cos(a), s = Math.sin(a);
  // rotation about the vertical axis by −yaw (clockwise seen from above)
  return [c, s, 0, -s, c, 0, 0, 0, 1];
}

/** Rotation matrix (row-major) of a unit quaternion (w, x, y, z). */
export function quaternionToMatrix(w: number, x: number, y: number, z: number): number[] {
  const n = Math.hypot(w, x, y, z);
  if (!(n > 0)) throw new CvglError('a non-zero quaternion', `(${w}, ${x}, ${y}, ${z})`, 'check the pose file');
  [w, x, y, z] = [w / n, x / n, y / n, z / n];
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  ];
}

export function transpose3(r: number[]): number[] {
  return [r[0]!, r[3]!, r[6]!, r[1]!, r[4]!, r[7]!, r[2]!, r[5]!, r[8]!];
}

/** Position error (m) and orientation error (degrees) between two poses. */
export function poseError(a: Pose, b: Pose): { metres: number; degrees: number } {
  const d = Math.hypot(a.position[0] - b.position[0], a.position[1] - b.position[1], a.position[2] - b.position[2]);
  // trace(Aᵀ B) = Σ_ij A_ij B_ij
  let tr = 0;
  for (let i = 0; i < 9; i++) tr += a.rotation[i]! * b.rotation[i]!;
  const cos = Math.min(1, Math.max(-1, (tr - 1) / 2));
  return { metres: d, degrees: (Math.acos(cos) * 180) / Math.PI };
}

/** Night conditions of RobotCar Seasons ("Night-All": night, night-rain) and of the synthetic world. */
export function isNightCondition(c: string): boolean {
  return c === 'night' || c.startsWith('night-');
}
