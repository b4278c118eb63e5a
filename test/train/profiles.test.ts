/**
 * The one profile mechanism (lib/train/profiles.ts): a profile name is checked in one place for
 * presets and studies alike, and the studies' own sizes (the thesis', MDUIT's) are tables of it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CvglError } from '../../lib/engine/errors.js';
import { checkProfile, PROFILES, profileSizes, type ProfileSizes } from '../../lib/train/profiles.js';
import { profileConfig } from '../../lib/papers/study.js';
import { THESIS_SIZES, thesisConfig } from '../../lib/papers/thesis/index.js';
import { MDUIT_PROFILES, mduitStudyConfig } from '../../lib/papers/mduit/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'cvgl-profiles-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('profiles', () => {
  it('checkProfile passes the three names and lists them, in the order asked, with what to do', () => {
    for (const p of PROFILES) expect(checkProfile(p)).toBe(p);
    expect(() => checkProfile('fast')).toThrow(CvglError);
    expect(() => checkProfile('fast')).toThrow(/a profile: paper, quick, smoke[\s\S]*found: 'fast'[\s\S]*use 'quick' on a CPU/);
    expect(() => checkProfile(undefined, { listed: ['smoke', 'quick', 'paper'], fix: 'pick one' })).toThrow(/a profile: smoke, quick, paper[\s\S]*pick one/);
  });

  it('profileSizes reads a study table after the check; a profile left out runs the paper sizes', () => {
    const t: ProfileSizes<{ n: number }> = { quick: { n: 2 }, smoke: { n: 1 } };
    expect(profileSizes(t, 'smoke')).toEqual({ n: 1 });
    expect(profileSizes(t, 'paper')).toBeUndefined();
    expect(() => profileSizes(t, 'Quick')).toThrow(/a profile/);
  });

  it('the thesis and MDUIT studies read their sizes through it, and reject an unknown profile the same way as a preset', () => {
    const data = { cvact: tmp, vigor: tmp };
    const q = thesisConfig('thesis.table44.setting6', { profile: 'quick', data });
    expect(q.data.batchSize).toBe(THESIS_SIZES.quick.batch);
    expect(q.model.options).toMatchObject({ widthDivisor: THESIS_SIZES.quick.widthDivisor });
    expect(thesisConfig('thesis.table44.setting6', { profile: 'smoke', data }).data.limit).toEqual({ train: THESIS_SIZES.smoke.trainPairs, val: THESIS_SIZES.smoke.valPairs });
    expect(mduitStudyConfig('quick')).toEqual(MDUIT_PROFILES.quick);
    expect(mduitStudyConfig('smoke', { height: 8 }).height).toBe(8);
    const message = (f: () => unknown) => { try { f(); } catch (e) { return (e as CvglError).expected; } return null; };
    expect(message(() => thesisConfig('thesis.table44.setting6', { profile: 'fast', data }))).toBe(message(() => profileConfig('cvft.table1.full', 'fast')));
    expect(message(() => mduitStudyConfig('fast' as never))).toBe('a profile: smoke, quick, paper');
  });
});
