/**
 * The `cvgl` command.
 *
 *   cvgl info  [--json] [--backend B]        backends available here, the one chosen, devices, versions
 *   cvgl bench [--json] [--quick] [--backends a,b] [--steps N] [--warmup N] [--threads N]
 *              [--no-torch] [--profile] [--micro-batch N] [--out FILE]
 *   cvgl bench --data [--pairs N] [--batch N] [--workers N]   the data pipeline benchmark
 *   cvgl bench --recall [--sizes 8884,92802] [--dim 4096] [--backends native] [--no-torch] [--json]
      Recall@K at the papers' test-set sizes (CVUSA 8,884; CVACT_test 92,802) with 4,096-d
      descriptors, chunked on the backend, and the same brute force in NumPy (sizes <= 8,884).
  cvgl data synth --out DIR [--pairs N] [--seed S] [--orientation-noise DEG] [--fov DEG]
                  [--offset M] [--domains day,dusk,night,snow,fog] ...
      Renders the synthetic cross-view world in the CVUSA (or, with --offset, VIGOR) layout.
  cvgl data check DIR [--format cvusa|cvact|vigor|robotcar-seasons] [--protocol same|cross] [--no-decode]
      Reads a dataset through the training readers; lists missing or unreadable files (exit 1).
      \`cvgl data --help\` for all options.
  cvgl kernel install [--prefix DIR]
      Registers the Jupyter kernel 'TypeScript (cvgl)' (tslab with the tsx loader) for opening
      notebooks/ in Jupyter or VS Code.
  cvgl report [--notebooks P] ...           the reports: notebooks re-executed, HTML + PDF (cli_report.ts)
 *   cvgl data synth|check ...                 datasets: render the synthetic world, check a dataset (cli_data.ts)
 *   cvgl params MODEL / cvgl quicktrain --model MODEL   model sizes; a short training run (cli_models.ts)
 *   cvgl train --preset P / cvgl eval --checkpoint F    the trainer and the evaluator (cli_train.ts)
 *
 * Errors meant for a user print their message alone and exit with status 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { writeFileSync } from 'node:fs';
import { BACKENDS, type BackendName, initEngine, probeBackends, versions } from '../engine/init.js';
import { machineInfo } from '../engine/device.js';
import { CvglError, isCvglError } from '../engine/errors.js';
import { benchTable, runBench } from '../bench/run.js';
import { dataCommand } from './data.js';
import { MODELS_HELP, paramsCommand, quicktrainCommand } from './models.js';
import { TRAIN_HELP, evalCommand, pretrainCommand, trainCommand } from './train.js';
import { REPORT_HELP } from './report_help.js';
import { dataBenchTable, runDataBench } from '../bench/data.js';
import { recallBenchTable, runRecallBench } from '../bench/recall.js';

const HELP = `cvgl — the cross-view geo-localization workbench

Usage:
  cvgl info  [--json] [--backend auto|tensorflow|webgpu|wasm|cpu]
      Which compute backends run here and why not; the one \`auto\` picks; devices, threads, versions.
  cvgl bench [--json] [--quick] [--backends wasm,cpu,...] [--steps N] [--warmup N] [--threads N]
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
      descriptors, chunked on the backend, and the same brute force in NumPy (sizes <= 8,884).
  cvgl data synth --out DIR [--pairs N] [--seed S] [--orientation-noise DEG] [--fov DEG]
                  [--offset M] [--domains day,dusk,night,snow,fog] ...
      Renders the synthetic cross-view world in the CVUSA (or, with --offset, VIGOR) layout.
  cvgl data check DIR [--format cvusa|cvact|vigor|robotcar-seasons] [--protocol same|cross] [--no-decode]
      Reads a dataset through the training readers; lists missing or unreadable files (exit 1).
      \`cvgl data --help\` for all options.
${MODELS_HELP}
${TRAIN_HELP}
${REPORT_HELP}

Environment: CVGL_BACKEND picks the backend when --backend is not given; CVGL_PYTHON the python
with torch for the reference; CVGL_DEBUG=1 prints stack traces.`;

type Values = Record<string, string | boolean | undefined>;

function parse(args: string[], options: ParseArgsConfig['options']): Values {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true }).values as Values;
  } catch (e) {
    throw new CvglError('known options (see `cvgl --help`)', (e as Error).message, 'check the spelling of the options');
  }
}

function intOption(v: Values, name: string): number | undefined {
  const raw = v[name];
  if (raw == null) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new CvglError(`--${name}: a non-negative integer`, `'${raw}'`, `e.g. --${name} 5`);
  return n;
}

function backendList(raw: string | boolean | undefined): BackendName[] | undefined {
  if (typeof raw !== 'string') return undefined;
  const list = raw.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const b of list) {
    if (!(BACKENDS as readonly string[]).includes(b)) {
      throw new CvglError(`--backends: a comma-separated list of ${BACKENDS.join(', ')}`, `'${b}'`, 'e.g. --backends wasm,cpu');
    }
  }
  return list as BackendName[];
}

async function info(args: string[]): Promise<void> {
  const v = parse(args, { json: { type: 'boolean' }, backend: { type: 'string' } });
  if (v.help) return console.log(HELP);
  const m = machineInfo();
  const backends = await probeBackends();
  const chosen = await initEngine({ backend: v.backend as any });
  const out = { chosen, backends, machine: m, versions: versions() };
  if (v.json) return console.log(JSON.stringify(out, null, 2));
  console.log(`machine   ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}`);
  console.log(`backend   ${chosen.backend} on ${chosen.device} (${chosen.threads} thread${chosen.threads === 1 ? '' : 's'})`);
  for (const n of chosen.notes) console.log(`          ${n}`);
  console.log('available');
  for (const b of backends) {
    const what = b.available ? `yes  ${b.device ?? ''}${b.software ? ' [software adapter: correct but slow; only when asked for]' : ''}` : `no   ${b.reason}`;
    console.log(`  ${b.name.padEnd(11)} ${what}`);
  }
  console.log('versions  ' + Object.entries(out.versions).map(([k, x]) => `${k} ${x}`).join(', '));
}

async function bench(args: string[]): Promise<void> {
  const v = parse(args, {
    json: { type: 'boolean' },
    quick: { type: 'boolean' },
    backends: { type: 'string' },
    steps: { type: 'string' },
    warmup: { type: 'string' },
    threads: { type: 'string' },
    'no-torch': { type: 'boolean' },
    profile: { type: 'boolean' },
    'micro-batch': { type: 'string' },
    out: { type: 'string' },
    data: { type: 'boolean' },
    pairs: { type: 'string' },
    batch: { type: 'string' },
    workers: { type: 'string' },
    recall: { type: 'boolean' },
    sizes: { type: 'string' },
    dim: { type: 'string' },
  });
  if (v.help) return console.log(HELP);
  if (v.recall) {
    const backend = backendList(v.backends);
    if (backend && backend.length > 1) throw new CvglError('one backend for --recall', backend.join(','), 'e.g. --backends native');
    const sizes = typeof v.sizes === 'string' ? v.sizes.split(',').map(Number) : undefined;
    if (sizes && !sizes.every((n) => Number.isInteger(n) && n >= 2)) throw new CvglError('--sizes: query/gallery sizes >= 2, comma-separated', `'${String(v.sizes)}'`, 'e.g. --sizes 8884,92802');
    const r = await runRecallBench({ sizes, dim: intOption(v, 'dim'), backend: backend?.[0], threads: intOption(v, 'threads'), numpyUpTo: v['no-torch'] ? 0 : undefined, log: (l) => console.error(l) });
    if (typeof v.out === 'string') writeFileSync(v.out, JSON.stringify(r, null, 2) + '\n');
    console.log(v.json ? JSON.stringify(r, null, 2) : '\n' + recallBenchTable(r));
    return;
  }
  if (v.data) {
    const r = await runDataBench({
      pairs: intOption(v, 'pairs'),
      batch: intOption(v, 'batch'),
      workers: intOption(v, 'workers'),
      torch: !v['no-torch'],
      log: (l) => console.error(l),
    });
    if (typeof v.out === 'string') writeFileSync(v.out, JSON.stringify(r, null, 2) + '\n');
    console.log(v.json ? JSON.stringify(r, null, 2) : '\n' + dataBenchTable(r));
    return;
  }
  const report = await runBench({
    quick: Boolean(v.quick),
    backends: backendList(v.backends),
    steps: intOption(v, 'steps'),
    warmup: intOption(v, 'warmup'),
    threads: intOption(v, 'threads'),
    torch: !v['no-torch'],
    profile: Boolean(v.profile),
    microBatch: intOption(v, 'micro-batch'),
    log: (l) => console.error(l),
  });
  if (typeof v.out === 'string') writeFileSync(v.out, JSON.stringify(report, null, 2) + '\n');
  console.log(v.json ? JSON.stringify(report, null, 2) : '\n' + benchTable(report));
}

/** `cvgl kernel install [--prefix DIR]`: the Jupyter kernelspec of the notebooks (lib/report/kernelspec.ts). */
async function kernelCommand(argv: string[]): Promise<void> {
  const { values: v, positionals } = parseArgs({ args: argv, options: { prefix: { type: 'string' } }, allowPositionals: true, strict: true });
  if (positionals[0] !== 'install' || positionals.length !== 1) throw new CvglError('cvgl kernel install [--prefix DIR]', `cvgl kernel ${positionals.join(' ')}`, 'run `cvgl kernel install`');
  const { installKernelSpec, KERNEL_NAME } = await import('../report/kernelspec.js');
  const dir = installKernelSpec(typeof v.prefix === 'string' ? { prefix: v.prefix } : {});
  console.log(`installed the Jupyter kernel '${KERNEL_NAME}' (TypeScript (cvgl)) in ${dir}\nopen the notebooks with: jupyter notebook notebooks/  (Debian: apt-get install jupyter-notebook)`);
}

