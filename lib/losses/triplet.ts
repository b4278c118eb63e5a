/**
 * Soft-margin triplet losses of cross-view matching, over every pair of a mini-batch at once.
 *
 * The batch holds B matching pairs: row i of `g` [B,D] (ground descriptor) matches row i of `s`
 * [B,D] (aerial/satellite descriptor); every other row of the other view is a negative. All
 * distances come from one B x B matrix D[i,j] = ‖ĝ_i − ŝ_j‖₂ (no per-triplet loops):
 *   - ground anchor g_i, positive s_i, negative s_j:  d_pos = D[i,i], d_neg = D[i,j];
 *   - aerial anchor s_i, positive g_i, negative g_j:  d_pos = D[i,i], d_neg = D[j,i].
 *
 * Descriptors: the losses L2-normalise their inputs themselves (ĝ = g / max(‖g‖, 1e-12)), so they
 * take raw or normalised rows alike. For the L2-normalised `Embeddings` every `CrossViewModel`
 * returns this is a no-op in value, and the gradients reaching the model's parameters are the same
 * as without it (the model's own normalisation already removes the radial component).
 *
 * Numerics: every log(1 + c·e^x) is evaluated as softplus(x + ln c), with
 * softplus(x) = max(x, 0) + log1p(e^−|x|) and gradient σ(x): finite for any γ·d, and accurate
 * (a few ulps) for small terms on every backend. Three losses:
 *   - `softMarginTripletExhaustive`  CVFT (002) Eq. 6, exhaustive mini-batch, mean of 2B(B−1) terms;
 *   - `softTripletThesis`            thesis (003) Eq. 3.3/3.4: as printed (a sum, γ·exp) or as SAFA's
 *                                    code reads it (a mean, γ on the gap), by option;
 *   - `softTriHard`                  GeoCapsNet (001) Eq. 2, Soft-TriHard, mean over B ground anchors
 *                                    (and Table 3's "Triplet": Eq. 2 without the mining).
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { accurateLog1p } from '../engine/ops/log1p.js';
import { l2NormalizeRows } from '../nn/l2.js';

const EPS = 1e-12;

/**
 * D[i,j] = ‖g_i − s_j‖₂ for rows g [B,D] and s [M,D], as a matrix:
 * sqrt(max(‖g_i‖² + ‖s_j‖² − 2·g_i·s_j, 1e-12)). For L2-normalised rows this is sqrt(2 − 2·cos).
 * The clamp keeps the square root's gradient finite at coinciding rows (where it is then 0).
 */
export function pairwiseDistances(g: tf.Tensor2D, s: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const gg = tf.sum(tf.square(g), 1, true); // [B,1]
    const ss = tf.reshape(tf.sum(tf.square(s), 1), [1, -1]); // [1,M]
    const sq = tf.sub(tf.add(gg, ss), tf.mul(2, tf.matMul(g, s, false, true)));
    return tf.sqrt(tf.maximum(sq, EPS)) as tf.Tensor2D;
  });
}

/** softplus(x) = log(1 + e^x) = max(x,0) + log1p(e^−|x|), with the engine's accurate log1p (tfjs'
 *  is log(1 + y) on wasm and webgpu, inexact for small y); gradient σ(x) (0.5 at x = 0). */
const stableSoftplus = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([x]);
  const value = tf.add(tf.relu(x), accurateLog1p(tf.exp(tf.neg(tf.abs(x)))));
  return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.sigmoid(saved[0]!)) };
});

/** log(1 + e^x), element-wise, finite and accurate for any x (used by every loss here). */
export function softplus(x: tf.Tensor): tf.Tensor {
  return stableSoftplus(x) as tf.Tensor;
}

function checkPair(fn: string, g: tf.Tensor, s: tf.Tensor): void {
  if (g.rank !== 2 || s.rank !== 2 || g.shape[0] !== s.shape[0] || g.shape[1] !== s.shape[1] || g.shape[0] < 1) {
    throw new CvglError(
      `${fn}: ground and aerial descriptors of the same shape [B, D], B >= 1 (row i of each is a matching pair)`,
      `ground [${g.shape.join(', ')}], aerial [${s.shape.join(', ')}]`,
      'pass the two [B, D] outputs of the model’s embed() for one batch of pairs',
    );
  }
}

function checkPositive(fn: string, name: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0)) {
    throw new CvglError(`${fn}: ${name} a finite number > 0`, String(v), `pass a positive ${name} (the paper's value is the default)`);
  }
}

/**
 * The batch's distances on normalised rows, and the two matrices of gaps d_pos − d_neg:
 * g2s[i,j] = D[i,i] − D[i,j] (anchor g_i, negative s_j), s2g[i,j] = D[i,i] − D[j,i] (anchor s_i,
 * negative g_j). Their diagonals are 0 and are masked by the callers.
 */
