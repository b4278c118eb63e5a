/** MGTL's register of readings (lib/papers/reading.ts): where the paper is ambiguous, what the library chose. */
import type { Reading } from '../reading.js';
import { branchInits } from '../../train/init_weights.js';

export const MGTL_READINGS: Reading[] = [
  // (issue 23 item 1) self-contained: keep at the end of the array
  {
    id: 'mgtl.init',
    topic: 'ImageNet initialisation of the VGG16s',
    paperSays: '"Following [6], we employ two independent VGG-16 [20] pre-trained on ImageNet [21] as the backbone"',
    where: 'Sec. 2.3 "Implementation Details" (line 111)',
    options: [
      { name: 'imagenet', meaning: 'both VGG16s start from a user-supplied ImageNet VGG16 file (cvgl train --imagenet FILE, init.ground / init.aerial; docs/data.md)' },
      { name: 'random', meaning: 'both start from random weights: refused on the paper profile unless allowRandomInit (--allow-random-init); always so on quick and smoke (narrow models); the report marks these runs' },
    ],
    defaultOption: 'imagenet',
    evidence: "Stated by the paper; nothing is downloaded at run time, so the file is the user's and a run without it is refused rather than silently another experiment (initFrom imagenet, lib/train/init_weights.ts).",
    selectedBy: 'init, allowRandomInit',
    usedBy: (c) => (c.model.name === 'mgtl' ? (branchInits(c).ground.used === 'file' ? 'imagenet' : 'random') : undefined),
  },
];
