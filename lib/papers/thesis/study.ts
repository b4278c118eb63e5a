/**
 * The thesis' experiment matrix (003) as one study: downstream rows (presets `thesis.table4N.*`,
 * `thesis.stage2.*`, `thesis.appendix65.unified`) whose branches start from the weights Table 3.1
 * names (`initFrom`: 'imagenet', 'grd*', 'sat', 'sat train*', 'sat val*', 'sat*'), with the
 * pre-training runs those names need run first — once each, cached by configuration — and the
 * feature-distribution snapshots of Figs. 4.3/4.4 taken before downstream training.
 *
 *   imagenet   paper: the user's ImageNet VGG16 file (`imagenet`, torchvision names), both branches.
 *              quick/smoke: a STAND-IN, not ImageNet — a supervised cross-view training (Siamese-VGG,
 *              Eq. 3.4) on a different synthetic world (another seed, the 'rural' style, CVUSA
 *              layout); each branch gets the backbone of its own view.
 *   sat        MoCov2 (stage 1, lib/train/pretrain.ts) on the satellites of train + validation split, from random;
 *   sat train* / sat val* / sat*   the same on the satellites of the training / validation split / both,
 *              starting from `imagenet`;
 *   grd*       the same on the ground images of both splits, from `imagenet`.
 * The splits are the dataset's own (CVACT train / val; VIGOR cross-area train = NewYork + Seattle,
 * validation = SanFrancisco + Chicago), also for the swapped split of Table 4.6, whose weights the
 * thesis names as in Table 4.4.
 *
 * Pre-training runs live in `pretrainDir/<name>-<hash>/` (backbone.safetensors, done.json); the
 * hash covers the pre-training config, the dataset (its synthetic manifest's creation time or the
 * folder's), the init file and the step budget, so a changed input re-runs and an unchanged one is
 * reused. Downstream rows whose configs are identical but for names and evaluation (e.g. exp. 12
 * of Tables 4.4, 4.7 and 4.8) are trained once and reported under every id.
 *
 * Replicates (issue 20, lib/train/replicates.ts): the whole pipeline of a row runs K times,
 * replicate r from seed base + r — the ImageNet stand-in, every MoCov2 pre-training (cached per
 * seed: the seed is in the cache key) and the downstream fine-tuning; every row of a replicate
 * uses the same seed and the same validation queries. `results` is the mean over replicates;
 * `runs`, `snapshots`, `configs` (the figures) are replicate 0's, the base seed's.
 *
 * Recall convention: the thesis' own (`THESIS_RECALL_CONVENTION`): a gallery item tied with the
 * true one does not count against the query, top-1% is K = floor(N/100) + 1.
 *
 * Sizes: `paper` runs the presets and `thesis.stage1.*` as the thesis states them. `quick` and
 * `smoke` use THESIS_SIZES — smaller than the other papers' quick size, because the matrix is ~35
 * downstream and ~10 pre-training runs that must fit a notebook budget on two CPU cores.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CvglError } from '../../engine/errors.js';
import { openDataset } from '../../data/readers.js';
import { limitSplit, type CrossViewDataset, type DatasetSplit } from '../../data/dataset.js';
import { vigorCityOf } from '../../data/vigor.js';
import { extractEmbeddings, type SplitEmbeddings } from '../../eval/embeddings.js';
import { embeddingUniformity } from '../../eval/evaluate.js';
import type { RecallTies } from '../../eval/recall.js';
import { featureSnapshot, type FeatureSnapshot } from '../../eval/feature_snapshot.js';
import { buildModel } from '../../models/registry.js';
import { exportVgg16Safetensors } from '../../models/weight_import.js';
import type { SiameseVgg } from '../../models/siamese_vgg.js';
import { ensureSynthetic, readSynthManifest, type SynthOptions } from '../../synth/generate.js';
import { cloneConfig, type InitSource, type TrainConfig } from '../../train/config.js';
import { branchImages, getPretrainPreset, pretrain, type PretrainBranch, type PretrainConfig } from '../../train/pretrain.js';
import { checkProfile, profileConfig, profileSizes, type ProfileName, type ProfileSizes } from '../../train/profiles.js';
import { replicateCount, replicateMeans, replicateSeeds, type ReplicateResults } from '../../train/replicates.js';
import { runMetrics, runStudy, type ReproducedResults, type StudyOptions, type StudyResult, type StudyRun } from '../../train/study.js';
import { loadInitWeights, train } from '../../train/trainer.js';
import { getPreset } from '../presets.js';
import { THESIS_NUMBERS } from './published.js';
import { THESIS_SIAMESE_HEAD, THESIS_TRIPLET } from './presets.js';

export type ThesisDataset = 'cvact' | 'vigor';

/** What the thesis study sets at the quick and smoke profiles (paper: the presets and `thesis.stage1.*` as stated). */
export interface ThesisSizes {
  /** Every width ÷ this (VGG16 and the MoCo encoders). */
  widthDivisor: number;
  ground: { height: number; width: number };
  /** Aerial side (px). */
  aerial: number;
  /** Batch of the downstream, MoCo and stand-in runs. */
  batch: number;
  /** Downstream epochs. */
  epochs: number;
  /** Training pairs and validation queries each downstream row uses. */
  trainPairs: number;
  valPairs: number;
  /** Steps and queue of each MoCov2 pre-training. */
  mocoSteps: number;
  mocoQueue: number;
  /** Steps of the ImageNet stand-in. */
  imagenetSteps: number;
  /** Points of the Figs. 4.3/4.4 plots. */
  plotPoints: number;
}

