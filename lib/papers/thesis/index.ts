/**
 * The thesis (003, "Improving Cross-View Matching with Self-Supervised Learning"): what
 * notebooks/ssl-crossview.ipynb imports beside the library (lib/index.ts) — Table 3.1's settings,
 * the downstream rows, the published numbers and their tables, the claims, and the study that
 * pre-trains and trains the matrix.
 */
export { THESIS_NUMBERS, THESIS_SETTINGS } from './published.js';
export { THESIS_CLAIMS } from './claims.js';
export { THESIS_PRESETS, thesisSettingInit } from './presets.js';
export { thesisTable, thesisReadingsTable, publishedUniformity, type ThesisTableSpec } from './tables.js';
export { THESIS_READINGS } from './readings.js';
export {
  runThesisStudy, thesisMatrix, thesisConfig, thesisRun, resolveThesisInits, initialSnapshot, ensureThesisWorlds, thesisDatasetOf,
  THESIS_SIZES, THESIS_WORLDS, SMOKE_ROWS, THESIS_RECALL_CONVENTION, type ThesisDataset, type ThesisStudyOptions, type ThesisStudyResult, type PretrainedWeights,
} from './study.js';
export { experimentRow, publishedValue } from '../published.js';
export { profileConfig } from '../study.js';
export { readingsUsed } from '../readings.js';
