/**
 * The optimizers the papers train with, written here (not tfjs' `tf.train.*`) for two reasons:
 * PyTorch's semantics (weight decay as an L2 term added to the gradient, as `torch.optim.Adam`
 * and `torch.optim.SGD` do; Adam's bias correction; SGD's first momentum step = the gradient)
 * and state a checkpoint can store and restore exactly (every slot is a named tensor, the step
 * count a number).
 *
 *   Adam (Kingma & Ba): CVFT/MGTL lr 1e-5, GeoCapsNet 1e-3, thesis stage 2 1e-4 + weight decay
 *     1e-4, MDUIT β1 = 0.5.
 *   SGD with momentum 0.9 + weight decay 1e-4 (MoCov2, thesis stage 1).
 *
 * The learning rate is passed to every `apply`, so schedules live outside (lib/train/schedules.ts).
 */
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import { checkKeys } from './config_keys.js';
import { ADAM_KERNEL } from '../engine/backends/native.js';

export type OptimizerConfig =
  | {
      kind: 'adam';
      lr: number;
      beta1?: number;
      beta2?: number;
      eps?: number;
      weightDecay?: number;
      /** Keep one flat moment vector for all variables and update them all with one set of
       *  element-wise ops: the same numbers, about 4 kernels per variable instead of 14 (a small
       *  model's step is dominated by per-kernel overhead: MDUIT's CPU-sized runs). Every variable
       *  passed to `apply` must have a gradient, and the same variables every step. */
      fused?: boolean;
    }
  | { kind: 'sgd'; lr: number; momentum?: number; weightDecay?: number; nesterov?: boolean };

export const OPTIMIZER_KINDS = ['adam', 'sgd'] as const;

/** A stateful optimizer over named variables. */
export interface Optimizer {
  readonly config: OptimizerConfig;
  /** Updates applied so far. */
  readonly steps: number;
  /** One update of every variable in `vars` with the gradient of the same name in `grads`. */
  apply(vars: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number): void;
  /** Slots by name (`<slot>/<variable name>`) for a checkpoint. */
  slots(): Map<string, tf.Tensor>;
  /** Restores what `slots()` and `steps` saved. */
  restore(slots: Map<string, { shape: number[]; data: Float32Array }>, steps: number): void;
  dispose(): void;
}

/** The keys of each optimizer's config (a misspelt one would silently leave the default). */
const OPTIMIZER_KEYS = {
  adam: { kind: true, lr: true, beta1: true, beta2: true, eps: true, weightDecay: true, fused: true },
  sgd: { kind: true, lr: true, momentum: true, weightDecay: true, nesterov: true },
} as const;

export function validateOptimizer(c: OptimizerConfig): void {
  const bad = (what: string, found: unknown, fix: string) => new CvglError(`optimizer.${what}`, JSON.stringify(found), fix);
  if (!c || !(OPTIMIZER_KINDS as readonly string[]).includes(c.kind)) throw bad(`kind: ${OPTIMIZER_KINDS.join(' or ')}`, c?.kind, 'e.g. {"kind": "adam", "lr": 1e-4}');
  checkKeys(c, OPTIMIZER_KEYS[c.kind], 'optimizer', `an ${c.kind} optimizer`);
  if (!(c.lr > 0)) throw bad('lr: a positive learning rate', c.lr, 'e.g. "lr": 1e-4');
  if (c.weightDecay !== undefined && !(c.weightDecay >= 0)) throw bad('weightDecay: >= 0', c.weightDecay, 'e.g. 1e-4, or leave it out');
  if (c.kind === 'adam') {
    for (const k of ['beta1', 'beta2'] as const) if (c[k] !== undefined && !(c[k]! >= 0 && c[k]! < 1)) throw bad(`${k} in [0, 1)`, c[k], 'Adam: beta1 0.9 (MDUIT 0.5), beta2 0.999');
    if (c.eps !== undefined && !(c.eps > 0)) throw bad('eps > 0', c.eps, 'e.g. 1e-8');
  } else if (c.momentum !== undefined && !(c.momentum >= 0 && c.momentum < 1)) throw bad('momentum in [0, 1)', c.momentum, 'e.g. 0.9');
}

