/**
 * Training MDUIT (paper 004) on a multi-domain image set, one Table 1 row at a time:
 *
 *  - every epoch, all training images are embedded with the contrastive module (z = H(E_c(I)),
 *    Sec. 3.1, "we updated these samples every epoch") and, per source image I_s,
 *      · its translation target I_t is the most similar image (cosine of z) of another domain
 *        ("we … set the source and target images which are the most similar ones"; Sec. 2: I_s
 *        and I_t come from different domains),
 *      · its N_neg = 16 negatives for L_NCE are the most similar images whose pose differs by more
 *        than 8° or 7 m ("among the most similar images, … pose differences less than a threshold
 *        as positive, and otherwise as … negative"); images within both thresholds (the same
 *        place) are never negatives; for an image without a pose (RobotCar Seasons' queries)
 *        they are random images — assumption;
 *      · L_NCE encodes the negatives with the current network at every step (mduit_step.ts;
 *        `negatives: 'current'`), or reads their z from this epoch's embedding (`'bank'`);
 *  - I_t+ is a random other image of I_t's domain, I_t− a random image of another domain, I_s−
 *    one of I_s's negatives (different content, Eq. 4);
 *  - "w/o I2I" rows use a colour-jittered I_s as the translation (footnote 1): torchvision's
 *    ColorJitter(0.4, 0.4, 0.4, 0.1), always applied (lib/data/augment.ts);
 *  - Adam β1 = 0.5, β2 = 0.999, learning rate 2e-4 kept for `constantEpochs`, then linearly to zero
 *    (Sec. 3.1: 35 + 15 epochs), batch size 1 in the paper.
 *
 * Deterministic for a seed: batch order, pairing draws and jitter go through the seeded generator.
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { Rng } from '../engine/rng.js';
import { applyColorJitter, MOCO_V2, sampleColorJitter, type JitterStrength } from '../data/augment.js';
import { bankBatch, type ImageBank } from '../data/image_bank.js';
import type { PosedImage } from '../data/localization.js';
import { MDUIT_N_NEG } from '../losses/mduit.js';
import { Mduit, type MduitOptions } from '../models/mduit.js';
import { loadVgg16Weights } from '../models/weight_import.js';
import { scanSimilarity } from '../eval/similarity_blocks.js';
import { embedBank, miningCheckpoint, samePlace, topIndices, type MiningRunOptions } from './mining.js';
import { createOptimizer } from './optimizers.js';
import { combineOptimizers, runLoop, type LoopTask } from './loop.js';
import { scheduleFactor } from './schedules.js';
import { mduitStep, variantHasI2i, type MduitBatch, type MduitStepLosses, type MduitVariant } from './mduit_step.js';

export { embedBank, topIndices } from './mining.js';

/** The pose thresholds of positives (Sec. 3.1: 8° and 7 m). */
export const MDUIT_POSE_THRESHOLDS = { metres: 7, degrees: 8 };

export interface MduitTrainConfig {
  variant: MduitVariant;
  model: Omit<MduitOptions, 'rng' | 'name' | 'i2i'>;
  batchSize: number;
  epochs: number;
  /** Epochs at the full learning rate before the linear decay to zero (paper: 35 of 50). */
  constantEpochs: number;
  /** Batches per epoch (default: every training image once). */
  stepsPerEpoch?: number;
  lr: number;
  beta1: number;
  beta2: number;
  nNeg: number;
  poseThresholds: { metres: number; degrees: number };
  jitter: JitterStrength;
  /** L_NCE's negatives: encoded by the current network every step ('current', the paper's Eq. 5)
   *  or read from the epoch's memory bank of z ('bank': no extra forward passes). */
  negatives: 'current' | 'bank';
  /** A VGG16 weight file (torchvision/timm safetensors or tfjs model.json, lib/models/weight_import.ts)
   *  for E_a's VGG16 — the paper's "pre-trained VGG-16"; without it the VGG16 stays at its random
   *  initialisation (frozen either way). */
  vgg16Weights?: string;
  seed: number;
}

