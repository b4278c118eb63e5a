/**
 * The notebook experience as a researcher has it: `cvgl kernel install` into a temp prefix,
 * Debian's classic Jupyter Notebook server (6.4) on 127.0.0.1 with a token, and the quick start
 * opened and run in headless Chromium. What the runner tests cannot see is checked here: the
 * frontend picks the `cvgl-typescript` kernel, no cell shows an error, the tables render as HTML
 * and every chart as an SVG picture (classic Notebook has no Vega-Lite renderer: without the
 * image/svg+xml rendering it would print the text fallback). A full-page screenshot is left in
 * test-artifacts/ for a person to look at.
 *
 * No real user's Jupyter is touched (JUPYTER_* folders and HOME are temp folders) and no file of
 * the repository is written: the server serves a temp folder laid out as a researcher's own
 * (a copy of the notebook, node_modules/cvgl linked to this checkout), which the notebook's
 * `require('cvgl')` finds through package.json "exports".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser, findChromium, launchChromium } from '../lib/report/render/pdf.js';
import { injectParameters } from '../lib/report/runner/run.js';
import { readNotebook, writeNotebook } from '../lib/report/runner/notebook.js';
import { requireInCi } from './ci_requirements.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const JUPYTER_NOTEBOOK = '/usr/bin/jupyter-notebook';
const ARTIFACTS = join(ROOT, 'test-artifacts');
const SCREENSHOT = join(ARTIFACTS, 'notebook-quickstart.png');
const CHARTS_IN_QUICKSTART = 2; // training loss, top-K curve (test/notebooks.test.ts counts them too)

const chromium = findChromium();
const haveJupyter = existsSync(JUPYTER_NOTEBOOK);

/** Spawns without blocking the worker (vitest's RPC starves behind a long spawnSync). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (out += b));
    p.on('error', fail);
    p.on('close', (code) => done({ code, out }));
  });
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Command lines of the live processes that name `needle` (the test's temp folder). */
function processesNaming(needle: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (cmd.includes(needle)) found.push(`${pid}: ${cmd}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

describe('the quick start in the classic Jupyter Notebook, in a real browser', () => {
  requireInCi('jupyter-notebook', haveJupyter, `no ${JUPYTER_NOTEBOOK} (Debian package jupyter-notebook)`);
  requireInCi('chromium', chromium !== null, 'no Chromium (Debian package chromium, or PUPPETEER_EXECUTABLE_PATH)');

  describe.runIf(haveJupyter && chromium !== null)('served on 127.0.0.1 with a token', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'cvgl-nb-browser-'));
    const token = Array.from({ length: 4 }, () => Math.random().toString(36).slice(2)).join('');
    let server: ChildProcess | undefined;
    let serverLog = '';
    let browser: Browser | undefined;
    let page: Page | undefined;
    let base = '';
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${base}${path}`, { ...init, headers: { Authorization: `token ${token}`, ...(init.headers ?? {}) } });

    beforeAll(async () => {
      const dirs = Object.fromEntries(['home', 'config', 'data', 'runtime', 'prefix', 'serve'].map((d) => [d, join(tmp, d)]));
      for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        HOME: dirs.home,
        JUPYTER_CONFIG_DIR: dirs.config,
        JUPYTER_DATA_DIR: dirs.data,
        JUPYTER_RUNTIME_DIR: dirs.runtime,
        JUPYTER_PATH: join(dirs.prefix!, 'share', 'jupyter'),
      };
      delete env['CVGL_PROFILE'];

      const install = await run(process.execPath, [TSX, join(ROOT, 'lib/cli/main.ts'), 'kernel', 'install', '--prefix', dirs.prefix!], env);
      expect(install.code, install.out).toBe(0);

      // a researcher's folder that depends on the package: node_modules/cvgl is this checkout
      const nb = readNotebook(join(ROOT, 'notebooks', '00-quickstart.ipynb'));
      // the smoke profile, given the way the report runner gives it: a cell after `parameters`
      injectParameters(nb, { profile: 'smoke' });
      mkdirSync(join(dirs.serve!, 'notebooks'));
      writeNotebook(join(dirs.serve!, 'notebooks', '00-quickstart.ipynb'), nb);
      mkdirSync(join(dirs.serve!, 'node_modules'));
      symlinkSync(ROOT, join(dirs.serve!, 'node_modules', 'cvgl'));

      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      server = spawn(
        JUPYTER_NOTEBOOK,
        ['--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0', `--NotebookApp.token=${token}`, `--notebook-dir=${dirs.serve}`, '--allow-root'],
        { env, cwd: dirs.serve, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      server.stdout!.on('data', (b) => (serverLog += b));
      server.stderr!.on('data', (b) => (serverLog += b));
      for (let i = 0; ; i++) {
        if (server.exitCode !== null) throw new Error(`jupyter-notebook exited (${server.exitCode}):\n${serverLog}`);
        const ok = await api('/api/status').then((r) => r.ok, () => false);
        if (ok) break;
        if (i > 240) throw new Error(`jupyter-notebook did not answer on ${base} within 2 minutes:\n${serverLog}`);
        await sleep(500);
      }
      browser = await launchChromium({ chromium });
      page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 900 });
    }, 300_000);

    afterAll(async () => {
      try {
        if (base) {
          // the kernel runs in its own session (jupyter_client): stop it through the server first
          const kernels = await api('/api/kernels').then((r) => (r.ok ? (r.json() as Promise<{ id: string }[]>) : []), () => []);
          for (const k of kernels) await api(`/api/kernels/${k.id}`, { method: 'DELETE' }).catch(() => undefined);
        }
        if (browser) await closeBrowser(browser);
        if (server?.pid && server.exitCode === null) {
          const exited = new Promise((r) => server!.once('exit', r));
          process.kill(-server.pid, 'SIGTERM');
          await Promise.race([exited, sleep(15_000)]);
          if (server.exitCode === null && server.signalCode === null) process.kill(-server.pid, 'SIGKILL');
        }
        // nothing this test started is left: every process of it names its temp folder
        // (the server's --notebook-dir, the kernel's connection file in JUPYTER_RUNTIME_DIR)
        let left = processesNaming(tmp);
        for (let i = 0; i < 20 && left.length; i++) {
          await sleep(500);
          left = processesNaming(tmp);
        }
        expect(left).toEqual([]);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }, 120_000);

    it('runs every cell on the cvgl kernel: no error, HTML tables, every chart an SVG picture', async () => {
      const p = page!;
      await p.goto(`${base}/notebooks/notebooks/00-quickstart.ipynb?token=${token}`, { waitUntil: 'load', timeout: 120_000 });
      // the kernel the notebook names has started and answered kernel_info
      await p.waitForFunction(
        () => {
          const k = (window as any).Jupyter?.notebook?.kernel;
          return !!k && k.is_connected() && !!k.info_reply && Object.keys(k.info_reply).length > 0;
        },
        { timeout: 180_000, polling: 1000 },
      );
      expect(await p.evaluate(() => (window as any).Jupyter.notebook.kernel.name)).toBe('cvgl-typescript');

      await p.evaluate(() => (window as any).Jupyter.notebook.execute_all_cells());
      // done: every code cell has its execution count and the kernel is idle (or a cell failed)
      await p.waitForFunction(
        () => {
          const J = (window as any).Jupyter;
          const code = J.notebook.get_cells().filter((c: any) => c.cell_type === 'code');
          const idle = document.querySelector('#kernel_indicator_icon')?.classList.contains('kernel_idle_icon');
          const failed = document.querySelector('.output_error, .output_stderr') !== null;
          return idle && (failed || code.every((c: any) => typeof c.input_prompt_number === 'number'));
        },
        { timeout: 900_000, polling: 2000 },
      );

      const seen = await p.evaluate(() => {
        const J = (window as any).Jupyter;
        const cells = J.notebook.toJSON().cells as { cell_type: string; execution_count?: number | null; outputs?: { data?: Record<string, unknown> }[] }[];
        const texts = (sel: string) => Array.from(document.querySelectorAll(sel)).map((e) => (e as HTMLElement).innerText);
        return {
          errors: texts('.output_error, .output_stderr'),
          notRun: cells.filter((c) => c.cell_type === 'code' && typeof c.execution_count !== 'number').length,
          tables: document.querySelectorAll('table.cvgl-table').length,
          svgPictures: document.querySelectorAll('.output_svg svg').length,
          charts: cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data && 'application/vnd.vegalite.v5+json' in o.data).length,
          textFallbacks: texts('.output_area').filter((t) => t.includes('<Vega-Lite chart')).length,
          kernel: J.notebook.kernel.name as string,
        };
      });
      // the whole notebook: classic Notebook scrolls inside #site, sized to the window, so a
      // full-page screenshot would show one screen; a window as tall as the content shows all
      mkdirSync(ARTIFACTS, { recursive: true });
      const height = await p.evaluate(() => {
        const site = document.querySelector('#site') as HTMLElement;
        return Math.ceil(site.getBoundingClientRect().top + site.scrollHeight);
      });
      await p.setViewport({ width: 1280, height: Math.min(height, 30_000) });
      await sleep(1000); // the frontend re-lays out #site on resize
      await p.screenshot({ path: SCREENSHOT, fullPage: true });

      expect(seen.errors).toEqual([]);
      expect(seen.notRun).toBe(0);
      expect(seen.tables).toBeGreaterThanOrEqual(3); // backends, splits, recall
      expect(seen.charts).toBe(CHARTS_IN_QUICKSTART);
      expect(seen.svgPictures).toBe(seen.charts);
      expect(seen.textFallbacks).toBe(0);
      expect(seen.kernel).toBe('cvgl-typescript');
    }, 1_200_000);
  });
});
