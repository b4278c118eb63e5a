/**
 * The training-step benchmark: one forward + backward + Adam step of the two-branch VGG16
 * Siamese model (thesis 003 appendix 6.1; `SiameseVgg`) with the thesis' soft-triplet loss
 * (Eq. 3.3/3.4), on whatever backend the engine runs. The PyTorch twin of this step is
 * test/reference/siamese_step_torch.py.
 */
import { tf } from '../engine/tf.js';
import { Rng } from '../engine/rng.js';
import { SiameseVgg, siameseVggForwardMacs, siameseVggParamCount } from '../models/siamese_vgg.js';
import { vgg16ConvMacs, vgg16Layers } from '../models/vgg16.js';
import { chunkedEmbeddingGrads } from '../train/chunked_grads.js';
import { softTripletThesis } from '../losses/triplet.js';
import { createOptimizer } from '../train/optimizers.js';

/** The head of the PyTorch twin (test/reference/siamese_step_torch.py): appendix 6.1's MLP, so both time one model. */
export const BENCH_HEAD = 'mlp' as const;

export interface StepShape {
  ground: [number, number];
  aerial: [number, number];
  batch: number;
  /** VGG16 widths divided by this (1: the thesis' model). */
  widthDivisor: number;
}

/** The thesis' CVACT sizes (003, Sec. 4.1 implementation details), batch 8. */
export const FULL_SHAPE: StepShape = { ground: [112, 616], aerial: [256, 256], batch: 8, widthDivisor: 1 };
/**
 * Small enough for the plain-JS `cpu` backend to finish a few steps in CI: the same step at the
 * smallest images VGG16's five pools allow (32 px), batch 2 (the least with negatives), and
 * widths ÷ 8 (8 … 64 channels). At full width this size still takes the cpu backend minutes a
 * step (its Conv2DBackpropFilter is a scalar loop).
 */
export const QUICK_SHAPE: StepShape = { ground: [32, 128], aerial: [32, 32], batch: 2, widthDivisor: 8 };

export interface KernelShare {
  kernel: string;
  ms: number;
  share: number;
  calls: number;
}

export interface StepBenchResult {
  shape: StepShape;
  warmup: number;
  times: number[];
  msPerStep: number;
  flopsPerStep: number;
  gflops: number;
  params: number;
  peakMiB?: number;
  profile?: KernelShare[];
  /** Why `profile` is missing although it was asked for. */
  profileUnavailable?: string;
  finalLoss: number;
  /** Pairs per micro-batch the step ran in (= batch: one shot). */
  microBatch: number;
}

/**
 * Analytic FLOPs of one training step (2 FLOPs per multiply-accumulate): forward convolutions and
 * FC layers, their filter gradients, and their input gradients except for the first convolution
 * of each branch (the images need no gradient; neither PyTorch nor tfjs computes it).
 * Pooling, ReLU, the loss and Adam are element-wise and left out (< 1% here).
 */
export function stepFlops(s: StepShape): number {
  const d = s.widthDivisor;
  const fwd = siameseVggForwardMacs(s.ground, s.aerial, d, undefined, BENCH_HEAD);
  const firstLayers = vgg16ConvMacs(...s.ground, 'pool5', d)[0]!.macs + vgg16ConvMacs(...s.aerial, 'pool5', d)[0]!.macs;
  return 2 * s.batch * (fwd /* forward */ + fwd /* dW */ + (fwd - firstLayers) /* dX */);
}

/** wasm32's heap ends at 4 GiB; plan a step to peak well below. */
const WASM_HEAP_BUDGET = 3 * 2 ** 30;

/**
 * Pairs per micro-batch for a step on the wasm backend: the largest that keeps the estimated
 * peak within the heap. The estimate is 48 bytes per element of every conv output (about twelve
 * float32 copies: conv, bias and ReLU outputs kept by autodiff plus the backward pass's
 * transposed and zero-stuffed temporaries), calibrated on a measured peak of 2045 MiB for
 * 4 pairs at 56x308 + 128x128, and 16 bytes per parameter (weights, gradients, Adam's m and v).
 */
