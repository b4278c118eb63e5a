/**
 * The "unified" version of MoCov2 and cross-view matching of the thesis (003, appendix 6.5,
 * Fig. 6.3 (c)), which the thesis left unfinished: cross-view matching trained end to end as two
 * MoCos whose momentum encoders are each updated by the query encoder of the other pair.
 *
 *   q   the ground branch of a Siamese-VGG (VGG16 + the shared head, appendix 6.1): queries G'
 *   q'  its aerial branch: queries S'
 *   k   a momentum copy of q' (aerial VGG16 + head): keys of S', positives of the ground queries
 *   k'  a momentum copy of q  (ground VGG16 + head): keys of G', positives of the satellite queries
 *
 *   L = InfoNCE(q(G'), k(S'), Q_k) + InfoNCE(q'(S'), k'(G'), Q_k')          Eq. 3.1, once per pair
 *   ξ_k ← m ξ_k + (1 − m) θ_q'        ξ_k' ← m ξ_k' + (1 − m) θ_q            Eq. 3.2, crossed
 *   Q_k ← enqueue k(S')               Q_k' ← enqueue k'(G')                  two memory buffers
 *
 * "it does not make sense to update the encoder for satellite images with the one for ground-level
 * images" (appendix 6.5): so k follows q' (both see satellites) and k' follows q (both see
 * ground images). Each pair is a cross-view MoCo: the positive key of a ground query is the
 * momentum encoding of its own satellite image, its negatives the satellite keys of past batches.
 *
 * What the thesis does not say, chosen here: the two InfoNCE terms are summed (each the mean over
 * the batch, as MoCo's); one augmented pair (G', S') serves both pairs; the key encoders start as
 * copies of the query encoders they follow (Algorithm 1's `f_k.params = f_q.params`), also after
 * pre-trained weights are loaded; the queues start as random unit keys and take any batch size up
 * to K (the trainer's VIGOR sampler can end an epoch with a short batch, where MoCo asserts K % B == 0).
 *
 * Descriptors (`embed`) are the query encoders' — a Siamese-VGG's — so evaluation, recall and the
 * uniformity metric treat the unified model like any cross-view model. Training goes through the
 * trainer: the objective (`lib/train/objective.ts`, loss kind 'unified-infonce') calls `loss`,
 * which computes the keys without gradient and holds them; after the optimizer's update the trainer
 * calls `afterStep`, which does the two momentum updates and enqueues those keys.
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { rng as globalRng, Rng } from '../engine/rng.js';
import { infoNce, stopGradient } from '../losses/infonce.js';
import { denseLayer } from '../nn/dense.js';
import { TORCH_DEFAULT } from '../nn/init.js';
import { l2NormalizeRows } from '../nn/l2.js';
import { encode, encoderVariables, ringWrite, type Encoder, type MoCoOptions } from './moco.js';
import { NamedVariableModel, type CrossViewModel } from './model.js';
import { param } from '../nn/param.js';
import { SiameseVgg, siameseVggForwardMacs, siameseVggParamCount } from './siamese_vgg.js';
import { Vgg16, vgg16ParamCount } from './vgg16.js';
import type { ModelRecord } from './record.js';

/** MoCo's settings (rng, widthDivisor, dim, queueSize as K of each of the two buffers, τ, m); no variable-name prefix: it has one query encoder pair. */
export type UnifiedMoCoOptions = Omit<MoCoOptions, 'name'>;

export class UnifiedMoCo extends NamedVariableModel implements CrossViewModel {
  readonly name = 'unified-moco';
  readonly dim: number;
  readonly widthDivisor: number;
  readonly queueSize: number;
  readonly tau: number;
  readonly momentum: number;
  /** The query encoders q (ground) and q' (aerial): a Siamese-VGG. */
  readonly query: SiameseVgg;
  /** k': momentum copy of q, encodes ground images into keys for the satellite queries. */
  readonly keyGround: Encoder;
  /** k: momentum copy of q', encodes satellite images into keys for the ground queries. */
  readonly keyAerial: Encoder;
  /** Q_k': ground keys [K, dim], the negatives of the satellite queries. */
  readonly queueGround: tf.Variable;
  /** Q_k: satellite keys [K, dim], the negatives of the ground queries. */
  readonly queueAerial: tf.Variable;
  /** Row where the next batch of keys goes in both queues (a float32 scalar, as MoCo's). */
  readonly queuePtr: tf.Variable;
  private pending: { kg: tf.Tensor2D; ks: tf.Tensor2D } | null = null;

