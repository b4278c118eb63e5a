/**
 * The one training loop. Every training path of the library is a task on it: supervised
 * cross-view training (trainer.ts), MoCo pre-training (pretrain.ts), NetVLAD's hard-negative
 * training (netvlad_train.ts), MDUIT's generator/discriminator steps (mduit_train.ts), quick runs.
 *
 * A task brings its variables, a batch source per epoch, and a step: either a loss (the loop takes
 * its gradients over `trainable` and applies the optimizer) or a whole custom update (MDUIT's two
 * players), plus hooks after a step (MoCo's momentum update and queue) and after an epoch
 * (evaluation). The loop brings what every run needs: epochs and steps, the NaN/Inf guard before
 * any update, checkpoints (atomic; last and best) with exact resume (weights, optimizer slots,
 * generator state, position), metric logs (metrics.jsonl: one `{"type":"step",…}` line per step,
 * `{"type":"eval",…}` per evaluation), progress, Ctrl-C, maxSteps and maxSeconds.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import type { Rng } from '../engine/rng.js';
import { progressBar } from '../engine/progress.js';
import { restoreModel, saveCheckpoint, type CheckpointModel, type DataRecord, type EvalRecord, type LoadedCheckpoint } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import type { Optimizer } from './optimizers.js';
import { stopOnSignal, trimMetricLog } from './run_support.js';

/** The NaN/Inf guard's error: the run diverged at `step` (global, 1-based); nothing was updated. */
export class DivergedError extends CvglError {
  constructor(
    readonly step: number,
    expected: string,
    found: string,
    fix: string,
  ) {
    super(expected, found, fix);
    this.name = 'DivergedError';
  }
}

export interface StepPosition {
  epoch: number;
  stepInEpoch: number;
  stepsPerEpoch: number;
  globalStep: number;
}

export interface StepContext extends StepPosition {
  lr: number;
  /** The NaN/Inf guard for custom updates: throws a DivergedError unless every value is finite. Call it before updating. */
  check(values: Record<string, number>): void;
}

/** What a step reports: its loss, optionally the gradient norm and more fields for the metric line. */
export interface StepResult {
  loss: number;
  gradNorm?: number;
  extra?: Record<string, unknown>;
}

export interface EpochBatches<B> {
  /** Steps of the whole epoch (0 is refused by the task itself, with its own words). */
  steps: number;
  /** The epoch's batches from step `from` on. */
  batches: AsyncIterable<B>;
}

export interface LoopTask<B> {
  /** What the checkpoint holds under `model/` (every variable, non-trainable state included). */
  model: CheckpointModel;
  /** The optimizer whose slots the checkpoint holds (`combineOptimizers` for several). */
  optimizer: Optimizer;
  /** The generator whose state the checkpoint holds. */
  rng: Rng;
  /** Stored in config.json and the checkpoint. */
  config: object;
  epochs: number;
  /** Prefix of the progress bar's label (e.g. 'moco aerial '). */
  label?: string;
  /** What the NaN/Inf guard expects, for its message (default 'a finite loss and gradient'). */
  finite?: string;
  /** Learning rate of a step. */
  lr(p: StepPosition): number;
  /** The batches of `epoch` from step `from` on (called at the start of each epoch). */
  epoch(epoch: number, from: number): Promise<EpochBatches<B>>;
  /** Gradient tasks: the variables the loop differentiates and the optimizer updates… */
  trainable?: Map<string, tf.Variable>;
  /** …and the loss of a batch (run under tf.variableGrads). */
  loss?(batch: B): tf.Scalar;
  /** Custom tasks: the whole update of a batch (ctx.check before each update). */
  update?(batch: B, ctx: StepContext): Promise<StepResult>;
  /** Frees a batch (after its step). */
  release(batch: B): void;
  /** After the update (MoCo: momentum update of the key encoder, enqueue). */
  afterStep?(): void;
  /** After a finished epoch (`epochsDone` of them): an evaluation to log and keep, or null. */
  evaluate?(epochsDone: number, globalStep: number): Promise<EvalRecord | null>;
  /** After each write of checkpoints/last.safetensors (e.g. MoCo's backbone export). */
  afterSave?(): Promise<void>;
  /**
   * false: checkpoints only at epoch ends, for tasks whose epochs start from the weights (NetVLAD
   * and MDUIT mine their pairs with the network); stopped inside an epoch, such a run keeps the
   * last epoch-end checkpoint and a resume does that epoch again — exactly.
   */
  checkpointWithinEpoch?: boolean;
}

