/**
 * `cvgl info`: the compute backends that run here (and why the others do not), the one `auto`
 * picks, the machine and the versions.
 */
import { initEngine, probeBackends, versions } from '../engine/init.js';
import { machineInfo } from '../engine/device.js';
import { parseOptions } from './args.js';

/** `help` is the text `--help` prints (the whole `cvgl --help`, as this command has no page of its own). */
export async function infoCommand(args: string[], help: () => string): Promise<void> {
  const v = parseOptions(args, { json: { type: 'boolean' }, backend: { type: 'string' } }).values;
  if (v.help) return console.log(help());
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
