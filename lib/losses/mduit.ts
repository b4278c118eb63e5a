/**
 * The loss terms of MDUIT (paper 004, Eq. 2–6), as functions of tensors (the model's outputs),
 * so each can be checked on its own against PyTorch (test/losses/mduit.test.ts):
 *
 *   L^i_adv  (Eq. 2)  E[log D_i(I_s) + log D_i(I_t) + log(1 − D_i(I_s→t))]
 *   L^a_adv  (Eq. 2)  E[log D_a(I_t, I_t+) + log(1 − D_a(I_t, I_s→t))]
 *   L^self_rec, L^cyc_rec (Eq. 3)  ‖G(f_s ⊗ W_s) − I_s‖₁, ‖G(f_s→t ⊗ W_s) − I_s‖₁
 *   L^c_con  (Eq. 4)  max(0, ‖f_s − f_s→t‖² − ‖f_s − f_s−‖² + m_c),  m_c = 0.1
 *   L^a_con  (Eq. 4)  max(0, 1 − Δ(W_t, W_s→t) + Δ(W_t, W_t−)),  Δ the cosine similarity
 *   L_NCE    (Eq. 5)  InfoNCE of z_s against z_s→t and N_neg = 16 negatives, τ = 0.07
 *   Eq. 6: L = L^i_adv + L^a_adv + β_rs L^self + β_rc L^cyc + β_cc L^c_con + β_ca L^a_con + β_NCE L_NCE,
 *          {β_rs, β_rc, β_cc, β_ca, β_NCE} = {100, 100, 10, 1, 1} (Sec. 3.1)
 *
 * Choices where the paper is silent (assumptions):
 *  - D outputs logits (one per patch); log D = −softplus(−logit), log(1 − D) = −softplus(logit),
 *    averaged over patches and batch (binary cross-entropy with logits).
 *  - The discriminators maximise Eq. 2, i.e. minimise the binary cross-entropy of real = 1 and
 *    translated = 0. The generator side uses the non-saturating form −log D(I_s→t) instead of
 *    log(1 − D(I_s→t)) (Goodfellow et al. [1], Sec. 3: the same fixed point, usable gradients early
 *    in training), for both D_i and D_a.
 *  - ‖·‖₁ is the mean absolute difference per element (PyTorch's L1Loss), ‖·‖² in L^c_con the mean
 *    squared difference per element of the c×h×w content map, per sample, hinge per sample, then
 *    the batch mean: with a per-element scale the paper's m_c = 0.1 is comparable to the distances
 *    of instance-normalised features.
 *  - Δ compares the flattened filters of one sample (c'·c/G·k·k values).
 *  - "w/o L_NCE" (Table 1): "a simple L1 consistency loss between the positive vectors",
 *    ‖z_s − z_s→t‖₁ as the mean absolute difference, in L_NCE's place with the same weight.
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { infoNce } from './infonce.js';

/** The weights of Eq. 6 (Sec. 3.1) and the hyper-parameters of Eq. 4–5. */
export const MDUIT_LOSS_WEIGHTS = { rs: 100, rc: 100, cc: 10, ca: 1, nce: 1 } as const;
export const MDUIT_MARGIN_C = 0.1;
export const MDUIT_TAU = 0.07;
export const MDUIT_N_NEG = 16;

/** Mean over all elements of −log σ(x) (target 1) or −log(1 − σ(x)) (target 0). */
export function bceWithLogits(logits: tf.Tensor, target: 0 | 1): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.softplus(target === 1 ? tf.neg(logits) : logits)) as tf.Scalar);
}

/** −L^i_adv for D_i (Eq. 2, first line), to minimise: BCE(D_i(I_s), 1) + BCE(D_i(I_t), 1) + BCE(D_i(I_s→t), 0). */
export function imageAdversarialD(realSource: tf.Tensor, realTarget: tf.Tensor, translated: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.addN([bceWithLogits(realSource, 1), bceWithLogits(realTarget, 1), bceWithLogits(translated, 0)]) as tf.Scalar);
}

/** −L^a_adv for D_a (Eq. 2, second line): BCE(D_a(I_t, I_t+), 1) + BCE(D_a(I_t, I_s→t), 0). */
export function appearanceAdversarialD(samePair: tf.Tensor, translatedPair: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.add(bceWithLogits(samePair, 1), bceWithLogits(translatedPair, 0)) as tf.Scalar);
}

/** The generator's side of L^i_adv or L^a_adv (non-saturating): BCE(D(·, I_s→t), 1). */
export function adversarialG(translated: tf.Tensor): tf.Scalar {
  return bceWithLogits(translated, 1);
}

