/**
 * Where the time of a quick training run goes (issue 20 item 10): kernel calls per step and by
 * op, time inside kernels against the rest of a step (tfjs' engine bookkeeping, the tape, the
 * gradient functions' JavaScript: "dispatch"), time waiting for the data pipeline, PreciseBN and
 * the evaluation. `npx tsx bin/profile-step.ts PRESET…` prints it (see docs/benchmark.md).
 *
 * Kernel times are taken by wrapping every kernel of the active backend: a kernel called from
 * inside another (a KernelScope) is counted as a call but its time stays in the outer kernel.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tf } from '../engine/tf.js';
import { rng as globalRng } from '../engine/rng.js';
import { openDataset } from '../data/readers.js';
import { PairPipeline, type PairBatch } from '../data/pipeline.js';
import { buildModel } from '../models/registry.js';
import { extractEmbeddings } from '../eval/embeddings.js';
import { splitRecall } from '../eval/evaluate.js';
import { buildObjective } from '../train/objective.js';
import { createOptimizer } from '../train/optimizers.js';
import { gradientStep } from '../train/loop.js';
import { preciseBnEpoch, recomputeBatchNormStatistics } from '../train/batchnorm_stats.js';
import type { TrainConfig } from '../train/config.js';

export interface KernelStat {
  kernel: string;
  calls: number;
  ms: number;
}

interface Meter {
  stats: Map<string, KernelStat>;
  depth: number;
  /** Kernels handed to the wasm backend's own implementation (A/B of a native kernel). */
  toWasm: Set<string>;
  /** Kernels whose stats are kept by input shapes too. */
  byShape: Set<string>;
}

const meter: Meter = { stats: new Map(), depth: 0, toWasm: new Set(), byShape: new Set((process.env.CVGL_PROFILE_SHAPES ?? '').split(',').filter(Boolean)) };
let wrapped: string | null = null;

/** Wraps every kernel of `backend` once (counts calls, times the outermost). */
export function instrumentKernels(backend: string): void {
  if (wrapped === backend) return;
  if (wrapped) throw new Error(`kernels of ${wrapped} are already instrumented`);
  wrapped = backend;
  for (const k of tf.getKernelsForBackend(backend)) {
    const own = k.kernelFunc;
    const wasm = backend === 'wasm' ? undefined : tf.getKernel(k.kernelName, 'wasm')?.kernelFunc;
    tf.unregisterKernel(k.kernelName, backend);
    tf.registerKernel({
      ...k,
      kernelFunc: ((args: any) => {
        const inner = wasm && meter.toWasm.has(k.kernelName) ? wasm : own;
        const key = meter.byShape.has(k.kernelName) ? `${k.kernelName} ${Object.values(args.inputs as Record<string, { shape: number[] }>).map((t) => `[${t.shape}]`).join(' ')}` : k.kernelName;
        const s = meter.stats.get(key) ?? { kernel: key, calls: 0, ms: 0 };
        meter.stats.set(key, s);
        s.calls++;
        if (meter.depth++ > 0) {
          try {
            return inner(args);
          } finally {
            meter.depth--;
          }
        }
        const t = performance.now();
        try {
          return inner(args);
        } finally {
          s.ms += performance.now() - t;
          meter.depth--;
        }
      }) as any,
    });
  }
}

function takeStats(): KernelStat[] {
  const out = [...meter.stats.values()].sort((a, b) => b.ms - a.ms);
  meter.stats = new Map();
  return out;
}

const sum = (ks: KernelStat[], f: (k: KernelStat) => number) => ks.reduce((p, k) => p + f(k), 0);

export interface PhaseProfile {
  /** Wall time of the phase. */
  ms: number;
  /** Of it, inside kernels (outermost calls). */
  kernelMs: number;
  calls: number;
  kernels: KernelStat[];
}

