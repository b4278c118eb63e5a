/**
 * `cvgl bench`: the training-step benchmark (per backend, against PyTorch), `--data` the input
 * pipeline, `--recall` Recall@K at the papers' test-set sizes (against NumPy).
 */
import { writeFileSync } from 'node:fs';
import { BACKENDS, type BackendName } from '../engine/init.js';
import { CvglError } from '../engine/errors.js';
import { benchTable, runBench } from '../bench/run.js';
import { dataBenchTable, runDataBench } from '../bench/data.js';
import { recallBenchTable, runRecallBench } from '../bench/recall.js';
import { parseOptions, type Values } from './args.js';

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

/** `help` is the text `--help` prints (the whole `cvgl --help`, which holds the three bench usages). */
export async function benchCommand(args: string[], help: () => string): Promise<void> {
  const v = parseOptions(args, {
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
  }).values;
  if (v.help) return console.log(help());
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
