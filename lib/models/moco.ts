/**
 * MoCov2 (thesis 003, Sec. 3.1.1, Fig. 3.1 stage 1, Algorithm 1), the self-supervised pre-training
 * of one branch (ground or satellite):
 *
 *  - query encoder f_q = VGG16 `features` (cut pool5, thesis appendix 6.1) + projection head
 *    g_θ' (AdaptiveAvgPool2d(1) → Linear(C, C) → ReLU → Linear(C, dim); C = 512 at full width,
 *    dim = 128, Sec. 3.1.1 and 4.2);
 *  - key encoder f_k: a copy with its own (non-trainable) variables, initialised equal to f_q
 *    (Algorithm 1, `f_k.params = f_q.params`), moved by the momentum update, Eq. 3.2:
 *    ξ' ← m ξ' + (1 − m) θ' (m = 0.999);
 *  - the memory bank: a queue of K keys ([K, dim] rows, thesis K = 16,384; MoCo's buffer is its
 *    transpose) with a pointer, initialised with random unit vectors, FIFO by whole batches;
 *  - the loss: InfoNCE (Eq. 3.1, τ = 0.2) of q = normalize(f_q(x_q)) against k = normalize(f_k(x_k))
 *    (no gradient through k) and the queue.
 *
 * One iteration of Algorithm 1 is `loss` (it holds k), the gradients of f_q and the optimizer's
 * update (the training loop's, lib/train/pretrain.ts; thesis: SGD lr 0.015, momentum 0.9, weight
 * decay 1e-4), then `afterStep`: momentum update of f_k, enqueue k.
 * After pre-training, the query backbone is what stage 2 loads (Sec. 3.1.2): `exportBackbone`
 * writes it with torchvision VGG16 names for `loadVgg16Weights`.
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { rng as globalRng, Rng } from '../engine/rng.js';
import { infoNce, stopGradient } from '../losses/infonce.js';
import { dense, denseLayer, type DenseLayer } from '../nn/dense.js';
import { TORCH_DEFAULT } from '../nn/init.js';
import { l2NormalizeRows } from '../nn/l2.js';
import { param } from '../nn/param.js';
import { Vgg16 } from './vgg16.js';
import { exportVgg16Safetensors, type Vgg16ExportOptions } from './weight_import.js';

export interface MoCoOptions {
  /** Prefix of the tfjs variable names (default 'moco'); give each live MoCo its own (e.g. 'moco_ground'). */
  name?: string;
  rng?: Rng;
  /** Divides every VGG16 width and the head's hidden width (default 1: VGG16); see `vgg16Cfg`. */
  widthDivisor?: number;
  /** Output of the projection head (thesis: 128). */
  dim?: number;
  /** K, keys in the memory bank (thesis: 16,384). Must be a multiple of the batch size. */
  queueSize?: number;
  /** τ of InfoNCE (thesis: 0.2). */
  tau?: number;
  /** m of Eq. 3.2 (thesis: 0.999). */
  momentum?: number;
}

/** One encoder: backbone f and projection head g (AdaptiveAvgPool2d → Linear → ReLU → Linear). */
export interface Encoder {
  vgg: Vgg16;
  fc1: DenseLayer;
  fc2: DenseLayer;
}

/** An encoder's variables as `<prefix>.features.N.*` and `<prefix>.classifier.{0,2}.*`. */
export function encoderVariables(e: Encoder, prefix: string): Map<string, tf.Variable> {
  const m = new Map<string, tf.Variable>();
  for (const [k, v] of e.vgg.namedVariables()) m.set(`${prefix}.${k}`, v);
  m.set(`${prefix}.classifier.0.weight`, e.fc1.w);
  m.set(`${prefix}.classifier.0.bias`, e.fc1.b);
  m.set(`${prefix}.classifier.2.weight`, e.fc2.w);
  m.set(`${prefix}.classifier.2.bias`, e.fc2.b);
  return m;
}

/** Encoder e's L2-normalised projection of images x [B,H,W,3] -> [B, dim] (f then g, Sec. 3.1.1). */
export function encode(e: Encoder, x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const pooled = tf.mean(e.vgg.apply(x), [1, 2]) as tf.Tensor2D; // AdaptiveAvgPool2d(1)
    return l2NormalizeRows(dense(tf.relu(dense(pooled, e.fc1)), e.fc2));
  });
}

/**
 * Writes `keys` [B, D] into the ring `queue` [K, D] at rows p, p+1, … (mod K), B <= K: Algorithm
 * 1's enqueue of the newest batch over the oldest keys. The caller keeps the pointer.
 */
