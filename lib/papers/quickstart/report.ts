/**
 * The quick-start report: what `npm run report` writes until the notebook reports exist.
 * It records the machine, the backends that run here (and why the others do not), and the
 * training-step benchmark against PyTorch, as Markdown for people and JSON for tools.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { probeBackends, versions } from '../../engine/init.js';
import { machineInfo } from '../../engine/device.js';
import { benchTable, runBench } from '../../bench/run.js';
import { progressBar } from '../../engine/progress.js';
import { openDataset } from '../../data/readers.js';
import { DEFAULT_SYNTHETIC_DIR, ensureSynthetic } from '../../synth/generate.js';
import { writePairSheet } from '../../synth/preview.js';

export interface QuickstartOptions {
  /** Quick benchmark shapes (default); false runs the full thesis sizes (minutes per step). */
  quick?: boolean;
  outDir?: string;
  /** The default synthetic dataset (generated on first use). */
  dataDir?: string;
  log?: (line: string) => void;
}

export async function writeQuickstartReport(opts: QuickstartOptions = {}): Promise<string[]> {
  const outDir = opts.outDir ?? 'reports';
  const log = opts.log ?? (() => {});
  mkdirSync(outDir, { recursive: true });
  const machine = machineInfo();
  const backends = await probeBackends();
  log(`quick start report: ${backends.filter((b) => b.available).map((b) => b.name).join(', ')} available`);
  const dataDir = opts.dataDir ?? DEFAULT_SYNTHETIC_DIR;
  log(`default dataset: ${dataDir} (rendered on first use)`);
  const bar = progressBar('synthetic world', { unit: 'views' });
  const synth = await ensureSynthetic(dataDir, { onProgress: bar });
  bar.end();
  const ds = await openDataset(dataDir);
  mkdirSync(path.join(outDir, 'figures'), { recursive: true });
  const sheet = path.join(outDir, 'figures', 'quickstart_pairs.png');
  await writePairSheet(dataDir, sheet);
  const bench = await runBench({ quick: opts.quick ?? true, log });
  const md = [
    '# cvgl quick start report',
    '',
    `Generated ${bench.date} on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB), ${machine.platform}.`,
    '',
    '## Compute backends on this machine',
    '',
    '| backend | available | device / reason |',
    '| --- | --- | --- |',
    ...backends.map((b) =>
      `| ${b.name} | ${b.available ? (b.software ? 'yes (software adapter)' : 'yes') : 'no'} | ${b.available ? b.device ?? '' : b.reason ?? ''} |`,
    ),
    '',
    'Versions: ' + Object.entries(versions()).map(([k, v]) => `${k} ${v}`).join(', ') + '.',
    '',
    '## Default dataset: the synthetic cross-view world',
    '',
    `\`${dataDir}\`, ${synth.layout.toUpperCase()} layout, seed ${synth.options.seed}: ` +
      Object.values(ds.splits).map((sp) => `${sp.name} ${sp.pairs.length} pairs`).join(', ') +
      `; aerial ${synth.options.aerialSize} px over ${synth.options.aerialExtent} m, panorama ${synth.options.panoWidth}x${synth.options.panoHeight}, domains ${synth.domains.map((d) => d.name).join(', ')}.`,
    '',
    `![two synthetic pairs: aerial tile (camera at the cross) and panorama (north at the dashed line)](figures/${path.basename(sheet)})`,
    '',
    '## Training-step benchmark',
    '',
    benchTable(bench),
    '',
  ].join('\n');
  const mdFile = path.join(outDir, 'quickstart.md');
  const jsonFile = path.join(outDir, 'quickstart.json');
  writeFileSync(mdFile, md);
  writeFileSync(jsonFile, JSON.stringify({ machine, backends, versions: versions(), dataset: { dir: dataDir, layout: synth.layout, options: synth.options }, bench }, null, 2) + '\n');
  return [mdFile, jsonFile, sheet];
}
