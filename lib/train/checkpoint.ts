/**
 * Checkpoints: one `.safetensors` file holding the model's variables (`model/<name>`, the names of
 * `namedVariables()`, BatchNorm moving statistics included), the optimizer's slots
 * (`optimizer/<slot>/<name>`) and, in the header's `__metadata__` under `cvgl.checkpoint`, the
 * rest as JSON: config, position (epoch, step in epoch, global step), optimizer step count, the
 * seeded generator's state, the evaluation history.
 *
 * Writes are atomic: a temporary file in the same folder, flushed to disk, then renamed over the
 * old one, so a crash leaves the previous checkpoint intact, never half a file. The weights are
 * loadable by any safetensors reader (PyTorch's `safetensors.torch.load_file`).
 */
import { open, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { tf } from '../engine/tf.js';
import { CvglError } from '../engine/errors.js';
import type { RngState } from '../engine/rng.js';
import { CHECKPOINT_META_KEY, encodeSafetensors, openSafetensors, type SafeTensor, type TensorToWrite } from '../models/safetensors.js';
import { architectureKey, validateConfig, type TrainConfig } from './config.js';
import type { Optimizer } from './optimizers.js';

export const CHECKPOINT_FORMAT = 1;

/** What a checkpoint needs of a model: a name and its variables by name (a CrossViewModel, MoCo). */
export interface CheckpointModel {
  name: string;
  namedVariables(): Map<string, tf.Variable>;
}
const META_KEY = CHECKPOINT_META_KEY;

export interface EvalRecord {
  epoch: number;
  globalStep: number;
  split: string;
  n: number;
  recall: Record<string, number>;
  /** L_uniform of the descriptors (thesis Eqs. 3.6–3.8), when the config asks for it (`evalUniformity`). */
  uniformity?: { ground: number; satellite: number; all: number };
}

/** Everything of a run but the tensors. */
export interface CheckpointState {
  format: number;
  config: TrainConfig;
  /** The epoch in progress (0-based) and the batches of it already done. */
  epoch: number;
  stepInEpoch: number;
  globalStep: number;
  optimizerSteps: number;
  rng: RngState;
  evals: EvalRecord[];
  /** Seconds of training so far (all sessions). */
  seconds: number;
  savedAt: string;
  /** The data the run trained on (absent in checkpoints of older versions and of data-less tasks). */
  data?: DataRecord;
}

/** A run's dataset: the absolute folder and the hash of its splits (lib/data/dataset.ts splitsHash). */
export interface DataRecord {
  dir: string;
  hash: string;
}

/** The data recorded in a checkpoint, reading its header only (no tensors); null when none is recorded. */
export async function checkpointData(path: string): Promise<DataRecord | null> {
  if (!existsSync(path)) return null;
  const r = await openSafetensors(path);
  try {
    const raw = r.metadata[META_KEY];
    return raw ? ((JSON.parse(raw) as Partial<CheckpointState>).data ?? null) : null;
  } finally {
    await r.close();
  }
}

export interface LoadedCheckpoint {
  path: string;
  state: CheckpointState;
  model: Map<string, SafeTensor>;
  optimizer: Map<string, { shape: number[]; data: Float32Array }>;
}

/** Writes `bytes` to `path` atomically (temporary file, fsync, rename). */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await rename(tmp, path);
}

async function values(t: tf.Tensor): Promise<TensorToWrite> {
  return { shape: t.shape, data: (await t.data()) as Float32Array };
}

export async function saveCheckpoint(path: string, model: CheckpointModel, optimizer: Optimizer, state: Omit<CheckpointState, 'format' | 'savedAt' | 'optimizerSteps'>): Promise<void> {
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, v] of model.namedVariables()) tensors.set(`model/${name}`, await values(v));
  for (const [name, t] of optimizer.slots()) tensors.set(`optimizer/${name}`, await values(t));
  const full: CheckpointState = { format: CHECKPOINT_FORMAT, ...state, optimizerSteps: optimizer.steps, savedAt: new Date().toISOString() };
  await writeFileAtomic(path, encodeSafetensors(tensors, { [META_KEY]: JSON.stringify(full), format: 'pt' }));
}

/**
 * Reads a checkpoint; `validate` checks the stored config (default: a TrainConfig; other loop
 * tasks pass their own check, e.g. the identity for configs they compare themselves).
 */
export async function loadCheckpoint(path: string, validate: (config: unknown, origin: string) => unknown = validateConfig): Promise<LoadedCheckpoint> {
  if (!existsSync(path)) throw new CvglError(`a checkpoint file at ${path}`, 'no such file', 'give the path of a .safetensors written by `cvgl train` (runs/<name>/checkpoints/last.safetensors)');
  const r = await openSafetensors(path);
  try {
    const raw = r.metadata[META_KEY];
    if (!raw) throw new CvglError(`a cvgl training checkpoint (metadata '${META_KEY}')`, `a safetensors file without it (${r.entries.size} tensors)`, 'plain weight files are loaded with loadVgg16Weights / the model import, not as checkpoints');
    let state: CheckpointState;
    try {
      state = JSON.parse(raw) as CheckpointState;
    } catch (e) {
      throw new CvglError('checkpoint metadata in JSON', (e as Error).message, 'the file is damaged: use an earlier checkpoint');
    }
    if (state.format !== CHECKPOINT_FORMAT) throw new CvglError(`checkpoint format ${CHECKPOINT_FORMAT}`, `format ${state.format}`, 'this checkpoint was written by another version of cvgl');
    state.config = validate(state.config, `the config stored in ${path}`) as TrainConfig;
    const model = new Map<string, SafeTensor>(), optimizer = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const name of r.entries.keys()) {
      if (name.startsWith('model/')) model.set(name.slice(6), await r.read(name));
      else if (name.startsWith('optimizer/')) optimizer.set(name.slice(10), await r.read(name));
    }
    return { path, state, model, optimizer };
  } finally {
    await r.close();
  }
}

/**
 * Copies a checkpoint's weights into `model`; every variable must be there with its shape (a
 * checkpoint of another architecture or size is refused before anything is changed).
 */
export function restoreModel(model: CheckpointModel, ck: LoadedCheckpoint, config?: TrainConfig): void {
  if (config && architectureKey(config) !== architectureKey(ck.state.config)) {
    throw new CvglError(`a checkpoint of ${architectureKey(config)}`, `${ck.path} holds ${architectureKey(ck.state.config)}`, 'resume with the config the checkpoint was trained with (leave --preset/--config out to use the stored one), or start a new run with another --out');
  }
  const vars = model.namedVariables();
  const problems: string[] = [];
  for (const [name, v] of vars) {
    const t = ck.model.get(name);
    if (!t) problems.push(`${name} missing`);
    else if (t.shape.join('x') !== v.shape.join('x')) problems.push(`${name} is [${t.shape}] in the file, [${v.shape}] in the model`);
  }
  for (const name of ck.model.keys()) if (!vars.has(name)) problems.push(`${name} is not a variable of ${model.name}`);
  if (problems.length) {
    throw new CvglError(`the variables of ${model.name} (${vars.size})`, `${ck.path}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` and ${problems.length - 5} more` : ''}`, 'the checkpoint comes from another architecture or model size: pick the matching one, or change model.options');
  }
  for (const [name, v] of vars) {
    const t = ck.model.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(t.data, t.shape, 'float32')));
  }
}
