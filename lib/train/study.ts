/**
 * A study: several experiment rows of a paper (presets, e.g. the four rows of CVFT's Table 1)
 * trained by the one trainer and evaluated the same way, under one profile (lib/train/profiles.ts).
 * It is what a paper's notebook calls; the results come back keyed by experiment id in the units
 * the papers print (recalls in percent), ready for `show.results`.
 *
 * Every run starts from its own seed, writes its checkpoint and metric log under the study's work
 * folder, and is evaluated once at the end on the validation split (recall at 1/5/10/1%, the top-K
 * curve, the descriptors for figures). A line per run says what was done and how long it took;
 * after the first timed steps of the first run the study prints an estimate of the whole study's
 * time (useful on the `paper` profile, where one study takes days).
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CvglError } from '../engine/errors.js';
import { openDataset } from '../data/readers.js';
import { limitSplit, type DatasetSplit } from '../data/dataset.js';
import { extractEmbeddings, type SplitEmbeddings } from '../eval/embeddings.js';
import { embeddingUniformity, recallSummary, splitRecall, type RecallSummary } from '../eval/evaluate.js';
import type { RecallTies } from '../eval/recall.js';
import type { CrossViewModel } from '../models/model.js';
import type { TrainConfig } from './config.js';
import type { EvalRecord } from './checkpoint.js';
import { profileConfig, type ProfileName, type ProfileOptions } from './profiles.js';
import { DivergedError, train } from './trainer.js';
import { checkInit, initNote } from './init_weights.js';
import { replicateCount, replicateMeans, replicateSeeds, type ReplicateResults } from './replicates.js';

/**
 * Reproduced metrics by experiment id (a preset name, e.g. 'cvft.table1.full') and metric key, in
 * the units the papers print (recalls in percent, e.g. r1: 61.43; parameters as counts).
 */
export type ReproducedResults = Record<string, Record<string, number>>;

export interface StudyOptions extends ProfileOptions {
  profile: ProfileName | string;
  /**
   * Replicates K of every row (lib/train/replicates.ts): replicate r trains from seed base + r,
   * base = `seed` or the row's; default the profile's (smoke 1, quick 3, paper 3).
   */
  replicates?: number;
  /** How a tie with the true match ranks (lib/eval/recall.ts): 'against' the query (default) or
   *  'strict' (only strictly better items count: the thesis' and SAFA's code). */
  ties?: RecallTies;
  /** Change one experiment's config before it runs (e.g. a batch size of a sweep). */
  adjust?: (id: string, config: TrainConfig) => void;
  /** Keep the trained models of these experiments (true: all) in the result; others are disposed. */
  keepModels?: boolean | string[];
  /** Keep each run's validation descriptors (for t-SNE, retrieval examples, heat maps). */
  keepEmbeddings?: boolean;
  /**
   * Let these experiments (true: all) evaluate during training as their config says
   * (`evalEveryEpochs`, `evalUniformity`), e.g. for a metric along epochs (thesis Fig. 4.5); by
   * default a study trains without evaluating and evaluates once at the end.
   */
  epochEvals?: boolean | string[];
  /** Folder for the runs' checkpoints, logs and the shared image cache (default: a new temporary one). */
  workDir?: string;
  /** Lines for a human (default: stdout, which a notebook shows). */
  log?: (line: string) => void;
}

export interface StudyRun {
  id: string;
  /** Its seed (replicate r of a row: base + r). */
  seed: number;
  config: TrainConfig;
  /** Where its backbones started, for a reader (`initNote`: e.g. 'random init, paper starts from ImageNet'). */
  init: string;
  /** Fractions in [0, 1]. */
  recall: RecallSummary;
  /** Top-K recall, K = 1..80 (fractions). */
  curve: number[];
  /** Rank of each query's true match (0 = first). */
  ranks: Int32Array;
  losses: number[];
  /** The trainer's evaluations during training (only with `epochEvals`). */
  evals: EvalRecord[];
  /** L_uniform of the final validation descriptors (thesis Eqs. 3.6–3.8), when the config has `evalUniformity`. */
  uniformity?: { ground: number; satellite: number; all: number };
  steps: number;
  seconds: number;
  out: string;
  /** The split it was evaluated on (after data.limit), whose pairs the ranks and descriptors follow. */
  split: DatasetSplit;
  embeddings?: SplitEmbeddings;
  model?: CrossViewModel;
}