/** ‖a − b‖₁ as the mean absolute difference (Eq. 3; "w/o L_NCE"'s L1 between z vectors). */
export function l1Loss(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  if (a.shape.join() !== b.shape.join()) throw new CvglError('l1Loss: two tensors of one shape', `[${a.shape}] and [${b.shape}]`, 'compare an image with its reconstruction (same size)');
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(a, b))) as tf.Scalar);
}

/** Per-sample mean of (a − b)² over all but the batch axis: [B]. */
function perSampleMse(a: tf.Tensor, b: tf.Tensor): tf.Tensor1D {
  const axes = a.shape.map((_, i) => i).slice(1);
  return tf.mean(tf.square(tf.sub(a, b)), axes) as tf.Tensor1D;
}

/** L^c_con (Eq. 4): mean over the batch of max(0, ‖f_s − f_s→t‖² − ‖f_s − f_s−‖² + m_c). */
export function contentConsistency(fs: tf.Tensor, fst: tf.Tensor, fsNeg: tf.Tensor, margin = MDUIT_MARGIN_C): tf.Scalar {
  if (fs.shape.join() !== fst.shape.join() || fs.shape.join() !== fsNeg.shape.join()) {
    throw new CvglError('contentConsistency: f_s, f_s→t and f_s− of one shape', `[${fs.shape}], [${fst.shape}], [${fsNeg.shape}]`, 'pass E_c of the source, of its translation and of a negative source');
  }
  return tf.tidy(() => tf.mean(tf.relu(tf.add(tf.sub(perSampleMse(fs, fst), perSampleMse(fs, fsNeg)), margin))) as tf.Scalar);
}

/** Cosine similarity of the flattened per-sample rows of a and b: [B] (eps 1e-8, as torch's). */
export function cosineRows(a: tf.Tensor, b: tf.Tensor, eps = 1e-8): tf.Tensor1D {
  return tf.tidy(() => {
    const n = a.shape[0]!;
    const a2 = tf.reshape(a, [n, -1]), b2 = tf.reshape(b, [n, -1]);
    const dot = tf.sum(tf.mul(a2, b2), 1);
    const na = tf.norm(a2, 'euclidean', 1), nb = tf.norm(b2, 'euclidean', 1);
    return tf.div(dot, tf.maximum(tf.mul(na, nb), eps)) as tf.Tensor1D;
  });
}

/** L^a_con (Eq. 4): mean over the batch of max(0, 1 − Δ(W_t, W_s→t) + Δ(W_t, W_t−)). */
export function appearanceConsistency(wt: tf.Tensor, wst: tf.Tensor, wtNeg: tf.Tensor): tf.Scalar {
  if (wt.shape.join() !== wst.shape.join() || wt.shape.join() !== wtNeg.shape.join()) {
    throw new CvglError('appearanceConsistency: W_t, W_s→t and W_t− of one shape', `[${wt.shape}], [${wst.shape}], [${wtNeg.shape}]`, 'pass E_a of the target, of the translation and of an image of another domain');
  }
  return tf.tidy(() => tf.mean(tf.relu(tf.add(tf.sub(1, cosineRows(wt, wst)), cosineRows(wt, wtNeg)))) as tf.Scalar);
}

/** L_NCE (Eq. 5): z_s [B, K] the query, z_s→t [B, K] the (differentiable) positive, negatives [B, N, K] constants; τ = 0.07. */
export function nceLoss(zs: tf.Tensor2D, zst: tf.Tensor2D, negatives: tf.Tensor3D, tau = MDUIT_TAU): tf.Scalar {
  return infoNce(zs, zst, negatives, tau, { keyGrad: true });
}

/** The terms of Eq. 6 the generator side minimises (already as losses), unweighted. */
export interface MduitGeneratorTerms {
  advImage: tf.Scalar;
  advAppearance: tf.Scalar;
  recSelf: tf.Scalar;
  recCycle: tf.Scalar;
  conContent: tf.Scalar;
  conAppearance: tf.Scalar;
  /** L_NCE, or the L1 between z vectors for "w/o L_NCE". */
  contrastive: tf.Scalar;
}

export type MduitWeights = { rs: number; rc: number; cc: number; ca: number; nce: number };

/** Eq. 6, the generator's side: advI + advA + β_rs·self + β_rc·cyc + β_cc·con_c + β_ca·con_a + β_NCE·NCE. */
export function mduitObjective(t: MduitGeneratorTerms, w: MduitWeights = MDUIT_LOSS_WEIGHTS): tf.Scalar {
  return tf.tidy(() =>
    tf.addN([
      t.advImage,
      t.advAppearance,
      tf.mul(t.recSelf, w.rs),
      tf.mul(t.recCycle, w.rc),
      tf.mul(t.conContent, w.cc),
      tf.mul(t.conAppearance, w.ca),
      tf.mul(t.contrastive, w.nce),
    ]) as tf.Scalar,
  );
}
