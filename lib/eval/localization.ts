/**
 * Retrieval-based visual localization (MDUIT, paper 004, Sec. 3.3 and Table 1): each query takes
 * the pose of its most similar reference image (top-1 by cosine similarity of the descriptors);
 * it is localized within a threshold (position metres, orientation degrees) when both errors
 * against its true pose are within it. Table 1's thresholds are RobotCar Seasons' three
 * precision levels (0.25 m, 2°), (0.5 m, 5°), (5 m, 10°); results in percent of the queries.
 */
import type { Pose } from '../data/localization.js';
import { poseError } from '../data/localization.js';
import { CvglError } from '../engine/errors.js';
import { scanSimilarity, shapeOf, type Descriptors } from './similarity_blocks.js';

export interface PoseThreshold {
  metres: number;
  degrees: number;
  /** Metric key suffix, e.g. '0.25m_2deg' (lib/papers/mduit/published.ts). */
  key: string;
}

/** Table 1's three thresholds (RobotCar Seasons' high, medium and coarse precision). */
export const TABLE1_THRESHOLDS: PoseThreshold[] = [
  { metres: 0.25, degrees: 2, key: '0.25m_2deg' },
  { metres: 0.5, degrees: 5, key: '0.5m_5deg' },
  { metres: 5, degrees: 10, key: '5m_10deg' },
];

/** Index of the most similar gallery row of every query (cosine; the first of equal scores). */
export async function retrieveTop1(queries: Descriptors, gallery: Descriptors): Promise<Int32Array> {
  const [nq] = shapeOf(queries, 'queries');
  const best = new Int32Array(nq);
  await scanSimilarity(queries, gallery, { metric: 'cosine' }, (q0, q1, scores) => {
    const ng = scores.length / (q1 - q0);
    for (let r = 0; r < q1 - q0; r++) {
      let arg = 0, max = -Infinity;
      for (let j = 0; j < ng; j++) {
        const s = scores[r * ng + j]!;
        if (s > max) [max, arg] = [s, j];
      }
      best[q0 + r] = arg;
    }
  });
  return best;
}

export interface LocalizationResult {
  /** Percent of queries localized within each threshold, by threshold key. */
  accuracy: Record<string, number>;
  /** Per query: error of the retrieved pose. */
  errors: { metres: number; degrees: number }[];
  /** Median position and orientation errors. */
  median: { metres: number; degrees: number };
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};

/** Accuracy at the thresholds of queries localized at the poses of their top-1 references. */
export function localizationAccuracy(top1: Int32Array, queryPoses: Pose[], referencePoses: Pose[], thresholds: PoseThreshold[] = TABLE1_THRESHOLDS): LocalizationResult {
  if (top1.length !== queryPoses.length) throw new CvglError('one retrieved reference per query', `${top1.length} for ${queryPoses.length} queries`, 'retrieve with the same query list');
  const errors = queryPoses.map((q, i) => {
    const r = referencePoses[top1[i]!];
    if (!r) throw new CvglError(`reference indices in [0, ${referencePoses.length})`, String(top1[i]), 'retrieve against the same reference list');
    return poseError(q, r);
  });
  const accuracy: Record<string, number> = {};
  for (const t of thresholds) {
    const hits = errors.filter((e) => e.metres <= t.metres && e.degrees <= t.degrees).length;
    accuracy[t.key] = errors.length ? (100 * hits) / errors.length : NaN;
  }
  return { accuracy, errors, median: { metres: median(errors.map((e) => e.metres)), degrees: median(errors.map((e) => e.degrees)) } };
}