async function main(argv: string[]): Promise<number | void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'info':
      return info(rest);
    case 'bench':
      return bench(rest);
    case 'report':
      // the report stack (tslab, vega, KaTeX, puppeteer) loads only for this command
      return (await import('./report.js')).reportCommand(rest);
    case 'data':
      return dataCommand(rest);
    case 'params':
      return paramsCommand(rest);
    case 'quicktrain':
      return quicktrainCommand(rest);
    case 'train':
      return trainCommand(rest);
    case 'eval':
      return evalCommand(rest);
    case 'pretrain':
      return pretrainCommand(rest);
    case 'kernel':
      return kernelCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return console.log(HELP);
    default:
      throw new CvglError('a command: info, bench, data, params, quicktrain, train, eval, pretrain, report, kernel', `'${cmd}'`, 'run `cvgl --help`');
  }
}

main(process.argv.slice(2)).then(
  // wasm's worker threads and Dawn keep the event loop alive: leave explicitly
  (code) => process.exit(typeof code === 'number' ? code : 0),
  (e: unknown) => {
    if (isCvglError(e)) console.error(`cvgl: expected ${e.message}`);
    else console.error(`cvgl: ${(e as Error)?.message ?? e}\n  (CVGL_DEBUG=1 shows the stack trace)`);
    if (process.env.CVGL_DEBUG) console.error((e as Error)?.stack);
    process.exit(isCvglError(e) ? 2 : 1);
  },
);
