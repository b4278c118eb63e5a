/**
 * The translation measures the MDUIT study adds (lib/eval/translation_quality.ts) and Fig. 3's
 * grid (lib/eval/translation_grid.ts):
 *   - L1, PSNR and the structure score on known cases (identical images; a brightness change keeps
 *     the structure; noise does not); the colour transfer's output statistics; the domain
 *     classifier on separable colour classes;
 *   - translationQuality with stand-in translators (returning the source, the target) reproduces
 *     its own reference rows;
 *   - the grid PNG: size, the header row holds the targets, the first column the sources, cell
 *     (i, j) the translation of source i to target j (a stand-in translator), no leaks.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CvglError, Rng, tf } from '../../lib/engine/index.js';
import { floatToRgb } from '../../lib/data/image_bank.js';
import {
  colourTransfer,
  DOMAIN_FEATURES,
  domainFeatures,
  imageL1,
  imagePsnr,
  structureScore,
  trainDomainClassifier,
  translationQuality,
  type TruthCase,
} from '../../lib/eval/translation_quality.js';
import { translationGridPng } from '../../lib/eval/translation_grid.js';
import { useBackend } from '../engine/parity_helpers.js';

const H = 12, W = 16;

/** A test image: a bright square on a background of colour `bg` ([−1, 1] per channel), plus noise. */
function picture(r: Rng, bg: [number, number, number], square: number, noise = 0.02): Float32Array {
  const a = new Float32Array(H * W * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) {
    const inside = x >= square && x < square + 5 && y >= 3 && y < 8;
    a[(y * W + x) * 3 + c] = Math.max(-1, Math.min(1, (inside ? 0.9 : bg[c]!) + noise * r.normal()));
  }
  return a;
}

describe('image measures', () => {
  it('L1, PSNR and structure on known cases; colour transfer matches the target statistics', () => {
    const r = new Rng(1);
    const a = picture(r, [-0.5, -0.2, 0.1], 2);
    expect(imageL1(a, a)).toBe(0);
    expect(imagePsnr(a, a)).toBe(Infinity);
    expect(structureScore(a, a, H, W)).toBeCloseTo(1, 9);
    const darker = a.map((v) => (v + 1) * 0.5 - 1); // half the brightness: same edges
    expect(structureScore(a, darker, H, W)).toBeGreaterThan(0.99);
    expect(imageL1(a, darker)).toBeGreaterThan(0.1);
    const moved = picture(r, [-0.5, -0.2, 0.1], 9);
    expect(structureScore(a, moved, H, W)).toBeLessThan(0.5);
    const b = a.map((v) => v + 0.2);
    expect(imageL1(a, b)).toBeCloseTo(0.1, 5); // 0.2 in [−1, 1] is 0.1 in [0, 1]
    expect(imagePsnr(a, b)).toBeCloseTo(20, 4); // mse 0.01 → 20 dB
    const target = picture(r, [0.1, 0.3, -0.6], 6, 0.1);
    const t = colourTransfer(a, target);
    const stats = (p: Float32Array, c: number) => {
      const v = Array.from(p).filter((_, i) => i % 3 === c);
      const m = v.reduce((s, x) => s + x, 0) / v.length;
      return [m, Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length)];
    };
    for (let c = 0; c < 3; c++) {
      const [m1, s1] = stats(t, c), [m2, s2] = stats(target, c);
      expect(m1).toBeCloseTo(m2!, 2);
      expect(s1).toBeCloseTo(s2!, 2);
    }
    expect(structureScore(a, t, H, W)).toBeGreaterThan(0.95);
  });

  it('the domain classifier separates colour classes and refuses bad labels', async () => {
    await useBackend('cpu');
    const r = new Rng(2);
    const colours: [number, number, number][] = [[-0.8, -0.8, -0.6], [0.6, 0.6, 0.7], [0.5, -0.1, -0.4]];
    const feats: Float32Array[] = [], labels: number[] = [];
    for (let k = 0; k < 30; k++) for (const [ci, c] of colours.entries()) {
      feats.push(domainFeatures(picture(r, c, r.int(10), 0.1), H, W));
      labels.push(ci);
    }
    expect(feats[0]!.length).toBe(DOMAIN_FEATURES);
    const clf = trainDomainClassifier(feats, labels, 3, 200);
    const test = colours.map((c) => domainFeatures(picture(r, c, 4, 0.1), H, W));
    expect(clf.predict(test)).toEqual([0, 1, 2]);
    expect(() => trainDomainClassifier(feats, labels.map(() => 5), 3)).toThrow(CvglError);
  });
});