/** Sizes of the quick and smoke profiles of the thesis study (see the file comment). */
export const THESIS_SIZES = {
  quick: {
    widthDivisor: 16, ground: { height: 32, width: 64 }, aerial: 32, batch: 32, epochs: 2, trainPairs: 160, valPairs: 96,
    mocoSteps: 12, mocoQueue: 128, imagenetSteps: 32, plotPoints: 2000,
  },
  smoke: {
    widthDivisor: 16, ground: { height: 32, width: 64 }, aerial: 32, batch: 8, epochs: 1, trainPairs: 16, valPairs: 32,
    mocoSteps: 2, mocoQueue: 16, imagenetSteps: 2, plotPoints: 40,
  },
} as const satisfies ProfileSizes<ThesisSizes>;

/** The synthetic worlds of the quick and smoke profiles (rendered once, small images). */
export const THESIS_WORLDS: Record<'vigor' | 'imagenet', Partial<Omit<SynthOptions, 'out'>>> = {
  /** VIGOR layout: four cities, cameras up to a quarter tile from their positive tile's centre. */
  vigor: { pairs: 240, offset: 30, aerialSize: 64, panoWidth: 256, panoHeight: 64, seed: 1 },
  /** The "ImageNet" stand-in's world: another seed and region style than every other set. */
  imagenet: { pairs: 400, seed: 101, style: 'rural', aerialSize: 64, panoWidth: 256, panoHeight: 64 },
};

export interface ThesisStudyOptions {
  profile: ProfileName | string;
  /** Dataset folders: CVACT (quick/smoke: the CVUSA-layout synthetic set stands in) and VIGOR
   *  (quick/smoke: a synthetic VIGOR-layout set, `ensureThesisWorlds`). */
  data: { cvact?: string; vigor?: string };
  /** paper: ImageNet VGG16 weights (.safetensors, torchvision names) for every 'imagenet' branch. */
  imagenet?: string;
  /** quick/smoke: where the stand-in's world is rendered (default <pretrainDir>/imagenet-world). */
  imagenetWorld?: string;
  /** Cache of the pre-training runs (default runs/thesis-pretrain). */
  pretrainDir?: string;
  /** Folder of the downstream runs (default: a new temporary one). */
  workDir?: string;
  /** Base seed (default 1): replicate r runs from seed + r. */
  seed?: number;
  /** Replicates of every row, pre-training included (default: the profile's, `replicateCount`). */
  replicates?: number;
  /** Downstream epochs (default: the profile's). */
  epochs?: number;
  /** Ids whose descriptors before downstream training are plotted and measured (Figs. 4.3/4.4). */
  snapshots?: string[];
  keepModels?: boolean | string[];
  keepEmbeddings?: boolean;
  log?: (line: string) => void;
}

export interface PretrainedWeights {
  dataset: ThesisDataset | 'other world';
  branch: PretrainBranch | 'both';
  source: InitSource;
  /** Backbone file(s) by branch. */
  files: Partial<Record<PretrainBranch, string>>;
  /** 'user file', 'cached' (reused) or 'trained' (now). */
  origin: 'user file' | 'cached' | 'trained';
  /** Seed of the replicate it was resolved for. */
  seed: number;
  steps: number;
  seconds: number;
  /** First and last loss of the run. */
  loss: [number, number] | null;
  dir: string | null;
}

export interface ThesisStudyResult extends StudyResult {
  /** Per experiment id, its K replicates: seeds, per replicate the ranks of the validation queries
   *  (trained rows; the thesis' tie convention) and the metrics `results` averages. */
  replicates: ReplicateResults;
  /** Every pre-trained initialisation the rows needed, for every replicate. */
  pretraining: PretrainedWeights[];
  /** Figs. 4.3/4.4: per snapshot id (replicate 0). */
  snapshots: Record<string, FeatureSnapshot>;
  /** Rows reported from another row's run (identical configuration): id → id trained. */
  sharedRuns: Record<string, string>;
  /** The configs as run, by id (init files filled in; replicate 0). */
  configs: Record<string, TrainConfig>;
}

/**
 * The whole matrix, read from the published numbers (lib/papers/thesis/published.ts): every row of
 * Tables 4.2–4.8 and the unified model (`ids`, in the thesis' order), and the rows whose
 * initialisation Figs. 4.3/4.4 plot (`snapshots`).
 */
export function thesisMatrix(profile: ProfileName | string = 'paper'): { ids: string[]; snapshots: string[] } {
  const of = (pred: (table: string) => boolean) => [...new Set(THESIS_NUMBERS.filter((n) => n.experiment && pred(n.table)).map((n) => n.experiment!))];
  const all = { ids: of((t) => t.startsWith('Table') || t === 'Figure 6.3'), snapshots: of((t) => t === 'Figure 4.3' || t === 'Figure 4.4') };
  if (profileOf(profile) !== 'smoke') return all;
  // smoke (CI): one row per code path — each pre-trained initialisation, both models, both layouts,
  // the swapped split, α > 0, augmentation, the unified model, the two rows of the heat maps
  // (exp. 2 and 5) — and every snapshot
  const smoke = new Set(SMOKE_ROWS);
  return { ids: all.ids.filter((id) => smoke.has(id)), snapshots: all.snapshots };
}