export const MDUIT_PAPER_TRAINING: Omit<MduitTrainConfig, 'variant' | 'seed'> = {
  model: {},
  batchSize: 1,
  epochs: 50,
  constantEpochs: 35,
  lr: 2e-4,
  beta1: 0.5,
  beta2: 0.999,
  nNeg: MDUIT_N_NEG,
  poseThresholds: MDUIT_POSE_THRESHOLDS,
  jitter: MOCO_V2.jitter,
  negatives: 'current',
};

/** The training images: pixels, and per image its record and domain index. */
export interface TrainingImages {
  bank: ImageBank;
  records: PosedImage[];
  /** Index into `conditions` per image. */
  domain: Int32Array;
  conditions: string[];
}

export interface MduitStepRecord extends MduitStepLosses {
  epoch: number;
  step: number;
  lr: number;
}

export interface MduitTrainResult {
  model: Mduit;
  history: MduitStepRecord[];
  steps: number;
  seconds: number;
  /** E.g. where E_a's VGG16 weights came from. */
  notes: string[];
}

export interface MduitPairing {
  /** Per image: the translation target (most similar image of another domain), or −1. */
  target: Int32Array;
  /** Per image: N_neg negatives (indices). */
  negatives: Int32Array[];
  /** z of every image [n, K] (row-major), the memory bank. */
  z: Float32Array;
  dim: number;
}

/** The epoch's pairing (see the file comment), from the bank's z. */
export async function pairByEmbedding(images: TrainingImages, z: Float32Array, dim: number, nNeg: number, thresholds: { metres: number; degrees: number }, rng: Rng): Promise<MduitPairing> {
  const n = images.bank.n;
  const target = new Int32Array(n).fill(-1);
  const negatives: Int32Array[] = new Array(n);
  const zs = { data: z, shape: [n, dim] as [number, number] };
  await scanSimilarity(zs, zs, { metric: 'cosine' }, (q0, q1, scores) => {
    for (let r = 0; r < q1 - q0; r++) {
      const i = q0 + r;
      const row = scores.subarray(r * n, (r + 1) * n);
      // the most similar candidates first; all of them only when the top ones do not suffice
      let order = topIndices(row, Math.min(n, 4 * nNeg + 64));
      const enough = () => order.some((j) => images.domain[j] !== images.domain[i]) && order.filter((j) => j !== i && !samePlace(images.records[i]!, images.records[j]!, thresholds)).length >= Math.min(nNeg, n - 1);
      if (order.length < n && !enough()) order = topIndices(row, n);
      const di = images.domain[i]!;
      target[i] = order.find((j) => images.domain[j] !== di) ?? -1;
      const rec = images.records[i]!;
      const neg: number[] = [];
      if (rec.pose) {
        for (const j of order) {
          if (neg.length === nNeg) break;
          if (j !== i && images.records[j]!.pose && !samePlace(rec, images.records[j]!, thresholds)) neg.push(j);
        }
      }
      while (neg.length < Math.min(nNeg, n - 1)) {
        const j = rng.int(n);
        if (j !== i && !samePlace(rec, images.records[j]!, thresholds)) neg.push(j);
      }
      negatives[i] = Int32Array.from(neg);
    }
  });
  return { target, negatives, z, dim };
}

function pick<T>(rng: Rng, a: T[]): T {
  return a[rng.int(a.length)]!;
}

const pools = new WeakMap<TrainingImages, Map<number, number[]>>();
/** Image indices per domain (computed once per image set). */
function domainPools(images: TrainingImages): Map<number, number[]> {
  let m = pools.get(images);
  if (!m) {
    m = new Map();
    images.domain.forEach((d, i) => {
      if (!m!.has(d)) m!.set(d, []);
      m!.get(d)!.push(i);
    });
    pools.set(images, m);
  }
  return m;
}