describe('translationQuality', () => {
  it('with stand-in translators it reproduces its own reference rows', async () => {
    await useBackend('cpu');
    const r = new Rng(3);
    const domains = ['day', 'night'];
    const bgs: Record<string, [number, number, number]> = { day: [0.4, 0.5, 0.7], night: [-0.9, -0.9, -0.7] };
    const cases: TruthCase[] = [1, 5, 9].map((sq) => ({ renders: new Map(domains.map((d) => [d, picture(r, bgs[d]!, sq)])) }));
    const appearance = new Map(domains.map((d) => [d, [0, 1, 2, 3].map(() => picture(r, bgs[d]!, r.int(10)))]));
    const feats = domains.flatMap((d) => appearance.get(d)!.map((x) => domainFeatures(x, H, W)));
    const clf = trainDomainClassifier(feats, [0, 0, 0, 0, 1, 1, 1, 1], 2);
    const before = tf.memory().numTensors;
    for (const [mode, as] of [['source', 'source (untranslated)'], ['target', 'target image']] as const) {
      const q = await translationQuality((s, t) => tf.clone(mode === 'source' ? s : t), cases, appearance, { model: clf, domains, trainedOn: 8 }, H, W, 7);
      expect(q.poses).toBe(3);
      expect(q.classifier.realAccuracy).toBe(100);
      expect(q.scores.length).toBe(2 * 4); // (day→night, night→day) × 4 methods
      for (const pair of [['day', 'night'], ['night', 'day']]) {
        const row = (m: string) => q.scores.find((s) => s.source === pair[0] && s.target === pair[1] && s.method === m)!;
        const mine = row('MDUIT'), ref = row(as);
        expect(mine.l1).toBeCloseTo(ref.l1, 6);
        expect(mine.structure).toBeCloseTo(ref.structure, 6);
        expect(mine.domainAccuracy).toBe(ref.domainAccuracy);
      }
      expect(q.summary.find((s) => s.method === 'target image')!.domainAccuracy).toBe(100);
      expect(q.summary.find((s) => s.method === 'source (untranslated)')!.domainAccuracy).toBe(0);
    }
    expect(tf.memory().numTensors).toBe(before);
    await expect(translationQuality((s) => s, [], appearance, { model: clf, domains, trainedOn: 8 }, H, W, 1)).rejects.toThrow(CvglError);
  });
});

describe('translation grid (Fig. 3)', () => {
  it('rows = sources, columns = targets, cells = the translations, as a PNG', async () => {
    await useBackend('cpu');
    const r = new Rng(4);
    const before = tf.memory().numTensors;
    const src = [picture(r, [-0.5, 0, 0.5], 1), picture(r, [0.5, 0, -0.5], 8)];
    const tgt = [picture(r, [0.9, -0.9, -0.9], 3), picture(r, [-0.9, 0.9, -0.9], 5), picture(r, [-0.9, -0.9, 0.9], 7)];
    const stack = (xs: Float32Array[]) => {
      const a = new Float32Array(xs.length * H * W * 3);
      xs.forEach((x, i) => a.set(x, i * H * W * 3));
      return tf.tensor4d(a, [xs.length, H, W, 3]);
    };
    const sources = stack(src), targets = stack(tgt);
    // stand-in translator: the source's left half, the target's right half
    const translator = {
      translate: (s: tf.Tensor4D, t: tf.Tensor4D) => tf.tidy(() => tf.concat([tf.slice(s, [0, 0, 0, 0], [-1, -1, W / 2, -1]), tf.slice(t, [0, 0, W / 2, 0], [-1, -1, W / 2, -1])], 2) as tf.Tensor4D),
    };
    const png = await translationGridPng(translator, sources, targets, { scale: 2, gap: 3 });
    tf.dispose([sources, targets]);
    expect(tf.memory().numTensors).toBe(before);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const cw = W * 2, ch = H * 2, gap = 3;
    // the header row and column are set off by two gaps, the cells by one
    expect(info.width).toBe((3 + 1) * cw + (2 + 2) * gap);
    expect(info.height).toBe((2 + 1) * ch + (2 + 1) * gap);
    const pixel = (x: number, y: number) => [0, 1, 2].map((c) => data[(y * info.width + x) * info.channels + c]!);
    const expected = (img: Float32Array, x: number, y: number) => Array.from(floatToRgb(img.subarray((y * W + x) * 3, (y * W + x) * 3 + 3)));
    const cellX = (j: number) => (j + 1) * (cw + gap) + gap, cellY = (i: number) => (i + 1) * (ch + gap) + gap;
    for (let j = 0; j < 3; j++) expect(pixel(cellX(j) + 2 * 12, 2 * 1)).toEqual(expected(tgt[j]!, 12, 1)); // header row
    for (let i = 0; i < 2; i++) {
      expect(pixel(2 * 3, cellY(i) + 2 * 4)).toEqual(expected(src[i]!, 3, 4)); // first column
      for (let j = 0; j < 3; j++) {
        expect(pixel(cellX(j) + 2 * 2, cellY(i) + 2 * 6)).toEqual(expected(src[i]!, 2, 6)); // left half: source i
        expect(pixel(cellX(j) + 2 * 13, cellY(i) + 2 * 6)).toEqual(expected(tgt[j]!, 13, 6)); // right half: target j
      }
    }
    const [s2, t2] = [stack(src), stack(tgt)];
    const labelled = await translationGridPng(translator, s2, t2, { columnLabels: ['a', 'b', 'c'], rowLabels: ['x', 'y'] });
    expect((await sharp(labelled).metadata()).width).toBeGreaterThan(info.width);
    const wrong = tf.zeros([1, H + 1, W, 3]) as tf.Tensor4D;
    await expect(translationGridPng(translator, s2, wrong)).rejects.toThrow(CvglError);
    tf.dispose([s2, t2, wrong]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
