/**
 * The MDUIT study (paper 004) as one call for a notebook: `runMduitStudy`.
 *
 *   data      the synthetic multi-domain localization set (lib/synth/localization.ts), rendered on
 *             first use, or a RobotCar Seasons folder (profile 'paper', lib/data/robotcar_seasons.ts)
 *   train     Table 1's five rows from scratch: a NetVLAD baseline (lib/train/netvlad_train.ts) and
 *             MDUIT "w/o I2I, L_NCE", "w/o I2I", "w/o L_NCE", "Full" (lib/train/mduit_train.ts)
 *   evaluate  retrieval-based localization of the day and night queries against the references,
 *             accuracy at (0.25 m, 2°), (0.5 m, 5°), (5 m, 10°) (lib/eval/localization.ts); the
 *             translation grid of Fig. 3 (lib/eval/translation_grid.ts); the translation quality
 *             against true target renders (synthetic sets only, lib/eval/translation_quality.ts)
 *
 * Profiles: `MDUIT_PROFILES` (./presets.ts), with what each deviates from the paper.
 *
 * Replicates (issue 20, lib/train/replicates.ts): every row trains K times, replicate r from seed
 * base + r (its trainings' initialisation, sampling and augmentation); the set, its queries and
 * references are the same for all (rendered from the base seed). Table 1 (`localization`) is the
 * mean over replicates; the figures (Fig. 3, translation quality, loss curves, medians) show
 * replicate 0, the base seed's run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '../../engine/tf.js';
import { CvglError } from '../../engine/errors.js';
import { recordDataset } from '../../engine/session.js';
import { Rng } from '../../engine/rng.js';
import { bankBatch, bankImage, loadImageBank, type ImageBank } from '../../data/image_bank.js';
import type { LocalizationSet, PosedImage } from '../../data/localization.js';
import { isRobotCarSeasons, readRobotCarSeasons } from '../../data/robotcar_seasons.js';
import { ensureSynthLocalization } from '../../synth/localization.js';
import { localizationAccuracy, retrieveTop1, TABLE1_THRESHOLDS, type LocalizationResult } from '../../eval/localization.js';
import { translationGridPng } from '../../eval/translation_grid.js';
import { domainFeatures, trainDomainClassifier, translationQuality, type TranslationQuality, type TruthCase } from '../../eval/translation_quality.js';
import type { Mduit } from '../../models/mduit.js';
import type { NetVladOptions } from '../../models/netvlad.js';
import { embedBank, trainMduit } from '../../train/mduit_train.js';
import { trainNetVlad } from '../../train/netvlad_train.js';
import { profileSizes } from '../../train/profiles.js';
import { meanMetrics, replicateCount, replicateSeeds, type ReplicateResults } from '../../train/replicates.js';
import { IMAGENET_RECIPE } from '../../train/init_weights.js';
import { MDUIT_PROFILE_NAMES, MDUIT_PROFILES, MDUIT_ROW_IDS, MDUIT_ROWS, type MduitProfile, type MduitRowId, type MduitStudyConfig } from './presets.js';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends (infer U)[] ? U[] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

export interface MduitStudyProgress {
  phase: 'data' | 'train' | 'evaluate' | 'grid' | 'quality' | 'done';
  /** The Table 1 row being trained or evaluated. */
  row?: MduitRowId;
  /** Seed of the replicate being trained or evaluated. */
  seed?: number;
  step?: number;
  steps?: number;
  loss?: number;
  message: string;
}

export interface MduitStudyOptions {
  profile: MduitProfile;
  /** Synthetic profiles: where the set is rendered (default: data/synthetic-mduit-<profile> of the
   *  repository, `mduitDefaultDataDir`).
   *  'paper': the RobotCar Seasons folder (required). */
  dataDir?: string;
  seed?: number;
  /** Replicates per row, seeds seed, seed + 1, … (default: the profile's, `replicateCount`). */
  replicates?: number;
  onProgress?: (p: MduitStudyProgress) => void;
  /** Rows to train (default all five, in Table 1's order). */
  rows?: MduitRowId[];
  /** Changes to the profile's settings (tests, experiments), merged into MDUIT_PROFILES[profile]. */
  overrides?: DeepPartial<MduitStudyConfig>;
  /** Stops the study after the current training step (it then rejects with a CvglError). */
  signal?: AbortSignal;
  /** ImageNet VGG16 weights (a local torchvision/timm safetensors or tfjs model.json; nothing is
   *  downloaded) for E_a's VGG16 and NetVLAD's backbone; their widths must match the profile's
   *  (full VGG16: widthDivisor 1, the paper profile). Without it the paper profile is refused
   *  (E_a reads "the pre-trained VGG-16 network", Sec. 2.1) unless `allowRandomInit`; the quick
   *  and smoke profiles start both from random weights (marked in `init`). */
  vgg16Weights?: string;
  /** paper profile without `vgg16Weights`: start both VGG16s from random weights (not the paper's run). */
  allowRandomInit?: boolean;
}