export interface StudyResult {
  /** The first replicate (the base seed) of each row: what figures and single-run tables show. */
  runs: StudyRun[];
  /** Every replicate's run (K per row), in the order they ran. */
  allRuns: StudyRun[];
  /** Per row, its replicates' seeds, per-query ranks and metrics: what the claims' statistics read. */
  replicates: ReplicateResults;
  /** Runs that diverged (non-finite loss or gradient): not in `runs` nor `results`. */
  diverged: { id: string; seed: number; step: number; message: string }[];
  /** r1, r5, r10, r1pct in percent by experiment id, the mean over its replicates (for
   *  `show.results`); with `evalUniformity`, also uniformGround, uniformSatellite, uniformAll (L_uniform values). */
  results: ReproducedResults;
  /** Where each run's backbones started, by experiment id (`initNote`), for the report's `init`. */
  init: Record<string, string>;
  /** Each row's config as its first seed ran it (the others differ only in `seed`), for the report's `configs`. */
  configs: Record<string, TrainConfig>;
  seconds: number;
}

/** Recalls in percent, as the papers print them. */
export function recallPercent(r: RecallSummary): Record<string, number> {
  return { r1: 100 * r.r1, r5: 100 * r.r5, r10: 100 * r.r10, r1pct: 100 * r.r1pct };
}

/** A run's metrics as the results hold them: recalls in percent, and L_uniform when it was measured. */
export function runMetrics(r: StudyRun): Record<string, number> {
  return {
    ...recallPercent(r.recall), ...(r.uniformity ? { uniformGround: r.uniformity.ground, uniformSatellite: r.uniformity.satellite, uniformAll: r.uniformity.all } : {}),
  };
}

