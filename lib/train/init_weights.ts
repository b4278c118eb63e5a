/**
 * Where a run's backbones start from, decided before anything is loaded: the row's `initFrom`
 * (what its paper starts from, e.g. 'imagenet' for MGTL's and CVFT's VGG16s), the files in
 * `init`, and `allowRandomInit`. A branch whose paper starts from ImageNet weights needs the
 * file, or an explicit `allowRandomInit` (`cvgl train --allow-random-init`), which starts it from
 * random weights and is marked in what a study hands the report (`initNote`). Symbols of the
 * thesis' MoCo pre-trainings ('sat*', 'grd*', …) always need their file: a study makes it.
 */
import { existsSync } from 'node:fs';
import { CvglError } from '../engine/errors.js';
import type { InitSource, TrainConfig } from './config.js';

export const BRANCHES = ['ground', 'aerial'] as const;
export type Branch = (typeof BRANCHES)[number];

/** Where to get ImageNet VGG16 weights and how to convert them (the recipe's home). */
export const IMAGENET_RECIPE =
  "torchvision's vgg16-397923af.pth (torchvision.models.vgg16(weights='IMAGENET1K_V1')) converted once to " +
  "safetensors with the recipe in docs/data.md, 'Pretrained VGG16 weights' (or timm's vgg16.tv_in1k model.safetensors as it is)";

export interface BranchInit {
  /** What the row (its paper) starts from. */
  paper: InitSource;
  /** The weight file given, if any. */
  file?: string;
  /** What the run starts from: the file, or random weights. */
  used: 'file' | 'random';
}

/** Each branch's start (see the file comment). */
export function branchInits(c: TrainConfig): Record<Branch, BranchInit> {
  const one = (b: Branch): BranchInit => {
    const paper = c.initFrom?.[b] ?? 'random';
    const file = c.init?.[b];
    return { paper, ...(file ? { file } : {}), used: file ? 'file' : 'random' };
  };
  return { ground: one('ground'), aerial: one('aerial') };
}

/** True where some branch starts from random weights although its paper starts from pre-trained ones. */
export function randomWhereThePaperIsNot(c: TrainConfig): boolean {
  return Object.values(branchInits(c)).some((b) => b.used === 'random' && b.paper !== 'random');
}

const SOURCE_NAME: Record<InitSource, string> = { random: 'random', imagenet: 'ImageNet', 'grd*': 'grd*', sat: 'sat', 'sat train*': 'sat train*', 'sat val*': 'sat val*', 'sat*': 'sat*' };

/**
 * One line for a reader: e.g. 'random init, paper starts from ImageNet', 'ImageNet (file)',
 * 'random init (as the paper)', 'ground ImageNet (file), aerial sat* (file)'.
 */
export function initNote(c: TrainConfig): string {
  const bi = branchInits(c);
  const say = (b: BranchInit) =>
    b.used === 'file' ? `${SOURCE_NAME[b.paper] === 'random' ? 'weights' : SOURCE_NAME[b.paper]} (file)` : b.paper === 'random' ? 'random init (as the paper)' : `random init, paper starts from ${SOURCE_NAME[b.paper]}`;
  const g = say(bi.ground), a = say(bi.aerial);
  return g === a ? g : `ground ${g}; aerial ${a}`;
}

/**
 * Refuses, before any data or model is loaded, a run that would start a branch from random
 * weights where its row starts from pre-trained ones (unless `allowRandomInit`, for 'imagenet'),
 * or that names a weight file that is not there. `how` says how this caller passes the file and
 * the permission (e.g. the CLI's flags).
 */
export function checkInit(c: TrainConfig, how: { file?: string; allow?: string } = {}): void {
  for (const b of BRANCHES) {
    const from = c.initFrom?.[b];
    const file = c.init?.[b];
    if (from === 'random' && file) throw new CvglError(`no init.${b} file for a branch whose initFrom.${b} is 'random'`, `init.${b} = ${file}`, 'remove one of the two');
    if (file && !existsSync(file)) {
      throw new CvglError(`the ${b} branch's weight file init.${b} = ${file}`, 'no such file', `give the path of a VGG16 .safetensors${from === 'imagenet' || !from ? ` (ImageNet: ${IMAGENET_RECIPE})` : ''}`);
    }
    if (!from || from === 'random' || file) continue;
    if (from === 'imagenet') {
      if (c.allowRandomInit) continue;
      throw new CvglError(
        `ImageNet VGG16 weights for the ${b} branch of '${c.name}' (initFrom.${b} 'imagenet': its paper starts from them)`,
        `no init.${b} file`,
        `pass the file (${how.file ?? `init.${b} in the config`}): ${IMAGENET_RECIPE}; ` +
          `or start from random weights on purpose with ${how.allow ?? 'allowRandomInit: true'} (the run is then not the paper's, and the report says so)`,
      );
    }
    throw new CvglError(
      `a weight file in init.${b} for the ${b} branch's '${from}' initialisation (initFrom.${b}, thesis Table 3.1)`,
      `no init.${b} in config '${c.name}'`,
      `run the experiment through runThesisStudy (it pre-trains '${from}' and fills init), or set init.${b} to a cvgl pretrain backbone.safetensors`,
    );
  }
}

/** `init` filled with `file` for every branch whose row starts from ImageNet and has no file yet. */
export function withImagenetFile(c: TrainConfig, file: string): TrainConfig {
  const init = { ...(c.init ?? {}) };
  for (const b of BRANCHES) if (c.initFrom?.[b] === 'imagenet' && !init[b]) init[b] = file;
  return Object.keys(init).length ? { ...c, init } : c;
}
