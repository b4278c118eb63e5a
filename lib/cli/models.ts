/**
 * `cvgl params` and `cvgl quicktrain`: the model commands of the CLI.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CvglError } from '../engine/errors.js';
import { initEngine } from '../engine/init.js';
import { openDataset } from '../data/readers.js';
import { MODEL_NAMES, modelFacts, quickModel, type ModelFacts } from '../models/registry.js';
import { mgtlParamCount } from '../models/mgtl.js';
import { GEOCAPSNET_PUBLISHED } from '../papers/geocapsnet/published.js';
import { MGTL_PUBLISHED } from '../papers/mgtl/published.js';
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

/** A published figure set beside ours: where it comes from and why ours may differ. */
export interface PublishedFigure { what: string; value: number; source: string; note: string }

const n = (x: number) => x.toLocaleString('en-US');
/** Ours against a published figure, as a signed percentage. */
const pct = (ours: number, published: number) => `${ours >= published ? '+' : '−'}${(Math.abs(ours / published - 1) * 100).toFixed(2)}%`;
const sameOr = (ours: number, published: number, same: string) => (ours === published ? same : `ours ${n(ours)}`);
const TWO_VGG: PublishedFigure = {
  what: 'two VGG16 branches',
  value: MGTL_PUBLISHED.params.vgg16Only.value,
  source: 'MGTL (000) Table 2, first row',
  note: 'the convolutional part of two unshared VGG16s (2 x 14,714,688 = 29,429,376); heads come on top',
};

/** The papers' figures `cvgl params` compares a model's computed facts (its record's) with. */
export function publishedFigures(f: ModelFacts): PublishedFigure[] {
  switch (f.model) {
    case 'siamese-vgg':
      return [TWO_VGG];
    case 'safa':
      return [TWO_VGG, { what: 'descriptor length', value: 4096, source: 'thesis (003) appendix 6.1, SPE output C x D = 512 x 8', note: sameOr(f.descriptorLength, 4096, 'the same') }];
    case 'cvft':
      return [TWO_VGG, { what: 'descriptor length', value: 4096, source: 'CVFT (002) Sec. 4.1 / Table 4 (8 x 8 x 64)', note: sameOr(f.descriptorLength, 4096, 'the same; Table 4 variants 2048, 1536, 512 via `dim`') }];
    case 'mgtl': {
      const P = MGTL_PUBLISHED.params, vgg = f.breakdown.vgg16x2!, wo = vgg + f.breakdown.mife_pe_gkst!;
      return [
        { what: 'VGG16 only', value: P.vgg16Only.value, source: `MGTL (000) ${P.vgg16Only.ref}`, note: `ours ${n(vgg)}` },
        { what: 'w/o CMI', value: P.woCmi.value, source: `MGTL (000) ${P.woCmi.ref}`, note: `ours ${n(wo)} (${pct(wo, P.woCmi.value)}; Eq. 5 as printed, block 'literal': ${n(mgtlParamCount('wo-cmi', 6, { block: 'literal' }))}). ${MGTL_PUBLISHED.explanation.join(' ')}` },
        { what: 'full', value: P.full.value, source: `MGTL (000) ${P.full.ref}`, note: `ours ${n(f.params)} (${pct(f.params, P.full.value)}; block 'literal': ${n(mgtlParamCount('full', 6, { block: 'literal' }))})` },
        { what: 'full (Table 3)', value: P.fullTable3.value, source: `MGTL (000) ${P.fullTable3.ref}`, note: 'the same model as Table 2 row 3, 6.98M fewer: unexplained' },
      ];
    }
    case 'geocapsnet-i':
    case 'geocapsnet-ii': {
      const G = GEOCAPSNET_PUBLISHED, variant = f.model === 'geocapsnet-i' ? 'I' : 'II';
      return [
        { what: `GeoCapsNet-${variant} parameters`, value: G.params[variant], source: G.source, note: `ours ${n(f.params)}: ${G.explanation.total}` },
        { what: 'I − II (one set of capsule layers)', value: G.capsuleLayerParams, source: G.source, note: `ours ${n(modelFacts('geocapsnet-i').params - modelFacts('geocapsnet-ii').params)}: ${G.explanation.difference}` },
        { what: 'code length', value: G.codeLength, source: G.source, note: sameOr(f.descriptorLength, G.codeLength, 'the same (32 capsules x 64)') },
      ];
    }
    case 'unified-moco':
      return [{ ...TWO_VGG, note: `${TWO_VGG.note}; the trained query encoders are a Siamese-VGG, the two momentum key encoders (${n(f.params)} values, not trained) and the two queues (2 x 16384 x 128) are state` }];
    default:
      return [];
  }
}

export async function paramsCommand(args: string[]): Promise<number> {
  const { values: v, positionals } = parse(args, { json: { type: 'boolean' } });
  if (v.help) {
    console.log(MODELS_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CvglError(`one model name: ${MODEL_NAMES.join(', ')}`, positionals.length ? `'${positionals.join(' ')}'` : 'none', 'e.g. cvgl params cvft');
  const facts = modelFacts(positionals[0]!);
  const f = { ...facts, published: publishedFigures(facts) };
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
