/**
 * A truncated safetensors file (issue 22, defect 8): the error summarises the tensors past the end
 * (the first few and how many more, not all of them) and advises what fits the file: a cvgl
 * checkpoint is resumed from the run's other checkpoint or re-run; a weight file is written again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors, openSafetensors } from '../../lib/models/safetensors.js';
import { CvglError } from '../../lib/engine/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'cvgl-st-trunc-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cutShort(name: string, metadata?: Record<string, string>): string {
  const tensors = new Map(Array.from({ length: 232 }, (_, i) => [`model/layer_${i}.weight`, { shape: [8, 8], data: new Float32Array(64).fill(i) }] as const));
  const bytes = encodeSafetensors(tensors, metadata);
  const path = join(tmp, name);
  writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
  return path;
}

async function refusal(path: string): Promise<CvglError> {
  try {
    await openSafetensors(path);
  } catch (e) {
    expect(e).toBeInstanceOf(CvglError);
    return e as CvglError;
  }
  throw new Error('opened');
}

describe('truncated safetensors', () => {
  it('a checkpoint: a short summary and the checkpoint advice', async () => {
    const e = await refusal(cutShort('last.safetensors', { 'cvgl.checkpoint': '{}', format: 'pt' }));
    expect(e.message.length).toBeLessThan(1000);
    expect(e.found).toMatch(/\d+ of 232 tensors reach past the end/);
    expect(e.found).toMatch(/'model\/layer_\d+\.weight', .* and \d+ more/);
    expect(e.fix).toMatch(/best\.safetensors/);
    expect(e.fix).not.toMatch(/save_file/);
  });

  it('a weight file: the same summary, advice to write it again', async () => {
    const path = cutShort('vgg16.safetensors');
    const e = await refusal(path);
    expect(e.message.length).toBeLessThan(1000);
    expect(e.fix).toMatch(/save_file/);
    expect(readFileSync(path).length).toBeGreaterThan(0);
  });
});