/** The rows of the smoke profile's matrix (see thesisMatrix). */
export const SMOKE_ROWS = [
  'thesis.stage2.siameseVggCvact', 'thesis.table42.setting6', 'thesis.table42.setting7',
  'thesis.stage2.siameseVggVigor', 'thesis.table45.setting4', 'thesis.table46.setting6',
  'thesis.table47.alpha0', 'thesis.table47.alpha1e1', 'thesis.table48.mocoAugNoCrop', 'thesis.appendix65.unified',
];

/** CVACT or VIGOR, from a config (VIGOR configs name a VIGOR protocol). */
export function thesisDatasetOf(c: TrainConfig): ThesisDataset {
  return c.data.vigorProtocol ? 'vigor' : 'cvact';
}

const THESIS_CHECK = { fix: "use 'quick' on a CPU, 'paper' with real datasets on a GPU" };
const profileOf = (p: string): ProfileName => checkProfile(p, THESIS_CHECK);
/** The study's sizes at a quick or smoke profile (callers have handled 'paper', which has none). */
const sizesAt = (profile: ProfileName): ThesisSizes => profileSizes<ThesisSizes>(THESIS_SIZES, profile, THESIS_CHECK)!;

function dataDirOf(ds: ThesisDataset, o: ThesisStudyOptions): string {
  const dir = o.data[ds];
  if (!dir) throw new CvglError(`a ${ds === 'vigor' ? 'VIGOR' : 'CVACT'} folder in data.${ds}`, 'none given', ds === 'vigor' ? 'pass data.vigor (quick: a synthetic VIGOR-layout set, ensureThesisWorlds renders one)' : 'pass data.cvact (quick: the CVUSA-layout synthetic set)');
  if (!existsSync(dir)) throw new CvglError(`a dataset folder at ${dir}`, 'no such folder', 'render it (ensureThesisWorlds) or point data.* at a download');
  return dir;
}

/**
 * The config of thesis row `id` under the profile, with the thesis study's sizes (quick/smoke) and
 * dataset folder; `initFrom` is kept, `init` is filled by `runThesisStudy`.
 */
