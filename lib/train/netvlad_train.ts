/**
 * Training the NetVLAD baseline of MDUIT's Table 1 (paper 004, Sec. 3.3, [35]) the way NetVLAD is
 * trained for place recognition — on day images with known poses only (as an off-the-shelf
 * NetVLAD has seen no night images):
 *
 *  - the layer's centroids start from conv5_3 descriptors of random training images (NetVLAD
 *    Sec. 3.1 initialises them by k-means: a simpler seeded choice here, assumption);
 *  - every epoch, all training images are embedded; for each query image its potential positives
 *    are the images of the same place (pose within 8° and 7 m — MDUIT's thresholds, in place of
 *    NetVLAD's 10 m GPS radius), the best positive the most similar of them, and its `nNeg`
 *    negatives the most similar images that are not the same place (hard negative mining,
 *    NetVLAD Sec. 4);
 *  - the triplet ranking loss (NetVLAD Eq. 7, margin 0.1) on freshly computed descriptors of the
 *    query, its best positive and its negatives; Adam (the study's profiles: lr 1e-4 from random
 *    weights, 1e-5 in the paper profile meant for ImageNet VGG16 weights; assumption: NetVLAD used
 *    SGD).
 * Images without a pose, a positive or a negative are not used as queries.
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { Rng } from '../engine/rng.js';
import { bankBatch, type ImageBank } from '../data/image_bank.js';
import type { PosedImage } from '../data/localization.js';
import { NetVlad, netvladTripletLoss, type NetVladOptions } from '../models/netvlad.js';
import { loadVgg16Weights } from '../models/weight_import.js';
import { scanSimilarity } from '../eval/similarity_blocks.js';
import { createOptimizer } from './optimizers.js';
import { runLoop, type LoopTask } from './loop.js';
import { embedBank, miningCheckpoint, samePlace, topIndices, type MiningRunOptions } from './mining.js';

export interface NetVladTrainConfig {
  model: Omit<NetVladOptions, 'rng' | 'name'>;
  batchSize: number;
  epochs: number;
  stepsPerEpoch?: number;
  nNeg: number;
  margin: number;
  lr: number;
  poseThresholds: { metres: number; degrees: number };
  /** A VGG16 weight file to start from (NetVLAD starts from ImageNet VGG16); else random. */
  vgg16Weights?: string;
  seed: number;
}

export interface NetVladStepRecord {
  epoch: number;
  step: number;
  loss: number;
}

interface NetVladBatch {
  x: tf.Tensor4D;
  b: number;
  nNeg: number;
}

/**
 * Trains the NetVLAD baseline (see the file comment) as a task on the training loop: each epoch
 * starts with the mining, each step is the triplet loss's gradient step. With `out`, the run
 * writes checkpoints at epoch ends and can be resumed; `history` holds this session's steps.
 */