export interface RunProfile {
  name: string;
  batch: number;
  steps: number;
  /** Per training step (averaged over `steps` after the warm-up). */
  step: PhaseProfile;
  /** Per step: waiting for the pipeline's next batch. */
  dataMs: number;
  /** The training pipeline's own count: images decoded / read from the cache, and its workers' seconds, over the whole profile. */
  pipeline: { images: number; decoded: number; cached: number; seconds: number };
  preciseBn: PhaseProfile | null;
  eval: PhaseProfile & { queries: number; r1: number };
  losses: number[];
  /** With `abWasm`: mean step time with those kernels on wasm (odd steps) and native (even steps). */
  ab?: { kernels: string[]; wasmMs: number; nativeMs: number };
}

function phase(ms: number, per = 1): PhaseProfile {
  const kernels = takeStats().map((k) => ({ ...k, calls: k.calls / per, ms: k.ms / per }));
  return { ms: ms / per, kernelMs: sum(kernels, (k) => k.ms), calls: sum(kernels, (k) => k.calls), kernels };
}

/**
 * Trains `config` (a quick-profile config) for `warmup + steps` steps as the trainer does
 * (seeded model, the row's objective, Adam, the pipeline with its augmentation), then PreciseBN
 * and one evaluation of the validation split, timing each part.
 */
