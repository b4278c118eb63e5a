/**
 * MDUIT (004, "Multi-Domain Unsupervised Image-to-Image Translation with Appearance Adaptive
 * Convolution"): what notebooks/mduit.ipynb imports beside the library (lib/index.ts) — Table 1's
 * rows and the profiles' sizes, the published numbers, the claims, and the study that runs them.
 */
export { MDUIT_NUMBERS } from './published.js';
export { MDUIT_CLAIMS } from './claims.js';
export { MDUIT_PROFILES, MDUIT_PROFILE_NAMES, MDUIT_ROWS, MDUIT_ROW_IDS, type MduitStudyConfig, type MduitProfile, type MduitRowId } from './presets.js';
export { runMduitStudy, mduitStudyConfig, mduitDefaultDataDir, type MduitStudyOptions, type MduitStudyResult, type MduitStudyProgress, type MduitRowResult } from './study.js';
export { experimentRow, publishedValue } from '../published.js';
export { mduitReadingsUsed } from './readings.js';