export function thesisConfig(id: string, o: ThesisStudyOptions): TrainConfig {
  const profile = profileOf(o.profile);
  const c = profileConfig(id, profile, { presets: getPreset, seed: o.seed, epochs: o.epochs });
  const ds = thesisDatasetOf(c);
  c.data.dir = dataDirOf(ds, o);
  if (profile === 'paper') return c;
  const z = sizesAt(profile);
  const safa = c.model.name === 'safa';
  const hw = [z.ground.height, z.ground.width];
  c.model.options = {
    ...c.model.options,
    widthDivisor: z.widthDivisor,
    ...(safa ? { groundHW: hw, aerialHW: hw } : {}),
    ...(c.model.name === 'unified-moco' ? { queueSize: z.mocoQueue } : {}),
  };
  c.data.ground = { ...z.ground };
  // SAFA keeps the polar transform here, whatever the paper profile does: a raw 32-px aerial gives a
  // 1x1 pool5 map, where the SPE has no hidden unit (lib/papers/thesis/readings.ts, thesis.safa-aerial)
  c.data.aerial = { size: z.aerial, polar: safa ? { height: z.ground.height, width: z.ground.width } : null };
  c.data.batchSize = z.batch;
  c.data.limit = { train: z.trainPairs, val: z.valPairs };
  // the thesis' optimizer (Adam 1e-4, weight decay 1e-4): the rows fine-tune pre-trained weights,
  // and the quick presets' Adam 1e-3 collapses these small models' descriptors within ten steps
  c.optimizer = { ...getPreset(id).optimizer };
  if (o.epochs === undefined) c.epochs = z.epochs;
  c.evalEveryEpochs = c.evalUniformity ? 1 : c.epochs;
  c.assumptions = [
    ...(c.assumptions ?? []),
    `thesis study, ${profile} profile (overrides the sizes above): widths ÷ ${z.widthDivisor}, ground ${hw.join('x')}, aerial ${z.aerial}${safa ? ` polar ${hw.join('x')} (raw ${z.aerial}-px aerials leave SAFA's SPE a 1x1 map)` : ''}, batch ${z.batch}, ${c.epochs} epoch(s) on the first ${z.trainPairs} training pairs, evaluated on the first ${z.valPairs} validation queries${ds === 'vigor' ? ' against the whole gallery' : ''}${c.model.name === 'unified-moco' ? `, queues of ${z.mocoQueue}` : ''}; the paper's optimizer (${c.optimizer.kind} lr ${c.optimizer.lr})`,
  ];
  return c;
}

// ------------------------------------------------------------------ pre-training, cached

const json = (x: unknown) => JSON.stringify(x);
const hash = (x: unknown) => createHash('sha256').update(json(x)).digest('hex').slice(0, 12);

/** What identifies a dataset folder's content for the cache. */
function datasetStamp(dir: string): string {
  const m = readSynthManifest(dir);
  return m ? `synthetic ${m.created}` : `folder ${resolve(dir)} ${statSync(dir).mtimeMs}`;
}

/** What identifies a weight file for the cache. */
function fileStamp(path: string | undefined): string | null {
  if (!path) return null;
  const st = statSync(path);
  return `${resolve(path)} ${st.size} ${st.mtimeMs}`;
}

interface DoneRecord {
  files: Partial<Record<PretrainBranch, string>>;
  steps: number;
  seconds: number;
  loss: [number, number] | null;
}

/** Runs `run` in `pretrainDir/<name>-<hash(key)>/` unless a finished run is there. */
async function cached(o: ThesisStudyOptions, name: string, key: unknown, run: (dir: string) => Promise<DoneRecord>): Promise<DoneRecord & { origin: 'cached' | 'trained'; dir: string }> {
  const dir = resolve(o.pretrainDir ?? join('runs', 'thesis-pretrain'), `${name}-${hash(key)}`);
  const donePath = join(dir, 'done.json');
  if (existsSync(donePath)) {
    const d = JSON.parse(readFileSync(donePath, 'utf8')) as DoneRecord;
    if (Object.values(d.files).every((f) => f && existsSync(f))) return { ...d, origin: 'cached', dir };
  }
  rmSync(dir, { recursive: true, force: true }); // an interrupted run: start it again
  mkdirSync(dir, { recursive: true });
  const d = await run(dir);
  writeFileSync(join(dir, 'key.json'), JSON.stringify(key, null, 1));
  writeFileSync(donePath, JSON.stringify(d, null, 1));
  return { ...d, origin: 'trained', dir };
}

/** The dataset's two splits the thesis pre-trains on: training, and validation (VIGOR: 'test'). */
function splitNames(ds: CrossViewDataset): { train: string; val: string } {
  return { train: 'train', val: ds.splits.val ? 'val' : 'test' };
}

/** The MoCov2 run (thesis Sec. 3.1.2) behind `source` on one branch of one dataset. */
function mocoConfig(source: InitSource, branch: PretrainBranch, dsName: ThesisDataset, dir: string, ds: CrossViewDataset, init: string | undefined, o: ThesisStudyOptions): { config: PretrainConfig; maxSteps?: number } {
  const profile = profileOf(o.profile);
  const { train, val } = splitNames(ds);
  const splits = source === 'sat train*' ? [train] : source === 'sat val*' ? [val] : [train, val];
  const name = `thesis-${dsName}-${branch}-${source.replace(/\*/g, 'star').replace(/\W+/g, '-')}`;
  if (profile === 'paper') {
    const c = getPretrainPreset(`thesis.stage1.${branch}`);
    const vigor = dsName === 'vigor';
    return {
      config: {
        ...c, name, splits, seed: o.seed ?? c.seed, ...(init ? { init } : {}),
        data: { ...c.data, dir, ...(vigor ? { ground: { height: 224, width: 448 }, aerial: { size: 224 }, vigorProtocol: 'cross' as const } : {}) },
        assumptions: [...(c.assumptions ?? []).filter((a) => !a.startsWith('splits:') && !a.startsWith('init:')), `'${source}' (thesis Sec. 3.1.2): ${branch} images of ${splits.join(' + ')}${init ? ', from the ImageNet weights' : ', from random'}`],
      },
    };
  }
  const z = sizesAt(profile);
  const c = getPretrainPreset(`quick.moco.${branch}`);
  const paper = getPretrainPreset(`thesis.stage1.${branch}`);
  // the thesis' lr at its batch, scaled linearly to ours (0.015 at 128, as MoCo v2's 0.03 at 256)
  const lr = (paper.optimizer.lr * z.batch) / paper.data.batchSize;
  const images = branchImages(ds.splits, splits, branch, dir).pairs.length;
  const epochs = Math.max(1, Math.ceil(z.mocoSteps / Math.max(1, Math.floor(images / z.batch)))); // whole batches per epoch
  return {
    config: {
      ...c, name, splits, seed: o.seed ?? c.seed, ...(init ? { init } : {}),
      data: { ...c.data, dir, ground: { ...z.ground }, aerial: { size: z.aerial }, batchSize: z.batch, ...(dsName === 'vigor' ? { vigorProtocol: 'cross' as const } : {}) },
      moco: { ...c.moco, widthDivisor: z.widthDivisor, queueSize: z.mocoQueue },
      optimizer: { ...paper.optimizer, lr },
      schedule: { kind: 'constant' },
      epochs,
      assumptions: [
        ...(c.assumptions ?? []),
        `thesis study, ${profile} profile: '${source}' = MoCov2 on the ${branch} images of ${splits.join(' + ')} (${images} images)${init ? ', from the ImageNet stand-in' : ', from random'}; ${z.mocoSteps} steps of ${z.batch}, K ${z.mocoQueue}, widths ÷ ${z.widthDivisor}; SGD lr ${lr} (the thesis' ${paper.optimizer.lr} at batch ${paper.data.batchSize}, scaled linearly to the batch), constant (the ×0.1 steps at epochs 120 and 160 of 200 fall outside)`,
      ],
    },
    maxSteps: z.mocoSteps,
  };
}

/**
 * The quick/smoke stand-in for ImageNet weights: a Siamese-VGG trained with the thesis' loss on a
 * different synthetic world; each branch's backbone written as a VGG16 file.
 */