function gaps(g: tf.Tensor2D, s: tf.Tensor2D): { d: tf.Tensor2D; pos: tf.Tensor2D; g2s: tf.Tensor2D; s2g: tf.Tensor2D; eye: tf.Tensor2D } {
  const b = g.shape[0];
  const d = pairwiseDistances(l2NormalizeRows(g), l2NormalizeRows(s));
  const eye = tf.eye(b) as tf.Tensor2D;
  const pos = tf.sum(tf.mul(d, eye), 1, true) as tf.Tensor2D; // [B,1]: D[i,i]
  return { d, pos, eye, g2s: tf.sub(pos, d) as tf.Tensor2D, s2g: tf.sub(pos, tf.transpose(d)) as tf.Tensor2D };
}

/**
 * CVFT (002), Sec. 4.3 Eq. 6, the weighted soft-margin triplet loss ℓ = log(1 + e^{γ(d_pos − d_neg)})
 * (γ = 10, Sec. 5 "Implementation Details"), over the exhaustive mini-batch strategy of Sec. 5:
 * every ground anchor with its B − 1 negative aerial images and every aerial anchor with its
 * B − 1 negative ground images, 2·B·(B−1) triplets. The paper does not say how they are reduced;
 * this is their mean, which keeps the scale independent of B (and equals the mean of the two
 * directions' means):
 *
 *   L = 1 / (2B(B−1)) · Σ_i Σ_{j≠i} [ ℓ(γ(D_ii − D_ij)) + ℓ(γ(D_ii − D_ji)) ],  D_ij = ‖ĝ_i − ŝ_j‖₂.
 *
 * B = 1 has no triplet: the loss is 0 (with a zero gradient).
 */
export function softMarginTripletExhaustive(g: tf.Tensor2D, s: tf.Tensor2D, gamma = 10): tf.Scalar {
  checkPair('softMarginTripletExhaustive', g, s);
  checkPositive('softMarginTripletExhaustive', 'gamma', gamma);
  return tf.tidy(() => {
    const b = g.shape[0];
    const { g2s, s2g, eye } = gaps(g, s);
    const off = tf.sub(1, eye);
    const total = tf.add(tf.sum(tf.mul(softplus(tf.mul(gamma, g2s)), off)), tf.sum(tf.mul(softplus(tf.mul(gamma, s2g)), off)));
    return tf.div(total, Math.max(1, 2 * b * (b - 1))) as tf.Scalar;
  });
}

/** How Eq. 3.4's triplet terms are reduced: 'sum' as printed, 'mean' over the 2B(B−1) terms. */
export const THESIS_REDUCTIONS = ['sum', 'mean'] as const;
export type ThesisReduction = (typeof THESIS_REDUCTIONS)[number];
/**
 * Where γ of Eq. 3.3 acts: 'exp', as printed, log(1 + γ·e^{gap}) (a shift of the gap by ln γ);
 * 'gap', as in the loss the thesis cites ([23], CVM-Net) and SAFA's code, log(1 + e^{γ·gap}).
 */
export const THESIS_GAMMA_PLACEMENTS = ['exp', 'gap'] as const;
export type ThesisGammaPlacement = (typeof THESIS_GAMMA_PLACEMENTS)[number];

export interface SoftTripletThesisOptions {
  /** Default 'sum' (Eq. 3.4 as printed); the thesis presets use 'mean' (lib/papers/thesis/readings.ts). */
  reduction?: ThesisReduction;
  /** Default 'exp' (Eq. 3.3 as printed); the thesis presets use 'gap' (lib/papers/thesis/readings.ts). */
  gammaOn?: ThesisGammaPlacement;
}

/**
 * Thesis (003), Sec. 3.2.2: Eq. 3.3, L_triplet(z_a, z_p, z_n) = log(1 + γ·exp(d_pos − d_neg)) with
 * d = ‖·‖₂, over both anchors as in Eq. 3.4:
 *
 *   L_total = Σ_i Σ_{j≠i} [ L_triplet(z_i^g, z_i^s, z_j^s) + L_triplet(z_i^s, z_i^g, z_j^g) ].
 *
 * Two readings the thesis leaves open (lib/papers/thesis/readings.ts), each an option:
 *   - `gammaOn`: 'exp' (default, as printed) gives softplus(D_ii − D_ij + ln γ), a constant shift;
 *     'gap' gives softplus(γ·(D_ii − D_ij)), the loss of the cited CVM-Net [23] and of SAFA;
 *   - `reduction`: 'sum' (default, Eq. 3.4 as printed) or 'mean' over the 2B(B−1) terms (SAFA's
 *     code; what Table 4.7's α and the weight decay of Sec. 4.2 imply).
 * The thesis gives no value for γ; 10 is the default, as in the works it cites.
 * B = 1 has no triplet: 0.
 */
