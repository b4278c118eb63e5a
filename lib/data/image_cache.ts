/**
 * On-disk cache of decoded and resized images (raw uint8 RGB), so a second epoch does not decode
 * JPEGs again. The key covers the file's path, size and modification time and the target size:
 * a changed file or another size is a miss, never a stale hit. Writes are atomic (temporary
 * file + rename), so an interrupted run leaves no half-written entries.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RgbImage } from './image.js';

export const CACHE_VERSION = 1;

export function cacheKey(path: string, width: number, height: number): string {
  const st = statSync(path);
  return createHash('sha1').update(`${CACHE_VERSION}|${path}|${st.size}|${st.mtimeMs}|${width}x${height}`).digest('hex');
}

function entryPath(dir: string, key: string): string {
  return join(dir, key.slice(0, 2), `${key}.rgb`);
}

/** The cached image, or null on a miss (or an entry of the wrong length). */
export function cacheGet(dir: string, key: string, width: number, height: number): RgbImage | null {
  try {
    const buf = readFileSync(entryPath(dir, key));
    if (buf.length !== width * height * 3) return null;
    return { width, height, data: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) };
  } catch {
    return null;
  }
}

export function cachePut(dir: string, key: string, img: RgbImage): void {
  const p = entryPath(dir, key);
  mkdirSync(join(dir, key.slice(0, 2)), { recursive: true });
  const tmp = `${p}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, img.data);
  renameSync(tmp, p);
}
