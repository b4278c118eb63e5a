/**
 * RobotCar Seasons (MDUIT's dataset) — lib/data/robotcar_seasons.ts and `cvgl data check` — on a
 * tiny tree this test writes in the release's layout (real files are not available here):
 * reference poses from the NVM file (world-to-camera quaternions, camera centres), query poses
 * from robotcar_v2_train.txt (camera-to-world matrices, .png names for .jpg files), the
 * Day-All / Night-All grouping, images without a pose kept for training; and broken trees: no
 * images/, no NVM, no query poses, names that match no file, a malformed line, a truncated JPEG.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CvglError } from '../../lib/engine/index.js';
import { poseError, quaternionToMatrix } from '../../lib/data/localization.js';
import { isRobotCarSeasons, parseNvmPoses, readRobotCarSeasons } from '../../lib/data/robotcar_seasons.js';
import { writeRobotCarTree } from '../fixtures/robotcar_tree.js';

const BIN = fileURLToPath(new URL('../../bin/cvgl.mjs', import.meta.url));

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cvgl-robotcar-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('RobotCar Seasons reader', () => {
  it('reads references, queries and training images with consistent poses', async () => {
    const root = join(tmp, 'good');
    await writeRobotCarTree(root);
    expect(isRobotCarSeasons(root)).toBe(true);
    const s = readRobotCarSeasons(root);
    expect(s.kind).toBe('robotcar-seasons');
    expect(s.conditions[0]).toBe('overcast-reference');
    expect(s.conditions).toEqual(['overcast-reference', 'dawn', 'dusk', 'night', 'night-rain']);
    expect(s.references.map((r) => r.id)).toEqual([1000, 1001, 1002, 1003].map((t) => `overcast-reference/rear/${t}`));
    expect(s.queries.day.map((q) => q.id)).toEqual(['dawn/rear/2000']);
    expect(s.queries.night.map((q) => q.id)).toEqual(['night/rear/3000', 'night-rain/rear/3100']);
    expect(s.training.length).toBe(5 + 4); // every rear image, the reference without a pose and the dusk image included
    expect(s.training.find((t) => t.condition === 'dusk')!.pose).toBeNull();
    expect(s.notes.join(' ')).toMatch(/1 reference images without a pose/);
    expect(s.notes.join(' ')).toMatch(/1 query images of robotcar_v2_train.txt are not in images/);
    // the NVM's world-to-camera quaternion and the v2 file's camera-to-world matrix describe the same orientation
    const e = poseError(s.queries.day[0]!.pose!, s.references[1]!.pose!);
    expect(e.metres).toBeCloseTo(0.1, 9);
    expect(e.degrees).toBeLessThan(1e-6);
    expect(poseError(s.queries.night[0]!.pose!, s.references[2]!.pose!).metres).toBeCloseTo(0, 9);
    expect(s.references[3]!.pose!.position).toEqual([11, 0, 0]);
  });

  it('parses quaternions into rotations (90° about z) and refuses truncated NVM files', () => {
    const r = quaternionToMatrix(Math.SQRT1_2, 0, 0, Math.SQRT1_2);
    [0, -1, 0, 1, 0, 0, 0, 0, 1].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 12));
    const poses = parseNvmPoses('NVM_V3\n\n1\na/rear/1.png 1 1 0 0 0 5 6 7 0 0\n', 'x.nvm');
    expect(poses.get('a/rear/1.jpg')!.position).toEqual([5, 6, 7]);
    expect(() => parseNvmPoses('NVM_V3\n\n3\na.jpg 1 1 0 0 0 5 6 7 0 0\n', 'x.nvm')).toThrow(/3 image lines/);
    expect(() => parseNvmPoses('NVM_V3\n\n1\na.jpg 1 one 0 0 0 5 6 7 0 0\n', 'x.nvm')).toThrow(CvglError);
  });

  it('names what is missing: no folder, no images/, no NVM, no query poses, unmatched names, bad lines', async () => {
    const root = join(tmp, 'broken');
    const expectErr = (re: RegExp) => {
      let err: unknown;
      try {
        readRobotCarSeasons(root);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CvglError);
      expect((err as Error).message).toMatch(re);
    };
    expectErr(/no such folder/);
    mkdirSync(root);
    expectErr(/images\/overcast-reference\/rear.*\n.*no images\/ folder/);
    await writeRobotCarTree(root);
    unlinkSync(join(root, '3D-models/all-merged/all.nvm'));
    expectErr(/all\.nvm \(the reference poses\)\n  found: missing/);
    writeFileSync(join(root, '3D-models/all-merged/all.nvm'), 'NVM_V3\n\n1\novercast-reference/rear/77.jpg 1 1 0 0 0 0 0 0 0 0\n');
    expectErr(/none of the 5 files there is in it \(it names e\.g\. overcast-reference\/rear\/77\.jpg\)/);
    await writeRobotCarTree(root);
    unlinkSync(join(root, 'robotcar_v2_train.txt'));
    expectErr(/robotcar_v2_train\.txt.*\n  found: missing/);
    writeFileSync(join(root, 'robotcar_v2_train.txt'), 'dawn/rear/2000.jpg 1 0 0\n');
    expectErr(/line 1: 'dawn\/rear\/2000\.jpg 1 0 0'/);
    writeFileSync(join(root, 'robotcar_v2_train.txt'), `sun/rear/1.jpg ${'1 '.repeat(16)}\n`);
    expectErr(/query images .* named in robotcar_v2_train\.txt/);
  });
});

describe('cvgl data check on RobotCar Seasons', () => {
  const cvgl = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });

  it('summarises a complete tree (exit 0), lists a truncated image (exit 1), explains a missing NVM (exit 2)', async () => {
    const root = join(tmp, 'cli');
    await writeRobotCarTree(root);
    const ok = cvgl('data', 'check', root, '--quiet');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/RobotCar Seasons dataset at/);
    expect(ok.stdout).toMatch(/references \(overcast-reference, with poses\): 4/);
    expect(ok.stdout).toMatch(/queries with poses: 1 day \("Day-All"\), 2 night \("Night-All"\)/);
    expect(ok.stdout).toMatch(/OK: all 9 files/);
    const night = join(root, 'images/night/rear/3000.jpg');
    writeFileSync(night, readFileSync(night).subarray(0, 60));
    const bad = cvgl('data', 'check', root, '--quiet');
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/unreadable +images\/night\/rear\/3000\.jpg/);
    unlinkSync(join(root, '3D-models/all-merged/all.nvm'));
    const usage = cvgl('data', 'check', root, '--format', 'robotcar-seasons');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/all\.nvm \(the reference poses\)/);
    expect(usage.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });
});
