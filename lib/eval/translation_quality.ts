/**
 * A quantitative measure of image translation that MDUIT (paper 004) does not give — its
 * Figs. 3 and 4 are qualitative — made possible by the synthetic world, which can render the
 * very scene of a source image in the target domain: a *true target*.
 *
 * For a source image (a pose rendered in domain s) translated to domain t with the appearance of
 * some other image of t, against the render of the same pose in t:
 *   - content preservation: L1 (mean absolute difference, RGB in [0, 1]), PSNR (dB, peak 1) and a
 *     structure score: the Pearson correlation of the Sobel gradient magnitudes of the two images'
 *     luminance (1 = the same edges, whatever the colours);
 *   - appearance: a domain classifier's accuracy in naming t. The classifier is a softmax
 *     regression on colour statistics (per-channel mean and standard deviation in the four image
 *     quadrants and an 8-bin luminance histogram, 32 numbers), trained on real training images;
 *     its accuracy on held-out real renders is reported beside it, so a translation's score reads
 *     against what real images of the domain get.
 * The same numbers for three reference "translations" bracket the model's: the untranslated
 * source, the target-appearance image itself, and a global colour transfer (per-channel mean and
 * standard deviation matched to the target image, Reinhard et al. 2001 in RGB).
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { Rng } from '../engine/rng.js';

/** An image as [H, W, 3] floats in [−1, 1] (one row of an ImageBank). */
export type FloatPixels = Float32Array;

export const DOMAIN_FEATURES = 32;

/** Colour statistics of one image (see the file comment), from [−1, 1] pixels. */
export function domainFeatures(px: FloatPixels, h: number, w: number): Float32Array {
  const f = new Float32Array(DOMAIN_FEATURES);
  let k = 0;
  for (const [y0, y1] of [[0, h >> 1], [h >> 1, h]] as const) {
    for (const [x0, x1] of [[0, w >> 1], [w >> 1, w]] as const) {
      for (let c = 0; c < 3; c++) {
        let s = 0, s2 = 0, n = 0;
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
          const v = (px[(y * w + x) * 3 + c]! + 1) / 2;
          s += v;
          s2 += v * v;
          n++;
        }
        const m = s / Math.max(1, n);
        f[k++] = m;
        f[k++] = Math.sqrt(Math.max(0, s2 / Math.max(1, n) - m * m));
      }
    }
  }
  const hist = new Float32Array(8);
  for (let i = 0; i < h * w; i++) {
    const l = (0.299 * (px[i * 3]! + 1) + 0.587 * (px[i * 3 + 1]! + 1) + 0.114 * (px[i * 3 + 2]! + 1)) / 2;
    hist[Math.min(7, Math.floor(l * 8))]! += 1 / (h * w);
  }
  f.set(hist, 24);
  return f;
}

export interface DomainClassifier {
  /** Class index of each feature row. */
  predict(features: Float32Array[]): number[];
  classes: number;
}

/**
 * Softmax regression on standardised features, full-batch gradient descent with Adam (lr 0.05,
 * β 0.9 / 0.999), zero initial weights: deterministic, and small enough (32 features, a few
 * classes) to run in plain JavaScript in milliseconds.
 */
