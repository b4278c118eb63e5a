/**
 * A cell that sends thousands of messages at once (tslab sends each without waiting; zeromq 6
 * makes the 513th wait and throws on the next ones): every line reaches the runner, in order, and
 * the cell ends by itself. Before kernel_send_queue.ts such a cell hung until its timeout or failed
 * with no message, depending on which message was lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kernel } from '../../lib/report/runner/kernel.js';

let dir: string;
let kernel: Kernel;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cvgl-burst-'));
  kernel = await Kernel.start({ cwd: dir });
}, 200_000);
afterAll(async () => {
  await kernel?.close();
  rmSync(dir, { recursive: true, force: true });
});

const streamText = (outputs: { output_type: string; name?: string; text?: string }[], name: string) =>
  outputs.filter((o) => o.output_type === 'stream' && o.name === name).map((o) => o.text).join('');

describe('a burst of kernel messages', () => {
  it('5,000 lines printed in one synchronous loop all arrive, in order', async () => {
    const r = await kernel.execute('for (let i = 0; i < 5000; i++) console.log(`line ${i}`); console.log("end");', { timeoutS: 120 });
    expect(r.status, JSON.stringify(r.error)).toBe('ok');
    const lines = streamText(r.outputs, 'stdout').trimEnd().split('\n');
    expect(lines).toHaveLength(5001);
    expect(lines[4999]).toBe('line 4999');
    expect(lines[5000]).toBe('end');
  }, 200_000);

  it('an error thrown after a burst still reaches the runner with its message', async () => {
    const r = await kernel.execute('for (let i = 0; i < 1500; i++) console.error(`warn ${i}`); throw new Error("after the burst");', { timeoutS: 120 });
    expect(r.status).toBe('error');
    expect(r.error?.evalue).toContain('after the burst');
  }, 200_000);
});
