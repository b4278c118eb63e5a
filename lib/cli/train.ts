/**
 * `cvgl train` and `cvgl eval`: the trainer and the evaluator from the command line.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CvglError } from '../engine/errors.js';
import { initEngine } from '../engine/init.js';
import { progressBar } from '../engine/progress.js';
import { openDataset } from '../data/readers.js';
import { splitsHash } from '../data/dataset.js';
import { buildModel } from '../models/registry.js';
import { extractEmbeddings } from '../eval/embeddings.js';
import { recallSummary, splitRecall } from '../eval/evaluate.js';
import { DEFAULT_SYNTHETIC_DIR, ensureSynthetic } from '../synth/generate.js';
import { validateConfig, type TrainConfig } from '../train/config.js';
import { PRESET_NAMES, getPreset } from '../papers/presets.js';
import { checkpointData, loadCheckpoint, restoreModel } from '../train/checkpoint.js';
import { runDir, train } from '../train/trainer.js';
import { checkInit, withImagenetFile } from '../train/init_weights.js';
import { PRETRAIN_PRESET_NAMES, getPretrainPreset, loadPretrainCheckpoint, pretrain, validatePretrainConfig, type PretrainConfig } from '../train/pretrain.js';

export const TRAIN_HELP = `  cvgl train --preset NAME | --config FILE.json [--data DIR] [--epochs N] [--out DIR]
             [--resume] [--max-steps N] [--backend B] [--workers N] [--debug] [--json]
             [--imagenet FILE] [--allow-random-init]
      Trains a model: progress bar, runs/<name>/metrics.jsonl, checkpoints (last, best) after
      every epoch. --resume continues a run exactly where its last checkpoint left it (give
      --out, or the same --preset), on the data it recorded (folder and splits hash); a
      --data that differs is taken, with a note. --out must be empty, new, or a run; one run
      writes a folder at a time (a lock file holds its pid). --print-config prints the config (edit it, pass --config);
      --list-presets lists the presets (one per paper experiment row; quick.* for a CPU).
      Rows whose paper starts from ImageNet VGG16 weights (MGTL, CVFT, the thesis) need them:
      --imagenet FILE (a VGG16 .safetensors, docs/data.md 'Pretrained VGG16 weights') fills
      init for those branches; --allow-random-init starts them from random weights instead
      (not the paper's run: recorded in its config, marked in reports).
  cvgl eval --checkpoint FILE [--data DIR] [--split val] [--backend B] [--json]
      Recall@1/5/10/1% of a checkpoint on a split (default: the validation split) of the
      data the run trained on (recorded in the checkpoint); --data DIR evaluates on another.
  cvgl pretrain --preset NAME | --config FILE.json [--data DIR] [--epochs N] [--out DIR]
                [--resume] [--max-steps N] [--backend B] [--json]
      MoCov2 pre-training of one branch (thesis Sec. 3.1): checkpoints, metrics.jsonl, and
      <out>/backbone.safetensors for a downstream config's init.ground / init.aerial.
      --list-presets, --print-config as for train.`;

type Values = Record<string, string | boolean | undefined>;

function parse(args: string[], options: ParseArgsConfig['options']): Values {
  try {
    const r = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    return r.values as Values;
  } catch (e) {
    throw new CvglError('known options (see `cvgl train --help`)', (e as Error).message, 'check the spelling of the options');
  }
}

function positiveInt(v: Values, name: string): number | undefined {
  if (v[name] === undefined) return undefined;
  const n = Number(v[name]);
  if (!Number.isInteger(n) || n < 1) throw new CvglError(`--${name}: a positive integer`, `'${String(v[name])}'`, `e.g. --${name} 2`);
  return n;
}

/** A config file read and checked by `validate`; `command` names where to get a template. */
function readConfigFile<T>(path: string, validate: (x: unknown, origin: string) => T, command = 'cvgl train --preset quick.cvft'): T {
  if (!existsSync(path)) throw new CvglError(`a config file at ${path}`, 'no such file', `write one with \`${command} --print-config > my.json\``);
  if (statSync(path).isDirectory()) {
    const inRun = join(path, 'config.json'); // a run folder holds the config it ran with
    throw new CvglError('a config file (JSON) for --config', `${path} is a directory`, existsSync(inRun) ? `give the file: --config ${inRun}` : `give a JSON file; \`${command} --print-config > my.json\` writes one`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CvglError(`JSON in ${path}`, (e as Error).message, 'fix the syntax (a trailing comma?)');
  }
  return validate(json, path);
}

/** `--checkpoint` given a folder (a run, or its checkpoints/): refused, naming the checkpoint files found in it. */
function checkpointFile(path: string): string {
  if (!existsSync(path) || !statSync(path).isDirectory()) return path; // loadCheckpoint says what is wrong with it
  const found = [path, join(path, 'checkpoints')].flatMap((d) => (existsSync(d) && statSync(d).isDirectory() ? readdirSync(d).filter((f) => f.endsWith('.safetensors')).sort().map((f) => join(d, f)) : []));
  throw new CvglError('--checkpoint FILE: a .safetensors checkpoint file', `${path} is a directory`, found.length ? `give one of its checkpoints: ${found.join(', ')}` : 'give the file, e.g. runs/<name>/checkpoints/best.safetensors');
}

/** The dataset directory of a run: `--data`, else the config's; the default synthetic set is rendered on first use. */
export async function runDataDir(data: string | boolean | undefined, configDir: string): Promise<string> {
  if (typeof data === 'string') return data;
  if (configDir === DEFAULT_SYNTHETIC_DIR) {
    const bar = progressBar('synthetic world', { unit: 'views' });
    await ensureSynthetic(configDir, { onProgress: bar });
    bar.end();
  }
  return configDir;
}

/** The config of a run to resume: the one stored in its last checkpoint. */
async function storedConfig(out: string): Promise<TrainConfig> {
  const ck = await loadCheckpoint(join(out, 'checkpoints', 'last.safetensors'));
  return ck.state.config;
}

export async function trainCommand(args: string[]): Promise<number> {
  const v = parse(args, {
    preset: { type: 'string' }, config: { type: 'string' }, data: { type: 'string' }, epochs: { type: 'string' }, out: { type: 'string' },
    resume: { type: 'boolean' }, 'max-steps': { type: 'string' }, backend: { type: 'string' }, workers: { type: 'string' }, debug: { type: 'boolean' },
    json: { type: 'boolean' }, 'print-config': { type: 'boolean' }, 'list-presets': { type: 'boolean' },
    imagenet: { type: 'string' }, 'allow-random-init': { type: 'boolean' },
  });
  if (v.help) {
    console.log(TRAIN_HELP);
    return 0;
  }
  if (v['list-presets']) {
    for (const n of PRESET_NAMES) console.log(`${n.padEnd(34)} ${getPreset(n).source ?? ''}`);
    return 0;
  }
  if (v.preset !== undefined && v.config !== undefined) throw new CvglError('--preset or --config', 'both', 'give one of them');
  let config: TrainConfig;
  if (typeof v.preset === 'string') config = getPreset(v.preset);
  else if (typeof v.config === 'string') config = readConfigFile(v.config, validateConfig);
  else if (v.resume && typeof v.out === 'string') config = await storedConfig(v.out);
  else throw new CvglError('--preset NAME or --config FILE (or --resume --out DIR)', 'none of them', 'e.g. cvgl train --preset quick.cvft (cvgl train --list-presets)');
  if (typeof v.imagenet === 'string') config = withImagenetFile(config, v.imagenet);
  if (v['allow-random-init']) config = { ...config, allowRandomInit: true };
  if (v['print-config']) {
    console.log(JSON.stringify(config, null, 2));
    return 0;
  }
  const epochs = positiveInt(v, 'epochs'), maxSteps = positiveInt(v, 'max-steps'), workers = positiveInt(v, 'workers');
  // at once, before the engine, the synthetic world or the dataset
  if (!v.resume) checkInit(config, { file: '--imagenet FILE', allow: '--allow-random-init' });
  await initEngine({ backend: v.backend as never });
  const out = runDir(config, typeof v.out === 'string' ? v.out : undefined);
  // resumed without --data: the trainer takes the data the run recorded (older runs: the config's)
  const recorded = v.resume && typeof v.data !== 'string' ? await checkpointData(join(out, 'checkpoints', 'last.safetensors')) : null;
  const dataDir = recorded ? undefined : await runDataDir(v.data, config.data.dir);
  const r = await train({ config, dataDir, out, resume: Boolean(v.resume), epochs, maxSteps, workers, debug: Boolean(v.debug), handleSignals: true });
  r.model.dispose();
  const last = r.evals[r.evals.length - 1];
  if (v.json) console.log(JSON.stringify({ out: r.out, checkpoint: r.checkpoint, epochsDone: r.epochsDone, globalStep: r.globalStep, stopped: r.stopped, evals: r.evals }, null, 2));
  else {
    console.log(`${r.config.name}: ${r.epochsDone} epochs, ${r.globalStep} steps (${r.stopped}); checkpoint ${r.checkpoint}; metrics ${join(r.out, 'metrics.jsonl')}`);
    if (last) console.log(`  ${last.split} after epoch ${last.epoch + 1}: ${fmtRecall(last.recall)}`);
  }
  return 0;
}

const pct = (x: number | undefined) => (x === undefined ? '-' : `${(100 * x).toFixed(2)}%`);
const fmtRecall = (r: Record<string, number>) => `R@1 ${pct(r.r1)}  R@5 ${pct(r.r5)}  R@10 ${pct(r.r10)}  R@1% ${pct(r.r1pct)}${r.hitRate === undefined ? '' : `  hit rate ${pct(r.hitRate)}`}`;

export async function evalCommand(args: string[]): Promise<number> {
  const v = parse(args, { checkpoint: { type: 'string' }, data: { type: 'string' }, split: { type: 'string' }, json: { type: 'boolean' }, backend: { type: 'string' }, workers: { type: 'string' } });
  if (v.help) {
    console.log(TRAIN_HELP);
    return 0;
  }
  if (typeof v.checkpoint !== 'string') throw new CvglError('--checkpoint FILE', 'no --checkpoint', 'e.g. cvgl eval --checkpoint runs/quick.cvft/checkpoints/best.safetensors');
  await initEngine({ backend: v.backend as never });
  const ck = await loadCheckpoint(checkpointFile(v.checkpoint));
  const config = ck.state.config;
  // without --data: the data the run trained on (recorded in the checkpoint; older ones: the config's)
  const recorded = ck.state.data ?? null;
  const dataDir = typeof v.data === 'string' ? resolve(v.data) : recorded ? recorded.dir : config.data.dir;
  if (!existsSync(dataDir)) throw new CvglError(`a dataset directory at ${dataDir}${recorded && typeof v.data !== 'string' ? ` (the run's data, recorded in ${ck.path})` : ''}`, 'no such directory', 'pass --data DIR');
  const ds = await openDataset(dataDir, config.data.vigorProtocol ? { vigor: { protocol: config.data.vigorProtocol } } : {});
  if (recorded) {
    const hash = splitsHash(ds);
    if (recorded.dir !== dataDir || recorded.hash !== hash) {
      const was = `${recorded.dir} (splits ${recorded.hash})`, now = `${dataDir} (splits ${hash})`;
      if (typeof v.data !== 'string') throw new CvglError(`the dataset ${config.name} was trained on: ${was}`, `${now}: its splits changed since`, `restore the dataset, or pass --data ${dataDir} to evaluate on it as it is now`);
      process.stderr.write(`note: --data ${now} is not the data ${config.name} was trained on, ${was}\n`);
    }
  }
  const splitName = typeof v.split === 'string' ? v.split : config.data.valSplit ?? (ds.splits.val ? 'val' : 'test');
  const split = ds.splits[splitName];
  if (!split) throw new CvglError(`a split '${splitName}' in ${dataDir}`, `splits ${Object.keys(ds.splits).join(', ')}`, 'pick one with --split');
  const model = buildModel(config.model.name, config.model.options ?? {}, config.seed);
  try {
    restoreModel(model, ck);
    const bar = progressBar(`embedding ${splitName}`, { unit: 'pairs' });
    const e = await extractEmbeddings(model, split, config.data, { onProgress: bar, workers: positiveInt(v, 'workers'), augment: config.data.evalAugment ?? null });
    bar.end();
    const full = await splitRecall(e);
    const r = recallSummary(full);
    if (v.json) console.log(JSON.stringify({ checkpoint: v.checkpoint, model: config.model, data: dataDir, split: splitName, n: e.n, galleryN: e.galleryN, epoch: ck.state.epoch, globalStep: ck.state.globalStep, recall: r, onePercentK: full.onePercentK, curve: full.curve }, null, 2));
    else {
      console.log(`${config.name} (${config.model.name}) after ${ck.state.globalStep} steps, ${splitName} split of ${dataDir}: ${e.n} queries, ${e.galleryN} references`);
      console.log(`  ${fmtRecall(r)}   (top 1% = top ${full.onePercentK}; chance R@1 ${pct(r.chance1)})`);
    }
  } finally {
    model.dispose();
  }
  return 0;
}

export async function pretrainCommand(args: string[]): Promise<number> {
  const v = parse(args, {
    preset: { type: 'string' }, config: { type: 'string' }, data: { type: 'string' }, epochs: { type: 'string' }, out: { type: 'string' },
    resume: { type: 'boolean' }, 'max-steps': { type: 'string' }, backend: { type: 'string' }, workers: { type: 'string' },
    json: { type: 'boolean' }, 'print-config': { type: 'boolean' }, 'list-presets': { type: 'boolean' },
  });
  if (v.help) {
    console.log(TRAIN_HELP);
    return 0;
  }
  if (v['list-presets']) {
    for (const n of PRETRAIN_PRESET_NAMES) console.log(`${n.padEnd(24)} ${getPretrainPreset(n).source ?? ''}`);
    return 0;
  }
  if (v.preset !== undefined && v.config !== undefined) throw new CvglError('--preset or --config', 'both', 'give one of them');
  let config: PretrainConfig;
  if (typeof v.preset === 'string') config = getPretrainPreset(v.preset);
  else if (typeof v.config === 'string') config = readConfigFile(v.config, validatePretrainConfig, 'cvgl pretrain --preset quick.moco.ground'); else if (v.resume && typeof v.out === 'string') config = (await loadPretrainCheckpoint(join(v.out, 'checkpoints', 'last.safetensors'))).config;
  else throw new CvglError('--preset NAME or --config FILE (or --resume --out DIR)', 'none of them', 'e.g. cvgl pretrain --preset quick.moco.aerial (cvgl pretrain --list-presets)');
  if (v['print-config']) {
    console.log(JSON.stringify(config, null, 2));
    return 0;
  }
  const epochs = positiveInt(v, 'epochs'), maxSteps = positiveInt(v, 'max-steps'), workers = positiveInt(v, 'workers');
  await initEngine({ backend: v.backend as never });
  const dataDir = await runDataDir(v.data, config.data.dir);
  const r = await pretrain({ config, dataDir, out: typeof v.out === 'string' ? v.out : undefined, resume: Boolean(v.resume), epochs, maxSteps, workers, handleSignals: true });
  if (v.json) console.log(JSON.stringify({ out: r.out, checkpoint: r.checkpoint, backbone: r.backbone, epochsDone: r.epochsDone, globalStep: r.globalStep, stopped: r.stopped }, null, 2));
  else console.log(`${r.config.name}: ${r.epochsDone} epochs, ${r.globalStep} steps (${r.stopped}); backbone ${r.backbone} (use it as init.${r.config.branch} of a downstream config)`);
  return 0;
}
