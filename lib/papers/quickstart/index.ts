/**
 * The quick start: what notebooks/00-quickstart.ipynb imports beside the library (lib/index.ts) —
 * the quick presets at a profile, and the quick-start report `cvgl report --quickstart` writes.
 */
export { presets, getPreset, PRESET_NAMES } from '../presets.js';
export { profileConfig } from '../study.js';
export { writeQuickstartReport, type QuickstartOptions } from './report.js';
