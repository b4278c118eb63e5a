/**
 * GeoCapsNet (001, "Aerial to Ground View Image Geo-Localization Using Capsule Network"): what
 * notebooks/geocapsnet.ipynb imports beside the library (lib/index.ts) — the experiment rows, the
 * published numbers and model sizes, the claims, and the study that runs the rows.
 */
export { GEOCAPSNET_NUMBERS, GEOCAPSNET_PUBLISHED } from './published.js';
export { GEOCAPSNET_CLAIMS } from './claims.js';
export { GEOCAPSNET_PRESETS } from './presets.js';
export { experimentRow, publishedValue } from '../published.js';
export { profileConfig, runStudy } from '../study.js';
export { readingsUsed } from '../readings.js';
