/**
 * The synthetic multi-domain localization set of the MDUIT study — lib/synth/localization.ts:
 * references along streets at the asked spacing, looking along the street; query poses near the
 * route rendered in every domain (same geometry: the renders differ in colour, not in edges);
 * training poses distinct from query poses; Day-All / Night-All grouping; determinism; an
 * up-to-date set is not rendered again; a foreign folder is never overwritten; option errors.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CvglError } from '../../lib/engine/index.js';
import { loadImageBank, bankImage } from '../../lib/data/image_bank.js';
import { poseError } from '../../lib/data/localization.js';
import { structureScore } from '../../lib/eval/translation_quality.js';
import { ensureSynthLocalization, generateSynthLocalization, readSynthLocalization, readSynthLocalizationManifest } from '../../lib/synth/localization.js';

const SMALL = { routes: 2, referenceSpacing: 5, queriesPerRoute: 3, trainPerDomain: 4, width: 48, height: 32, workers: 2, seed: 9 };

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-synth-loc-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('synthetic localization set', () => {
  it('renders references, queries in every domain and training images, with their poses', async () => {
    const out = join(tmp, 'a');
    const m = await generateSynthLocalization({ out, ...SMALL });
    const s = readSynthLocalization(out);
    expect(s.kind).toBe('synthetic');
    expect(s.conditions).toEqual(['day', 'dusk', 'night', 'snow', 'fog']);
    expect(s.references.every((r) => r.condition === 'day' && existsSync(r.path))).toBe(true);
    expect(s.references.length).toBeGreaterThanOrEqual(2 * 12); // two ~70 m stretches every 5 m
    // consecutive references on a route: spacing 5 m, same heading
    const e = poseError(s.references[0]!.pose!, s.references[1]!.pose!);
    expect(e.metres).toBeCloseTo(5, 2);
    expect(e.degrees).toBeLessThan(1e-9);
    // queries: each pose in all five domains; Day-All = day, dusk, snow, fog; Night-All = night
    expect(s.truth!.size).toBe(6);
    for (const renders of s.truth!.values()) expect([...renders.keys()].sort()).toEqual(['day', 'dusk', 'fog', 'night', 'snow']);
    expect(s.queries.day.length).toBe(6 * 4);
    expect(s.queries.night.length).toBe(6);
    expect(new Set(s.queries.day.map((q) => q.condition))).toEqual(new Set(['day', 'dusk', 'snow', 'fog']));
    // queries lie near a route: within a few metres of some reference
    for (const q of s.queries.night) expect(Math.min(...s.references.map((r) => poseError(q.pose!, r.pose!).metres))).toBeLessThan(5);
    // training: the references plus 4 images per domain at poses that are no query's
    expect(s.training.length).toBe(s.references.length + 5 * 4);
    const queryPoses = new Set(m.images.filter((i) => i.role === 'query').map((i) => `${i.x},${i.y}`));
    expect(m.images.filter((i) => i.role === 'train').some((i) => queryPoses.has(`${i.x},${i.y}`))).toBe(false);
    // one pose, five domains: different colours, the same edges
    const [poseId, renders] = [...s.truth!][0]!;
    const bank = await loadImageBank(['day', 'fog', 'snow'].map((d) => renders.get(d)!.path), 32, 48);
    const [day, fog, snow] = [0, 1, 2].map((i) => bankImage(bank, i));
    expect(poseId).toMatch(/^q/);
    expect(structureScore(day!, snow!, 32, 48)).toBeGreaterThan(0.5);
    expect(structureScore(day!, fog!, 32, 48)).toBeGreaterThan(0.3);
    expect(day!.some((v, i) => Math.abs(v - snow![i]!) > 0.2)).toBe(true);
  });

  it('is deterministic, not rendered again when up to date, and refuses a foreign folder', async () => {
    const out = join(tmp, 'a');
    const stamp = statSync(join(out, 'localization.json')).mtimeMs;
    const again = await ensureSynthLocalization(out, SMALL);
    expect(statSync(join(out, 'localization.json')).mtimeMs).toBe(stamp);
    expect(again.references.length).toBeGreaterThan(0);
    const other = join(tmp, 'b');
    await generateSynthLocalization({ out: other, ...SMALL });
    const strip = (p: string) => JSON.stringify({ ...readSynthLocalizationManifest(p), created: null });
    expect(strip(other)).toBe(strip(out));
    expect(readFileSync(join(other, 'images/night', `${readSynthLocalizationManifest(other)!.images.find((i) => i.domain === 'night')!.poseId}.png`))).toEqual(
      readFileSync(join(out, 'images/night', `${readSynthLocalizationManifest(out)!.images.find((i) => i.domain === 'night')!.poseId}.png`)),
    );
    const foreign = join(tmp, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    await expect(generateSynthLocalization({ out: foreign, ...SMALL })).rejects.toThrow(/holds something else/);
    expect(readFileSync(join(foreign, 'notes.txt'), 'utf8')).toBe('mine');
    // other options: rendered again
    const changed = await ensureSynthLocalization(other, { ...SMALL, queriesPerRoute: 1 });
    expect(changed.truth!.size).toBe(2);
  });

  it('checks its options', async () => {
    const bad: Record<string, unknown>[] = [{ routes: 0 }, { referenceSpacing: 0 }, { fovDeg: 0 }, { domains: ['night'] }, { domains: ['day', 'rain'] }, { topDeg: -50 }, { style: 'moon' }];
    for (const b of bad) await expect(generateSynthLocalization({ out: join(tmp, 'bad'), ...SMALL, ...b }), JSON.stringify(b)).rejects.toThrow(CvglError);
    expect(() => readSynthLocalization(join(tmp, 'nothing-here'))).toThrow(/localization\.json/);
  });
});