export function softTripletThesis(g: tf.Tensor2D, s: tf.Tensor2D, gamma = 10, o: SoftTripletThesisOptions = {}): tf.Scalar {
  checkPair('softTripletThesis', g, s);
  checkPositive('softTripletThesis', 'gamma', gamma);
  const reduction = o.reduction ?? 'sum';
  const gammaOn = o.gammaOn ?? 'exp';
  if (!(THESIS_REDUCTIONS as readonly string[]).includes(reduction)) throw new CvglError(`softTripletThesis: reduction ${THESIS_REDUCTIONS.join(' or ')}`, String(reduction), "'sum' as Eq. 3.4 prints it, 'mean' over the 2B(B−1) triplets");
  if (!(THESIS_GAMMA_PLACEMENTS as readonly string[]).includes(gammaOn)) throw new CvglError(`softTripletThesis: gammaOn ${THESIS_GAMMA_PLACEMENTS.join(' or ')}`, String(gammaOn), "'exp' as Eq. 3.3 prints it, 'gap' as CVM-Net [23]");
  return tf.tidy(() => {
    const b = g.shape[0];
    const { g2s, s2g, eye } = gaps(g, s);
    const off = tf.sub(1, eye);
    const lnGamma = Math.log(gamma);
    const term = (gap: tf.Tensor) => softplus(gammaOn === 'gap' ? tf.mul(gamma, gap) : tf.add(gap, lnGamma));
    const total = tf.add(tf.sum(tf.mul(term(g2s), off)), tf.sum(tf.mul(term(s2g), off)));
    return (reduction === 'mean' ? tf.div(total, Math.max(1, 2 * b * (b - 1))) : total) as tf.Scalar;
  });
}

/** Negatives of Eq. 2: 'batch-hard' (the min over B, Soft-TriHard) or 'none' (every negative of B, Table 3's "Triplet"). */
export type TriHardMining = 'batch-hard' | 'none';
export const TRIHARD_MINING: readonly TriHardMining[] = ['batch-hard', 'none'];

/**
 * GeoCapsNet (001), Sec. 4 Eq. 2, the Soft-TriHard loss: the weighted soft-margin triplet loss
 * with online batch-hard mining, α = 15 (Sec. 5). Each of the M = B ground images a is an anchor,
 * its aerial image p the positive, and the closest of the other B − 1 aerial images the (hardest)
 * negative; ground→aerial only, averaged over the anchors as Eq. 2's 1/M:
 *
 *   L_sth = 1/B · Σ_i log(1 + e^{α (D_ii − min_{j≠i} D_ij)}).
 *
 * The gradient flows through the selected negative only (ties share it). B = 1 has no negative
 * (the minimum over an empty set is +∞): the loss is 0.
 *
 * `mining: 'none'` is Table 3's "Triplet" column (Sec. 5.2 L156: "we remove this process in our
 * Soft-TriHard loss function"): Eq. 2 with the min over B removed and nothing else changed (α,
 * ground anchors only, 1/M over the anchors); the B − 1 negatives of each anchor are averaged,
 * as the min picked one of them:
 *
 *   L_tri = 1/B · Σ_i 1/(B−1) · Σ_{j≠i} log(1 + e^{α (D_ii − D_ij)}).
 */
export function softTriHard(g: tf.Tensor2D, s: tf.Tensor2D, alpha = 15, mining: TriHardMining = 'batch-hard'): tf.Scalar {
  checkPair('softTriHard', g, s);
  checkPositive('softTriHard', 'alpha', alpha);
  if (!TRIHARD_MINING.includes(mining)) throw new CvglError(`softTriHard: mining ${TRIHARD_MINING.join(' or ')}`, String(mining), "'batch-hard' for Soft-TriHard, 'none' for Table 3's Triplet");
  return tf.tidy(() => {
    const b = g.shape[0];
    const { d, pos, eye, g2s } = gaps(g, s);
    if (mining === 'none') {
      const terms = tf.mul(softplus(tf.mul(alpha, g2s)), tf.sub(1, eye));
      return tf.div(tf.sum(terms), Math.max(1, b * (b - 1))) as tf.Scalar;
    }
    // distances of normalised rows are <= 2: adding 8 to the diagonal keeps it out of the minimum
    const hardest = tf.min(tf.add(d, tf.mul(eye, 8)), 1, true); // [B,1]
    const mean = tf.mean(softplus(tf.mul(alpha, tf.sub(pos, hardest))));
    return (b > 1 ? mean : tf.mul(mean, 0)) as tf.Scalar;
  });
}