  constructor(opts: UnifiedMoCoOptions = {}) {
    super();
    const r = opts.rng ?? globalRng;
    this.widthDivisor = opts.widthDivisor ?? 1;
    this.dim = opts.dim ?? 128;
    this.queueSize = opts.queueSize ?? 16384;
    this.tau = opts.tau ?? 0.2;
    this.momentum = opts.momentum ?? 0.999;
    const bad = (what: string, found: unknown, fix: string) => new CvglError(`UnifiedMoCo: ${what}`, String(found), fix);
    if (!Number.isInteger(this.queueSize) || this.queueSize < 1) throw bad('queueSize K, a positive integer', this.queueSize, 'MoCov2 uses K = 16384');
    if (!(this.tau > 0)) throw bad('tau > 0', this.tau, 'the thesis uses τ = 0.2');
    if (!(this.momentum >= 0 && this.momentum < 1)) throw bad('momentum m in [0, 1)', this.momentum, 'the thesis uses m = 0.999');
    // the MoCo-style projection (appendix 6.1's 512-512-128 MLP), which the key encoders copy
    this.query = new SiameseVgg({ rng: r, head: 'mlp', widthDivisor: this.widthDivisor, dim: this.dim });
    const key = (tag: string): Encoder => {
      const kr = new Rng(0); // overwritten by the copy below
      const vgg = new Vgg16({ cut: 'pool5', name: `unified/${tag}`, rng: kr, widthDivisor: this.widthDivisor, trainable: false });
      const c = vgg.outChannels;
      return { vgg, fc1: denseLayer(kr, `unified/${tag}/classifier.0`, c, c, TORCH_DEFAULT, false), fc2: denseLayer(kr, `unified/${tag}/classifier.2`, c, this.dim, TORCH_DEFAULT, false) };
    };
    this.keyGround = key('key_ground');
    this.keyAerial = key('key_aerial');
    this.syncKeys();
    this.queueGround = param(() => l2NormalizeRows(r.normalTensor([this.queueSize, this.dim]) as tf.Tensor2D), 'unified/queue_ground', false);
    this.queueAerial = param(() => l2NormalizeRows(r.normalTensor([this.queueSize, this.dim]) as tf.Tensor2D), 'unified/queue_aerial', false);
    this.queuePtr = param(() => tf.scalar(0), 'unified/queue_ptr', false);
  }

  /** The ground query backbone (what `init.ground` loads). */
  get ground(): Vgg16 {
    return this.query.ground;
  }

  /** The aerial query backbone (what `init.aerial` loads). */
  get aerial(): Vgg16 {
    return this.query.aerial;
  }

  /** q (ground) and q' (aerial) as encoders: each branch's VGG16 with the shared head. */
  private queryEncoder(branch: 'ground' | 'aerial'): Encoder {
    return { vgg: this.query[branch], fc1: this.query.fc1, fc2: this.query.fc2! };
  }

  /** Pairs (key variable, query variable it follows): k' ← q, k ← q'. */
  private followPairs(): [tf.Variable, tf.Variable][] {
    const out: [tf.Variable, tf.Variable][] = [];
    for (const [k, q] of [[this.keyGround, this.queryEncoder('ground')], [this.keyAerial, this.queryEncoder('aerial')]] as const) {
      const qv = encoderVariables(q, 'e');
      for (const [name, v] of encoderVariables(k, 'e')) out.push([v, qv.get(name)!]);
    }
    return out;
  }

  /** Algorithm 1's `f_k.params = f_q.params`: k' = q, k = q' (at construction and after loading weights). */
  syncKeys(): void {
    for (const [k, q] of this.followPairs()) k.assign(q);
  }

  /** The trainer calls this after loading pre-trained weights into the query encoders. */
  afterInitWeights(): void {
    this.syncKeys();
  }

  /** Siamese-VGG descriptors of the query encoders (g from `ground` alone, s from `aerial` alone). */
  embed(ground: tf.Tensor4D, aerial: tf.Tensor4D): { g: tf.Tensor2D; s: tf.Tensor2D } {
    return this.query.embed(ground, aerial);
  }

  /** One view's descriptors of the query encoders. */
  embedView(view: 'ground' | 'aerial', x: tf.Tensor4D): tf.Tensor2D {
    return this.query.embedView(view, x);
  }

  /** Keys without gradient: k'(G') [B, dim] and k(S') [B, dim]. */
  keys(ground: tf.Tensor4D, aerial: tf.Tensor4D): { kg: tf.Tensor2D; ks: tf.Tensor2D } {
    return tf.tidy(() => ({ kg: stopGradient(encode(this.keyGround, ground)), ks: stopGradient(encode(this.keyAerial, aerial)) }));
  }

  /**
   * The two InfoNCE terms of a batch of pairs (G', S') (see the file comment); the gradient flows
   * to the query encoders only. The keys are held for `afterStep` (a later call replaces them).
   */
  loss(ground: tf.Tensor4D, aerial: tf.Tensor4D): tf.Scalar {
    const b = ground.shape[0];
    if (aerial.shape[0] !== b || b > this.queueSize) {
      throw new CvglError(`UnifiedMoCo: as many ground as aerial images, at most K = ${this.queueSize}`, `${b} ground, ${aerial.shape[0]} aerial`, 'pass one batch of pairs, smaller than the queue');
    }
    this.dropPending();
    const k = this.keys(ground, aerial);
    this.pending = { kg: tf.keep(k.kg), ks: tf.keep(k.ks) };
    return tf.tidy(() => {
      const e = this.query.embed(ground, aerial);
      const groundQueries = infoNce(e.g, k.ks, this.queueAerial as tf.Tensor2D, this.tau); // pair 1: q, k, Q_k
      const aerialQueries = infoNce(e.s, k.kg, this.queueGround as tf.Tensor2D, this.tau); // pair 2: q', k', Q_k'
      return tf.add(groundQueries, aerialQueries) as tf.Scalar;
    });
  }

