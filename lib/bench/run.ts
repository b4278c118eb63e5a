/**
 * `cvgl bench`: the training-step benchmark on each backend asked for, and the same step in
 * PyTorch on this machine, with ratios. Backends run one after the other in this process.
 */
import { initEngine, probeBackends, type BackendName, BACKENDS } from '../engine/init.js';
import { machineInfo, type MachineInfo } from '../engine/device.js';
import { CvglError } from '../engine/errors.js';
import { tf } from '../engine/tf.js';
import { benchSiameseStep, wasmMicroBatch, FULL_SHAPE, QUICK_SHAPE, type KernelShare, type StepShape, stepFlops, BENCH_HEAD } from './siamese_step.js';
import { findTorchPython, runTorchStep, type TorchStepResult } from './pytorch.js';
import { siameseVggParamCount } from '../models/siamese_vgg.js';

export interface BenchOptions {
  quick?: boolean;
  backends?: BackendName[];
  steps?: number;
  warmup?: number;
  threads?: number;
  torch?: boolean;
  profile?: boolean;
  /** Pairs per micro-batch (default: the whole batch, or what fits wasm's 4 GiB heap on wasm). */
  microBatch?: number;
  log?: (line: string) => void;
}

export interface BackendBench {
  backend: BackendName;
  device: string;
  threads: number;
  msPerStep: number;
  times: number[];
  gflops: number;
  /** ms/step of this backend ÷ ms/step of PyTorch (how many times slower than PyTorch). */
  ratioToPytorch: number | null;
  /** ms/step of the cpu backend ÷ ms/step of this one, when cpu was measured in the same run. */
  speedupVsCpu: number | null;
  /** ms/step of the wasm backend ÷ ms/step of this one, when wasm was measured in the same run. */
  speedupVsWasm: number | null;
  finalLoss: number;
  /** Pairs per micro-batch (< batch: gradient caching, see lib/train/chunked_grads.ts). */
  microBatch: number;
  peakMiB?: number;
  profile?: KernelShare[];
  profileUnavailable?: string;
}

