/**
 * Learning-rate schedules as a factor of the base rate, a function of where training is
 * (epoch and step within it), so a resumed run computes the same rate as a straight one.
 *
 *   constant
 *   step          ×gamma at each epoch in `milestones` (MoCov2 / thesis stage 1: ×0.1 at 120, 160)
 *   linear-to-zero constant for `constantEpochs`, then linearly to zero over `decayEpochs`
 *                 (MDUIT Sec. 4: 0.0002 for 35 epochs, linearly to zero over the next 15)
 *   warm-up (any of them): linear from 0 over the first `warmupSteps` optimizer steps
 */
import { CvglError } from '../engine/errors.js';
import { checkKeys } from './config_keys.js';

export type ScheduleConfig = (
  | { kind: 'constant' }
  | { kind: 'step'; milestones: number[]; gamma?: number }
  | { kind: 'linear-to-zero'; constantEpochs: number; decayEpochs: number }
) & { warmupSteps?: number };

export const SCHEDULE_KINDS = ['constant', 'step', 'linear-to-zero'] as const;

export interface TrainingPosition {
  /** 0-based epoch. */
  epoch: number;
  /** Batches done in this epoch before the current one. */
  stepInEpoch: number;
  stepsPerEpoch: number;
  /** Optimizer steps done before this one, over the whole run. */
  globalStep: number;
}

/** The keys of each schedule's config (a misspelt one would silently leave the default). */
const SCHEDULE_KEYS = {
  constant: { kind: true, warmupSteps: true },
  step: { kind: true, milestones: true, gamma: true, warmupSteps: true },
  'linear-to-zero': { kind: true, constantEpochs: true, decayEpochs: true, warmupSteps: true },
} as const;

export function validateSchedule(s: ScheduleConfig): void {
  const bad = (what: string, found: unknown, fix: string) => new CvglError(`schedule.${what}`, JSON.stringify(found), fix);
  if (!s || !(SCHEDULE_KINDS as readonly string[]).includes(s.kind)) throw bad(`kind: ${SCHEDULE_KINDS.join(', ')}`, s?.kind, 'e.g. {"kind": "constant"}');
  checkKeys(s, SCHEDULE_KEYS[s.kind], 'schedule', `a '${s.kind}' schedule`);
  if (s.warmupSteps !== undefined && !(Number.isInteger(s.warmupSteps) && s.warmupSteps >= 0)) throw bad('warmupSteps: an integer >= 0', s.warmupSteps, 'e.g. 500, or leave it out');
  if (s.kind === 'step') {
    if (!Array.isArray(s.milestones) || !s.milestones.every((m) => Number.isInteger(m) && m > 0)) throw bad('milestones: epochs (integers > 0)', s.milestones, 'e.g. [120, 160]');
    if (s.gamma !== undefined && !(s.gamma > 0)) throw bad('gamma > 0', s.gamma, 'e.g. 0.1');
  }
  if (s.kind === 'linear-to-zero' && !(s.constantEpochs >= 0 && s.decayEpochs > 0)) throw bad('constantEpochs >= 0 and decayEpochs > 0', { constantEpochs: s.constantEpochs, decayEpochs: s.decayEpochs }, 'MDUIT: 35 and 15');
}

/** The factor the base learning rate is multiplied by at this position. */
export function scheduleFactor(s: ScheduleConfig, at: TrainingPosition): number {
  let f = 1;
  switch (s.kind) {
    case 'constant':
      break;
    case 'step':
      for (const m of s.milestones) if (at.epoch >= m) f *= s.gamma ?? 0.1;
      break;
    case 'linear-to-zero': {
      const t = at.epoch + at.stepInEpoch / Math.max(1, at.stepsPerEpoch);
      if (t > s.constantEpochs) f = Math.max(0, 1 - (t - s.constantEpochs) / s.decayEpochs);
      break;
    }
  }
  if (s.warmupSteps && at.globalStep < s.warmupSteps) f *= (at.globalStep + 1) / s.warmupSteps;
  return f;
}
