/**
 * Layers the models share (lib/nn imports only from lib/engine): parameters and initialisers,
 * dense and convolution layers, norms, activations, L2 normalisation, pooling, resizing,
 * grid sampling and spatial transformers.
 */
export { param } from './param.js';
export { initWeight, initBias, truncatedNormal, TORCH_DEFAULT, GLOROT_UNIFORM, type WeightInit, type Fans } from './init.js';
export { dense, densePerPosition, denseLayer, type DenseLayer, type DenseWeights } from './dense.js';
export { conv, convLayer, type ConvLayer, type ConvWeights } from './conv.js';
export { layerNorm, instanceNorm } from './norm.js';
export { gelu } from './activations.js';
export { l2Normalize, l2NormalizeRows, L2_EPS } from './l2.js';
export { gemPool } from './pool.js';
export { areaWeights, bilinearWeights, resizeArea, resizeMaps, resizeMatrix, resizeWeights, resizeBilinearTf1, upsample2x, type ResizeKind } from './resize.js';
export { normCoord, bilinearSamplingMatrix, sampleFeatureMap } from './grid_sample.js';
export { solveLinearSystem } from './linear_solve.js';
export { affineTransform, tpsControlPoints, tpsMatrix, tpsTransform } from './spatial_transformer.js';
