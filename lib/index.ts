/** The public API of the workbench: what notebooks and scripts import. */
export * from './engine/index.js';
export { Vgg16, VGG16_CFG, vgg16Cfg, vgg16Layers, vgg16ConvMacs, type Vgg16Cut, type Vgg16LayerSpec, type Vgg16Options } from './models/vgg16.js';
export { SiameseVgg, siameseVggParamCount, siameseVggForwardMacs, type SiameseVggOptions } from './models/siamese_vgg.js';
export { pairwiseDistances, softTripletThesis } from './losses/triplet.js';
export { benchSiameseStep, stepFlops, FULL_SHAPE, QUICK_SHAPE, type StepShape, type StepBenchResult } from './bench/siamese_step.js';
export { runBench, benchTable, type BenchReport, type BenchOptions } from './bench/run.js';