async function imagenetStandIn(o: ThesisStudyOptions): Promise<PretrainedWeights> {
  const z = sizesAt(profileOf(o.profile));
  const world = o.imagenetWorld ?? join(o.pretrainDir ?? join('runs', 'thesis-pretrain'), 'imagenet-world');
  const manifest = await ensureSynthetic(world, THESIS_WORLDS.imagenet);
  const base = getPreset('quick.siamese-vgg');
  const trainPairs = manifest.samples.filter((s) => s.split === 'train').length;
  const config: TrainConfig = {
    ...cloneConfig(base),
    name: 'thesis-imagenet-stand-in',
    source: 'NOT ImageNet: a supervised stand-in for the thesis\' ImageNet weights — Siamese-VGG with the thesis\' soft-margin triplet (Eq. 3.4) on another synthetic world',
    assumptions: [`world: seed ${THESIS_WORLDS.imagenet.seed}, style ${THESIS_WORLDS.imagenet.style}, ${THESIS_WORLDS.imagenet.pairs} pairs (no image of it is in any downstream set); ${z.imagenetSteps} steps of ${z.batch}; each branch keeps the backbone of its own view (ImageNet gives one VGG16 to both)`],
    model: { name: 'siamese-vgg', options: { widthDivisor: z.widthDivisor, head: THESIS_SIAMESE_HEAD } },
    loss: { ...THESIS_TRIPLET },
    data: { ...base.data, dir: world, ground: { ...z.ground }, aerial: { size: z.aerial, polar: null }, batchSize: z.batch },
    epochs: Math.max(1, Math.ceil(z.imagenetSteps / Math.max(1, Math.floor(trainPairs / z.batch)))),
    evalEveryEpochs: 0,
    seed: o.seed ?? 1,
  };
  const key = { kind: 'imagenet-stand-in', config, steps: z.imagenetSteps, world: datasetStamp(world) };
  const r = await cached(o, 'imagenet-stand-in', key, async (dir) => {
    const t0 = performance.now();
    const run = await train({ config, out: join(dir, 'run'), maxSteps: z.imagenetSteps, progress: false, log: () => undefined, cacheDir: join(dir, 'cache') });
    try {
      const files = { ground: join(dir, 'ground.safetensors'), aerial: join(dir, 'aerial.safetensors') };
      const m = run.model as SiameseVgg;
      await exportVgg16Safetensors(m.ground, files.ground, { metadata: { source: 'cvgl thesis study: ImageNet stand-in (ground branch)' } });
      await exportVgg16Safetensors(m.aerial, files.aerial, { metadata: { source: 'cvgl thesis study: ImageNet stand-in (aerial branch)' } });
      rmSync(join(dir, 'cache'), { recursive: true, force: true });
      return { files, steps: run.globalStep, seconds: (performance.now() - t0) / 1000, loss: [run.losses[0]!, run.losses.at(-1)!] };
    } finally {
      run.model.dispose();
    }
  });
  return { dataset: 'other world', branch: 'both', source: 'imagenet', files: r.files, origin: r.origin, seed: config.seed, steps: r.steps, seconds: r.seconds, loss: r.loss, dir: r.dir };
}

