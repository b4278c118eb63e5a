/**
 * Every paper at once, for what reads them all (the report builder, the CLI, tests): published
 * numbers and titles, claims, the presets tree, the study bound to it, and the shared types. A
 * notebook imports its own paper's entry (lib/papers/<paper>/index.ts) instead.
 */
export type { PaperKey, PublishedNumber, Claim, ClaimStatus, ReproducedResults, PresetRows, PresetTree } from './types.js';
export { PUBLISHED, PAPER_TITLES, publishedValue, experimentRow } from './published.js';
export { CLAIMS, REAL_ROWS } from './claims.js';
export { assessClaims, consistencyOf, publishedResults, verdictCounts, type ClaimAssessment, type PartEvidence } from './assess.js';
export { beats, decreasing, resultOf, RECALLS } from './claim.js';
export { presets, getPreset, PRESET_NAMES, thesisSettingInit } from './presets.js';
export { profileConfig, runStudy } from './study.js';
export { READINGS, readingsUsed, mduitReadingsUsed, type Reading, type ReadingOption, type ReadingsUsed } from './readings.js';
