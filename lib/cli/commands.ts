/**
 * The commands of `cvgl`, one row each: name, a one-line summary, the usage `cvgl --help` shows,
 * and the handler. lib/cli/main.ts dispatches through this table and `cvgl --help` is built from
 * it, so a command is added in one place.
 */
import { benchCommand } from './bench.js';
import { dataCommand } from './data.js';
import { infoCommand } from './info.js';
import { kernelCommand } from './kernel.js';
import { MODELS_HELP, paramsCommand, quicktrainCommand } from './models.js';
import { TRAIN_HELP, evalCommand, pretrainCommand, trainCommand } from './train.js';

export interface Command {
  name: string;
  /** One line for the overview at the top of `cvgl --help`. */
  summary: string;
  /** Its usage lines, each followed by what it does, as `cvgl --help` lists them. */
  usage: string;
  run(args: string[]): Promise<number | void>;
}

/** The help of `cvgl report` (here rather than in report.ts, which loads the report stack). */
export const REPORT_HELP = `  cvgl report --notebooks PATH[,PATH...] [--param key=value ...] [--profile quick|paper|smoke]
              [--jobs N] [--pdf | --no-pdf] [--cell-timeout S] [--timeout S] [--out DIR]
      Re-executes the notebooks (files or folders) on fresh tslab kernels, writes the executed
      copies, one self-contained HTML page per paper (claims, provenance, published vs
      reproduced numbers, the notebooks), reports/index.html and PDFs (system Chromium).
      Every notebook is checked before any runs (an invalid one is named with the reason and
      not run); each executed copy is saved after every cell; a cell tagged raises-exception
      may fail. Exits 1 when a notebook failed or was invalid (a failed one's page shows where).
  cvgl report [--full] [--out DIR]
      Without --notebooks: the quick-start report (backends, devices, training-step benchmark).`;

/**
 * The usage blocks of command `name` in a group's help text (a block starts at a line
 * `  cvgl <name> ...`): the groups' own help constants stay the one copy of their usage.
 */
export function usageIn(groupHelp: string, name: string): string {
  const blocks: string[][] = [];
  for (const line of groupHelp.split('\n')) {
    if (/^ {2}cvgl \S/.test(line)) blocks.push([line]);
    else blocks[blocks.length - 1]?.push(line);
  }
  const mine = blocks.filter((b) => b[0]!.trimStart().split(/\s+/)[1] === name);
  if (mine.length === 0) throw new Error(`no usage of 'cvgl ${name}' in its group's help`);
  return mine.map((b) => b.join('\n')).join('\n');
}

const full = (): string => helpText();

export const COMMANDS: readonly Command[] = [
  {
    name: 'info',
    summary: 'backends available here (and why not), the one `auto` picks, devices, versions',
    usage: `  cvgl info  [--json] [--backend auto|tensorflow|webgpu|wasm|cpu]
      Which compute backends run here and why not; the one \`auto\` picks; devices, threads, versions.`,
    run: (a) => infoCommand(a, full),
  },
  {
    name: 'bench',
    summary: 'benchmarks: the training step (vs PyTorch), the data pipeline, Recall@K (vs NumPy)',
    usage: `  cvgl bench [--json] [--quick] [--backends wasm,cpu,...] [--steps N] [--warmup N] [--threads N]
             [--no-torch] [--profile] [--micro-batch N] [--out FILE]
      One forward+backward+Adam step of the two-branch VGG16 Siamese model (ground 112x616,
      aerial 256x256, batch 8; --quick: 32x128, 32x32, batch 2) on each backend, and the same
      step in PyTorch (/usr/bin/python3 with python3-torch) with the same thread count.
      Median of 5 steps after 1 warm-up (--quick: 20 after 10; the cpu backend 5 after 1).
      --micro-batch N computes the same gradient N pairs at a time (wasm picks what fits its heap).
  cvgl bench --data [--pairs N] [--batch N] [--workers N] [--no-torch] [--json] [--out FILE]
      The data side: synthetic world generation (pairs/s), the input pipeline cold (JPEG decode),
      cached and with polar transform + augmentation (images/s), and PyTorch's DataLoader
      (PIL + torchvision) on the same files.
  cvgl bench --recall [--sizes 8884,92802] [--dim 4096] [--backends native] [--no-torch] [--json]
      Recall@K at the papers' test-set sizes (CVUSA 8,884; CVACT_test 92,802) with 4,096-d
      descriptors, chunked on the backend, and the same brute force in NumPy (sizes <= 8,884).`,
    run: (a) => benchCommand(a, full),
  },
  {
    name: 'data',
    summary: 'datasets: render the synthetic world, check a dataset',
    usage: `  cvgl data synth --out DIR [--pairs N] [--seed S] [--orientation-noise DEG] [--fov DEG]
                  [--offset M] [--domains day,dusk,night,snow,fog] ...
      Renders the synthetic cross-view world in the CVUSA (or, with --offset, VIGOR) layout.
  cvgl data check DIR [--format cvusa|cvact|vigor|robotcar-seasons] [--protocol same|cross] [--no-decode]
      Reads a dataset through the training readers; lists missing or unreadable files (exit 1).
      \`cvgl data --help\` for all options.`,
    run: dataCommand,
  },
  { name: 'params', summary: "a model's parameters, descriptor length and GFLOPs beside the published figures", usage: usageIn(MODELS_HELP, 'params'), run: paramsCommand },
  { name: 'quicktrain', summary: 'a short training run of a model on the synthetic set, recall before and after', usage: usageIn(MODELS_HELP, 'quicktrain'), run: quicktrainCommand },
  { name: 'train', summary: 'the trainer: a preset or a config file, checkpoints, metrics, resume', usage: usageIn(TRAIN_HELP, 'train'), run: trainCommand },
  { name: 'eval', summary: 'Recall@1/5/10/1% of a checkpoint on a split', usage: usageIn(TRAIN_HELP, 'eval'), run: evalCommand },
  { name: 'pretrain', summary: 'MoCov2 pre-training of one branch', usage: usageIn(TRAIN_HELP, 'pretrain'), run: pretrainCommand },
  {
    name: 'report',
    summary: 'the reports: notebooks re-executed, HTML + PDF',
    usage: REPORT_HELP,
    // the report stack (tslab, vega, KaTeX, puppeteer) loads only for this command
    run: async (a) => (await import('./report.js')).reportCommand(a),
  },
  {
    name: 'kernel',
    summary: 'registers the Jupyter kernel of the notebooks',
    usage: `  cvgl kernel install [--prefix DIR]
      Registers the Jupyter kernel 'TypeScript (cvgl)' (tslab with the tsx loader) for opening
      notebooks/ in Jupyter or VS Code.`,
    run: (a) => kernelCommand(a, () => COMMANDS.find((c) => c.name === 'kernel')!.usage),
  },
];

/** `cvgl --help`: the overview, then every command's usage in table order. */
export function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return `cvgl — the cross-view geo-localization workbench

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

Usage:
${COMMANDS.map((c) => c.usage).join('\n')}

Environment: CVGL_BACKEND picks the backend when --backend is not given; CVGL_PYTHON the python
with torch for the reference; CVGL_DEBUG=1 prints stack traces.`;
}