export async function profileRun(config: TrainConfig, o: { steps: number; warmup?: number; backend: string; evaluate?: boolean; abWasm?: string[] }): Promise<RunProfile> {
  instrumentKernels(o.backend);
  const warmup = o.warmup ?? 2;
  const ds = await openDataset(resolve(config.data.dir));
  const train = ds.splits[config.data.trainSplit ?? 'train']!;
  const val = ds.splits[config.data.valSplit ?? 'val'] ?? ds.splits.test!;
  const model = buildModel(config.model.name, config.model.options ?? {}, config.seed);
  const objective = buildObjective(model, config.loss);
  const optimizer = createOptimizer(config.optimizer);
  globalRng.seed(config.seed);
  const cacheDir = mkdtempSync(join(tmpdir(), 'cvgl-profile-'));
  const views = { ground: config.data.ground, aerial: { size: config.data.aerial.size, polar: config.data.aerial.polar ?? null } };
  const pipe = new PairPipeline({ split: train, batchSize: config.data.batchSize, sampler: config.data.sampler ?? 'random', seed: config.seed, augment: config.data.augment ?? null, ...views, cacheDir });
  const vars = new Map([...model.namedVariables()].filter(([, v]) => v.trainable));
  const losses: number[] = [];
  try {
    let stepMs = 0, dataMs = 0, n = 0;
    const ab = [0, 0], abN = [0, 0];
    // two epochs' worth of batches at most; a second epoch starts when the first runs out
    let epoch = 0;
    let it = pipe.batches(epoch)[Symbol.asyncIterator]();
    while (n < warmup + o.steps) {
      const t0 = performance.now();
      let next = await it.next();
      if (next.done) {
        it = pipe.batches(++epoch)[Symbol.asyncIterator]();
        next = await it.next();
      }
      const b = next.value as PairBatch;
      const t1 = performance.now();
      if (n === warmup) takeStats();
      const onWasm = Boolean(o.abWasm?.length) && n % 2 === 1;
      meter.toWasm = new Set(onWasm ? o.abWasm : []);
      // kernels of our own (no wasm twin, e.g. the fused BatchNorm): unregistered, their callers use tfjs ops
      const own = onWasm ? o.abWasm!.filter((k) => !tf.getKernel(k, 'wasm')).map((k) => tf.getKernel(k, o.backend)).filter((k) => k !== undefined) : [];
      for (const k of own) tf.unregisterKernel(k.kernelName, o.backend);
      const r = await gradientStep(vars, () => objective(b.ground!, b.aerial!), optimizer, config.optimizer.lr, () => undefined, () => tf.dispose([b.ground!, b.aerial!]));
      model.afterStep?.();
      const t2 = performance.now();
      losses.push(r.loss);
      meter.toWasm = new Set();
      for (const k of own) tf.registerKernel(k);
      if (n >= warmup) {
        dataMs += t1 - t0;
        stepMs += t2 - t1;
        const k = onWasm ? 1 : 0;
        ab[k] = ab[k]! + t2 - t1;
        abN[k] = abN[k]! + 1;
      }
      n++;
    }
    await it.return?.(undefined);
    const step = phase(stepMs, o.steps);
    let preciseBn: PhaseProfile | null = null;
    if (config.preciseBatchNorm) {
      const t = performance.now();
      await recomputeBatchNormStatistics(model, pipe.batches(preciseBnEpoch(1)), config.preciseBatchNorm);
      preciseBn = phase(performance.now() - t);
    }
    let ev: RunProfile['eval'] = { ...phase(0), queries: 0, r1: NaN };
    if (o.evaluate !== false) {
      const t = performance.now();
      const e = await extractEmbeddings(model, val, views, { cacheDir, augment: config.data.evalAugment ?? null });
      const r = await splitRecall(e);
      ev = { ...phase(performance.now() - t), queries: e.n, r1: r.atK[1] ?? NaN };
    }
    return {
      name: config.name, batch: config.data.batchSize, steps: o.steps, step, dataMs: dataMs / o.steps, preciseBn, eval: ev, losses,
      pipeline: { images: pipe.stats.images, decoded: pipe.stats.decoded, cached: pipe.stats.cached, seconds: pipe.stats.seconds },
      ...(o.abWasm?.length ? { ab: { kernels: o.abWasm, nativeMs: ab[0]! / Math.max(1, abN[0]!), wasmMs: ab[1]! / Math.max(1, abN[1]!) } } : {}),
    };
  } finally {
    optimizer.dispose();
    model.dispose();
    await pipe.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

/** The profile as text: per-step totals, then the top kernels by time. */
export function formatProfile(p: RunProfile, top = 40): string {
  const s = p.step;
  const line = (k: KernelStat) => `    ${k.kernel.padEnd(28)} ${k.calls.toFixed(0).padStart(7)} calls ${k.ms.toFixed(1).padStart(9)} ms  ${((1000 * k.ms) / Math.max(1, k.calls)).toFixed(1).padStart(8)} µs/call`;
  const out = [
    `${p.name} (batch ${p.batch}, ${p.steps} steps timed)`,
    `  step ${s.ms.toFixed(0)} ms: kernels ${s.kernelMs.toFixed(0)} ms (${((100 * s.kernelMs) / s.ms).toFixed(0)}%), outside kernels ${(s.ms - s.kernelMs).toFixed(0)} ms; ${s.calls.toFixed(0)} kernel calls (${((1000 * (s.ms - s.kernelMs)) / s.calls).toFixed(1)} µs outside per call); data wait ${p.dataMs.toFixed(0)} ms`,
    ...s.kernels.slice(0, top).map(line),
  ];
  if (p.preciseBn) out.push(`  PreciseBN ${p.preciseBn.ms.toFixed(0)} ms (kernels ${p.preciseBn.kernelMs.toFixed(0)} ms, ${p.preciseBn.calls} calls)`, ...p.preciseBn.kernels.slice(0, 6).map(line));
  if (p.eval.queries) out.push(`  eval ${p.eval.ms.toFixed(0)} ms for ${p.eval.queries} queries (kernels ${p.eval.kernelMs.toFixed(0)} ms, ${p.eval.calls} calls); R@1 ${(100 * p.eval.r1).toFixed(2)}%`, ...p.eval.kernels.slice(0, 6).map(line));
  out.push(`  training pipeline: ${p.pipeline.images} images (${p.pipeline.decoded} decoded, ${p.pipeline.cached} from the cache), ${p.pipeline.seconds.toFixed(1)} s`);
  if (p.ab) out.push(`  A/B (alternate steps): ${p.ab.kernels.join(', ')} on wasm ${p.ab.wasmMs.toFixed(0)} ms/step, native ${p.ab.nativeMs.toFixed(0)} ms/step (ratio ${(p.ab.wasmMs / p.ab.nativeMs).toFixed(2)})`);
  out.push(`  losses ${p.losses.join(' ')}`);
  return out.join('\n');
}