export async function trainNetVlad(bank: ImageBank, records: PosedImage[], c: NetVladTrainConfig, hooks: { onStep?: (r: NetVladStepRecord) => void; onEpoch?: (epoch: number, what: string) => void } & MiningRunOptions = {}): Promise<{ model: NetVlad; history: NetVladStepRecord[]; steps: number; seconds: number; notes: string[] }> {
  const t0 = performance.now();
  const n = bank.n;
  if (records.length !== n) throw new CvglError('one record per image of the bank', `${records.length} for ${n}`, 'load the bank from the records');
  const ck = await miningCheckpoint(hooks, c, 'NetVLAD training run');
  const rng = new Rng(c.seed);
  const model = new NetVlad({ ...c.model, rng: new Rng(c.seed + 1), name: 'netvlad_baseline' });
  const opt = createOptimizer({ kind: 'adam', lr: c.lr, fused: true });
  const history: NetVladStepRecord[] = [];
  // potential positives: the same place, known once for all epochs
  const positives = records.map((r, i) => records.map((s, j) => (j !== i && samePlace(r, s, c.poseThresholds) ? j : -1)).filter((j) => j >= 0));
  // a query needs a positive and at least one image of another place
  const queries = positives.map((p, i) => (p.length && records[i]!.pose && p.length < n - 1 ? i : -1)).filter((i) => i >= 0);
  if (queries.length < c.batchSize) {
    model.dispose();
    opt.dispose();
    throw new CvglError(`NetVLAD: at least ${c.batchSize} training images with a same-place positive (within ${c.poseThresholds.metres} m and ${c.poseThresholds.degrees}°) and a negative elsewhere`, `${queries.length}`, 'use a set of posed day images covering more than one place');
  }
  const notes: string[] = [];
  try {
    if (ck) notes.push(`resumed from ${ck.path} (epoch ${ck.state.epoch + 1})`);
    else {
      if (c.vgg16Weights) {
        const rep = await loadVgg16Weights(model.vgg, c.vgg16Weights);
        notes.push(`VGG16: ${rep.loaded.length} tensors from ${c.vgg16Weights}`);
      } else notes.push('VGG16: random initialisation (no vgg16Weights given)');
      // centroids from the local descriptors of up to 16 random images
      tf.tidy(() => {
        const idx = rng.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, Math.min(16, n));
        const f = model.localFeatures(bankBatch(bank, idx));
        model.initFromDescriptors(tf.reshape(f, [-1, f.shape[3]]) as tf.Tensor2D, rng);
      });
    }
    const stepsPerEpoch = c.stepsPerEpoch ?? Math.floor(queries.length / c.batchSize);
    const task: LoopTask<NetVladBatch> = {
      model, optimizer: opt, rng, config: c, epochs: c.epochs, label: 'netvlad ', finite: 'NetVLAD: a finite loss and gradient',
      lr: () => c.lr,
      trainable: new Map([...model.namedVariables()].filter(([, v]) => v.trainable)),
      checkpointWithinEpoch: false,
      async epoch(epoch) {
        hooks.onEpoch?.(epoch, `epoch ${epoch + 1}/${c.epochs}: embedding ${n} images to mine positives and negatives`);
        const { z, dim } = await embedBank((x) => model.embedImages(x), bank);
        const bestPos = new Int32Array(n).fill(-1);
        const negs: number[][] = new Array(n);
        await scanSimilarity({ data: z, shape: [n, dim] }, { data: z, shape: [n, dim] }, { metric: 'cosine' }, (q0, q1, scores) => {
          for (let r = 0; r < q1 - q0; r++) {
            const i = q0 + r;
            if (!positives[i]!.length) continue;
            const row = scores.subarray(r * n, (r + 1) * n);
            let best = -1;
            for (const j of positives[i]!) if (best < 0 || row[j]! > row[best]!) best = j;
            bestPos[i] = best;
            negs[i] = topIndices(row, n).filter((j) => j !== i && !samePlace(records[i]!, records[j]!, c.poseThresholds) && records[j]!.pose !== null).slice(0, c.nNeg);
          }
        });
        const order = rng.shuffle([...queries]);
        async function* batches(): AsyncGenerator<NetVladBatch> {
          for (let s = 0; s < stepsPerEpoch; s++) {
            const qs = Array.from({ length: c.batchSize }, (_, k) => order[(s * c.batchSize + k) % order.length]!);
            const nNeg = Math.min(c.nNeg, ...qs.map((q) => negs[q]!.length));
            const idx = [...qs, ...qs.map((q) => bestPos[q]!), ...qs.flatMap((q) => negs[q]!.slice(0, nNeg))];
            yield { x: bankBatch(bank, idx), b: qs.length, nNeg };
          }
        }
        return { steps: stepsPerEpoch, batches: batches() };
      },
      loss: ({ x, b, nNeg }) => {
        const d = model.embedImages(x);
        const q = tf.slice(d, [0, 0], [b, -1]) as tf.Tensor2D;
        const p = tf.slice(d, [b, 0], [b, -1]) as tf.Tensor2D;
        const ng = tf.reshape(tf.slice(d, [2 * b, 0], [b * nNeg, -1]), [b, nNeg, d.shape[1]]) as tf.Tensor3D;
        return netvladTripletLoss(q, p, ng, c.margin);
      },
      release: (b) => b.x.dispose(),
    };
    const res = await runLoop(task, {
      out: hooks.out, resumeFrom: ck, maxSteps: hooks.maxSteps, handleSignals: hooks.handleSignals, progress: false,
      onStep: (s) => {
        const rec = { epoch: s.epoch, step: s.globalStep - 1, loss: s.loss };
        history.push(rec);
        hooks.onStep?.(rec);
      },
    });
    return { model, history, steps: res.globalStep, seconds: (performance.now() - t0) / 1000, notes };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    opt.dispose();
  }
}