/** Resolves every symbolic initialisation of `configs` to files, pre-training what is missing. */
export async function resolveThesisInits(configs: TrainConfig[], o: ThesisStudyOptions): Promise<{ files: Map<string, string>; pretraining: PretrainedWeights[] }> {
  const profile = profileOf(o.profile);
  const log = o.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const files = new Map<string, string>();
  const pretraining: PretrainedWeights[] = [];
  const pending = new Map<string, Promise<string>>();
  let standIn: Promise<PretrainedWeights> | null = null;
  const datasets = new Map<string, Promise<CrossViewDataset>>();
  const open = (ds: ThesisDataset, dir: string) => {
    if (!datasets.has(ds)) datasets.set(ds, openDataset(dir, ds === 'vigor' ? { vigor: { protocol: 'cross' } } : {}));
    return datasets.get(ds)!;
  };

  const imagenet = async (branch: PretrainBranch): Promise<string> => {
    if (profile === 'paper') {
      if (!o.imagenet) throw new CvglError("ImageNet VGG16 weights for the rows that start from 'imagenet' (Table 3.1)", 'no imagenet file given', 'pass imagenet: a torchvision VGG16 .safetensors (nothing is downloaded)');
      if (!existsSync(o.imagenet)) throw new CvglError(`the ImageNet VGG16 file ${o.imagenet}`, 'no such file', 'pass the path of a torchvision VGG16 .safetensors');
      if (!pretraining.some((p) => p.source === 'imagenet')) pretraining.push({ dataset: 'other world', branch: 'both', source: 'imagenet', files: { ground: o.imagenet, aerial: o.imagenet }, origin: 'user file', seed: o.seed ?? 1, steps: 0, seconds: 0, loss: null, dir: null });
      return o.imagenet;
    }
    standIn ??= imagenetStandIn(o).then((w) => {
      pretraining.push(w);
      log(`imagenet (stand-in: supervised on another synthetic world): ${w.origin}${w.origin === 'trained' ? ` in ${w.seconds.toFixed(1)} s, ${w.steps} steps, loss ${w.loss?.[0].toFixed(2)} → ${w.loss?.[1].toFixed(2)}` : ` (${w.dir})`}`);
      return w;
    });
    return (await standIn).files[branch]!;
  };

  const resolveOne = (ds: ThesisDataset, branch: PretrainBranch, source: InitSource): Promise<string> => {
    const k = `${ds}|${branch}|${source}`;
    let p = pending.get(k);
    if (p) return p;
    p = (async () => {
      if (source === 'imagenet') return imagenet(branch);
      const wants: PretrainBranch = source === 'grd*' ? 'ground' : 'aerial';
      if (wants !== branch) throw new CvglError(`an initialisation pre-trained on ${branch} images for the ${branch} branch`, `'${source}' (pre-trained on ${wants} images)`, branch === 'ground' ? "use 'imagenet' or 'grd*'" : "use 'imagenet', 'sat', 'sat train*', 'sat val*' or 'sat*'");
      const init = source === 'sat' ? undefined : await imagenet(branch);
      const dir = dataDirOf(ds, o);
      const { config, maxSteps } = mocoConfig(source, branch, ds, dir, await open(ds, dir), init, o);
      const key = { kind: 'moco', config, maxSteps: maxSteps ?? null, data: datasetStamp(dir), init: fileStamp(init) };
      const r = await cached(o, config.name, key, async (out) => {
        const t0 = performance.now();
        const run = await pretrain({ config, out: join(out, 'run'), maxSteps, progress: false, log: () => undefined, cacheDir: join(o.pretrainDir ?? join('runs', 'thesis-pretrain'), 'image-cache') });
        return { files: { [branch]: run.backbone }, steps: run.globalStep, seconds: (performance.now() - t0) / 1000, loss: run.losses.length ? [run.losses[0]!, run.losses.at(-1)!] : null };
      });
      pretraining.push({ dataset: ds, branch, source, files: r.files, origin: r.origin, seed: config.seed, steps: r.steps, seconds: r.seconds, loss: r.loss, dir: r.dir });
      log(`${ds} ${source} (${branch}): ${r.origin}${r.origin === 'trained' ? ` in ${r.seconds.toFixed(1)} s, ${r.steps} MoCo steps, InfoNCE ${r.loss?.[0].toFixed(2)} → ${r.loss?.[1].toFixed(2)}` : ` (${r.dir})`}`);
      return r.files[branch]!;
    })();
    pending.set(k, p);
    return p;
  };

  // one at a time (two CPU cores): the ImageNet weights first, then what starts from them
  const needs = [...new Set(configs.flatMap((c) => (['ground', 'aerial'] as const).flatMap((b) => {
    const s = c.initFrom?.[b];
    return s && s !== 'random' && !c.init?.[b] ? [`${thesisDatasetOf(c)}|${b}|${s}`] : [];
  })))].sort((a, b) => Number(b.endsWith('|imagenet')) - Number(a.endsWith('|imagenet')));
  for (const k of needs) {
    const [ds, b, s] = k.split('|') as [ThesisDataset, PretrainBranch, InitSource];
    files.set(k, await resolveOne(ds, b, s));
  }
  return { files, pretraining };
}

/** The config with `init` filled from resolved files (`resolveThesisInits`). */
function withInit(c: TrainConfig, files: Map<string, string>): TrainConfig {
  const out = cloneConfig(c);
  for (const b of ['ground', 'aerial'] as const) {
    const s = c.initFrom?.[b];
    if (!s || s === 'random' || c.init?.[b]) continue;
    out.init = { ...out.init, [b]: files.get(`${thesisDatasetOf(c)}|${b}|${s}`)! };
  }
  return out;
}

/** What two rows must share to be one run: everything but names and evaluation settings. */
function runKey(c: TrainConfig): string {
  const { name: _n, source: _s, assumptions: _a, evalUniformity: _u, evalEveryEpochs: _e, ...rest } = c;
  return json(rest);
}

/** The validation split a config is evaluated on (limited as configured). */
async function valSplitOf(c: TrainConfig): Promise<DatasetSplit> {
  const ds = await openDataset(c.data.dir, c.data.vigorProtocol ? { vigor: { protocol: c.data.vigorProtocol } } : {});
  const name = c.data.valSplit ?? (ds.splits.val ? 'val' : 'test');
  const s = ds.splits[name];
  if (!s) throw new CvglError(`a '${name}' split in ${c.data.dir}`, `splits ${Object.keys(ds.splits).join(', ')}`, 'check the dataset');
  return c.data.limit?.val ? limitSplit(s, c.data.limit.val) : s;
}

/**
 * Figs. 4.3/4.4 for one row: its model as initialised (before any downstream step), the validation
 * descriptors, t-SNE / S¹ / vMF KDE and the three uniformity values (per city for VIGOR).
 */
export async function initialSnapshot(c: TrainConfig, o: { cacheDir?: string | null; seed?: number; title?: string; maxPoints?: number } = {}): Promise<FeatureSnapshot> {
  const { e, val } = await initialEmbeddings(c, o.cacheDir ?? null);
  const vigor = thesisDatasetOf(c) === 'vigor';
  return featureSnapshot(e, {
    seed: o.seed ?? 0,
    title: o.title,
    ...(o.maxPoints ? { maxPoints: o.maxPoints } : {}),
    ...(vigor ? { groundGroups: val.pairs.map((p) => vigorCityOf(p.ground)), aerialGroups: val.gallery.map(vigorCityOf) } : {}),
  });
}

