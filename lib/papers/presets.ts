/**
 * Training presets: one config per experiment row of a paper, named as the row is
 * (`cvft.table1.full`, `mgtl.table4.l3`, `geocapsnet.table3.iiSoftTriHard`, …), with where each
 * setting comes from and what the paper leaves open (`assumptions`); each paper's rows are in
 * lib/papers/<paper>/presets.ts. `quick.<model>` presets (here: every paper's quick and smoke
 * profiles read them) train narrow models on small images of the synthetic set in minutes on a CPU.
 *
 * A notebook writes `presets.cvft.table1.full`; the CLI `--preset cvft.table1.full`.
 */
import { CvglError } from '../engine/errors.js';
import { cloneConfig, type TrainConfig } from '../train/config.js';
import { quickPreset } from '../train/quick_presets.js';
import type { PresetRows as Rows, PresetTree as Tree } from './types.js';
import { CVFT_PRESETS } from './cvft/presets.js';
import { GEOCAPSNET_PRESETS } from './geocapsnet/presets.js';
import { MGTL_PRESETS } from './mgtl/presets.js';
import { THESIS_PRESETS, thesisSettingInit } from './thesis/presets.js';

export { thesisSettingInit };

export const presets = {
  // quick size, from each model's record (lib/models): the rows `cvgl quicktrain` also trains with
  quick: {
    'siamese-vgg': quickPreset('siamese-vgg'),
    safa: quickPreset('safa'),
    cvft: quickPreset('cvft'),
    mgtl: quickPreset('mgtl'),
    'geocapsnet-i': quickPreset('geocapsnet-i'),
    'geocapsnet-ii': quickPreset('geocapsnet-ii'),
    'unified-moco': quickPreset('unified-moco'),
  },
  cvft: CVFT_PRESETS,
  mgtl: MGTL_PRESETS,
  geocapsnet: GEOCAPSNET_PRESETS,
  thesis: THESIS_PRESETS,
} satisfies Tree;

function flatten(t: Tree | Rows, prefix: string, out: Map<string, TrainConfig>): Map<string, TrainConfig> {
  for (const [k, v] of Object.entries(t)) {
    const name = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && 'model' in v && 'optimizer' in v) out.set(name, v as TrainConfig);
    else flatten(v as Tree, name, out);
  }
  return out;
}

/** Every preset by its dotted name. */
export const PRESET_NAMES: readonly string[] = [...flatten(presets, '', new Map()).keys()];

/** A copy of the preset `name` (e.g. 'cvft.table1.full'); a CvglError listing the names if unknown. */
export function getPreset(name: string): TrainConfig {
  const c = flatten(presets, '', new Map()).get(name);
  if (!c) {
    const near = PRESET_NAMES.filter((n) => n.startsWith(name.split('.')[0] ?? '')).slice(0, 12);
    throw new CvglError('a preset name', `'${name}'`, `one of: ${(near.length ? near : PRESET_NAMES).join(', ')}${near.length && near.length < PRESET_NAMES.length ? ' (cvgl train --list-presets for all)' : ''}`);
  }
  return cloneConfig(c);
}
