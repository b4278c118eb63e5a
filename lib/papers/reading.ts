/**
 * A reading: one choice where a paper is ambiguous, incomplete or contradicts itself, with the
 * paper's words, the options the library offers, the default and the evidence for it. Each paper
 * keeps its register in lib/papers/<paper>/readings.ts; docs/papers/readings.md and every report
 * page show them (the page: the option its runs used).
 */
import type { TrainConfig } from '../train/config.js';

export interface ReadingOption {
  /** Short name, e.g. 'pre-ln-ffn', 'literal'. */
  name: string;
  /** What the option does, in a sentence. */
  meaning: string;
}

export interface Reading {
  /** '<paper>.<topic>', e.g. 'mgtl.gkst-block'. */
  id: string;
  /** A few words, e.g. 'GKST block (Eq. 5)'. */
  topic: string;
  /** The paper's words, quoted as printed (or a faithful excerpt). */
  paperSays: string;
  /** Where: section, equation, table, line, e.g. 'Sec. 4.1, Eq. 5'. */
  where: string;
  options: ReadingOption[];
  /** The name of the option used by default. */
  defaultOption: string;
  /** Why the default: counts, the released code, the cited work, measurements. */
  evidence: string;
  /** The config setting that chooses, e.g. 'model.options.block'; absent: fixed in the code. */
  selectedBy?: string;
  /** The option a run with this config used (undefined: the reading does not apply to that run). */
  usedBy?: (config: TrainConfig) => string | undefined;
}