/** The batch of sources `idx` (tensors the caller disposes). */
export function makeBatch(images: TrainingImages, pairing: MduitPairing, idx: number[], variant: MduitVariant, rng: Rng, jitter: JitterStrength, negativeMode: 'current' | 'bank' = 'current'): MduitBatch {
  const { bank } = images;
  const byDomain = domainPools(images);
  const negIdx: number[] = [];
  for (const i of idx) for (const j of pairing.negatives[i]!) negIdx.push(j);
  const nNeg = pairing.negatives[idx[0]!]!.length;
  let negatives: MduitBatch['negatives'];
  if (negativeMode === 'current') negatives = { images: bankBatch(bank, negIdx), nNeg };
  else {
    const z = new Float32Array(negIdx.length * pairing.dim);
    negIdx.forEach((j, k) => z.set(pairing.z.subarray(j * pairing.dim, (j + 1) * pairing.dim), k * pairing.dim));
    negatives = { z: tf.tensor3d(z, [idx.length, nNeg, pairing.dim]) };
  }
  const batch: MduitBatch = { source: bankBatch(bank, idx), negatives };
  if (variantHasI2i(variant)) {
    const tgt = idx.map((i) => (pairing.target[i]! >= 0 ? pairing.target[i]! : rng.int(bank.n)));
    const same = tgt.map((t) => {
      const pool = byDomain.get(images.domain[t]!)!.filter((j) => j !== t);
      return pool.length ? pick(rng, pool) : t;
    });
    const other = tgt.map((t) => {
      // a random image of a random other domain
      const ds = [...byDomain.keys()].filter((d) => d !== images.domain[t]);
      return ds.length ? pick(rng, byDomain.get(pick(rng, ds))!) : rng.int(bank.n);
    });
    const sNeg = idx.map((i) => pick(rng, [...pairing.negatives[i]!]));
    batch.target = bankBatch(bank, tgt);
    batch.targetSame = bankBatch(bank, same);
    batch.targetNeg = bankBatch(bank, other);
    batch.sourceNeg = bankBatch(bank, sNeg);
  } else {
    const per = bank.height * bank.width * 3;
    const out = new Float32Array(idx.length * per);
    idx.forEach((i, k) => {
      const img = { width: bank.width, height: bank.height, channels: 3, data: Float32Array.from(bank.data.subarray(i * per, (i + 1) * per), (v) => v / 255) };
      const j = applyColorJitter(img, sampleColorJitter(rng, jitter));
      for (let t = 0; t < per; t++) out[k * per + t] = j.data[t]! * 2 - 1;
    });
    batch.jittered = tf.tensor4d(out, [idx.length, bank.height, bank.width, 3]);
  }
  return batch;
}

export function disposeBatch(b: MduitBatch): void {
  tf.dispose([b.source, 'z' in b.negatives ? b.negatives.z : b.negatives.images, ...[b.target, b.targetSame, b.targetNeg, b.sourceNeg, b.jittered].filter((t): t is tf.Tensor4D => t !== undefined)]);
}

export function validateTrainConfig(c: MduitTrainConfig, n: number): void {
  const bad = (what: string, found: unknown, fix: string) => new CvglError(`MDUIT training: ${what}`, String(found), fix);
  if (!Number.isInteger(c.batchSize) || c.batchSize < 1) throw bad('batchSize, a positive integer', c.batchSize, 'the paper uses 1');
  if (!Number.isInteger(c.epochs) || c.epochs < 1) throw bad('epochs, a positive integer', c.epochs, 'the paper trains 50');
  if (!(c.constantEpochs >= 0 && c.constantEpochs <= c.epochs)) throw bad(`constantEpochs in [0, epochs = ${c.epochs}]`, c.constantEpochs, 'the paper: 35 of 50');
  if (c.stepsPerEpoch !== undefined && !(Number.isInteger(c.stepsPerEpoch) && c.stepsPerEpoch >= 1)) throw bad('stepsPerEpoch, a positive integer', c.stepsPerEpoch, 'leave it out for full epochs');
  if (!(c.lr > 0)) throw bad('lr > 0', c.lr, 'the paper uses 2e-4');
  if (n < c.batchSize + 1 || n <= c.nNeg) throw bad(`more training images than the batch size and N_neg = ${c.nNeg}`, `${n} images`, 'use a larger image set');
}

/**
 * Trains one Table 1 row as a task on the training loop: each epoch starts with the pairing (the
 * network embeds the images), each step is `mduitStep`'s alternating generator/discriminator
 * update under the loop's NaN/Inf guard. `onStep` sees every step's losses; `onEpoch` a line
 * before and after each epoch's pairing. With `out`, the run writes checkpoints (both players'
 * Adam slots included) at epoch ends and can be resumed; `history` holds this session's steps.
 */