export interface LoopOptions {
  /** Run folder (metrics.jsonl, config.json, checkpoints/); none: nothing is written. */
  out?: string;
  /** Continue from this checkpoint (see `openRun`). */
  resumeFrom?: LoadedCheckpoint | null;
  /** Copies a checkpoint's weights into the model (default `restoreModel`; the trainer also checks the architecture). */
  restore?(ck: LoadedCheckpoint): void;
  /** Write checkpoints/last.safetensors every N steps too (besides epoch ends and stops). */
  checkpointEverySteps?: number;
  /** Write checkpoints/best.safetensors at the best evaluation (largest recall.r1). */
  keepBest?: boolean;
  maxSteps?: number;
  /** Stop after the step that ends this many seconds of this session (quick runs). */
  maxSeconds?: number;
  handleSignals?: boolean;
  progress?: boolean;
  /** Check every `debugEvery` steps that the number of live tensors does not grow. */
  debug?: boolean;
  debugEvery?: number;
  log?: (line: string) => void;
  onStep?(r: StepRecord): void;
  /** The dataset, recorded in every checkpoint (resume and eval use it when no other is given). */
  data?: DataRecord;
}

/** What a run's caller sets, whatever its task (train, pretrain): where, whether to resume, how far, how loud. */
export interface RunOptions {
  /** Dataset directory (default: a resumed run's recorded one, else the config's data.dir; one that
   *  differs from the recorded data is taken, with a note). */
  dataDir?: string;
  /** Output folder (default runs/<config.name>). */
  out?: string;
  /** Continue the run in `out` from its last checkpoint. */
  resume?: boolean;
  /** Total epochs (overrides config.epochs, e.g. to extend a finished run). */
  epochs?: number;
  /** Stop after this many optimizer steps in this session (a checkpoint is written first). */
  maxSteps?: number;
  /** Lines for a human (default: stderr). */
  log?: (line: string) => void;
  /** Progress bar on stderr (default true). */
  progress?: boolean;
  /** On-disk cache of resized images (default <out>/cache; null: none). */
  cacheDir?: string | null;
  /** Stop cleanly (checkpoint, then return) on SIGINT/SIGTERM (the CLI sets it). */
  handleSignals?: boolean;
}

export interface StepRecord {
  type: 'step';
  epoch: number;
  step: number;
  globalStep: number;
  loss: number;
  lr: number;
  gradNorm?: number;
  seconds: number;
  [extra: string]: unknown;
}

export interface LoopResult {
  epoch: number;
  stepInEpoch: number;
  globalStep: number;
  stopped: 'finished' | 'max-steps' | 'max-seconds' | 'signal';
  evals: EvalRecord[];
  /** Loss of the steps of this session. */
  losses: number[];
  /** checkpoints/last.safetensors when there is a run folder. */
  checkpoint: string | null;
}

export const runPaths = (out: string) => ({ last: join(out, 'checkpoints', 'last.safetensors'), best: join(out, 'checkpoints', 'best.safetensors'), metrics: join(out, 'metrics.jsonl') });

/**
 * Whether a run folder is resumed: with `resume`, its last checkpoint must be there; without, it
 * must not (an existing run is never overwritten). Returns the checkpoint path to load, or null.
 */
export function openRun(out: string, resume: boolean | undefined, what: string): string | null {
  const { last } = runPaths(out);
  if (resume) {
    if (!existsSync(last)) throw new CvglError(`a ${what} to resume in ${out} (checkpoints/last.safetensors)`, existsSync(out) ? 'a folder without a checkpoint' : 'no such folder', 'start the run without resume, or give its out folder');
    return last;
  }
  if (existsSync(last)) throw new CvglError(`a new output folder for the ${what}`, `${out} already holds a checkpoint`, 'continue it with resume, or pass another out folder (nothing was changed)');
  return null;
}

/** An error of the batch source (the data pipeline), told apart from one of the step itself. */
class BatchSourceError extends Error {
  constructor(readonly error: unknown) {
    super('the batch source failed');
  }
}

/** The batches, with the source's own errors marked (the loop's body never throws into it). */
async function* fromSource<B>(batches: AsyncIterable<B>): AsyncGenerator<B> {
  try {
    yield* batches;
  } catch (e) {
    throw new BatchSourceError(e);
  }
}

const gradNormOf = (grads: tf.NamedTensorMap): tf.Scalar => tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))) as tf.Scalar);

