/**
 * The library's entry: what scripts and notebooks import, layer by layer (engine, data, synth,
 * nn, models, losses, eval, train, bench). A paper's rows, published numbers, claims and study are
 * in its own entry, lib/papers/<paper>/index.ts, which its notebook imports beside this one.
 *
 * The runner and renderer (lib/report/runner, lib/report/render, lib/report/build.ts) are not
 * re-exported here: notebooks load this file through tsx's CommonJS hook, and the renderer's
 * dependencies (vega, puppeteer) cannot be required that way. Import them from their files.
 */
// engine: backends, errors, seeded RNG, device, progress
export * from './engine/index.js';
export { progressBar } from './engine/progress.js';
// data: readers, checker, transforms, augmentation, pipeline, localization sets
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
export { vigorCityOf } from './data/vigor.js';
export { poseError, type Pose, type PosedImage, type LocalizationSet } from './data/localization.js';
export { readRobotCarSeasons, isRobotCarSeasons } from './data/robotcar_seasons.js';
// synth: the procedural cross-view world
export { World, CITY_STYLES, type CityStyle } from './synth/world.js';
export { LocalScene } from './synth/scene.js';
export { DOMAINS, DOMAIN_NAMES, type Domain, type DomainName } from './synth/domains.js';
export { renderAerial, type AerialOptions } from './synth/aerial.js';
export { renderPanorama, type PanoramaOptions } from './synth/panorama.js';
export { generateSynthetic, ensureSynthetic, readSynthManifest, SYNTH_DEFAULTS, DEFAULT_SYNTHETIC_DIR, type SynthOptions, type SynthManifest } from './synth/generate.js';
export { writePairSheet } from './synth/preview.js';
export { generateSynthLocalization, ensureSynthLocalization, readSynthLocalization, SYNTH_LOCALIZATION_DEFAULTS } from './synth/localization.js';
// nn: the layers models share
export * from './nn/index.js';
// models: the architectures, their registry, weights
export type { CrossViewModel, Embeddings } from './models/model.js';
export { Vgg16, VGG16_CFG, vgg16Cfg, vgg16Layers, vgg16ConvMacs, type Vgg16Cut, type Vgg16LayerSpec, type Vgg16Options } from './models/vgg16.js';
export { SiameseVgg, siameseVggParamCount, siameseVggForwardMacs, type SiameseVggOptions } from './models/siamese_vgg.js';
export { Safa, type SafaOptions } from './models/safa.js';
export { Cvft, CVFT_VARIANTS, type CvftOptions, type CvftVariant } from './models/cvft.js';
export { sinkhorn, sinkhornLog } from './models/sinkhorn.js';
export { Mgtl, mgtlLoss, mgtlParamCount, mgtlForwardMacs, type MgtlOptions } from './models/mgtl.js';
export { GeoCapsNet, geoCapsNetParamCount, squash, dynamicRouting, SQUASH_FORMS, type SquashForm, type GeoCapsNetOptions, type GeoCapsNetVariant } from './models/geocapsnet.js';
export { ResNetX } from './models/resnetx.js';
export { Mduit, MDUIT_DEFAULTS, type MduitOptions } from './models/mduit.js';
export { dynamicGroupConv2d } from './models/adaptive_conv.js';
export { NetVlad, netvladLayer, netvladTripletLoss, type NetVladOptions } from './models/netvlad.js';
export { MoCo, type MoCoOptions } from './models/moco.js';
export { UnifiedMoCo, type UnifiedMoCoOptions } from './models/unified_moco.js';
export { MODEL_NAMES, modelFacts, quickModel, buildModel, type ModelName, type ModelFacts } from './models/registry.js';
export { loadVgg16Weights, exportVgg16Safetensors, type Vgg16ImportOptions, type Vgg16ImportReport } from './models/weight_import.js';
export { readSafetensors, writeSafetensors, openSafetensors } from './models/safetensors.js';
// losses
export { pairwiseDistances, softTripletThesis, softMarginTripletExhaustive, softTriHard, softplus } from './losses/triplet.js';
export { uniformityLoss } from './losses/uniformity.js';
export { MDUIT_LOSS_WEIGHTS, MDUIT_TAU, MDUIT_N_NEG, MDUIT_MARGIN_C, nceLoss, contentConsistency, appearanceConsistency, imageAdversarialD, appearanceAdversarialD, adversarialG, mduitObjective } from './losses/mduit.js';
// eval: embeddings, recall at scale, distance recall, uniformity, t-SNE, vMF KDE, heat maps, localization,
// paired comparisons of two rows and their verdicts
export { evaluateRecall, summarizeRanks, onePercentK, type RecallResult, type RecallOptions, type Descriptors, type DescriptorArray, type Metric } from './eval/recall.js';
export { distanceRecall, type DistanceRecallOptions, type DistanceRecallResult } from './eval/distance_recall.js';
export { uniformityMetric, type UniformityOptions, type UniformityResult } from './eval/uniformity.js';
export { tsne, tsneSync, trustworthiness, type TsneOptions, type TsneResult } from './eval/tsne.js';
export { projectToCircle, circleAngles } from './eval/circle.js';
export { vmfKde, vonMisesPdf, DEFAULT_KAPPA, type VmfKde, type VmfKdeOptions } from './eval/vmf_kde.js';
export { localizationHeatmap, writeHeatmapPng, type Heatmap, type HeatmapPoint } from './eval/heatmap.js';
export { extractEmbeddings, isOneToOne, type SplitEmbeddings, type ViewSizes } from './eval/embeddings.js';
export { retrievalFigure, nearestReferences } from './eval/retrieval_figure.js';
export { featureMaps, featureMapFigure, channelMean, type FeatureMap, type PairFeatureMaps } from './eval/feature_maps.js';
export { splitRecall, recallSummary, embeddingUniformity, type RecallSummary } from './eval/evaluate.js';
export { featureSnapshot, type FeatureSnapshot, type FeatureSnapshotOptions } from './eval/feature_snapshot.js';
export { featureMapPanels, writeFeatureMapSheet, type FeatureMapPanel } from './eval/feature_overlay.js';
export { localizationAccuracy, retrieveTop1, TABLE1_THRESHOLDS } from './eval/localization.js';
export { translationGridPng } from './eval/translation_grid.js';
export { translationQuality, type TranslationQuality } from './eval/translation_quality.js';
export { comparePaired, compareRecall, recallHits, minimumDetectableEffect, normalQuantile, DEFAULT_RESAMPLES, DEFAULT_BOOTSTRAP_SEED, type PairedComparison, type PairedBootstrapOptions, type Direction } from './eval/paired_bootstrap.js';
export { verdictOf, combineVerdicts, exactVerdict, type Verdict, type VerdictResult } from './eval/verdict.js';
// train: configs, optimizers, schedules, checkpoints, the trainer, profiles and studies (given a
// paper's rows: lib/papers/<paper>/index.ts binds them), MoCo pre-training, MDUIT and quick runs
export { validateConfig, LOSS_KINDS, INIT_SOURCES, type InitSource, type TrainConfig, type LossConfig, type DataConfig, type ModelSpec } from './train/config.js';
export { createOptimizer, type Optimizer, type OptimizerConfig } from './train/optimizers.js';
export { scheduleFactor, type ScheduleConfig } from './train/schedules.js';
export { saveCheckpoint, loadCheckpoint, restoreModel, type CheckpointState, type EvalRecord } from './train/checkpoint.js';
export { train, runDir, type TrainOptions, type TrainResult, type StepRecord } from './train/trainer.js';
export { buildObjective } from './train/objective.js';
export { profileConfig, PROFILES, isProfile, type ProfileName, type ProfileOptions, type PresetLookup } from './train/profiles.js';
export { runStudy, recallPercent, type StudyOptions, type StudyRun, type StudyResult, type ReproducedResults } from './train/study.js';
export { pretrain, getPretrainPreset, pretrainPresets, PRETRAIN_PRESET_NAMES, type PretrainConfig, type PretrainResult } from './train/pretrain.js';
export { mduitStep, MDUIT_VARIANTS, type MduitVariant, type MduitBatch } from './train/mduit_step.js';
export { trainMduit, MDUIT_POSE_THRESHOLDS, type MduitTrainConfig } from './train/mduit_train.js';
export { quickTrain, type QuickTrainOptions, type QuickTrainResult } from './train/quick_train.js';
// bench: the training-step and recall benchmarks
export { benchSiameseStep, stepFlops, FULL_SHAPE, QUICK_SHAPE, type StepShape, type StepBenchResult } from './bench/siamese_step.js';
export { runBench, benchTable, type BenchReport, type BenchOptions } from './bench/run.js';
export { runRecallBench, recallBenchTable, type RecallBenchReport } from './bench/recall.js';