export function trainDomainClassifier(features: Float32Array[], labels: number[], classes: number, iterations = 300): DomainClassifier {
  const n = features.length, d = features[0]?.length ?? 0;
  if (n === 0 || labels.length !== n || labels.some((l) => !(l >= 0 && l < classes))) {
    throw new CvglError('trainDomainClassifier: feature rows with a label in [0, classes) each', `${n} rows, ${labels.length} labels`, 'pass the training images of every domain');
  }
  const mean = new Float64Array(d), std = new Float64Array(d);
  for (const f of features) for (let j = 0; j < d; j++) mean[j]! += f[j]! / n;
  for (const f of features) for (let j = 0; j < d; j++) std[j]! += (f[j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]!) || 1;
  const xs = features.map((f) => Float64Array.from({ length: d }, (_, j) => (f[j]! - mean[j]!) / std[j]!));
  // parameters: weights [d, classes] then biases [classes]
  const np = (d + 1) * classes;
  const theta = new Float64Array(np), m = new Float64Array(np), v = new Float64Array(np), g = new Float64Array(np);
  const scores = (x: ArrayLike<number>, out: Float64Array) => {
    for (let c = 0; c < classes; c++) {
      let s = theta[d * classes + c]!;
      for (let j = 0; j < d; j++) s += x[j]! * theta[j * classes + c]!;
      out[c] = s;
    }
  };
  const p = new Float64Array(classes);
  const [lr, b1, b2, eps] = [0.05, 0.9, 0.999, 1e-8];
  for (let it = 1; it <= iterations; it++) {
    g.fill(0);
    for (let i = 0; i < n; i++) {
      scores(xs[i]!, p);
      let mx = -Infinity;
      for (let c = 0; c < classes; c++) mx = Math.max(mx, p[c]!);
      let z = 0;
      for (let c = 0; c < classes; c++) z += (p[c] = Math.exp(p[c]! - mx));
      for (let c = 0; c < classes; c++) {
        const e = (p[c]! / z - (c === labels[i] ? 1 : 0)) / n; // d(mean cross-entropy)/d score
        for (let j = 0; j < d; j++) g[j * classes + c]! += e * xs[i]![j]!;
        g[d * classes + c]! += e;
      }
    }
    for (let k = 0; k < np; k++) {
      m[k] = b1 * m[k]! + (1 - b1) * g[k]!;
      v[k] = b2 * v[k]! + (1 - b2) * g[k]! * g[k]!;
      theta[k]! -= (lr * (m[k]! / (1 - b1 ** it))) / (Math.sqrt(v[k]! / (1 - b2 ** it)) + eps);
    }
  }
  return {
    classes,
    predict: (fs) =>
      fs.map((f) => {
        scores(Array.from({ length: d }, (_, j) => (f[j]! - mean[j]!) / std[j]!), p);
        let best = 0;
        for (let c = 1; c < classes; c++) if (p[c]! > p[best]!) best = c;
        return best;
      }),
  };
}

/** Mean absolute difference of two images in [0, 1] units. */
export function imageL1(a: FloatPixels, b: FloatPixels): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length / 2;
}

/** PSNR in dB for images in [0, 1] (peak 1). */
export function imagePsnr(a: FloatPixels, b: FloatPixels): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i]! - b[i]!) / 2) ** 2;
  const mse = s / a.length;
  return mse > 0 ? -10 * Math.log10(mse) : Infinity;
}

/** Sobel gradient magnitude of the luminance, [H·W] (borders replicated). */
function gradientMagnitude(px: FloatPixels, h: number, w: number): Float32Array {
  const l = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++) l[i] = 0.299 * px[i * 3]! + 0.587 * px[i * 3 + 1]! + 0.114 * px[i * 3 + 2]!;
  const at = (y: number, x: number) => l[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))]!;
  const g = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const gx = at(y - 1, x + 1) + 2 * at(y, x + 1) + at(y + 1, x + 1) - at(y - 1, x - 1) - 2 * at(y, x - 1) - at(y + 1, x - 1);
    const gy = at(y + 1, x - 1) + 2 * at(y + 1, x) + at(y + 1, x + 1) - at(y - 1, x - 1) - 2 * at(y - 1, x) - at(y - 1, x + 1);
    g[y * w + x] = Math.hypot(gx, gy);
  }
  return g;
}