/** One gradient step of a loss over `vars` (by name): returns loss and gradient norm; throws (nothing updated) through `check`. */
export async function gradientStep(vars: Map<string, tf.Variable>, loss: () => tf.Scalar, optimizer: Optimizer, lr: number, check: (v: Record<string, number>) => void, release = () => {}): Promise<StepResult> {
  let out: ReturnType<typeof tf.variableGrads>;
  try {
    out = tf.variableGrads(loss, [...vars.values()]);
  } finally {
    release();
  }
  const { value, grads } = out;
  try {
    const norm = gradNormOf(grads);
    const [lv, nv] = await Promise.all([value.data(), norm.data()]);
    norm.dispose();
    const r = { loss: lv[0]!, gradNorm: nv[0]! };
    check(r);
    const byName = new Map<string, tf.Tensor>();
    for (const [name, v] of vars) if (grads[v.name]) byName.set(name, grads[v.name]!);
    optimizer.apply(vars, byName, lr);
    return r;
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
  }
}

/**
 * Several optimizers as one for the checkpoint (MDUIT's generator and discriminators): slots
 * named `<key>/<slot>`, one step count (they step together).
 */
export function combineOptimizers(parts: Record<string, Optimizer>): Optimizer {
  const entries = Object.entries(parts);
  return {
    config: entries[0]![1].config,
    get steps() {
      return entries[0]![1].steps;
    },
    apply() {
      throw new CvglError('the update of one of the combined optimizers', 'apply on their combination', 'apply each part itself');
    },
    slots() {
      const m = new Map<string, tf.Tensor>();
      for (const [k, o] of entries) for (const [n, t] of o.slots()) m.set(`${k}/${n}`, t);
      return m;
    },
    restore(slots, steps) {
      for (const [k, o] of entries) o.restore(new Map([...slots].filter(([n]) => n.startsWith(`${k}/`)).map(([n, t]) => [n.slice(k.length + 1), t])), steps);
    },
    dispose() {
      for (const [, o] of entries) o.dispose();
    },
  };
}

