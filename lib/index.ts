/** The public API of the workbench: what notebooks and scripts import. */
export * from './engine/index.js';
export { Vgg16, VGG16_CFG, vgg16Cfg, vgg16Layers, vgg16ConvMacs, type Vgg16Cut, type Vgg16LayerSpec, type Vgg16Options } from './models/vgg16.js';
export { SiameseVgg, siameseVggParamCount, siameseVggForwardMacs, type SiameseVggOptions } from './models/siamese_vgg.js';
export { pairwiseDistances, softTripletThesis } from './losses/triplet.js';
export { benchSiameseStep, stepFlops, FULL_SHAPE, QUICK_SHAPE, type StepShape, type StepBenchResult } from './bench/siamese_step.js';
export { runBench, benchTable, type BenchReport, type BenchOptions } from './bench/run.js';
// data: readers, checker, transforms, augmentation, pipeline
export type { CrossViewDataset, DatasetSplit, PairRecord, DatasetFormat } from './data/dataset.js';
export { limitSplit } from './data/dataset.js';
export type { RgbImage, FloatImage } from './data/image.js';
export { toFloat, toRgb } from './data/image.js';
export { openDataset, detectFormat, DATASET_FORMATS, type OpenDatasetOptions } from './data/readers.js';
export { checkDataset, formatCheckReport, type CheckReport, type CheckProblem } from './data/check.js';
export { readMat, matStrings, matNumbers, matField, type MatValue } from './data/matfile.js';
export { decodeImage, encodeImage } from './data/image_io.js';
export { polarGrid, polarTransform, polarTransformImage, type PolarGrid } from './data/polar.js';
export { augment, augmentPair, MOCO_V2, type AugmentOptions, type PairOptions, type AugmentedPair } from './data/augment.js';
export { PairPipeline, type PipelineOptions, type PairBatch } from './data/pipeline.js';
export { epochBatches, exclusiveBatches, SAMPLERS, type SamplerName } from './data/samplers.js';
// synth: the procedural cross-view world
export { World, CITY_STYLES, type CityStyle } from './synth/world.js';
export { LocalScene } from './synth/scene.js';
export { DOMAINS, DOMAIN_NAMES, type Domain, type DomainName } from './synth/domains.js';
export { renderAerial, type AerialOptions } from './synth/aerial.js';
export { renderPanorama, type PanoramaOptions } from './synth/panorama.js';
export { generateSynthetic, ensureSynthetic, readSynthManifest, SYNTH_DEFAULTS, type SynthOptions, type SynthManifest } from './synth/generate.js';
export { writePairSheet } from './synth/preview.js';
export { DEFAULT_SYNTHETIC_DIR } from './report/quickstart.js';
export { progressBar } from './engine/progress.js';
// models and losses
export type { CrossViewModel, Embeddings } from './models/model.js';
export { Safa, type SafaOptions } from './models/safa.js';
export { Cvft, CVFT_VARIANTS, type CvftOptions, type CvftVariant } from './models/cvft.js';
export { sinkhorn, sinkhornLog } from './models/sinkhorn.js';
export { MODEL_NAMES, modelFacts, quickModel, type ModelName, type ModelFacts } from './models/registry.js';
export { softMarginTripletExhaustive, softTriHard, softplus } from './losses/triplet.js';
export { l2NormalizeRows } from './nn/l2.js';
export { quickRun, type QuickRunOptions, type QuickRunResult } from './train/quick_run.js';
export { loadVgg16Weights, exportVgg16Safetensors, type Vgg16ImportOptions, type Vgg16ImportReport } from './models/weight_import.js';
export { readSafetensors, writeSafetensors, openSafetensors } from './models/safetensors.js';
export { Mgtl, mgtlLoss, mgtlParamCount, mgtlForwardMacs, type MgtlOptions } from './models/mgtl.js';
export { MGTL_PUBLISHED } from './report/papers/mgtl.js';
export { GEOCAPSNET_PUBLISHED } from './report/papers/geocapsnet.js';
export { GeoCapsNet, geoCapsNetParamCount, squash, dynamicRouting, type GeoCapsNetOptions, type GeoCapsNetVariant } from './models/geocapsnet.js';
export { ResNetX } from './models/resnetx.js';
// evaluation: embeddings, recall at scale, distance recall, uniformity, t-SNE, vMF KDE, heat maps
export { evaluateRecall, summarizeRanks, type RecallResult, type RecallOptions, type Descriptors, type DescriptorArray, type Metric } from './eval/recall.js';
export { distanceRecall, type DistanceRecallOptions, type DistanceRecallResult } from './eval/distance_recall.js';
export { uniformityMetric, type UniformityOptions, type UniformityResult } from './eval/uniformity.js';
export { uniformityLoss } from './losses/uniformity.js';
export { tsne, tsneSync, trustworthiness, type TsneOptions, type TsneResult } from './eval/tsne.js';
export { projectToCircle, circleAngles } from './eval/circle.js';
export { vmfKde, vonMisesPdf, DEFAULT_KAPPA, type VmfKde, type VmfKdeOptions } from './eval/vmf_kde.js';
export { localizationHeatmap, writeHeatmapPng, type Heatmap, type HeatmapPoint } from './eval/heatmap.js';
export { extractEmbeddings, isOneToOne, type SplitEmbeddings, type ViewSizes } from './eval/embeddings.js';
export { retrievalFigure, nearestReferences } from './eval/retrieval_figure.js';
export { featureMaps, featureMapFigure, channelMean, type FeatureMap, type PairFeatureMaps } from './eval/feature_maps.js';
export { splitRecall, recallSummary, type RecallSummary } from './eval/evaluate.js';
export { runRecallBench, recallBenchTable, type RecallBenchReport } from './bench/recall.js';
// training: configs, presets, optimizers, schedules, checkpoints, the trainer
export { validateConfig, LOSS_KINDS, type TrainConfig, type LossConfig, type DataConfig, type ModelSpec } from './train/config.js';
export { presets, getPreset, PRESET_NAMES } from './train/presets.js';
export { createOptimizer, type Optimizer, type OptimizerConfig } from './train/optimizers.js';
export { scheduleFactor, type ScheduleConfig } from './train/schedules.js';
export { saveCheckpoint, loadCheckpoint, restoreModel, type CheckpointState, type EvalRecord } from './train/checkpoint.js';
export { train, runDir, type TrainOptions, type TrainResult, type StepRecord } from './train/trainer.js';
export { buildObjective } from './train/objective.js';
export { profileConfig, PROFILES, isProfile, type ProfileName, type ProfileOptions } from './train/profiles.js';
export { runStudy, recallPercent, type StudyOptions, type StudyRun, type StudyResult } from './train/study.js';
export { buildModel } from './models/registry.js';
// MDUIT (paper 004): the model, its losses, the localization sets, the study a notebook runs
export { Mduit, MDUIT_DEFAULTS, type MduitOptions } from './models/mduit.js';
export { dynamicGroupConv2d } from './models/adaptive_conv.js';
export { NetVlad, netvladLayer, netvladTripletLoss, type NetVladOptions } from './models/netvlad.js';
export { MDUIT_LOSS_WEIGHTS, MDUIT_TAU, MDUIT_N_NEG, MDUIT_MARGIN_C, nceLoss, contentConsistency, appearanceConsistency, imageAdversarialD, appearanceAdversarialD, adversarialG, mduitObjective } from './losses/mduit.js';
export { mduitStep, MDUIT_VARIANTS, type MduitVariant, type MduitBatch } from './train/mduit_step.js';
export { trainMduit, MDUIT_POSE_THRESHOLDS, type MduitTrainConfig } from './train/mduit_train.js';
export { runMduitStudy, mduitStudyConfig, MDUIT_PROFILES, MDUIT_ROWS, MDUIT_ROW_IDS, type MduitStudyOptions, type MduitStudyResult, type MduitProfile, type MduitStudyProgress } from './train/mduit_study.js';
export { poseError, type Pose, type PosedImage, type LocalizationSet } from './data/localization.js';
export { readRobotCarSeasons, isRobotCarSeasons } from './data/robotcar_seasons.js';
export { generateSynthLocalization, ensureSynthLocalization, readSynthLocalization, SYNTH_LOCALIZATION_DEFAULTS } from './synth/localization.js';
export { localizationAccuracy, retrieveTop1, TABLE1_THRESHOLDS } from './eval/localization.js';
export { translationGridPng } from './eval/translation_grid.js';
export { translationQuality, type TranslationQuality } from './eval/translation_quality.js';
// reports: published numbers, claims, show.* for notebooks
export type { PublishedNumber, Claim, ClaimStatus, ReproducedResults, ResultsBundle, PaperKey, Provenance, NotebookRunStatus } from './report/types.js';
export { RESULTS_MIME } from './report/types.js';
export { PUBLISHED, PAPER_TITLES, publishedValue, experimentRow } from './report/papers/index.js';
export { recallCurvesSpec, scatterSpec, lossCurvesSpec, type CurveSeries } from './report/charts.js';
export { CLAIMS, evaluateClaims } from './report/claims.js';
export { show } from './report/show.js';
// The runner and renderer (lib/report/runner, lib/report/render, lib/report/build.ts) are not
// re-exported here: notebooks load this file through tsx's CommonJS hook, and the renderer's
// dependencies (vega, puppeteer) cannot be required that way. Import them from their files.
// the thesis (003): MoCo pre-training, the unified double MoCo, the experiment matrix as a study,
// feature-distribution snapshots (Figs. 4.3/4.4), feature maps (Fig. 6.2), its tables
export { MoCo, type MoCoOptions } from './models/moco.js';
export { UnifiedMoCo, type UnifiedMoCoOptions } from './models/unified_moco.js';
export { pretrain, getPretrainPreset, pretrainPresets, PRETRAIN_PRESET_NAMES, type PretrainConfig, type PretrainResult } from './train/pretrain.js';
export { INIT_SOURCES, type InitSource } from './train/config.js';
export { thesisSettingInit } from './train/presets.js';
export {
  runThesisStudy, thesisMatrix, thesisConfig, thesisRun, resolveThesisInits, initialSnapshot, ensureThesisWorlds, thesisDatasetOf,
  THESIS_SIZES, THESIS_WORLDS, SMOKE_ROWS, type ThesisStudyOptions, type ThesisStudyResult, type PretrainedWeights,
} from './train/thesis_study.js';
export { embeddingUniformity } from './eval/evaluate.js';
export { featureSnapshot, type FeatureSnapshot, type FeatureSnapshotOptions } from './eval/feature_snapshot.js';
export { featureMapPanels, writeFeatureMapSheet, type FeatureMapPanel } from './eval/feature_overlay.js';
export { vigorCityOf } from './data/vigor.js';
export { THESIS_NUMBERS, THESIS_SETTINGS } from './report/papers/thesis.js';
export { thesisTable, publishedUniformity } from './report/thesis_tables.js';
