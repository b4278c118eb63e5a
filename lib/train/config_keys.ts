/**
 * The keys a config may have, checked before its values: a misspelt key (`data.batchsize`,
 * `optimizer.learningRate`, `seeed`) would otherwise be ignored and the run would silently train
 * with the default it meant to change. An unknown key is an error naming the nearest valid one.
 */
import { CvglError } from '../engine/errors.js';

/** Allowed keys: `true` for a value whose keys are not checked here (free-form, or checked by its own validator). */
export type KeySchema = { readonly [key: string]: true | KeySchema };

/** Names people reach for that are far from ours by spelling. */
const ALIASES: Record<string, string> = { learningrate: 'lr', learnrate: 'lr', rate: 'lr', bs: 'batchSize', batch: 'batchSize', wd: 'weightDecay', decay: 'weightDecay', epoch: 'epochs', seeds: 'seed', datadir: 'dir', path: 'dir' };

const norm = (s: string) => s.toLowerCase().replace(/[_\-\s]/g, '');

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The valid key closest to `key` (case, `_` and `-` ignored; a few aliases), or null when none is close. */
export function nearestKey(key: string, valid: readonly string[]): string | null {
  const k = norm(key);
  const alias = ALIASES[k];
  if (alias && valid.includes(alias)) return alias;
  let best: string | null = null, bestD = Infinity;
  for (const v of valid) {
    const d = editDistance(k, norm(v));
    if (d < bestD) [best, bestD] = [v, d];
  }
  return bestD <= Math.max(2, Math.floor(k.length / 3)) ? best : null;
}

const isObj = (x: unknown): x is Record<string, unknown> => x != null && typeof x === 'object' && !Array.isArray(x);

/**
 * Throws a CvglError for the first key of `x` (recursively) that `schema` does not know. Values
 * that are not objects are left to the validators, which say what shape they expect.
 */
export function checkKeys(x: unknown, schema: KeySchema, path: string, origin: string): void {
  if (!isObj(x)) return;
  for (const [k, v] of Object.entries(x)) {
    const at = path ? `${path}.${k}` : k;
    const sub = schema[k];
    if (sub === undefined) {
      const valid = Object.keys(schema);
      const near = nearestKey(k, valid);
      const where = path ? `'${path}'` : 'the top level';
      throw new CvglError(
        `known keys at ${where} of ${origin}: ${valid.join(', ')}`,
        `'${at}'`,
        near ? `did you mean '${path ? `${path}.` : ''}${near}'? (an unknown key would be ignored and the default used)` : `remove it, or use one of the keys above`,
      );
    }
    if (sub !== true) checkKeys(v, sub, at, origin);
  }
}

/** AugmentOptions of one view (lib/data/augment.ts). */
const AUGMENT_VIEW: KeySchema = { size: true, resizedCrop: true, cropScale: true, cropRatio: true, jitterP: true, jitter: { brightness: true, contrast: true, saturation: true, hue: true }, grayP: true, blurP: true, blurSigma: true, flipP: true };
/** PairOptions (lib/data/augment.ts). */
export const PAIR_AUGMENT: KeySchema = { ground: AUGMENT_VIEW, aerial: AUGMENT_VIEW, flipP: true, yawNoiseDeg: true, fovDeg: true, fovSize: true };
