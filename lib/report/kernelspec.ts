/**
 * A Jupyter kernelspec for the notebooks: tslab started the way the report runner starts it
 * (`node --import <tsx loader> tslab kernel`), so that cells can `require('cvgl')` (the .ts sources).
 * tslab's own `tslab install` registers a plain `tslab kernel`, under which the library's
 * TypeScript sources do not load. `cvgl kernel install` writes this one; Jupyter (Debian's
 * `jupyter-notebook`, JupyterLab, VS Code's Jupyter extension) then offers "TypeScript (cvgl)".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { tslabBin, tsxLoader } from './runner/kernel.js';

export const KERNEL_NAME = 'cvgl-typescript';

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: 'signal';
  metadata: Record<string, unknown>;
}

/** The kernel.json of this checkout (absolute paths: node, tsx's loader, tslab). */
export function kernelSpec(): KernelSpec {
  return {
    argv: [process.execPath, '--import', tsxLoader(), tslabBin(), 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (cvgl)',
    language: 'typescript',
    interrupt_mode: 'signal',
    metadata: { cvgl: { note: 'tslab with tsx, as lib/report/runner starts it' } },
  };
}

/**
 * Writes the kernelspec into `<prefix>/share/jupyter/kernels/cvgl-typescript` (default prefix:
 * the user's data dir, ~/.local) and returns the folder.
 */
export function installKernelSpec(o: { prefix?: string } = {}): string {
  const dir = o.prefix ? join(o.prefix, 'share', 'jupyter', 'kernels', KERNEL_NAME) : join(process.env.JUPYTER_DATA_DIR ?? join(homedir(), '.local', 'share', 'jupyter'), 'kernels', KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'kernel.json'), JSON.stringify(kernelSpec(), null, 2) + '\n');
  return dir;
}