export function wasmMicroBatch(s: StepShape): number {
  const elems = (hw: [number, number]) => {
    let [h, w] = hw;
    let n = 0;
    for (const l of vgg16Layers('pool5', s.widthDivisor)) {
      if (l.kind === 'pool') [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
      else n += h * w * l.cout;
    }
    return n;
  };
  const perPair = 48 * (elems(s.ground) + elems(s.aerial));
  const budget = WASM_HEAP_BUDGET - 16 * siameseVggParamCount(s.widthDivisor, undefined, BENCH_HEAD);
  return Math.max(1, Math.min(s.batch, Math.floor(budget / perPair)));
}

export function median(xs: number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

export interface StepBenchOptions {
  shape: StepShape;
  steps?: number;
  warmup?: number;
  seed?: number;
  profile?: boolean;
  /**
   * Pairs per micro-batch (default: the whole batch at once). Smaller runs the same step with the
   * exact same gradient through `chunkedEmbeddingGrads`, at the cost of one extra forward pass.
   */
  microBatch?: number;
  onStep?: (i: number, ms: number, warm: boolean) => void;
}

export async function benchSiameseStep(opts: StepBenchOptions): Promise<StepBenchResult> {
  const { shape } = opts;
  const steps = Math.max(1, opts.steps ?? 5);
  const warmup = Math.max(0, opts.warmup ?? 1);
  const r = new Rng(opts.seed ?? 0);
  const model = new SiameseVgg({ rng: r, head: BENCH_HEAD, widthDivisor: shape.widthDivisor });
  const ground = r.uniformTensor([shape.batch, ...shape.ground, 3]) as tf.Tensor4D;
  const aerial = r.uniformTensor([shape.batch, ...shape.aerial, 3]) as tf.Tensor4D;
  // the Adam training uses (torch.optim.Adam's semantics; on `native` one fused kernel per variable)
  const optimizer = createOptimizer({ kind: 'adam', lr: 1e-4 });
  const vars = model.variables();
  const byName = new Map(vars.map((v) => [v.name, v]));
  const apply = (grads: tf.NamedTensorMap) => optimizer.apply(byName, new Map(Object.entries(grads)), 1e-4);
  const lossFn = () => {
    const { g, s } = model.embed(ground, aerial);
    return softTripletThesis(g, s, 10);
  };
  const microBatch = Math.min(shape.batch, opts.microBatch ?? shape.batch);
  const step = async (): Promise<number> => {
    const { value, grads } =
      microBatch >= shape.batch
        ? tf.variableGrads(lossFn as () => tf.Scalar, vars)
        : chunkedEmbeddingGrads((g, a) => model.embed(g, a), (g, s) => softTripletThesis(g, s, 10), ground, aerial, vars, microBatch);
    apply(grads);
    const v = (await value.data())[0]!;
    value.dispose();
    tf.dispose(grads);
    return v;
  };
  try {
    const times: number[] = [];
    let finalLoss = NaN;
    for (let i = 0; i < warmup + steps; i++) {
      const t0 = performance.now();
      finalLoss = await step();
      const ms = performance.now() - t0;
      if (i >= warmup) times.push(ms);
      opts.onStep?.(i, ms, i < warmup);
    }
    const msPerStep = median(times);
    const flopsPerStep = stepFlops(shape);
    const result: StepBenchResult = {
      shape,
      warmup,
      times: times.map((t) => Math.round(t * 10) / 10),
      msPerStep: Math.round(msPerStep * 10) / 10,
      flopsPerStep,
      gflops: Math.round((flopsPerStep / (msPerStep / 1000) / 1e9) * 100) / 100,
      params: model.paramCount(),
      finalLoss,
      microBatch,
    };
    if (opts.profile) {
      const info = await tf.profile(async () => {
        await step();
      });
      const byKernel = new Map<string, { ms: number; calls: number }>();
      for (const k of info.kernels) {
        const ms = Number(await k.kernelTimeMs) || 0;
        const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
        e.ms += ms;
        e.calls += 1;
        byKernel.set(k.name, e);
      }
      const total = [...byKernel.values()].reduce((n, e) => n + e.ms, 0);
      if (total > 0) {
        result.profile = [...byKernel.entries()]
          .map(([kernel, e]) => ({ kernel, ms: Math.round(e.ms * 10) / 10, share: Math.round((e.ms / total) * 1000) / 1000, calls: e.calls }))
          .sort((a, b) => b.ms - a.ms);
      } else {
        // e.g. a WebGPU adapter without timestamp queries: every kernel reads 0 ms
        result.profileUnavailable = 'the backend reported no kernel times (a GPU adapter without timestamp-query)';
      }
      result.peakMiB = Math.round((info.peakBytes / 2 ** 20) * 10) / 10;
    }
    return result;
  } finally {
    optimizer.dispose();
    model.dispose();
    ground.dispose();
    aerial.dispose();
  }
}