/** The validation descriptors of a row's model as initialised (before any downstream step). */
async function initialEmbeddings(c: TrainConfig, cacheDir: string | null): Promise<{ e: SplitEmbeddings; val: DatasetSplit }> {
  const model = buildModel(c.model.name, c.model.options ?? {}, c.seed);
  try {
    await loadInitWeights(model, c);
    const val = await valSplitOf(c);
    return { e: await extractEmbeddings(model, val, c.data, { cacheDir }), val };
  } finally {
    model.dispose();
  }
}

const RECALL_KEYS = ['r1', 'r5', 'r10', 'r1pct'];

/**
 * How the thesis counts recall, which the study follows (not the library's default, ties against
 * the query; lib/eval/recall.ts). The thesis says only "If the ground-truth reference image appears
 * in the top k retrieved images, it is considered as correct" (Sec. 4.1, 003 line 617), silent on
 * ties; its evaluation code (`validate_vigor`) counts `np.sum(dist_array[i, :] < gt_dist)` — only
 * strictly closer references — and takes top-1% as `int(N * 0.01) + 1`.
 */
export const THESIS_RECALL_CONVENTION: { ties: RecallTies; onePercentK: 'floor+1'; why: string } = {
  ties: 'strict',
  onePercentK: 'floor+1',
  why: "the thesis' evaluation code (validate_vigor: np.sum(dist < gt_dist), top1_percent = int(N * 0.01) + 1) counts only strictly closer references, as SAFA's and CVM-Net's; the thesis text (Sec. 4.1: 'If the ground-truth reference image appears in the top k retrieved images, it is considered as correct') does not say how ties count",
};

/** Identical rows train once: id → the id trained, and the ids to train (the one that evaluates more, evalUniformity, is the one run). */
function sharedRunsOf(ids: string[], configs: Map<string, TrainConfig>): { sharedRuns: Record<string, string>; toRun: string[] } {
  const groups = new Map<string, string[]>();
  for (const id of ids) {
    const k = runKey(configs.get(id)!);
    groups.set(k, [...(groups.get(k) ?? []), id]);
  }
  const sharedRuns: Record<string, string> = {};
  const toRun: string[] = [];
  for (const members of groups.values()) {
    const rep = members.find((id) => configs.get(id)!.evalUniformity) ?? members[0]!;
    toRun.push(rep);
    for (const m of members) if (m !== rep) sharedRuns[m] = rep;
  }
  return { sharedRuns, toRun };
}

/** One replicate of the study (seed `seed`): what the result keeps of it. */
interface ThesisReplicate {
  seed: number;
  runs: StudyRun[];
  diverged: StudyResult['diverged'];
  init: Record<string, string>;
  pretraining: PretrainedWeights[];
  snapshots: Record<string, FeatureSnapshot>;
  sharedRuns: Record<string, string>;
  configs: Map<string, TrainConfig>;
  /** Per id: the metrics as `results` holds them, and the ranks of a trained row. */
  rows: Record<string, { metrics: Record<string, number>; ranks?: number[] }>;
}

/**
 * Pre-trains what the rows need (cached), takes the snapshots, trains and evaluates every row
 * (identical rows once) and returns the results keyed by experiment id — recalls in percent (the
 * thesis' convention, `THESIS_RECALL_CONVENTION`); for snapshot ids the uniformity before training
 * (uniformGround/Satellite/All, Figs. 4.3/4.4); for rows with `evalUniformity` the uniformity after
 * training and per epoch in `runs[].evals` (Fig. 4.5). All of it K times, replicate r from seed
 * base + r; `results` is the mean over replicates, `replicates` holds each one (see the file comment).
 */