export function ringWrite(queue: tf.Variable, p: number, keys: tf.Tensor2D): void {
  const [K, d] = queue.shape as [number, number];
  const b = keys.shape[0];
  if (keys.rank !== 2 || keys.shape[1] !== d || b < 1 || b > K || !(p >= 0 && p < K)) {
    throw new CvglError(`ringWrite: keys [B <= ${K}, ${d}] and a pointer in [0, ${K})`, `keys [${keys.shape.join(', ')}], pointer ${p}`, 'a queue at least as long as the batch');
  }
  tf.tidy(() => {
    const rows = (t: tf.Tensor, from: number, to: number) => tf.slice(t, [from, 0], [to - from, d]);
    const parts: tf.Tensor[] = [];
    if (p + b <= K) {
      if (p > 0) parts.push(rows(queue, 0, p));
      parts.push(keys);
      if (p + b < K) parts.push(rows(queue, p + b, K));
    } else {
      parts.push(rows(keys, K - p, b), rows(queue, p + b - K, p), rows(keys, 0, K - p));
    }
    queue.assign(parts.length === 1 ? tf.clone(parts[0]!) : tf.concat(parts, 0));
  });
}

export class MoCo {
  readonly name: string;
  readonly dim: number;
  readonly widthDivisor: number;
  readonly queueSize: number;
  readonly tau: number;
  readonly momentum: number;
  readonly encoderQ: Encoder;
  readonly encoderK: Encoder;
  /** The memory bank [K, dim]: unit keys, oldest batch overwritten first. */
  readonly queue: tf.Variable;
  /**
   * Row where the next batch of keys goes: a float32 scalar (exact for any K < 2^24) so that
   * checkpoints, which store and restore every variable as F32 (lib/train/checkpoint.ts), keep it.
   */
  readonly queuePtr: tf.Variable;
  /** The keys of the last `loss`, enqueued by `afterStep`. */
  private pending: tf.Tensor2D | null = null;

  constructor(opts: MoCoOptions = {}) {
    const r = opts.rng ?? globalRng;
    this.name = opts.name ?? 'moco';
    this.widthDivisor = opts.widthDivisor ?? 1;
    this.dim = opts.dim ?? 128;
    this.queueSize = opts.queueSize ?? 16384;
    this.tau = opts.tau ?? 0.2;
    this.momentum = opts.momentum ?? 0.999;
    const bad = (what: string, found: unknown, fix: string) => new CvglError(`MoCo: ${what}`, String(found), fix);
    if (!Number.isInteger(this.dim) || this.dim < 1) throw bad('dim, a positive integer', this.dim, 'the thesis projects to 128');
    if (!Number.isInteger(this.queueSize) || this.queueSize < 1) throw bad('queueSize K, a positive integer', this.queueSize, 'the thesis uses K = 16384 (a multiple of the batch size)');
    if (!(this.tau > 0)) throw bad('tau > 0', this.tau, 'the thesis uses τ = 0.2');
    if (!(this.momentum >= 0 && this.momentum < 1)) throw bad('momentum m in [0, 1)', this.momentum, 'the thesis uses m = 0.999');

    const make = (tag: string, trainable: boolean, er: Rng): Encoder => {
      const vgg = new Vgg16({ cut: 'pool5', name: `${this.name}/${tag}`, rng: er, widthDivisor: this.widthDivisor, trainable });
      const c = vgg.outChannels;
      return {
        vgg,
        fc1: denseLayer(er, `${this.name}/${tag}/classifier.0`, c, c, TORCH_DEFAULT, trainable),
        fc2: denseLayer(er, `${this.name}/${tag}/classifier.2`, c, this.dim, TORCH_DEFAULT, trainable),
      };
    };
    this.encoderQ = make('encoder_q', true, r);
    // f_k.params = f_q.params (Algorithm 1): the key encoder's own draws are overwritten at once.
    this.encoderK = make('encoder_k', false, new Rng(0));
    const q = encoderVariables(this.encoderQ, 'q');
    for (const [k, v] of encoderVariables(this.encoderK, 'q')) v.assign(q.get(k)!);
    // MoCo: queue = normalize(randn(dim, K), dim=0), i.e. K random unit keys.
    this.queue = param(() => l2NormalizeRows(r.normalTensor([this.queueSize, this.dim]) as tf.Tensor2D), `${this.name}/queue`, false);
    this.queuePtr = param(() => tf.scalar(0), `${this.name}/queue_ptr`, false);
  }

  private encode(e: Encoder, x: tf.Tensor4D): tf.Tensor2D {
    return encode(e, x);
  }

  /** q = normalize(f_q(x_q)) [B, dim] (differentiable w.r.t. the query encoder). */
  query(xq: tf.Tensor4D): tf.Tensor2D {
    return this.encode(this.encoderQ, xq);
  }

