/**
 * MGTL (000, "Mutual Generative Transformer Learning for Cross-View Geo-Localization"): what
 * notebooks/mgtl.ipynb imports beside the library (lib/index.ts) — the experiment rows, the
 * published numbers and model sizes, the claims, and the study that runs the rows.
 */
export { MGTL_NUMBERS, MGTL_PUBLISHED } from './published.js';
export { MGTL_CLAIMS } from './claims.js';
export { MGTL_PRESETS } from './presets.js';
export { experimentRow, publishedValue, PUBLISHED } from '../published.js';
export { profileConfig, runStudy } from '../study.js';
export { readingsUsed } from '../readings.js';