  /** Eq. 3.2 crossed: k' ← m k' + (1 − m) q and k ← m k + (1 − m) q'. */
  momentumUpdate(m = this.momentum): void {
    for (const [k, q] of this.followPairs()) tf.tidy(() => k.assign(tf.add(tf.mul(k, m), tf.mul(q, 1 - m))));
  }

  /** Row of the queues where the next batch goes. */
  pointer(): number {
    const p = Math.round(this.queuePtr.dataSync()[0]!);
    if (!(p >= 0 && p < this.queueSize)) throw new CvglError(`UnifiedMoCo: a queue pointer in [0, ${this.queueSize})`, String(p), 'restore queue_ptr from a checkpoint of this model (same queue size)');
    return p;
  }

  /** Enqueues the keys of the last `loss` into Q_k' (ground keys) and Q_k (satellite keys). */
  enqueue(kg: tf.Tensor2D, ks: tf.Tensor2D): void {
    const p = this.pointer();
    ringWrite(this.queueGround, p, kg);
    ringWrite(this.queueAerial, p, ks);
    tf.tidy(() => this.queuePtr.assign(tf.scalar((p + kg.shape[0]) % this.queueSize)));
  }

  /** After the optimizer's update of q and q': momentum updates, then enqueue the held keys. */
  afterStep(): void {
    if (!this.pending) throw new CvglError('UnifiedMoCo.afterStep after a loss', 'no keys held (loss was not computed since the last step)', 'call loss(ground, aerial) for the batch first');
    this.momentumUpdate();
    const { kg, ks } = this.pending;
    try {
      this.enqueue(kg, ks);
    } finally {
      this.dropPending();
    }
  }

  private dropPending(): void {
    if (this.pending) tf.dispose([this.pending.kg, this.pending.ks]);
    this.pending = null;
  }

  /**
   * Query encoders by Siamese-VGG's names (`ground.features.N.*`, `aerial.features.N.*`,
   * `head.classifier.{0,2}.*`), then the non-trainable state: `key_ground.*` (k'), `key_aerial.*`
   * (k), `queue_ground`, `queue_aerial`, `queue_ptr`.
   */
  namedVariables(): Map<string, tf.Variable> {
    return new Map([
      ...this.query.namedVariables(),
      ...encoderVariables(this.keyGround, 'key_ground'),
      ...encoderVariables(this.keyAerial, 'key_aerial'),
      ['queue_ground', this.queueGround],
      ['queue_aerial', this.queueAerial],
      ['queue_ptr', this.queuePtr],
    ]);
  }

  descriptorLength(): number {
    return this.dim;
  }

  /** Forward FLOPs of one pair through the query encoders (the keys' forward passes come on top in training). */
  flops(groundHW: [number, number], aerialHW: [number, number]): number {
    return 2 * siameseVggForwardMacs(groundHW, aerialHW, this.widthDivisor, this.dim, 'mlp');
  }

  override dispose(): void {
    this.dropPending();
    super.dispose();
  }
}

/**
 * Registered as 'unified-moco'. Facts at the thesis' VIGOR sizes (Sec. 4.2: 224x448 panoramas,
 * 224x224 aerials): the trained query encoders are a Siamese-VGG; the two momentum key encoders
 * and the two queues are state, not parameters. The quick size keeps two queues of K = 256 (a few
 * batches) instead of MoCov2's 16384 (appendix 6.5).
 */
export const UNIFIED_MOCO_MODEL: ModelRecord<'unified-moco'> = {
  name: 'unified-moco',
  paper: 'thesis (003) appendix 6.5, Fig. 6.3 (c)',
  options: ['dim', 'widthDivisor', 'queueSize', 'tau', 'momentum'],
  build: (options, rng) => new UnifiedMoCo({ ...options, rng }),
  paperSize: { ground: [224, 448], aerial: [224, 224] },
  quick: { options: { widthDivisor: 8, queueSize: 256 }, ground: { height: 32, width: 128 }, aerial: { size: 64, polar: null }, loss: { kind: 'unified-infonce' }, lr: 1e-3, epochs: 3, batchSize: 16 },
  facts: ({ ground, aerial }) => {
    const params = siameseVggParamCount(1, 128, 'mlp'), vgg = 2 * vgg16ParamCount('pool5');
    return { params, descriptorLength: 128, forwardGflops: (2 * siameseVggForwardMacs(ground, aerial, 1, 128, 'mlp')) / 1e9, breakdown: { vgg16x2: vgg, head: params - vgg } };
  },
};
