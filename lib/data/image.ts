/**
 * The in-memory image types the data pipeline passes around (no TensorFlow.js here, so worker
 * threads can use them). Pixels are interleaved channels, rows top to bottom (HWC), like NHWC
 * tensors without the batch axis.
 */

/** An 8-bit RGB image (3 channels). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A float image, values in [0, 1] for colour data; `channels` is 3 for RGB. */
export interface FloatImage {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}

export function rgbImage(width: number, height: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3) };
}

export function toFloat(img: RgbImage): FloatImage {
  const src = img.data, n = src.length;
  const out = new Float32Array(n);
  const k = 1 / 255;
  for (let i = 0; i < n; i++) out[i] = src[i]! * k;
  return { width: img.width, height: img.height, channels: 3, data: out };
}

export function toRgb(img: FloatImage): RgbImage {
  if (img.channels !== 3) throw new RangeError(`toRgb needs 3 channels, got ${img.channels}`);
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = Math.round(img.data[i]! * 255);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { width: img.width, height: img.height, data: out };
}