  /** k = normalize(f_k(x_k)) [B, dim], a constant (Algorithm 1's `k.detach()`). */
  key(xk: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => stopGradient(this.encode(this.encoderK, xk)));
  }

  /**
   * InfoNCE (Eq. 3.1) of one batch of two augmented views (x_q, x_k [B,H,W,3]) against the queue;
   * the gradient flows to f_q only. The keys k are held for `afterStep` (a later call replaces them).
   */
  loss(xq: tf.Tensor4D, xk: tf.Tensor4D): tf.Scalar {
    if (xq.shape[0] !== xk.shape[0] || this.queueSize % xq.shape[0] !== 0) {
      throw new CvglError(
        `MoCo: two views of one batch, B = x_q.shape[0] = x_k.shape[0], with K = ${this.queueSize} a multiple of B`,
        `x_q [${xq.shape.join(', ')}], x_k [${xk.shape.join(', ')}]`,
        `use a batch size that divides ${this.queueSize} (drop the last incomplete batch)`,
      );
    }
    this.dropPending();
    const k = this.key(xk);
    this.pending = tf.keep(k);
    return tf.tidy(() => infoNce(this.query(xq), k, this.queue as tf.Tensor2D, this.tau));
  }

  /** Eq. 3.2: ξ' ← m ξ' + (1 − m) θ' for every parameter of the key encoder. */
  momentumUpdate(m = this.momentum): void {
    const q = this.queryVariables();
    for (const [name, k] of encoderVariables(this.encoderK, 'encoder_q')) {
      tf.tidy(() => k.assign(tf.add(tf.mul(k, m), tf.mul(q.get(name)!, 1 - m))));
    }
  }

  /** Row of the queue where the next batch goes. */
  pointer(): number {
    const p = Math.round(this.queuePtr.dataSync()[0]!);
    if (!(p >= 0 && p < this.queueSize)) {
      throw new CvglError(`MoCo: a queue pointer in [0, ${this.queueSize})`, String(p), 'restore queue_ptr from a checkpoint of this MoCo (same queue size)');
    }
    return p;
  }

  /** Algorithm 1's enqueue/dequeue: keys [B, dim] replace the oldest B rows; K % B must be 0 (as MoCo asserts). */
  enqueue(keys: tf.Tensor2D): void {
    const b = keys.shape[0];
    if (keys.rank !== 2 || keys.shape[1] !== this.dim || b < 1 || this.queueSize % b !== 0) {
      throw new CvglError(
        `MoCo.enqueue: keys [B, ${this.dim}] with the queue size K = ${this.queueSize} a multiple of B (MoCo asserts K % B == 0)`,
        `keys [${keys.shape.join(', ')}]`,
        `use a batch size that divides ${this.queueSize} (e.g. drop the last incomplete batch), or a queue size that is a multiple of the batch size`,
      );
    }
    // a batch size that changed between calls (each dividing K) can run past the end: ringWrite wraps
    const p = this.pointer();
    ringWrite(this.queue, p, keys);
    tf.tidy(() => this.queuePtr.assign(tf.scalar((p + b) % this.queueSize)));
  }

  /**
   * Algorithm 1 after the optimizer's update of f_q: the momentum update of f_k (Eq. 3.2), then
   * the enqueue of the keys the last `loss` held.
   */
  afterStep(): void {
    if (!this.pending) throw new CvglError('MoCo.afterStep after a loss', 'no keys held (loss was not computed since the last step)', 'call loss(x_q, x_k) for the batch first');
    this.momentumUpdate();
    try {
      this.enqueue(this.pending);
    } finally {
      this.dropPending();
    }
  }

  private dropPending(): void {
    this.pending?.dispose();
    this.pending = null;
  }

  /** f_q's trainable parameters by name: `encoder_q.features.N.*` (HWIO), `encoder_q.classifier.{0,2}.*` ([in, out]). */
  queryVariables(): Map<string, tf.Variable> {
    return encoderVariables(this.encoderQ, 'encoder_q');
  }

  /** f_k's parameters by name: `encoder_k.features.N.*`, `encoder_k.classifier.{0,2}.*`. */
  keyVariables(): Map<string, tf.Variable> {
    return encoderVariables(this.encoderK, 'encoder_k');
  }

  /** The trainable variables (f_q's). */
  variables(): tf.Variable[] {
    return [...this.queryVariables().values()];
  }

  /** The query backbone's variables (what stage 2 loads, Sec. 3.1.2). */
  backboneVariables(): tf.Variable[] {
    return this.encoderQ.vgg.variables();
  }

  /**
   * Everything a checkpoint needs: f_q, f_k, and the non-trainable state `queue` [K, dim] and
   * `queue_ptr` (float32 scalar), names as in MoCo's state dict (`encoder_q.*`, `encoder_k.*`).
   */
  namedVariables(): Map<string, tf.Variable> {
    return new Map([...this.queryVariables(), ...this.keyVariables(), ['queue', this.queue], ['queue_ptr', this.queuePtr]]);
  }

  /**
   * Writes the query backbone f_θ' as a safetensors file with torchvision VGG16 names
   * (`features.N.weight` OIHW, `features.N.bias`), for `loadVgg16Weights` in a stage-2 branch.
   */
  async exportBackbone(path: string, opts: Vgg16ExportOptions = {}): Promise<string[]> {
    return exportVgg16Safetensors(this.encoderQ.vgg, path, { ...opts, metadata: { source: 'moco-v2 encoder_q', ...opts.metadata } });
  }

  paramCount(): number {
    return this.variables().reduce((n, v) => n + v.size, 0);
  }

  dispose(): void {
    this.dropPending();
    for (const v of this.namedVariables().values()) v.dispose();
  }
}
