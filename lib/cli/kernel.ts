/**
 * `cvgl kernel install [--prefix DIR]`: the Jupyter kernelspec of the notebooks (lib/report/kernelspec.ts).
 */
import { CvglError } from '../engine/errors.js';
import { parseOptions } from './args.js';

export async function kernelCommand(argv: string[], help: () => string): Promise<void> {
  const { values: v, positionals } = parseOptions(argv, { prefix: { type: 'string' } }, { positionals: true, see: 'cvgl kernel --help' });
  if (v.help) return console.log(help());
  if (positionals[0] !== 'install' || positionals.length !== 1) throw new CvglError('cvgl kernel install [--prefix DIR]', `cvgl kernel ${positionals.join(' ')}`, 'run `cvgl kernel install`');
  const { installKernelSpec, KERNEL_NAME } = await import('../report/kernelspec.js');
  const dir = installKernelSpec(typeof v.prefix === 'string' ? { prefix: v.prefix } : {});
  console.log(`installed the Jupyter kernel '${KERNEL_NAME}' (TypeScript (cvgl)) in ${dir}\nopen the notebooks with: jupyter notebook notebooks/  (Debian: apt-get install jupyter-notebook)`);
}
