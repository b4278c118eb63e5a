/**
 * Decoding and encoding image files (sharp/libvips). Decoding is strict: a truncated or corrupt
 * file is an error naming the file, never a silently grey image.
 */
import sharp from 'sharp';
import { CvglError } from '../engine/errors.js';
import type { RgbImage } from './image.js';

/** Decodes an image file to RGB, resized to width x height (any aspect change is a plain
 *  stretch, as the papers resize CVUSA's 1232x224 panoramas to 616x112 and 750x750 tiles to 256x256). */
export async function decodeImage(path: string, size?: { width: number; height: number }): Promise<RgbImage> {
  try {
    let s = sharp(path, { failOn: 'truncated' }).removeAlpha().toColourspace('srgb');
    if (size) s = s.resize(size.width, size.height, { fit: 'fill' });
    const { data, info } = await s.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    const missing = /no such file|does not exist|is missing|ENOENT/i.test(msg); // sharp: 'Input file is missing'
    throw new CvglError(
      `a readable image file`,
      `${path}: ${missing ? 'missing' : msg.split('\n')[0]}`,
      missing ? 'check the dataset layout (`cvgl data check DIR` lists every missing file)' : 'the file is damaged: re-extract it from the dataset archive (`cvgl data check DIR` lists all such files)',
    );
  }
}

/** Writes an RGB image; the format follows the extension (.png, .jpg/.jpeg). */
export async function encodeImage(img: RgbImage, path: string, quality = 92): Promise<void> {
  const s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 3 } });
  await (path.endsWith('.png') ? s.png() : s.jpeg({ quality })).toFile(path);
}