/** Runs a task to `task.epochs` (or a stop); see the file comment. */
export async function runLoop<B>(task: LoopTask<B>, o: LoopOptions = {}): Promise<LoopResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  if (!task.loss === !task.update) throw new CvglError('a training task with either loss() or update()', task.loss ? 'both' : 'neither', 'give a loss for gradient steps, or update for a custom step');
  const paths = o.out ? runPaths(o.out) : null;
  const ck = o.resumeFrom ?? null;
  let epoch = 0, stepInEpoch = 0, globalStep = 0, secondsBefore = 0;
  let evals: EvalRecord[] = [];
  if (ck) {
    (o.restore ?? ((c: LoadedCheckpoint) => restoreModel(task.model, c)))(ck);
    if (task.trainable) {
      for (const key of ck.optimizer.keys()) {
        const name = key.slice(key.indexOf('/') + 1);
        // '*': the fused Adam's one slot over all variables (its size is checked when it is restored)
        if (name !== '*' && !task.trainable.has(name)) throw new CvglError(`optimizer slots of ${task.model.name}'s trainable variables`, `a slot for '${name}' in ${ck.path}`, 'the checkpoint does not belong to this model');
      }
    }
    task.optimizer.restore(ck.optimizer, ck.state.optimizerSteps);
    task.rng.setState(ck.state.rng);
    ({ epoch, stepInEpoch, globalStep } = ck.state);
    secondsBefore = ck.state.seconds;
    evals = ck.state.evals;
    if (paths) trimMetricLog(paths.metrics, globalStep);
  } else if (paths) {
    mkdirSync(join(o.out!, 'checkpoints'), { recursive: true });
    writeFileSync(paths.metrics, '');
  }
  if (o.out) writeFileSync(join(o.out, 'config.json'), JSON.stringify(task.config, null, 2) + '\n');

  const losses: number[] = [];
  let stopped: LoopResult['stopped'] = 'finished';
  const signal = stopOnSignal(Boolean(o.handleSignals), log);
  const t0 = performance.now();
  const seconds = () => secondsBefore + (performance.now() - t0) / 1000;
  let lastSaved = ck && paths ? paths.last : null;
  let sessionSteps = 0, baseline = -1;
  const state = () => ({ config: task.config as TrainConfig, epoch, stepInEpoch, globalStep, rng: task.rng.getState(), evals, seconds: seconds(), ...(o.data ? { data: o.data } : {}) });
  const save = async () => {
    if (!paths) return;
    await saveCheckpoint(paths.last, task.model, task.optimizer, state());
    await task.afterSave?.();
    lastSaved = paths.last;
  };
  const appendMetric = (r: object) => (paths ? appendFile(paths.metrics, JSON.stringify(r) + '\n') : Promise.resolve());
  const within = task.checkpointWithinEpoch !== false;
  const check = (values: Record<string, number>) => {
    const bad = Object.entries(values).find(([, v]) => !Number.isFinite(v));
    if (!bad) return;
    throw new DivergedError(
      globalStep + 1,
      task.finite ?? 'a finite loss and gradient',
      `${bad[0] === 'gradNorm' ? 'gradient norm' : bad[0]} ${bad[1]} at epoch ${epoch + 1}, step ${stepInEpoch + 1} (global step ${globalStep + 1}); the weights were not updated`,
      lastSaved ? `resume from the last good checkpoint ${lastSaved} with a lower learning rate (optimizer.lr)` : 'no checkpoint was written yet: lower the learning rate and start again',
    );
  };

  try {
    while (epoch < task.epochs && stopped === 'finished') {
      const { steps: stepsPerEpoch, batches } = await task.epoch(epoch, stepInEpoch);
      let loss = NaN;
      const bar = progressBar(`${task.label ?? ''}epoch ${epoch + 1}/${task.epochs}`, { quiet: o.progress === false, unit: 'steps', detail: () => `loss ${loss.toFixed(4)}` });
      const from = stepInEpoch;
      for await (const b of fromSource(batches)) {
        const pos = { epoch, stepInEpoch, stepsPerEpoch, globalStep };
        const lr = task.lr(pos);
        let r: StepResult;
        if (task.loss) {
          let released = false;
          const release = () => {
            if (!released) task.release(b);
            released = true;
          };
          try {
            r = await gradientStep(task.trainable!, () => task.loss!(b), task.optimizer, lr, check, release);
          } finally {
            release();
          }
        } else {
          try {
            r = await task.update!(b, { ...pos, lr, check });
          } finally {
            task.release(b);
          }
        }
        task.afterStep?.();
        loss = r.loss;
        stepInEpoch++;
        globalStep++;
        sessionSteps++;
        losses.push(loss);
        const rec: StepRecord = { type: 'step', epoch, step: stepInEpoch, globalStep, loss, lr, ...(r.gradNorm !== undefined ? { gradNorm: r.gradNorm } : {}), ...r.extra, seconds: seconds() };
        await appendMetric(rec);
        o.onStep?.(rec);
        bar(stepInEpoch - from, stepsPerEpoch - from);
        if (o.debug) {
          if (sessionSteps === 1) baseline = tf.memory().numTensors;
          else if (sessionSteps % (o.debugEvery ?? 10) === 0 && tf.memory().numTensors > baseline) {
            throw new CvglError(`a constant number of live tensors (${baseline} after the first step)`, `${tf.memory().numTensors} at step ${globalStep}`, 'a tensor leaks in the model or the loss: wrap it in tf.tidy or dispose it');
          }
        }
        const atEnd = stepInEpoch === stepsPerEpoch;
        if (atEnd) {
          epoch++;
          stepInEpoch = 0;
        }
        if (o.maxSteps !== undefined && sessionSteps >= o.maxSteps) stopped = 'max-steps';
        if (o.maxSeconds !== undefined && (performance.now() - t0) / 1000 >= o.maxSeconds) stopped = 'max-seconds';
        if (signal.requested()) stopped = 'signal';
        if (stopped !== 'finished') break;
        if (within && !atEnd && o.checkpointEverySteps && globalStep % o.checkpointEverySteps === 0) await save();
      }
      bar.end();
      const epochDone = stepInEpoch === 0;
      const record = epochDone && task.evaluate ? await task.evaluate(epoch, globalStep) : null;
      if (record) {
        evals = [...evals, record];
        await appendMetric({ type: 'eval', ...record });
        await save();
        const best = Math.max(...evals.map((e) => e.recall.r1!));
        if (o.keepBest && paths && record.recall.r1 === best) await saveCheckpoint(paths.best, task.model, task.optimizer, state());
      } else if (epochDone || within) await save();
    }
  } catch (e) {
    if (!(e instanceof BatchSourceError)) throw e;
    // A bad input (a missing or damaged image) between steps: the weights and position are those of
    // the last finished step, so they are saved (nothing lost) and the message says where to resume.
    const err = e.error;
    const savedNow = Boolean(paths && within && sessionSteps > 0);
    if (savedNow) await save();
    if (!(err instanceof CvglError)) throw err;
    const resume = lastSaved
      ? `; then resume from the last checkpoint, ${lastSaved}${savedNow ? ` (saved at global step ${globalStep}, nothing lost)` : ''}: cvgl train --resume --out ${o.out}`
      : '; then start the run again (no checkpoint was written yet)';
    throw new CvglError(err.expected, err.found, err.fix + resume);
  } finally {
    signal.release();
  }
  return { epoch, stepInEpoch, globalStep, stopped, evals, losses, checkpoint: paths?.last ?? null };
}
