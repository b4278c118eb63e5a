/**
 * Where a quick run's time goes (lib/bench/step_profile.ts): per step kernel calls and time by
 * op, time outside kernels, data wait, PreciseBN and evaluation, for quick-profile rows on one
 * engine thread as `npm run report` runs them.
 *
 *   npx tsx bin/profile-step.ts [--steps N] [--backend native] [--threads 1] [--no-eval] [--ab K1,K2] PRESET…
 *
 * --ab: every other timed step runs kernels K1, K2 … on wasm instead of the addon, for a speed
 * ratio measured in one process (the machine's load shared by both).
 *   e.g. npx tsx bin/profile-step.ts geocapsnet.table3.iiSoftTriHard cvft.table1.full mgtl.table2.full
 *
 * The losses printed last let two versions of the code be compared bit for bit (same machine,
 * backend and thread count).
 */
import { initEngine, type BackendName } from '../lib/engine/init.js';
import { profileConfig } from '../lib/papers/study.js';
import { formatProfile, profileRun } from '../lib/bench/step_profile.js';

const args = process.argv.slice(2);
const opt = (k: string, d: string) => {
  const i = args.indexOf(k);
  if (i < 0) return d;
  const v = args[i + 1]!;
  args.splice(i, 2);
  return v;
};
const steps = Number(opt('--steps', '5'));
const backend = opt('--backend', 'native') as BackendName;
const threads = Number(opt('--threads', '1'));
const abWasm = opt('--ab', '').split(',').filter(Boolean);
const evaluate = !args.includes('--no-eval');
const names = args.filter((a) => !a.startsWith('--'));
await initEngine({ backend, threads });
for (const name of names) {
  const c = profileConfig(name, 'quick');
  const p = await profileRun(c, { steps, backend, evaluate, abWasm });
  console.log(formatProfile(p));
}