export function createOptimizer(c: OptimizerConfig): Optimizer {
  validateOptimizer(c);
  return c.kind === 'adam' ? (c.fused ? new FusedAdam(c) : new Adam(c)) : new Sgd(c);
}

abstract class SlotOptimizer implements Optimizer {
  steps = 0;
  protected readonly state = new Map<string, tf.Variable>();
  constructor(readonly config: OptimizerConfig, private readonly slotNames: string[]) {}

  abstract apply(vars: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number): void;

  /** The slot of one variable, created as zeros on first use. */
  protected slot(slot: string, name: string, like: tf.Tensor): tf.Variable {
    const key = `${slot}/${name}`;
    let v = this.state.get(key);
    if (!v) {
      v = tf.tidy(() => tf.variable(tf.zerosLike(like), false));
      this.state.set(key, v);
    }
    return v;
  }

  slots(): Map<string, tf.Tensor> {
    return new Map(this.state);
  }

  restore(slots: Map<string, { shape: number[]; data: Float32Array }>, steps: number): void {
    this.dispose();
    for (const [key, t] of slots) {
      const slot = key.slice(0, key.indexOf('/'));
      if (!this.slotNames.includes(slot)) {
        throw new CvglError(`optimizer slots ${this.slotNames.join(', ')} (${this.config.kind})`, `'${key}'`, 'the checkpoint was written by another optimizer: resume with the config it was trained with');
      }
      this.state.set(key, tf.tidy(() => tf.variable(tf.tensor(t.data, t.shape, 'float32'), false)));
    }
    this.steps = steps;
  }

  dispose(): void {
    for (const v of this.state.values()) v.dispose();
    this.state.clear();
  }
}

/** Adam as `torch.optim.Adam` (L2 weight decay added to the gradient, bias-corrected moments). */
class Adam extends SlotOptimizer {
  constructor(readonly c: Extract<OptimizerConfig, { kind: 'adam' }>) {
    super(c, ['m', 'v']);
  }

  apply(vars: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number): void {
    const b1 = this.c.beta1 ?? 0.9, b2 = this.c.beta2 ?? 0.999, eps = this.c.eps ?? 1e-8, wd = this.c.weightDecay ?? 0;
    this.steps++;
    const t = this.steps;
    const bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
    // θ ← θ − lr · m̂ / (√v̂ + ε) with m̂ = m / bc1, v̂ = v / bc2
    const stepSize = lr / bc1, sqrtBc2 = Math.sqrt(bc2);
    // on `native`: the whole update of a variable in one kernel (the same arithmetic), instead of 14
    const fused = tf.getKernel(ADAM_KERNEL, tf.getBackend()) !== undefined;
    const h = [b1, 1 - b1, b2, 1 - b2, eps, wd, stepSize, sqrtBc2];
    for (const [name, v] of vars) {
      const g0 = grads.get(name);
      if (!g0) continue;
      const m = this.slot('m', name, v), s = this.slot('v', name, v);
      if (fused) {
        const [p2, m2, s2] = tf.engine().runKernel(ADAM_KERNEL, { p: v, g: g0, m, v: s }, { h }) as tf.Tensor[];
        m.assign(m2!);
        s.assign(s2!);
        v.assign(p2!);
        tf.dispose([p2!, m2!, s2!]);
        continue;
      }
      tf.tidy(() => {
        const g = wd ? tf.add(g0, tf.mul(v, wd)) : g0;
        m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
        s.assign(tf.add(tf.mul(s, b2), tf.mul(tf.square(g), 1 - b2)));
        const denom = tf.add(tf.div(tf.sqrt(s), sqrtBc2), eps);
        v.assign(tf.sub(v, tf.mul(tf.div(m, denom), stepSize)));
      });
    }
  }
}

/**
 * Adam with its moments for all variables in one flat vector (`fused: true`): gradients are
 * concatenated in the order of the variables' map, the moments updated once, and each variable
 * moved by its slice of the update — the element-wise arithmetic of `Adam`, in the same order.
 * Slots: `m/*` and `v/*`, each [total size].
 */
