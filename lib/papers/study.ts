/**
 * The profile mechanism and the generic study (lib/train/profiles.ts, lib/train/study.ts) bound to
 * the papers' rows (lib/papers/presets.ts): what the CVFT, MGTL, GeoCapsNet and quick-start
 * notebooks call as `profileConfig(id, profile, o)` and `runStudy(ids, o)`.
 */
import { profileConfig as profileConfigOf, type ProfileName, type ProfileOptions } from '../train/profiles.js';
import { runStudy as runStudyOf, type StudyOptions, type StudyResult } from '../train/study.js';
import type { TrainConfig } from '../train/config.js';
import { getPreset } from './presets.js';

/** Options with the rows to read optional: every paper's presets unless given. */
type WithPresets<T extends { presets: unknown }> = Omit<T, 'presets'> & Partial<Pick<T, 'presets'>>;

/** The config of experiment `name` (a preset name) under `profile` (see lib/train/profiles.ts). */
export function profileConfig(name: string, profile: ProfileName | string, o: WithPresets<ProfileOptions> = {}): TrainConfig {
  return profileConfigOf(name, profile, { ...o, presets: o.presets ?? getPreset });
}

/** Trains and evaluates the experiment rows `ids` under a profile (see lib/train/study.ts). */
export function runStudy(ids: string[], o: WithPresets<StudyOptions>): Promise<StudyResult> {
  return runStudyOf(ids, { ...o, presets: o.presets ?? getPreset });
}
