/**
 * One training iteration of MDUIT (paper 004, Eq. 6: min over E_c, E_a, G, H, max over D_i, D_a)
 * for each row of Table 1:
 *
 *   full      Eq. 6 as printed: adversarial (image, appearance), self- and cycle-reconstruction,
 *             content and appearance consistency, L_NCE
 *   woNce     "w/o L_NCE": the same with an L1 consistency between z_s and z_s→t instead of L_NCE
 *   woI2i     "w/o I2I": no translation module; "we treat a randomly color-jittered input image as
 *             the translated image" (footnote 1): L_NCE between z_s and z of the jittered I_s
 *   woI2iNce  "w/o I2I, L_NCE": that, with the L1 consistency
 *
 * The generator side (E_c, E_a, G, H) is updated first, then the discriminators on the same
 * translated images, detached (the order of CycleGAN's reference training loop; MUNIT updates D
 * first — either alternates the two players once per iteration, assumption). Each side has its
 * own Adam (Sec. 3.1: β1 = 0.5, β2 = 0.999). L_NCE's negatives are constants (no gradient flows
 * into them: assumption, it saves their backward pass), encoded by the current network every step
 * (Sec. 2.2: the negatives "are mapped … through H"), or taken from the epoch's memory bank of z
 * (cheaper: the CPU-sized profiles).
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import {
  adversarialG,
  appearanceAdversarialD,
  appearanceConsistency,
  contentConsistency,
  imageAdversarialD,
  l1Loss,
  mduitObjective,
  MDUIT_LOSS_WEIGHTS,
  nceLoss,
  type MduitGeneratorTerms,
  type MduitWeights,
} from '../losses/mduit.js';
import { stopGradient } from '../losses/infonce.js';
import type { Mduit } from '../models/mduit.js';
import type { Optimizer } from './optimizers.js';

export const MDUIT_VARIANTS = ['full', 'woNce', 'woI2i', 'woI2iNce'] as const;
export type MduitVariant = (typeof MDUIT_VARIANTS)[number];

/** Whether a variant has the image-translation module. */
export const variantHasI2i = (v: MduitVariant) => v === 'full' || v === 'woNce';
/** Whether a variant uses L_NCE (else the L1 consistency between positive vectors). */
export const variantHasNce = (v: MduitVariant) => v === 'full' || v === 'woI2i';

/** One batch: images NHWC in [−1, 1], all of the same size. */
export interface MduitBatch {
  /** I_s. */
  source: tf.Tensor4D;
  /** I_t: the target appearance (another domain than I_s). I2I variants only. */
  target?: tf.Tensor4D;
  /** I_t+: another image of I_t's domain (D_a's real pair). I2I variants only. */
  targetSame?: tf.Tensor4D;
  /** I_t−: an image of a domain other than I_t's (L^a_con's negative). I2I variants only. */
  targetNeg?: tf.Tensor4D;
  /** I_s−: an image of different content (L^c_con's negative). I2I variants only. */
  sourceNeg?: tf.Tensor4D;
  /** The colour-jittered I_s that "w/o I2I" treats as the translation. */
  jittered?: tf.Tensor4D;
  /** L_NCE's negatives, constants either way: the N_neg negative images of each source
   *  ([B·N, H, W, 3], source b's at rows b·N … b·N + N − 1), encoded by the current network, or
   *  their z from the epoch's memory bank ([B, N, K]). */
  negatives: { images: tf.Tensor4D; nNeg: number } | { z: tf.Tensor3D };
}

export interface MduitStepLosses {
  /** Eq. 6, generator side (weighted sum). */
  generator: number;
  /** The discriminators' loss (−L^i_adv − L^a_adv); NaN for the variants without I2I. */
  discriminator: number;
  /** Unweighted terms of the generator side (the I2I ones are NaN without I2I). */
  terms: Record<keyof MduitGeneratorTerms, number>;
}

function need<T>(v: T | undefined, what: string, variant: MduitVariant): T {
  if (v === undefined) throw new CvglError(`MDUIT ${variant}: a batch with ${what}`, 'none', 'build batches with mduitBatch() from a multi-domain image set');
  return v;
}

/** The generator-side terms of one batch (and the translated images, when there is translation). */
export function generatorTerms(model: Mduit, batch: MduitBatch, variant: MduitVariant): { terms: MduitGeneratorTerms; translated: tf.Tensor4D | null } {
  const nce = variantHasNce(variant);
  const negZ = () => {
    const neg = batch.negatives;
    if ('z' in neg) return neg.z;
    const z = stopGradient(model.embedImages(neg.images));
    return tf.reshape(z, [batch.source.shape[0], neg.nNeg, z.shape[1]]) as tf.Tensor3D;
  };
  const contrast = (zs: tf.Tensor2D, zp: tf.Tensor2D) => (nce ? nceLoss(zs, zp, negZ()) : l1Loss(zs, zp));
  if (!variantHasI2i(variant)) {
    const jit = need(batch.jittered, 'jittered copies of the sources', variant);
    const zero = tf.scalar(0);
    const contrastive = contrast(model.embedImages(batch.source), model.embedImages(jit));
    return { terms: { advImage: zero, advAppearance: zero, recSelf: zero, recCycle: zero, conContent: zero, conAppearance: zero, contrastive }, translated: null };
  }
  const xs = batch.source;
  const xt = need(batch.target, 'targets', variant);
  const xtNeg = need(batch.targetNeg, 'negative targets', variant);
  const xsNeg = need(batch.sourceNeg, 'negative sources', variant);
  const n = xs.shape[0];
  // Networks that read several images run once on their concatenation along the batch (every
  // layer is per sample, instance norm included, so the numbers are those of separate calls).
  const [fs, fsNeg] = splitBatch(model.content(cat([xs, xsNeg])), n) as [tf.Tensor4D, tf.Tensor4D];
  const [ws, wt, wtNeg] = splitBatch(model.appearance(cat([xs, xt, xtNeg])), n) as [tf.Tensor, tf.Tensor, tf.Tensor];
  // I_s→t (Eq. 1) and the self-reconstruction G(f_s ⊗ W_s) (Eq. 3) in one pass of G
  const [xst, xss] = splitBatch(model.generate(model.adapt(cat([fs, fs]), cat([wt, ws]))), n) as [tf.Tensor4D, tf.Tensor4D];
  const fst = model.content(xst);
  const wst = model.appearance(xst);
  const xcyc = model.generate(model.adapt(fst, ws)); // cycle-reconstruction (Eq. 3)
  const terms: MduitGeneratorTerms = {
    advImage: adversarialG(model.discriminateImage(xst)),
    advAppearance: adversarialG(model.discriminateAppearance(xt, xst)),
    recSelf: l1Loss(xss, xs),
    recCycle: l1Loss(xcyc, xs),
    conContent: contentConsistency(fs, fst, fsNeg),
    conAppearance: appearanceConsistency(wt, wst, wtNeg),
    contrastive: contrast(model.project(fs), model.project(fst)),
  };
  return { terms, translated: xst };
}

