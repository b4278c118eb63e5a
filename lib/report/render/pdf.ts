/**
 * HTML report to PDF with the system Chromium through puppeteer-core (puppeteer's own Chrome
 * download does not work here): A4, backgrounds printed, page numbers in the footer. The
 * browser is always closed, and killed if closing fails, so no Chromium is left behind.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { CvglError } from '../../engine/errors.ts';

/** Flags for a headless Chromium that never reaches the network on its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function isExecutable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Chromium to print with: `PUPPETEER_EXECUTABLE_PATH`, else /usr/bin/chromium, else
 * chromium, chromium-browser, google-chrome(-stable) on PATH; null when there is none.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env, fixed: string[] = ['/usr/bin/chromium']): string | null {
  const fromEnv = env['PUPPETEER_EXECUTABLE_PATH'];
  if (fromEnv && isExecutable(fromEnv)) return fromEnv;
  for (const p of fixed) if (isExecutable(p)) return p;
  const dirs = (env['PATH'] ?? '').split(delimiter).filter(Boolean);
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    for (const d of dirs) {
      const p = join(d, name);
      if (isExecutable(p)) return p;
    }
  }
  return null;
}

/**
 * Launch the system Chromium headless. `chromium`: its path; undefined: `findChromium()`;
 * null: known to be missing. Without one, throws a CvglError saying how to install it.
 */
export async function launchChromium(opts: { chromium?: string | null; htmlPath?: string } = {}): Promise<Browser> {
  const executablePath = opts.chromium === undefined ? findChromium() : opts.chromium;
  if (!executablePath) {
    throw new CvglError(
      'a Chromium browser to print the report to PDF (PUPPETEER_EXECUTABLE_PATH, /usr/bin/chromium, chromium-browser or google-chrome)',
      'none installed',
      `install it with \`npm run setup:system\` (Debian package \`chromium\`) or set PUPPETEER_EXECUTABLE_PATH; ` +
        (opts.htmlPath ? `the HTML report is still there: ${opts.htmlPath}` : 'the HTML report is written regardless'),
    );
  }
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
    protocolTimeout: 120_000,
  });
}

/** Close a browser; kill its process if closing does not work. */
export async function closeBrowser(browser: Browser): Promise<void> {
  const proc = browser.process();
  try {
    await Promise.race([browser.close(), new Promise((_, reject) => setTimeout(() => reject(new Error('close timed out')), 10_000))]);
  } catch {
    // fall through to the kill below
  } finally {
    if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }
}

const FOOTER = `<div style="font-size:8px;width:100%;padding:0 13mm;color:#777;font-family:'DejaVu Sans',sans-serif;display:flex;justify-content:space-between;">
<span class="title"></span><span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`;

/**
 * Print an HTML file to an A4 PDF with page numbers in the footer. `chromium` as in
 * `launchChromium` (undefined: found on this machine).
 */
export async function printPdf(htmlPath: string, pdfPath: string, opts: { chromium?: string | null } = {}): Promise<void> {
  const html = resolve(htmlPath);
  if (!existsSync(html)) {
    throw new CvglError('an HTML report to print', `no file at ${html}`, 'render the report first (cvgl report)');
  }
  const browser = await launchChromium({ chromium: opts.chromium, htmlPath: html });
  try {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load', timeout: 120_000 });
    await page.emulateMediaType('print');
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    await page.pdf({
      path: resolve(pdfPath),
      format: 'A4',
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate: FOOTER,
      margin: { top: '16mm', bottom: '18mm', left: '13mm', right: '13mm' },
      preferCSSPageSize: false,
      timeout: 120_000,
    });
  } finally {
    await closeBrowser(browser);
  }
}