export interface BenchReport {
  benchmark: 'siamese-vgg16-train-step';
  date: string;
  machine: MachineInfo;
  shape: StepShape;
  quick: boolean;
  steps: number;
  warmup: number;
  flopsPerStep: number;
  params: number;
  results: BackendBench[];
  pytorch: (TorchStepResult & { gflops: number }) | { skipped: string };
  skipped: { backend: BackendName; reason: string }[];
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

export async function runBench(opts: BenchOptions = {}): Promise<BenchReport> {
  const log = opts.log ?? (() => {});
  const quick = Boolean(opts.quick);
  const shape = quick ? QUICK_SHAPE : FULL_SHAPE;
  // --quick: a step is tens of ms, and the first ~10 are slower while V8 still compiles tfjs'
  // JavaScript, so more warm-up and a longer median than at full size
  const steps = opts.steps ?? (quick ? 20 : 5);
  const warmup = opts.warmup ?? (quick ? 10 : 1);
  const machine = machineInfo();
  const threads = Math.max(1, Math.min(opts.threads ?? Math.min(8, machine.cores), 8));
  if (!Number.isInteger(steps) || steps < 1) throw new CvglError('--steps: a positive integer', String(opts.steps), 'e.g. --steps 5');
  if (opts.microBatch != null && (!Number.isInteger(opts.microBatch) || opts.microBatch < 1)) {
    throw new CvglError('--micro-batch: a positive integer', String(opts.microBatch), `e.g. --micro-batch 1 (at most the batch, ${shape.batch})`);
  }
  if (!Number.isInteger(warmup) || warmup < 0) throw new CvglError('--warmup: an integer >= 0', String(opts.warmup), 'e.g. --warmup 1');

  const status = await probeBackends();
  const skipped: BenchReport['skipped'] = [];
  const explicit = opts.backends != null;
  const wanted = opts.backends ?? [...BACKENDS];
  const chosen: BackendName[] = [];
  for (const b of wanted) {
    const st = status.find((s) => s.name === b)!;
    if (!st.available) {
      if (explicit) throw new CvglError(`backend '${b}' to be available`, st.reason ?? 'unavailable', 'run `cvgl info` to see what is available here');
      skipped.push({ backend: b, reason: st.reason ?? 'unavailable' });
    } else if (!explicit && !quick && (b === 'cpu' || st.software)) {
      skipped.push({
        backend: b,
        reason: b === 'cpu'
          ? 'plain-JS cpu backend at full size would take hours per step; compare on --quick, or name it in --backends'
          : `software adapter (${st.device}) at full size is far too slow; name it in --backends to force`,
      });
    } else {
      if (!quick && (b === 'cpu' || st.software)) log(`warning: ${b}${st.software ? ' (software adapter)' : ''} at full size takes hours a step; --quick compares it in about a minute`);
      chosen.push(b);
    }
  }

  const flopsPerStep = stepFlops(shape);
  const params = siameseVggParamCount(shape.widthDivisor, undefined, BENCH_HEAD);

  let pytorch: BenchReport['pytorch'];
  const py = opts.torch === false ? { python: null, reason: 'skipped (--no-torch)' } : findTorchPython();
  if (py.python == null) {
    pytorch = { skipped: py.reason };
    log(`pytorch: ${py.reason}`);
  } else {
    log(`pytorch ${py.torch}: ${threads} thread(s), ground ${shape.ground.join('x')}, aerial ${shape.aerial.join('x')}, batch ${shape.batch}`);
    try {
      const t = await runTorchStep(py.python, shape, { steps, warmup, threads, onLine: (l) => log(`  ${l}`) });
      if (t.params !== params) log(`  warning: the PyTorch model has ${t.params} parameters, ours ${params}`);
      pytorch = { ...t, gflops: round(flopsPerStep / (t.msPerStep / 1000) / 1e9) };
    } catch (e) {
      pytorch = { skipped: `the PyTorch step failed: ${(e as Error).message}` };
      log(`pytorch: ${pytorch.skipped}`);
    }
  }

  const results: BackendBench[] = [];
  for (const b of chosen) {
    const info = await initEngine({ backend: b, threads });
    log(`${b} on ${info.device}, ${info.threads} thread(s)${info.notes.length ? ` (${info.notes.join('; ')})` : ''}`);
    const before = tf.memory().numTensors;
    const fits = b === 'wasm' || b === 'native' ? wasmMicroBatch(shape) : shape.batch; // native runs on wasm's heap
    const microBatch = opts.microBatch ?? fits;
    if (Math.min(microBatch, shape.batch) > fits) {
      // exhausting the wasm heap can stall the step rather than fail it: warn before it starts
      log(`  warning: ${microBatch} pairs at a time likely exceed wasm's 4 GiB heap (estimated to fit: ${fits}); the step may abort or stall`);
    }
    if (microBatch < shape.batch) {
      log(`  in micro-batches of ${microBatch} pair(s) (same gradient, one extra forward pass)${opts.microBatch ? '' : ": the one-shot step does not fit wasm's 4 GiB heap"}`);
    }
    // the plain-JS cpu backend takes seconds a step: 5 after 1 warm-up unless asked otherwise
    const slow = b === 'cpu';
    const r = await benchSiameseStep({
      shape,
      steps: slow && opts.steps == null ? Math.min(steps, 5) : steps,
      warmup: slow && opts.warmup == null ? Math.min(warmup, 1) : warmup,
      microBatch,
      profile: opts.profile,
      onStep: (i, ms, warm) => log(`  ${b} step ${i + 1}${warm ? ' (warm-up)' : ''}: ${ms.toFixed(1)} ms`),
    });
    const leaked = tf.memory().numTensors - before;
    if (leaked !== 0) log(`  warning: ${leaked} tensors left after the ${b} benchmark`);
    results.push({
      backend: b,
      device: info.device,
      threads: info.threads,
      msPerStep: r.msPerStep,
      times: r.times,
      gflops: r.gflops,
      ratioToPytorch: 'msPerStep' in pytorch ? round(r.msPerStep / pytorch.msPerStep) : null,
      speedupVsCpu: null,
      speedupVsWasm: null,
      finalLoss: r.finalLoss,
      microBatch: r.microBatch,
      peakMiB: r.peakMiB,
      profile: r.profile,
      profileUnavailable: r.profileUnavailable,
    });
  }
  const cpu = results.find((r) => r.backend === 'cpu');
  if (cpu) for (const r of results) r.speedupVsCpu = round(cpu.msPerStep / r.msPerStep);
  const wasm = results.find((r) => r.backend === 'wasm');
  if (wasm) for (const r of results) r.speedupVsWasm = round(wasm.msPerStep / r.msPerStep);

  return {
    benchmark: 'siamese-vgg16-train-step',
    date: new Date().toISOString(),
    machine,
    shape,
    quick,
    steps,
    warmup,
    flopsPerStep,
    params,
    results,
    pytorch,
    skipped,
  };
}

/** The report as a Markdown table (what README shows). */
export function benchTable(r: BenchReport): string {
  const rows = [
    '| backend | device | threads | ms/step (median) | GFLOP/s | × PyTorch time | speed-up vs wasm | speed-up vs cpu |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const b of r.results) {
    rows.push(
      `| ${b.backend}${b.microBatch < r.shape.batch ? ` (micro-batches of ${b.microBatch})` : ''} | ${b.device} | ${b.threads} | ${b.msPerStep.toFixed(1)} | ${b.gflops.toFixed(2)} | ${b.ratioToPytorch ?? '–'} | ${b.speedupVsWasm ?? '–'} | ${b.speedupVsCpu ?? '–'} |`,
    );
  }
  if ('msPerStep' in r.pytorch) {
    rows.push(`| PyTorch ${r.pytorch.torch} (CPU) | ${r.machine.cpu} | ${r.pytorch.threads} | ${r.pytorch.msPerStep.toFixed(1)} | ${r.pytorch.gflops.toFixed(2)} | 1 | – | – |`);
  }
  const lines = [
    `Training step of Siamese-VGG16${r.shape.widthDivisor > 1 ? ` at 1/${r.shape.widthDivisor} width` : ''}: ground ${r.shape.ground.join('x')}, aerial ${r.shape.aerial.join('x')}, batch ${r.shape.batch}; ` +
      `${(r.flopsPerStep / 1e9).toFixed(1)} GFLOP/step, ${(r.params / 1e6).toFixed(2)}M parameters; median of ${r.steps} steps after ${r.warmup} warm-up${r.results.filter((b) => b.times.length !== r.steps).map((b) => ` (${b.backend}: ${b.times.length})`).join('')}.`,
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB; ${r.date.slice(0, 10)}.`,
    '',
    ...rows,
  ];
  if (!('msPerStep' in r.pytorch)) lines.push('', `PyTorch: ${r.pytorch.skipped}`);
  for (const s of r.skipped) lines.push('', `${s.backend}: not run (${s.reason})`);
  for (const b of r.results) {
    if (b.profileUnavailable) lines.push('', `Kernels of one ${b.backend} step: ${b.profileUnavailable}.`);
    if (!b.profile) continue;
    lines.push('', `Kernels of one ${b.backend} step (tf.profile; peak ${b.peakMiB} MiB):`, '', '| kernel | ms | share | calls |', '| --- | --- | --- | --- |');
    for (const k of b.profile.slice(0, 10)) lines.push(`| ${k.kernel} | ${k.ms} | ${(k.share * 100).toFixed(1)}% | ${k.calls} |`);
  }
  return lines.join('\n');
}
