/**
 * `cvgl params` and `cvgl quicktrain`: the model commands of the CLI.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CvglError } from '../engine/errors.js';
import { initEngine } from '../engine/init.js';
import { openDataset } from '../data/readers.js';
import { MODEL_NAMES, modelFacts, quickModel } from '../models/registry.js';
import { DEFAULT_SYNTHETIC_DIR } from '../synth/generate.js';
import { quickTrain } from '../train/quick_train.js';
import { runDataDir } from './train.js';

export const MODELS_HELP = `  cvgl params <${MODEL_NAMES.join('|')}> [--json]
      Parameter count (with its breakdown), descriptor length and forward GFLOPs at the paper's
      input sizes, beside the published figures they are compared with.
  cvgl quicktrain --model <${MODEL_NAMES.join('|')}> [--seconds N] [--lr X] [--data DIR] [--json]
      A short run on the synthetic set at quick size (narrow network, small images): recall on the
      validation split before and after, the loss going down, chance levels beside them.`;

function parse(args: string[], options: ParseArgsConfig['options']): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (e) {
    throw new CvglError('known options (see `cvgl --help`)', (e as Error).message, 'check the spelling of the options');
  }
}

export async function paramsCommand(args: string[]): Promise<number> {
  const { values: v, positionals } = parse(args, { json: { type: 'boolean' } });
  if (v.help) {
    console.log(MODELS_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CvglError(`one model name: ${MODEL_NAMES.join(', ')}`, positionals.length ? `'${positionals.join(' ')}'` : 'none', 'e.g. cvgl params cvft');
  const f = modelFacts(positionals[0]!);
  if (v.json) {
    console.log(JSON.stringify(f, null, 2));
    return 0;
  }
  console.log(`${f.model}: ${f.params.toLocaleString('en-US')} parameters, descriptor ${f.descriptorLength}, ${f.forwardGflops.toFixed(2)} GFLOPs per pair (ground ${f.input.ground.join('x')}, aerial ${f.input.aerial.join('x')})`);
  for (const [k, n] of Object.entries(f.breakdown)) console.log(`  ${k.padEnd(20)} ${n.toLocaleString('en-US').padStart(12)}`);
  for (const p of f.published) console.log(`  published: ${p.what} ${p.value.toLocaleString('en-US')} (${p.source}): ${p.note}`);
  return 0;
}

export async function quicktrainCommand(args: string[]): Promise<number> {
  const { values: v } = parse(args, { model: { type: 'string' }, seconds: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean' }, backend: { type: 'string' }, lr: { type: 'string' } });
  if (v.help) {
    console.log(MODELS_HELP);
    return 0;
  }
  if (typeof v.model !== 'string') throw new CvglError(`--model ${MODEL_NAMES.join('|')}`, 'no --model', 'e.g. cvgl quicktrain --model cvft');
  const seconds = v.seconds === undefined ? 120 : Number(v.seconds);
  if (!(seconds > 0)) throw new CvglError('--seconds: a positive number', `'${String(v.seconds)}'`, 'e.g. --seconds 120');
  await initEngine({ backend: v.backend as never });
  const q = quickModel(v.model);
  const dir = await runDataDir(v.data, DEFAULT_SYNTHETIC_DIR);
  const ds = await openDataset(dir);
  const val = ds.splits.val ?? ds.splits.test;
  if (!ds.splits.train || !val) throw new CvglError('a dataset with train and val (or test) splits', Object.keys(ds.splits).join(', '), 'use a CVUSA/CVACT-layout set');
  const lr = v.lr === undefined ? q.learningRate : Number(v.lr);
  if (!(lr > 0)) throw new CvglError('--lr: a positive learning rate', `'${String(v.lr)}'`, 'e.g. --lr 1e-4');
  const r = await quickTrain({ ...q, learningRate: lr, train: ds.splits.train, val, seconds, log: (l) => console.error(l) });
  if (v.json) console.log(JSON.stringify({ ...r, losses: undefined }, null, 2));
  else {
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    console.log(`${r.model} (quick size, ${r.params.toLocaleString('en-US')} parameters): ${r.steps} steps in ${r.seconds.toFixed(0)} s`);
    console.log(`  loss ${r.lossFirst.toFixed(4)} (first tenth of the steps) -> ${r.lossLast.toFixed(4)} (last tenth)`);
    console.log(`  recall on ${r.after.n} validation pairs: @1 ${pct(r.before.atK[1]!)} -> ${pct(r.after.atK[1]!)}, @5 ${pct(r.before.atK[5]!)} -> ${pct(r.after.atK[5]!)}, @1% ${pct(r.before.atOnePercent)} -> ${pct(r.after.atOnePercent)}; chance @1 ${pct(r.after.chance[1]!)}, @5 ${pct(r.after.chance[5]!)}`);
  }
  return 0;
}
