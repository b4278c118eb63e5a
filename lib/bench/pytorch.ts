/**
 * The PyTorch reference of the training-step benchmark: runs test/reference/siamese_step_torch.py
 * under Debian's python3-torch (`/usr/bin/python3`, or `CVGL_PYTHON`) with the same shapes and
 * thread count, and returns its timings.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StepShape } from './siamese_step.js';

export const TORCH_STEP_SCRIPT = fileURLToPath(new URL('../../test/reference/siamese_step_torch.py', import.meta.url));

export interface TorchStepResult {
  torch: string;
  threads: number;
  times: number[];
  msPerStep: number;
  params: number;
  finalLoss: number;
}

/** The python with torch to use, or why there is none. */
export function findTorchPython(): { python: string; torch: string } | { python: null; reason: string } {
  const python = process.env.CVGL_PYTHON ?? '/usr/bin/python3';
  if (!existsSync(python)) return { python: null, reason: `${python} not found (npm run setup:system installs python3-torch)` };
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0) {
    return { python: null, reason: `${python} has no torch (npm run setup:system installs Debian's python3-torch)` };
  }
  return { python, torch: r.stdout.trim() };
}

export function runTorchStep(
  python: string,
  shape: StepShape,
  opts: { steps: number; warmup: number; threads: number; seed?: number; onLine?: (line: string) => void },
): Promise<TorchStepResult> {
  const args = [
    TORCH_STEP_SCRIPT,
    '--ground', ...shape.ground.map(String),
    '--aerial', ...shape.aerial.map(String),
    '--batch', String(shape.batch),
    '--width-divisor', String(shape.widthDivisor),
    '--steps', String(opts.steps),
    '--warmup', String(opts.warmup),
    '--threads', String(opts.threads),
    '--seed', String(opts.seed ?? 0),
  ];
  return runPythonJson<TorchStepResult>(python, args, 'PyTorch step', opts.onLine);
}

/**
 * Runs a reference script that prints progress on stderr and one JSON object as its last stdout
 * line; resolves with that object. Stderr lines go to `onLine`; a failure carries the end of stderr.
 */
export function runPythonJson<T>(python: string, args: string[], what: string, onLine?: (line: string) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let partial = '';
    let tail = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      const text = b.toString();
      tail = (tail + text).slice(-2000);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) onLine?.(l);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${what} exited with ${code}: ${tail.trim().split('\n').slice(-3).join(' | ')}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as T);
      } catch {
        reject(new Error(`${what} printed no JSON: ${out.slice(0, 200)}`));
      }
    });
  });
}