const fmtTime = (s: number) => (s < 120 ? `${s.toFixed(1)} s` : s < 7200 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`);

/** Trains and evaluates each experiment of `ids` under the profile; see the file comment. */
export async function runStudy(ids: string[], o: StudyOptions): Promise<StudyResult> {
  if (!ids.length) throw new CvglError('experiment ids to run', 'an empty list', 'pass preset names, e.g. cvft.table1.full');
  const log = o.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const k = replicateCount(String(o.profile), o.replicates);
  // every (row, replicate): replicate r of a row from seed base + r, rows in the order given
  const jobs = ids.flatMap((id) => {
    const base = profileConfig(id, o.profile, o).seed;
    return replicateSeeds(o.seed ?? base, k).map((seed, r) => {
      const c = profileConfig(id, o.profile, { ...o, seed });
      o.adjust?.(id, c);
      return { id, seed, replicate: r, config: c };
    });
  });
  // every row's weights before the first run starts: a paper study without its ImageNet file stops here
  for (const j of jobs) checkInit(j.config, { file: 'the imagenet option (a VGG16 .safetensors)', allow: 'allowRandomInit: true' });
  const work = o.workDir ?? mkdtempSync(join(tmpdir(), 'cvgl-study-'));
  mkdirSync(work, { recursive: true });
  const cacheDir = join(work, 'cache');
  const keep = (id: string) => o.keepModels === true || (Array.isArray(o.keepModels) && o.keepModels.includes(id));
  const duringTraining = (id: string) => o.epochEvals === true || (Array.isArray(o.epochEvals) && o.epochEvals.includes(id));
  let totalSteps: number | null = null;
  const t0 = performance.now();
  const allRuns: StudyRun[] = [];
  const diverged: StudyResult['diverged'] = [];
  let estimated = false;
  for (const { id, seed, replicate, config } of jobs) {
    const t1 = performance.now();
    const first = replicate === 0;
    const tag = k > 1 ? `${id} (seed ${seed})` : id;
    let stepsDone = 0;
    const onStep = (s: { globalStep: number; seconds: number }) => {
      stepsDone = s.globalStep;
      if (estimated || s.globalStep < 10) return;
      estimated = true;
      const perStep = s.seconds / s.globalStep;
      log(`estimate: ${(1 / perStep).toFixed(1)} steps/s on ${id}; the ${jobs.length} runs (${ids.length} rows x ${k} seed${k === 1 ? '' : 's'}, ${totalSteps} steps) take about ${fmtTime(totalSteps! * perStep)} of training`);
    };
    totalSteps ??= (await Promise.all(jobs.map((j) => stepsOf(j.config)))).reduce((a, b) => a + b, 0);
    let r: Awaited<ReturnType<typeof train>>;
    try {
      const out = join(work, id, k > 1 ? `seed-${seed}` : '');
      r = await train({ config: duringTraining(id) ? config : { ...config, evalEveryEpochs: 0 }, out, cacheDir, progress: false, log: () => undefined, onStep });
    } catch (e) {
      // a diverged run is a result (this setting is unstable at this size), not the end of the study
      if (!(e instanceof DivergedError)) throw e;
      diverged.push({ id, seed, step: e.step, message: e.found });
      log(`${tag}: DIVERGED at step ${e.step} (${e.found.split(' at epoch')[0]}): left out of the results`);
      continue;
    }
    try {
      const ds = await openDataset(config.data.dir, config.data.vigorProtocol ? { vigor: { protocol: config.data.vigorProtocol } } : {});
      const valName = config.data.valSplit ?? (ds.splits.val ? 'val' : 'test');
      const full = ds.splits[valName];
      if (!full) throw new CvglError(`a '${valName}' split to evaluate ${id} on`, `splits ${Object.keys(ds.splits).join(', ')}`, 'set data.valSplit');
      const val = config.data.limit?.val ? limitSplit(full, config.data.limit.val) : full;
      const emb = await extractEmbeddings(r.model, val, config.data, { cacheDir, augment: config.data.evalAugment ?? null });
      const rec = await splitRecall(emb, o.ties ? { ties: o.ties } : {});
      const uniformity = config.evalUniformity ? await embeddingUniformity(emb) : undefined;
      const seconds = (performance.now() - t1) / 1000;
      const recall = recallSummary(rec);
      const run: StudyRun = {
        id, seed, config, init: initNote(config), recall, curve: rec.curve, ranks: rec.ranks, losses: r.losses, evals: r.evals, steps: stepsDone, seconds, out: r.out, split: val,
        ...(uniformity ? { uniformity } : {}), ...(o.keepEmbeddings && first ? { embeddings: emb } : {}),
      };
      if (keep(id) && first) run.model = r.model;
      allRuns.push(run);
      const pct = recallPercent(recall);
      log(
        `${tag}: ${stepsDone} steps, loss ${r.losses[0]?.toFixed(3)} → ${r.losses.at(-1)?.toFixed(3)}; ` +
          `${valName} R@1 ${pct.r1!.toFixed(2)}%  R@5 ${pct.r5!.toFixed(2)}%  R@10 ${pct.r10!.toFixed(2)}%  R@1% ${pct.r1pct!.toFixed(2)}% (n = ${emb.n}, chance R@1 ${(100 * recall.chance1).toFixed(2)}%); ${seconds.toFixed(1)} s`,
      );
    } finally {
      if (!(keep(id) && first)) r.model.dispose();
    }
  }
  const replicates: ReplicateResults = {};
  for (const id of ids) {
    const rs = allRuns.filter((r) => r.id === id);
    if (rs.length) replicates[id] = { seeds: rs.map((r) => r.seed), ranks: rs.map((r) => Array.from(r.ranks)), metrics: rs.map(runMetrics), seconds: rs.map((r) => r.seconds) };
  }
  const results = replicateMeans(replicates);
  // the base seed's run of each row (or its first replicate that did not diverge)
  const runs = ids.flatMap((id) => allRuns.find((r) => r.id === id) ?? []);
  return { runs, allRuns, replicates, results, init: Object.fromEntries(runs.map((r) => [r.id, r.init])), configs: Object.fromEntries(runs.map((r) => [r.id, r.config])), diverged, seconds: (performance.now() - t0) / 1000 };
}

/** Optimizer steps of a whole run (for the time estimate): batches per epoch × epochs. */
async function stepsOf(c: TrainConfig): Promise<number> {
  const ds = await openDataset(c.data.dir, c.data.vigorProtocol ? { vigor: { protocol: c.data.vigorProtocol } } : {});
  const split = ds.splits[c.data.trainSplit ?? 'train'];
  const n = Math.min(split?.pairs.length ?? 0, c.data.limit?.train ?? Infinity);
  return Math.floor(n / c.data.batchSize) * c.epochs;
}
