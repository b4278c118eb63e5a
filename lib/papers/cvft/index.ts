/**
 * CVFT (002, "Optimal Feature Transport for Cross-View Image Geo-Localization"): what
 * notebooks/cvft.ipynb imports beside the library (lib/index.ts) — the experiment rows, the
 * published numbers, the claims, and the study that trains and evaluates the rows.
 */
export { CVFT_NUMBERS } from './published.js';
export { CVFT_CLAIMS } from './claims.js';
export { CVFT_PRESETS } from './presets.js';
export { experimentRow, publishedValue } from '../published.js';
export { profileConfig, runStudy } from '../study.js';
export { readingsUsed } from '../readings.js';