/** Pearson correlation of the two images' Sobel gradient magnitudes (structure, colour-blind). */
export function structureScore(a: FloatPixels, b: FloatPixels, h: number, w: number): number {
  const ga = gradientMagnitude(a, h, w), gb = gradientMagnitude(b, h, w);
  const n = ga.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) [ma, mb] = [ma + ga[i]! / n, mb + gb[i]! / n];
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = ga[i]! - ma, db = gb[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** Per-channel mean and standard deviation of `source` matched to `target`'s (global colour transfer), clipped to [−1, 1]. */
export function colourTransfer(source: FloatPixels, target: FloatPixels): Float32Array {
  const stats = (p: FloatPixels) => [0, 1, 2].map((c) => {
    let s = 0, s2 = 0;
    const n = p.length / 3;
    for (let i = c; i < p.length; i += 3) [s, s2] = [s + p[i]!, s2 + p[i]! * p[i]!];
    const m = s / n;
    return { m, sd: Math.sqrt(Math.max(1e-12, s2 / n - m * m)) };
  });
  const sa = stats(source), sb = stats(target);
  const out = new Float32Array(source.length);
  for (let i = 0; i < source.length; i++) {
    const c = i % 3;
    out[i] = Math.max(-1, Math.min(1, ((source[i]! - sa[c]!.m) / sa[c]!.sd) * sb[c]!.sd + sb[c]!.m));
  }
  return out;
}

export const TRANSLATION_METHODS = ['MDUIT', 'colour transfer', 'source (untranslated)', 'target image'] as const;
export type TranslationMethod = (typeof TRANSLATION_METHODS)[number];

export interface TranslationScore {
  source: string;
  target: string;
  method: TranslationMethod;
  /** Images scored. */
  n: number;
  l1: number;
  psnr: number;
  structure: number;
  /** Percent of images the domain classifier assigns to the target domain. */
  domainAccuracy: number;
}

export interface TranslationQuality {
  /** Per (source domain, target domain, method), means over the poses. */
  scores: TranslationScore[];
  /** Per method, the mean over all domain pairs. */
  summary: Omit<TranslationScore, 'source' | 'target'>[];
  /** The domain classifier's accuracy on held-out real renders (percent), overall and per domain. */
  classifier: { realAccuracy: number; perDomain: Record<string, number>; trainedOn: number };
  poses: number;
}

export interface TruthCase {
  /** Per domain name, the render of one pose ([H, W, 3] in [−1, 1]). */
  renders: Map<string, FloatPixels>;
}

/**
 * Scores every ordered pair of domains (s ≠ t) over the poses in `cases`: the source is the pose's
 * render in s, the appearance image a training image of t (drawn with `seed`), the truth the
 * pose's render in t. `translate` maps sources [N, H, W, 3] and targets (one per source) to
 * translations.
 */
export async function translationQuality(
  translate: (source: tf.Tensor4D, target: tf.Tensor4D) => tf.Tensor4D,
  cases: TruthCase[],
  appearance: Map<string, FloatPixels[]>,
  classifier: { model: DomainClassifier; domains: string[]; trainedOn: number },
  h: number,
  w: number,
  seed: number,
): Promise<TranslationQuality> {
  const domains = classifier.domains;
  if (!cases.length) throw new CvglError('translationQuality: at least one pose rendered in every domain', '0', 'use a synthetic localization set (its query poses are rendered in every domain)');
  const rng = new Rng(seed);
  const per = h * w * 3;
  const scores: TranslationScore[] = [];
  // the classifier on real renders
  const perDomain: Record<string, number> = {};
  let right = 0, total = 0;
  domains.forEach((d, di) => {
    const preds = classifier.model.predict(cases.map((c) => domainFeatures(c.renders.get(d)!, h, w)));
    const ok = preds.filter((p) => p === di).length;
    perDomain[d] = (100 * ok) / preds.length;
    right += ok;
    total += preds.length;
  });
  for (const s of domains) {
    for (const [ti, t] of domains.entries()) {
      if (s === t) continue;
      const pool = appearance.get(t) ?? [];
      if (!pool.length) throw new CvglError(`training images of domain '${t}' for the appearance`, 'none', 'train on every domain');
      const src = cases.map((c) => c.renders.get(s)!), truth = cases.map((c) => c.renders.get(t)!);
      const tgt = cases.map(() => pool[rng.int(pool.length)]!);
      const stack = (xs: FloatPixels[]) => {
        const a = new Float32Array(xs.length * per);
        xs.forEach((x, i) => a.set(x, i * per));
        return tf.tensor4d(a, [xs.length, h, w, 3]);
      };
      const out = tf.tidy(() => translate(stack(src), stack(tgt)));
      const outData = (await out.data()) as Float32Array;
      out.dispose();
      const made: Record<TranslationMethod, FloatPixels[]> = {
        MDUIT: cases.map((_, i) => outData.subarray(i * per, (i + 1) * per)),
        'colour transfer': src.map((x, i) => colourTransfer(x, tgt[i]!)),
        'source (untranslated)': src,
        'target image': tgt,
      };
      for (const method of TRANSLATION_METHODS) {
        const ims = made[method];
        const preds = classifier.model.predict(ims.map((x) => domainFeatures(x, h, w)));
        const mean = (f: (i: number) => number) => ims.reduce((a, _, i) => a + f(i), 0) / ims.length;
        scores.push({
          source: s, target: t, method, n: ims.length,
          l1: mean((i) => imageL1(ims[i]!, truth[i]!)),
          psnr: mean((i) => imagePsnr(ims[i]!, truth[i]!)),
          structure: mean((i) => structureScore(ims[i]!, truth[i]!, h, w)),
          domainAccuracy: (100 * preds.filter((p) => p === ti).length) / preds.length,
        });
      }
    }
  }
  const summary = TRANSLATION_METHODS.map((method) => {
    const rows = scores.filter((r) => r.method === method);
    const avg = (k: 'l1' | 'psnr' | 'structure' | 'domainAccuracy') => rows.reduce((a, r) => a + r[k], 0) / rows.length;
    return { method, n: rows.reduce((a, r) => a + r.n, 0), l1: avg('l1'), psnr: avg('psnr'), structure: avg('structure'), domainAccuracy: avg('domainAccuracy') };
  });
  return { scores, summary, classifier: { realAccuracy: (100 * right) / total, perDomain, trainedOn: classifier.trainedOn }, poses: cases.length };
}
