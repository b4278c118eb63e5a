/**
 * Markdown of notebook cells to HTML: markdown-it plus a small math plugin that renders
 * `$…$` (inline) and `$$…$$` (display) server-side with KaTeX, so the page needs no script.
 * The KaTeX stylesheet is inlined with its woff2 fonts as data URIs (`katexCss()`), so a
 * report is one self-contained file that opens from disk with no network.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import MarkdownIt from 'markdown-it';
import type { MarkdownIt as MarkdownItInstance, StateBlock, StateInline } from 'markdown-it';
import katex from 'katex';

/** Render TeX to HTML (KaTeX HTML + MathML for accessibility); errors show in red, never throw. */
export function renderMath(tex: string, displayMode: boolean): string {
  return katex.renderToString(tex, {
    displayMode,
    throwOnError: false,
    output: 'htmlAndMathml',
    strict: 'ignore',
    trust: false,
  });
}

const DOLLAR = 0x24;
const BACKSLASH = 0x5c;

function isWhitespace(code: number | undefined): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function isDigit(code: number | undefined): boolean {
  return code !== undefined && code >= 0x30 && code <= 0x39;
}

/**
 * Inline math, pandoc's rules: `$$…$$` (display inside a paragraph) or `$…$` where the opening
 * `$` is not followed by whitespace and the closing one is not preceded by whitespace nor
 * followed by a digit (so "$5 and $6" stays text). `\$` is handled by markdown-it's escape rule
 * before this one runs.
 */
function mathInline(state: StateInline, silent: boolean): boolean {
  const src = state.src;
  const start = state.pos;
  if (src.charCodeAt(start) !== DOLLAR) return false;
  const display = src.charCodeAt(start + 1) === DOLLAR;
  const open = display ? 2 : 1;
  let pos = start + open;
  if (!display && isWhitespace(src.charCodeAt(pos))) return false;
  while (pos < state.posMax) {
    const c = src.charCodeAt(pos);
    if (c === BACKSLASH) {
      pos += 2;
      continue;
    }
    if (c === DOLLAR) {
      if (display) {
        if (src.charCodeAt(pos + 1) === DOLLAR) break;
      } else if (src.charCodeAt(pos + 1) === DOLLAR) {
        return false; // `$$` opens display math: a single `$` never closes across it
      } else if (!isWhitespace(src.charCodeAt(pos - 1)) && !isDigit(src.charCodeAt(pos + 1))) {
        break;
      }
    }
    pos++;
  }
  if (pos >= state.posMax) return false;
  const content = src.slice(start + open, pos);
  if (content.trim() === '') return false;
  if (!silent) {
    const token = state.push(display ? 'math_inline_display' : 'math_inline', 'math', 0);
    token.markup = display ? '$$' : '$';
    token.content = content;
  }
  state.pos = pos + open;
  return true;
}

/** Block math: a paragraph that starts with `$$` on its own line(s), up to the closing `$$`. */
function mathBlock(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  let pos = (state.bMarks[startLine] ?? 0) + (state.tShift[startLine] ?? 0);
  let max = state.eMarks[startLine] ?? 0;
  if (pos + 2 > max) return false;
  if (state.src.slice(pos, pos + 2) !== '$$') return false;
  if ((state.sCount[startLine] ?? 0) - state.blkIndent >= 4) return false;
  pos += 2;
  let firstLine = state.src.slice(pos, max);
  if (silent) return true;
  let found = false;
  let lastLine = '';
  let next = startLine;
  if (firstLine.trim().endsWith('$$')) {
    // one line: $$ … $$
    firstLine = firstLine.trim().slice(0, -2);
    found = true;
  }
  while (!found) {
    next++;
    if (next >= endLine) break;
    pos = (state.bMarks[next] ?? 0) + (state.tShift[next] ?? 0);
    max = state.eMarks[next] ?? 0;
    if (pos < max && (state.sCount[next] ?? 0) < state.blkIndent) break; // dedented: stop
    const line = state.src.slice(pos, max).trim();
    if (line.endsWith('$$')) {
      lastLine = line.slice(0, -2);
      found = true;
    }
  }
  if (!found) return false; // no closing $$: leave it to the paragraph (and inline rule)
  state.line = next + 1;
  const token = state.push('math_block', 'math', 0);
  token.block = true;
  const middle = next > startLine + 1 ? state.getLines(startLine + 1, next, state.tShift[startLine] ?? 0, true) : '';
  token.content = [firstLine, middle, lastLine].filter((s) => s.trim() !== '').join('\n');
  token.markup = '$$';
  token.map = [startLine, state.line];
  return true;
}

/** markdown-it plugin: `$…$`, `$$…$$` rendered with KaTeX. */
export function mathPlugin(md: MarkdownItInstance): void {
  md.inline.ruler.after('escape', 'math_inline', mathInline);
  md.block.ruler.after('blockquote', 'math_block', mathBlock, {
    alt: ['paragraph', 'reference', 'blockquote', 'list'],
  });
  md.renderer.rules['math_inline'] = (tokens, idx) => renderMath(tokens[idx]?.content ?? '', false);
  md.renderer.rules['math_inline_display'] = (tokens, idx) => renderMath(tokens[idx]?.content ?? '', true);
  md.renderer.rules['math_block'] = (tokens, idx) =>
    `<div class="math-display">${renderMath(tokens[idx]?.content ?? '', true)}</div>\n`;
}

let md: MarkdownItInstance | null = null;

/** The shared renderer: HTML in markdown allowed (notebooks are trusted), linkify, tables. */
export function markdown(): MarkdownItInstance {
  if (!md) {
    md = new MarkdownIt({ html: true, linkify: true, typographer: false });
    md.use(mathPlugin);
  }
  return md;
}

/** Markdown source (a cell's text) to HTML. */
export function renderMarkdown(src: string): string {
  return markdown().render(src);
}

/** True when rendered HTML contains KaTeX output (so the page needs `katexCss()`). */
export function hasMath(html: string): boolean {
  return html.includes('class="katex');
}

let cachedCss: string | null = null;

/**
 * KaTeX's stylesheet with every `@font-face` source replaced by its woff2 file as a data URI
 * (woff/ttf fallbacks dropped: every browser that prints our PDFs reads woff2).
 */
export function katexCss(): string {
  if (cachedCss !== null) return cachedCss;
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve('katex/dist/katex.min.css'));
  const css = readFileSync(join(dist, 'katex.min.css'), 'utf8');
  cachedCss = css.replace(/src:\s*url\((fonts\/[^)]+?\.woff2)\)\s*format\("woff2"\)[^;}]*/g, (_m, file: string) => {
    const data = readFileSync(join(dist, file)).toString('base64');
    return `src:url(data:font/woff2;base64,${data}) format("woff2")`;
  });
  return cachedCss;
}