export async function runThesisStudy(ids: string[], o: ThesisStudyOptions): Promise<ThesisStudyResult> {
  const t0 = performance.now();
  const profile = profileOf(o.profile);
  const seeds = replicateSeeds(o.seed ?? 1, replicateCount(profile, o.replicates));
  // one work folder: replicate r > 0 runs in <work>/seed-<s>/ (the trainer resumes a run folder it
  // finds), sharing replicate 0's image cache
  const work = o.workDir ?? mkdtempSync(join(tmpdir(), 'cvgl-thesis-study-'));
  const done: ThesisReplicate[] = [];
  for (const [r, seed] of seeds.entries()) {
    const baseLog = o.log ?? ((l: string) => process.stdout.write(l + '\n'));
    const log = seeds.length > 1 ? (l: string) => baseLog(`[seed ${seed}] ${l}`) : baseLog;
    let workDir = work;
    if (r > 0) {
      workDir = join(work, `seed-${seed}`);
      mkdirSync(workDir, { recursive: true });
      mkdirSync(join(work, 'cache'), { recursive: true });
      if (!existsSync(join(workDir, 'cache'))) symlinkSync(resolve(work, 'cache'), join(workDir, 'cache'), 'dir');
    }
    done.push(await runThesisReplicate(ids, { ...o, seed, log, workDir }, r === 0));
  }

  const first = done[0]!;
  const replicates: ReplicateResults = {};
  for (const rep of done) {
    for (const [id, row] of Object.entries(rep.rows)) {
      const x = (replicates[id] ??= { seeds: [], metrics: [] });
      x.seeds.push(rep.seed);
      x.metrics.push(row.metrics);
      if (row.ranks) (x.ranks ??= []).push(row.ranks);
    }
  }
  const results: ReproducedResults = replicateMeans(replicates);
  return {
    runs: first.runs,
    allRuns: done.flatMap((rep) => rep.runs),
    diverged: done.flatMap((rep) => rep.diverged.map((d) => (rep.seed === first.seed ? d : { ...d, message: `seed ${rep.seed}: ${d.message}` }))),
    init: first.init,
    results,
    replicates,
    pretraining: done.flatMap((rep) => rep.pretraining),
    snapshots: first.snapshots,
    sharedRuns: first.sharedRuns,
    configs: Object.fromEntries(first.configs),
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * One replicate: every seed from `o.seed`. `figures`: replicate 0 — the snapshots' plots, the kept
 * models and descriptors; the others measure only what the results hold.
 */
async function runThesisReplicate(ids: string[], o: ThesisStudyOptions & { seed: number; workDir: string; log: (line: string) => void }, figures: boolean): Promise<ThesisReplicate> {
  const log = o.log;
  const profile = profileOf(o.profile);
  const all = [...new Set([...ids, ...(o.snapshots ?? [])])];
  const base = new Map(all.map((id) => [id, thesisConfig(id, o)]));
  const { files, pretraining } = await resolveThesisInits([...base.values()], o);
  const configs = new Map([...base].map(([id, c]) => [id, withInit(c, files)]));
  const cacheDir = join(o.workDir, 'cache');

  const snapshots: Record<string, FeatureSnapshot> = {};
  const uniformBefore: Record<string, { ground: number; satellite: number; all: number }> = {};
  for (const id of o.snapshots ?? []) {
    const t1 = performance.now();
    if (figures) {
      snapshots[id] = await initialSnapshot(configs.get(id)!, { seed: o.seed, cacheDir, ...(profile === 'paper' ? {} : { maxPoints: sizesAt(profile).plotPoints }) });
      uniformBefore[id] = snapshots[id]!.uniformity;
      log(`${id}: descriptors before training — ${snapshots[id]!.caption} (${((performance.now() - t1) / 1000).toFixed(1)} s)`);
    } else {
      // the same values as the snapshot's (all descriptors), without its plots
      uniformBefore[id] = await embeddingUniformity((await initialEmbeddings(configs.get(id)!, cacheDir)).e);
    }
  }

  const { sharedRuns, toRun } = sharedRunsOf(ids, configs);
  if (figures) for (const [m, rep] of Object.entries(sharedRuns)) log(`${m}: the same configuration as ${rep}, trained once`);

  const epochEvals = toRun.filter((id) => configs.get(id)!.evalUniformity);
  const keepModel = (id: string) => figures && (o.keepModels === true || (Array.isArray(o.keepModels) && o.keepModels.some((k) => (sharedRuns[k] ?? k) === id)));
  const runs: StudyRun[] = [];
  const diverged: StudyResult['diverged'] = [];
  const init: Record<string, string> = {};
  for (const id of toRun) {
    // one seed per call: this loop is the replicates (pre-training included)
    const study = await runStudy([id], {
      replicates: 1,
      ties: THESIS_RECALL_CONVENTION.ties,
      profile,
      presets: getPreset,
      seed: o.seed,
      adjust: (rid, c) => {
        for (const k of Object.keys(c)) delete (c as unknown as Record<string, unknown>)[k];
        Object.assign(c, cloneConfig(configs.get(rid)!));
      },
      epochEvals: epochEvals.includes(id) ? [id] : undefined,
      keepModels: keepModel(id) ? [id] : undefined,
      keepEmbeddings: figures && o.keepEmbeddings === true,
      workDir: o.workDir,
      log,
    });
    diverged.push(...study.diverged);
    Object.assign(init, study.init);
    runs.push(...study.runs);
  }

  const rows: ThesisReplicate['rows'] = {};
  for (const run of runs) {
    rows[run.id] = {
      metrics: runMetrics(run),
      ranks: Array.from(run.ranks),
    };
  }
  for (const [m, rep] of Object.entries(sharedRuns)) {
    const r = rows[rep];
    if (r) rows[m] = { metrics: Object.fromEntries(Object.entries(r.metrics).filter(([k]) => RECALL_KEYS.includes(k))), ranks: r.ranks };
  }
  for (const [id, u] of Object.entries(uniformBefore)) {
    // a row whose run diverged is left out of this replicate whole (its seeds and ranks stay aligned)
    if (ids.includes(id) && !rows[id]) continue;
    rows[id] = { ...rows[id], metrics: { ...rows[id]?.metrics, uniformGround: u.ground, uniformSatellite: u.satellite, uniformAll: u.all } };
  }
  return { seed: o.seed, runs, diverged, init, pretraining, snapshots, sharedRuns, configs, rows };
}

/** A study run by id, following a shared run to the one trained. */
export function thesisRun(r: ThesisStudyResult, id: string): StudyRun | undefined {
  const rep = r.sharedRuns[id] ?? id;
  return r.runs.find((x) => x.id === rep);
}

/**
 * The synthetic worlds of the quick and smoke profiles: the CVUSA-layout set at `cvact` (the
 * CVACT stand-in, the default synthetic set), a VIGOR-layout set at `vigor`; each rendered only
 * when missing or made with other options.
 */
export async function ensureThesisWorlds(dirs: { cvact?: string; vigor?: string }, onProgress?: (done: number, total: number) => void): Promise<void> {
  if (dirs.cvact) await ensureSynthetic(dirs.cvact, { onProgress });
  if (dirs.vigor) await ensureSynthetic(dirs.vigor, { ...THESIS_WORLDS.vigor, onProgress });
}