/** Tensors of one shape but the first axis, concatenated along it. */
function cat<T extends tf.Tensor>(xs: T[]): T {
  return tf.concat(xs, 0) as T;
}

/** The equal parts of a batch concatenated by `cat`, n samples each. */
function splitBatch<T extends tf.Tensor>(x: T, n: number): T[] {
  return Array.from({ length: x.shape[0]! / n }, (_, i) => tf.slice(x, i * n, n) as T);
}

/** The discriminators' loss on real images and (detached) translations: −L^i_adv − L^a_adv (Eq. 2). */
export function discriminatorLoss(model: Mduit, batch: MduitBatch, translated: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const fake = stopGradient(translated);
    const xt = batch.target!, same = batch.targetSame!;
    const n = fake.shape[0];
    const [ds, dt, df] = splitBatch(model.discriminateImage(cat([batch.source, xt, fake])), n) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const [dSame, dFake] = splitBatch(model.discriminateAppearance(cat([xt, xt]), cat([same, fake])), n) as [tf.Tensor4D, tf.Tensor4D];
    return tf.add(imageAdversarialD(ds, dt, df), appearanceAdversarialD(dSame, dFake)) as tf.Scalar;
  });
}

function gradsByName(vars: Map<string, tf.Variable>, grads: tf.NamedTensorMap): Map<string, tf.Tensor> {
  const m = new Map<string, tf.Tensor>();
  for (const [name, v] of vars) {
    const g = grads[v.name];
    if (g) m.set(name, g);
  }
  return m;
}

function finiteOrThrow(what: string, v: number): number {
  if (!Number.isFinite(v)) throw new CvglError(`MDUIT: a finite ${what} loss`, String(v), 'lower the learning rate, or check the inputs are images in [−1, 1]');
  return v;
}

/**
 * One iteration: the generator side's Adam step on Eq. 6, then (I2I variants) the
 * discriminators' Adam step. `lr` is the scheduled learning rate of both. Returns the losses
 * before the updates. `check` sees each side's loss before that side's update and throws when it
 * is not finite (the training loop's guard; default: a CvglError naming the side) — a
 * discriminator that diverges stops after the generator's update of that step.
 */
export async function mduitStep(
  model: Mduit,
  batch: MduitBatch,
  variant: MduitVariant,
  opt: { generator: Optimizer; discriminator: Optimizer | null },
  lr: number,
  weights: MduitWeights = MDUIT_LOSS_WEIGHTS,
  check: (values: Record<string, number>) => void = (v) => Object.entries(v).forEach(([k, x]) => finiteOrThrow(k, x)),
): Promise<MduitStepLosses> {
  const gVars = model.generatorVariables();
  let translated: tf.Tensor4D | null = null;
  let termValues: tf.Scalar[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const { terms, translated: t } = generatorTerms(model, batch, variant);
    if (t) translated = tf.keep(t);
    termValues = Object.values(terms).map((s) => tf.keep(s));
    return mduitObjective(terms, weights);
  }, [...gVars.values()]);
  const names = ['advImage', 'advAppearance', 'recSelf', 'recCycle', 'conContent', 'conAppearance', 'contrastive'] as const;
  try {
    const gLoss = (await value.data())[0]!;
    check({ generator: gLoss });
    const termNums = await Promise.all(termValues.map(async (t) => (await t.data())[0]!));
    opt.generator.apply(gVars, gradsByName(gVars, grads), lr);
    let dLoss = NaN;
    if (translated && opt.discriminator) {
      const dVars = model.discriminatorVariables();
      const d = tf.variableGrads(() => discriminatorLoss(model, batch, translated!), [...dVars.values()]);
      try {
        dLoss = (await d.value.data())[0]!;
        check({ discriminator: dLoss });
        opt.discriminator.apply(dVars, gradsByName(dVars, d.grads), lr);
      } finally {
        tf.dispose([d.value, ...Object.values(d.grads)]);
      }
    }
    const i2i = variantHasI2i(variant);
    const terms = Object.fromEntries(names.map((n, i) => [n, i2i || n === 'contrastive' ? termNums[i]! : NaN])) as MduitStepLosses['terms'];
    return { generator: gLoss, discriminator: dLoss, terms };
  } finally {
    tf.dispose([value, ...Object.values(grads), ...termValues, ...(translated ? [translated] : [])]);
  }
}