export interface MduitRowResult {
  label: string;
  /** E.g. where the VGG16 weights came from. */
  notes: string[];
  steps: number;
  /** Training seconds (noisy on a shared machine). */
  seconds: number;
  /** Median position / orientation error of the retrieved poses. */
  median: { day: { metres: number; degrees: number }; night: { metres: number; degrees: number } };
}

/** One row of a loss history (per training step). */
export interface MduitLossRecord {
  step: number;
  epoch: number;
  lr: number;
  /** The row's loss: Eq. 6's generator side (MDUIT rows) or the triplet ranking loss (NetVLAD). */
  loss: number;
  /** MDUIT rows with translation: the discriminators' loss. */
  discriminator?: number;
  /** MDUIT rows: Eq. 6's unweighted terms (NaN where the row has no such term). */
  terms?: Record<string, number>;
}

export interface MduitStudyResult {
  profile: MduitProfile;
  seed: number;
  config: MduitStudyConfig;
  dataset: {
    kind: LocalizationSet['kind'];
    name: string;
    root: string;
    /** True for the synthetic world (a substitute for RobotCar Seasons: never compare its numbers as a match or a miss). */
    substitute: boolean;
    references: number;
    queries: { day: number; night: number };
    training: number;
    conditions: string[];
    notes: string[];
  };
  /**
   * Table 1 as reproduced: percent of queries localized, by experiment id
   * ('mduit.table1.netvlad', '…woI2iNce', '…woI2i', '…woNce', '…full') and metric key
   * ('day_0.25m_2deg', 'day_0.5m_5deg', 'day_5m_10deg', 'night_0.25m_2deg', 'night_0.5m_5deg',
   * 'night_5m_10deg') — the ids and keys of lib/papers/mduit/published.ts, for show.results.
   */
  localization: Record<string, Record<string, number>>;
  /**
   * Per experiment id, its K replicates (lib/train/replicates.ts): seeds, per replicate the six
   * metrics, and per metric, replicate and query 100 (localized within the threshold) or 0 — over
   * the day queries for day_* and the night queries for night_*, in the set's order. Pass it to
   * `show.results` as `replicates`.
   */
  replicates: ReplicateResults;
  /** Where each row's VGG16s started, by experiment id, for `show.results`'s `init`. */
  init: Record<string, string>;
  /** Per row, replicate 0's training (the base seed). */
  rows: Record<string, MduitRowResult>;
  /** Fig. 3's grid as PNG bytes (rows: sources of different conditions, columns: one target per
   *  condition), from the "Full" model (else "w/o L_NCE"); null when neither was trained. */
  gridPng: Uint8Array | null;
  grid: { model: MduitRowId; sources: string[]; targets: string[] } | null;
  /** Translation quality against true target renders (synthetic sets with an I2I row), else null. */
  translationQuality: TranslationQuality | null;
  /** Per row, the loss of every training step (replicate 0). */
  lossHistory: Record<string, MduitLossRecord[]>;
  /** Seconds per phase (noisy on a shared machine); `train`: per row, all its replicates. */
  timings: { data: number; train: Record<string, number>; evaluate: number; grid: number; quality: number; total: number };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge<T>(base: T, over: unknown): T {
  if (!isObject(over)) return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(out[k]) ? merge(out[k], v) : v;
  return out as T;
}

/** The settings `runMduitStudy` will use for these options. */
export function mduitStudyConfig(profile: MduitProfile, overrides?: DeepPartial<MduitStudyConfig>): MduitStudyConfig {
  const sizes = profileSizes(MDUIT_PROFILES, profile, { listed: MDUIT_PROFILE_NAMES, fix: "use 'quick' in a report, 'smoke' in CI, 'paper' on a RobotCar Seasons folder" });
  return merge(sizes!, overrides);
}

/** Where a synthetic profile renders its set by default: data/synthetic-mduit-<profile> in the
 *  repository (whatever the working directory: a notebook's kernel runs in notebooks/). */
export function mduitDefaultDataDir(profile: MduitProfile): string {
  return join(fileURLToPath(new URL('../../../data/', import.meta.url)), `synthetic-mduit-${profile}`);
}

async function openData(o: MduitStudyOptions, c: MduitStudyConfig, seed: number, progress: (m: string) => void): Promise<LocalizationSet> {
  if (o.profile === 'paper') {
    if (!o.dataDir) throw new CvglError("profile 'paper': dataDir, a RobotCar Seasons folder", 'no dataDir', "pass dataDir: '/path/to/RobotCar-Seasons' (images/, 3D-models/, robotcar_v2_train.txt), or use profile 'quick' for the synthetic set");
    if (!isRobotCarSeasons(o.dataDir)) {
      throw new CvglError("profile 'paper': a RobotCar Seasons folder (images/overcast-reference/, 3D-models/all-merged/all.nvm, robotcar_v2_train.txt)", o.dataDir, 'pass the folder the dataset was unpacked into');
    }
    progress(`reading RobotCar Seasons at ${o.dataDir}`);
    return readRobotCarSeasons(o.dataDir);
  }
  const dir = o.dataDir ?? mduitDefaultDataDir(o.profile);
  progress(`synthetic localization set at ${dir} (rendered on first use)`);
  return ensureSynthLocalization(dir, { ...c.synth, seed: c.synth.seed ?? seed });
}

function record(set: LocalizationSet): void {
  const pairs = (ims: PosedImage[]) => ims.map((i) => ({ id: i.id, ground: i.path, aerial: '' }));
  recordDataset({
    root: set.root,
    format: set.kind === 'synthetic' ? 'synthetic-localization' : 'robotcar-seasons',
    splits: {
      references: { pairs: pairs(set.references), gallery: [] },
      queries_day: { pairs: pairs(set.queries.day), gallery: [] },
      queries_night: { pairs: pairs(set.queries.night), gallery: [] },
      training: { pairs: pairs(set.training), gallery: [] },
    },
  });
}

/** Per threshold key, 100 for each query localized within it, else 0 (what Table 1 averages). */
function hitsOf(errors: LocalizationResult['errors']): Record<string, number[]> {
  return Object.fromEntries(TABLE1_THRESHOLDS.map((t) => [t.key, errors.map((e) => (e.metres <= t.metres && e.degrees <= t.degrees ? 100 : 0))]));
}

async function localize(embed: (x: tf.Tensor4D) => tf.Tensor2D, refs: ImageBank, queries: { day: ImageBank; night: ImageBank }, set: LocalizationSet): Promise<{ day: LocalizationResult; night: LocalizationResult }> {
  const zr = await embedBank(embed, refs);
  const gallery = { data: zr.z, shape: [refs.n, zr.dim] as [number, number] };
  const one = async (g: 'day' | 'night') => {
    if (!queries[g].n) return { accuracy: Object.fromEntries(TABLE1_THRESHOLDS.map((t) => [t.key, NaN])), errors: [], median: { metres: NaN, degrees: NaN } };
    const zq = await embedBank(embed, queries[g]);
    const top = await retrieveTop1({ data: zq.z, shape: [queries[g].n, zq.dim] }, gallery);
    return localizationAccuracy(top, set.queries[g].map((q) => q.pose!), set.references.map((r) => r.pose!));
  };
  return { day: await one('day'), night: await one('night') };
}

/**
 * Runs the MDUIT study and returns (see `MduitStudyResult`):
 *  - `localization`: Table 1 as reproduced, the mean over the replicates —
 *    `localization['mduit.table1.full']['night_5m_10deg']` is the percent of night queries of the
 *    "Full" row localized within 5 m and 10°; the ids and
 *    metric keys are those of lib/papers/mduit/published.ts (pass it to `show.results` with
 *    `dataset: { name: result.dataset.name, substitute: result.dataset.substitute }`);
 *  - `replicates`: per row, each replicate's seed, metrics and per-query hits;
 *  - `rows`: per row (replicate 0), steps, training seconds, median pose errors (day, night);
 *  - `gridPng` (PNG bytes) and `grid` (the model, source and target conditions): Fig. 3;
 *  - `translationQuality`: per (source, target) domain pair and method (MDUIT, colour transfer,
 *    untranslated source, target image), L1 / PSNR / structure against the true target render and
 *    the domain classifier's accuracy, plus the classifier's accuracy on real renders; null on
 *    RobotCar Seasons (no true targets) or without an I2I row;
 *  - `lossHistory`: per row, every training step's loss (and Eq. 6's terms for MDUIT rows);
 *  - `dataset`, `config`, `timings`.
 * Same seed, same backend → same numbers (every draw goes through the seeded generator).
 */
export async function runMduitStudy(o: MduitStudyOptions): Promise<MduitStudyResult> {
  const t0 = performance.now();
  const seed = o.seed ?? 1;
  const seeds = replicateSeeds(seed, replicateCount(o.profile, o.replicates));
  const c = mduitStudyConfig(o.profile, o.overrides);
  const rows = o.rows ?? MDUIT_ROW_IDS;
  for (const r of rows) if (!(r in MDUIT_ROWS)) throw new CvglError(`rows: Table 1 experiment ids (${MDUIT_ROW_IDS.join(', ')})`, `'${r}'`, 'leave rows out for all five');
  if (o.profile === 'paper' && !o.vgg16Weights && !o.allowRandomInit) {
    throw new CvglError(
      "profile 'paper': ImageNet VGG16 weights in vgg16Weights (E_a reads 'the pre-trained VGG-16 network', paper 004 Sec. 2.1; NetVLAD's backbone too)",
      'no vgg16Weights',
      `pass vgg16Weights: ${IMAGENET_RECIPE}; or allowRandomInit: true to start them from random weights (not the paper's run, marked in the results)`,
    );
  }
  if (o.vgg16Weights && !existsSync(o.vgg16Weights)) throw new CvglError(`the VGG16 weights vgg16Weights = ${o.vgg16Weights}`, 'no such file or folder', `give a local file: ${IMAGENET_RECIPE}`);
  const report = (p: MduitStudyProgress) => {
    if (o.signal?.aborted) throw new CvglError('the MDUIT study to run to the end', `stopped by its AbortSignal (${p.phase}${p.row ? `, ${MDUIT_ROWS[p.row].label}` : ''}${p.step ? `, step ${p.step}` : ''})`, 'run it again without aborting, or with a smaller profile');
    o.onProgress?.(p);
  };
  const since = (t: number) => (performance.now() - t) / 1000;

  // ---------------------------------------------------------------- data
  let t = performance.now();
  const set = await openData(o, c, seed, (message) => report({ phase: 'data', message }));
  record(set);
  const load = (ims: PosedImage[], what: string) =>
    loadImageBank(ims.map((i) => i.path), c.height, c.width, { onProgress: (done, total) => (done === total || done % 500 === 0) && report({ phase: 'data', message: `${what}: ${done}/${total} images decoded` }) });
  const train = await load(set.training, 'training images');
  const refs = await load(set.references, 'references');
  const queries = { day: await load(set.queries.day, 'day queries'), night: await load(set.queries.night, 'night queries') };
  const conditions = set.conditions;
  const images = { bank: train, records: set.training, domain: Int32Array.from(set.training.map((r) => conditions.indexOf(r.condition))), conditions };
  const timings: MduitStudyResult['timings'] = { data: since(t), train: {}, evaluate: 0, grid: 0, quality: 0, total: 0 };
  report({ phase: 'data', message: `${set.references.length} references, ${set.queries.day.length} day and ${set.queries.night.length} night queries, ${set.training.length} training images (${conditions.join(', ')})` });

  const replicates: ReplicateResults = {};
  const rowResults: MduitStudyResult['rows'] = {};
  const lossHistory: MduitStudyResult['lossHistory'] = {};
  const keep = new Map<MduitRowId, Mduit>();
  try {
    // replicate by replicate: replicate 0 (the base seed) is the run the figures show
    for (const [ri, rs] of seeds.entries()) for (const id of rows) {
      const spec = MDUIT_ROWS[id];
      // messages say the seed when there are several replicates
      const label = seeds.length > 1 ? `${spec.label} (seed ${rs})` : spec.label;
      t = performance.now();
      let embed: (x: tf.Tensor4D) => tf.Tensor2D;
      let dispose: () => void;
      let steps: number;
      let rowNotes: string[] = [];
      if (spec.variant === null) {
        // NetVLAD on the posed images of the reference condition
        const dayIdx = set.training.map((r, i) => (r.condition === set.referenceCondition && r.pose ? i : -1)).filter((i) => i >= 0);
        const per = train.height * train.width * 3;
        const dayBank: ImageBank = { n: dayIdx.length, height: train.height, width: train.width, data: new Uint8Array(dayIdx.length * per) };
        dayIdx.forEach((i, k) => dayBank.data.set(train.data.subarray(i * per, (i + 1) * per), k * per));
        const total = c.netvlad.epochs * (c.netvlad.stepsPerEpoch ?? Math.floor(dayIdx.length / c.netvlad.batchSize));
        const r = await trainNetVlad(dayBank, dayIdx.map((i) => set.training[i]!), { ...c.netvlad, seed: rs + 100, ...(o.vgg16Weights ? { vgg16Weights: o.vgg16Weights } : {}) }, {
          onEpoch: (_, what) => report({ phase: 'train', row: id, seed: rs, steps: total, message: `${label}: ${what}` }),
          onStep: (s) => report({ phase: 'train', row: id, seed: rs, step: s.step + 1, steps: total, loss: s.loss, message: `${label}: step ${s.step + 1}/${total}, triplet loss ${s.loss.toFixed(4)}` }),
        });
        if (ri === 0) lossHistory[id] = r.history.map((h) => ({ step: h.step, epoch: h.epoch, lr: c.netvlad.lr, loss: h.loss }));
        embed = (x) => r.model.embedImages(x);
        dispose = () => r.model.dispose();
        steps = r.steps;
        rowNotes = r.notes;
      } else {
        const base = spec.variant === 'full' || spec.variant === 'woNce' ? c.i2iTraining : c.plainTraining;
        const total = base.epochs * (base.stepsPerEpoch ?? Math.floor(train.n / base.batchSize));
        const r = await trainMduit(images, { ...base, model: c.model, variant: spec.variant, seed: rs + 200 + MDUIT_ROW_IDS.indexOf(id), ...(o.vgg16Weights ? { vgg16Weights: o.vgg16Weights } : {}) }, {
          name: `mduit_${spec.variant}`,
          onEpoch: (_, what) => report({ phase: 'train', row: id, seed: rs, steps: total, message: `${label}: ${what}` }),
          onStep: (s) => report({ phase: 'train', row: id, seed: rs, step: s.step + 1, steps: total, loss: s.generator, message: `${label}: step ${s.step + 1}/${total}, loss ${s.generator.toFixed(3)}` }),
        });
        if (ri === 0) lossHistory[id] = r.history.map((h) => ({ step: h.step, epoch: h.epoch, lr: h.lr, loss: h.generator, ...(Number.isFinite(h.discriminator) ? { discriminator: h.discriminator } : {}), terms: h.terms }));
        embed = (x) => r.model.embedImages(x);
        steps = r.steps;
        rowNotes = r.notes;
        if (ri === 0 && (spec.variant === 'full' || spec.variant === 'woNce')) {
          keep.set(id, r.model);
          dispose = () => {};
        } else dispose = () => r.model.dispose();
      }
      const trainSeconds = since(t);
      timings.train[id] = (timings.train[id] ?? 0) + trainSeconds;
      t = performance.now();
      report({ phase: 'evaluate', row: id, seed: rs, message: `${label}: localizing ${queries.day.n} day and ${queries.night.n} night queries` });
      let res: Awaited<ReturnType<typeof localize>>;
      try {
        res = await localize(embed, refs, queries, set);
      } finally {
        dispose();
      }
      timings.evaluate += since(t);
      const metrics: Record<string, number> = {};
      const perQuery: Record<string, number[]> = {};
      for (const g of ['day', 'night'] as const) {
        for (const [k, v] of Object.entries(res[g].accuracy)) metrics[`${g}_${k}`] = v;
        for (const [k, v] of Object.entries(hitsOf(res[g].errors))) perQuery[`${g}_${k}`] = v;
      }
      const rep = (replicates[id] ??= { seeds: [], perQuery: {}, metrics: [] });
      rep.seeds.push(rs);
      rep.metrics.push(metrics);
      for (const [k, v] of Object.entries(perQuery)) (rep.perQuery![k] ??= []).push(v);
      if (ri === 0) rowResults[id] = { label: spec.label, notes: rowNotes, steps, seconds: trainSeconds, median: { day: res.day.median, night: res.night.median } };
    }
    const localization: MduitStudyResult['localization'] = Object.fromEntries(rows.map((id) => [id, meanMetrics(replicates[id]!.metrics)]));

    // ------------------------------------------------------------- Fig. 3 grid, translation quality
    const gridId = (['mduit.table1.full', 'mduit.table1.woNce'] as const).find((id) => keep.has(id));
    let gridPng: Uint8Array | null = null, grid: MduitStudyResult['grid'] = null, quality: TranslationQuality | null = null;
    if (gridId) {
      const model = keep.get(gridId)!;
      t = performance.now();
      report({ phase: 'grid', message: `translation grid (Fig. 3) of ${MDUIT_ROWS[gridId].label}` });
      const rng = new Rng(seed + 7);
      // sources: test queries of different conditions (held out from training); targets: one training image per condition
      const pool = [...set.queries.day, ...set.queries.night];
      const srcRecs = conditions.map((cond) => pool.filter((q) => q.condition === cond)).filter((a) => a.length).map((a) => a[rng.int(a.length)]!).slice(0, c.gridSources);
      const tgtIdx = conditions.map((cond) => set.training.map((r, i) => (r.condition === cond ? i : -1)).filter((i) => i >= 0)).filter((a) => a.length).map((a) => a[rng.int(a.length)]!);
      const srcBank = await loadImageBank(srcRecs.map((r) => r.path), c.height, c.width);
      const sources = bankBatch(srcBank, srcRecs.map((_, i) => i)), targets = bankBatch(train, tgtIdx);
      try {
        gridPng = await translationGridPng(model, sources, targets, { columnLabels: tgtIdx.map((i) => set.training[i]!.condition), rowLabels: srcRecs.map((r) => r.condition) });
      } finally {
        tf.dispose([sources, targets]);
      }
      grid = { model: gridId, sources: srcRecs.map((r) => r.condition), targets: tgtIdx.map((i) => set.training[i]!.condition) };
      timings.grid = since(t);

      if (set.truth && c.qualityPoses > 0) {
        t = performance.now();
        report({ phase: 'quality', message: `translation quality against true target renders (${MDUIT_ROWS[gridId].label})` });
        const poseIds = [...set.truth.keys()].filter((p) => conditions.every((d) => set.truth!.get(p)!.has(d)));
        const chosen = rng.shuffle(poseIds).slice(0, c.qualityPoses);
        const truthRecs = chosen.flatMap((p) => conditions.map((d) => set.truth!.get(p)!.get(d)!));
        const truthBank = await loadImageBank(truthRecs.map((r) => r.path), c.height, c.width);
        const cases: TruthCase[] = chosen.map((_, k) => ({ renders: new Map(conditions.map((d, j) => [d, bankImage(truthBank, k * conditions.length + j)])) }));
        const feats = Array.from({ length: train.n }, (_, i) => domainFeatures(bankImage(train, i), c.height, c.width));
        const classifier = trainDomainClassifier(feats, Array.from(images.domain), conditions.length);
        const appearance = new Map(conditions.map((d, di) => [d, Array.from({ length: train.n }, (_, i) => i).filter((i) => images.domain[i] === di).map((i) => bankImage(train, i))]));
        quality = await translationQuality((s, g) => model.translate(s, g), cases, appearance, { model: classifier, domains: conditions, trainedOn: train.n }, c.height, c.width, seed + 11);
        timings.quality = since(t);
      }
    }
    timings.total = since(t0);
    report({ phase: 'done', message: `MDUIT study (${o.profile}) done in ${timings.total.toFixed(1)} s` });
    return {
      profile: o.profile,
      seed,
      config: c,
      dataset: {
        kind: set.kind,
        name: set.kind === 'synthetic' ? 'synthetic multi-domain localization set' : 'RobotCar Seasons (v2 training queries)',
        root: set.root,
        substitute: set.kind === 'synthetic',
        references: set.references.length,
        queries: { day: set.queries.day.length, night: set.queries.night.length },
        training: set.training.length,
        conditions,
        notes: set.notes,
      },
      localization,
      replicates,
      // E_a's and NetVLAD's VGG16: the paper's are pre-trained on ImageNet (rows without translation have no E_a)
      init: Object.fromEntries(Object.keys(localization).map((id) => {
        const vgg = rowResults[id]?.notes.filter((n) => /VGG16/.test(n)) ?? [];
        return [id, vgg.length === 0 ? 'random init (as the paper)' : vgg.every((n) => /tensors from/.test(n)) ? 'ImageNet (file)' : 'random init, paper starts from ImageNet'];
      })),
      rows: rowResults,
      gridPng,
      grid,
      translationQuality: quality,
      lossHistory,
      timings,
    };
  } finally {
    for (const m of keep.values()) m.dispose();
  }
}