class FusedAdam extends SlotOptimizer {
  private layout: { name: string; size: number; offset: number; shape: number[] }[] | null = null;

  constructor(readonly c: Extract<OptimizerConfig, { kind: 'adam' }>) {
    super(c, ['m', 'v']);
  }

  override restore(slots: Map<string, { shape: number[]; data: Float32Array }>, steps: number): void {
    super.restore(slots, steps);
    this.layout = null; // rebuilt (and checked against the restored size) at the next apply
  }

  apply(vars: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number): void {
    const names = [...vars.keys()];
    let offset = 0;
    const layout = this.layout ?? names.map((name) => {
      const v = vars.get(name)!;
      const l = { name, size: v.size, offset, shape: v.shape };
      offset += v.size;
      return l;
    });
    const total = layout.reduce((n, l) => n + l.size, 0);
    if (names.length !== layout.length || layout.some((l, i) => l.name !== names[i] || vars.get(l.name)!.size !== l.size)) {
      throw new CvglError('fused Adam: the same variables at every step', `${names.length} variables, not the ${layout.length} of the first step`, 'use one optimizer per set of variables, or fused: false');
    }
    const missing = layout.filter((l) => !grads.has(l.name)).map((l) => l.name);
    if (missing.length) throw new CvglError('fused Adam: a gradient for every variable', `none for ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}`, 'pass only the variables the loss depends on, or use fused: false');
    this.layout = layout;
    const b1 = this.c.beta1 ?? 0.9, b2 = this.c.beta2 ?? 0.999, eps = this.c.eps ?? 1e-8, wd = this.c.weightDecay ?? 0;
    this.steps++;
    const t = this.steps;
    const bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
    const stepSize = lr / bc1, sqrtBc2 = Math.sqrt(bc2);
    if (!this.state.has('m/*')) {
      const zeros = tf.zeros([total]);
      this.slot('m', '*', zeros);
      this.slot('v', '*', zeros);
      zeros.dispose();
    }
    const m = this.state.get('m/*')!, s = this.state.get('v/*')!;
    if (m.size !== total) throw new CvglError(`fused Adam: moments of ${total} values`, `${m.size} (restored from another model)`, 'resume with the model the checkpoint was written for');
    tf.tidy(() => {
      const flat = (ts: tf.Tensor[]) => tf.concat(ts.map((x) => tf.reshape(x, [-1])));
      const g0 = flat(layout.map((l) => grads.get(l.name)!));
      const g = wd ? tf.add(g0, tf.mul(flat(layout.map((l) => vars.get(l.name)!)), wd)) : g0;
      m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
      s.assign(tf.add(tf.mul(s, b2), tf.mul(tf.square(g), 1 - b2)));
      const denom = tf.add(tf.div(tf.sqrt(s), sqrtBc2), eps);
      const upd = tf.mul(tf.div(m, denom), stepSize);
      for (const l of layout) {
        const v = vars.get(l.name)!;
        v.assign(tf.sub(v, tf.reshape(tf.slice(upd, l.offset, l.size), l.shape)));
      }
    });
  }
}

/** SGD with momentum as `torch.optim.SGD` (dampening 0: the first buffer is the gradient). */
class Sgd extends SlotOptimizer {
  constructor(readonly c: Extract<OptimizerConfig, { kind: 'sgd' }>) {
    super(c, ['momentum']);
  }

  apply(vars: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number): void {
    const mu = this.c.momentum ?? 0, wd = this.c.weightDecay ?? 0;
    const first = this.steps === 0;
    this.steps++;
    for (const [name, v] of vars) {
      const g0 = grads.get(name);
      if (!g0) continue;
      tf.tidy(() => {
        let d: tf.Tensor = wd ? tf.add(g0, tf.mul(v, wd)) : g0;
        if (mu) {
          const buf = this.slot('momentum', name, v);
          buf.assign(first ? d : tf.add(tf.mul(buf, mu), d)); // a new slot is zeros: mu·0 + d = d
          d = this.c.nesterov ? tf.add(d, tf.mul(buf, mu)) : buf;
        }
        v.assign(tf.sub(v, tf.mul(d, lr)));
      });
    }
  }
}