export async function trainMduit(images: TrainingImages, c: MduitTrainConfig, hooks: { onStep?: (r: MduitStepRecord) => void; onEpoch?: (epoch: number, what: string) => void; name?: string } & MiningRunOptions = {}): Promise<MduitTrainResult> {
  const n = images.bank.n;
  validateTrainConfig(c, n);
  const t0 = performance.now();
  const ck = await miningCheckpoint(hooks, c, 'MDUIT training run');
  const rng = new Rng(c.seed);
  const model = new Mduit({ ...c.model, rng: new Rng(c.seed + 1), name: hooks.name ?? `mduit_${c.variant}`, i2i: variantHasI2i(c.variant) });
  const opt = {
    generator: createOptimizer({ kind: 'adam', lr: c.lr, beta1: c.beta1, beta2: c.beta2, fused: true }),
    discriminator: variantHasI2i(c.variant) ? createOptimizer({ kind: 'adam', lr: c.lr, beta1: c.beta1, beta2: c.beta2, fused: true }) : null,
  };
  const notes: string[] = [];
  if (ck) notes.push(`resumed from ${ck.path} (epoch ${ck.state.epoch + 1})`);
  else if (c.vgg16Weights && model.vgg) {
    try {
      const rep = await loadVgg16Weights(model.vgg, c.vgg16Weights);
      notes.push(`E_a's VGG16: ${rep.loaded.length} tensors from ${c.vgg16Weights}`);
    } catch (e) {
      model.dispose();
      opt.generator.dispose();
      opt.discriminator?.dispose();
      throw e;
    }
  } else if (model.vgg) notes.push("E_a's VGG16: random initialisation (no vgg16Weights given), frozen");
  const stepsPerEpoch = c.stepsPerEpoch ?? Math.floor(n / c.batchSize);
  const schedule = { kind: 'linear-to-zero' as const, constantEpochs: c.constantEpochs, decayEpochs: Math.max(1e-9, c.epochs - c.constantEpochs) };
  const history: MduitStepRecord[] = [];
  const task: LoopTask<MduitBatch> = {
    model, rng, config: c, epochs: c.epochs, label: `mduit ${c.variant} `, finite: 'MDUIT: finite generator and discriminator losses',
    optimizer: combineOptimizers(opt.discriminator ? { generator: opt.generator, discriminator: opt.discriminator } : { generator: opt.generator }),
    lr: (p) => c.lr * scheduleFactor(schedule, p),
    checkpointWithinEpoch: false,
    async epoch(epoch) {
      hooks.onEpoch?.(epoch, `epoch ${epoch + 1}/${c.epochs}: embedding ${n} training images to pair them`);
      const { z, dim } = await embedBank((x) => model.embedImages(x), images.bank);
      const pairing = await pairByEmbedding(images, z, dim, c.nNeg, c.poseThresholds, rng);
      hooks.onEpoch?.(epoch, `epoch ${epoch + 1}/${c.epochs}: pairs and negatives chosen, ${stepsPerEpoch} steps of ${c.batchSize}`);
      const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
      // a batch is made when the loop asks for it: its pairing draws come after the previous step, as in one loop
      async function* batches(): AsyncGenerator<MduitBatch> {
        for (let s = 0; s < stepsPerEpoch; s++) yield makeBatch(images, pairing, Array.from({ length: c.batchSize }, (_, k) => order[(s * c.batchSize + k) % n]!), c.variant, rng, c.jitter, c.negatives);
      }
      return { steps: stepsPerEpoch, batches: batches() };
    },
    async update(batch, ctx) {
      const losses = await mduitStep(model, batch, c.variant, opt, ctx.lr, undefined, ctx.check);
      const rec = { epoch: ctx.epoch, step: ctx.globalStep, lr: ctx.lr, ...losses };
      history.push(rec);
      hooks.onStep?.(rec);
      return { loss: losses.generator, extra: { discriminator: losses.discriminator, terms: losses.terms } };
    },
    release: disposeBatch,
  };
  try {
    const res = await runLoop(task, { out: hooks.out, resumeFrom: ck, maxSteps: hooks.maxSteps, handleSignals: hooks.handleSignals, progress: false });
    return { model, history, steps: res.globalStep, seconds: (performance.now() - t0) / 1000, notes };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    opt.generator.dispose();
    opt.discriminator?.dispose();
  }
}
