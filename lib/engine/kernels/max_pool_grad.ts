/**
 * `MaxPoolGrad` for the wasm backend. tfjs-backend-wasm 4.22's own kernel starts each window's
 * running maximum at `std::numeric_limits<float>::min()` (the smallest *positive* float, not the
 * lowest one), so a window whose values are all ≤ 1.2e-38 — any all-negative window — finds no
 * maximum and its gradient is dropped (or sent to element 0). Here the cpu kernel's semantics,
 * in JavaScript directly on the wasm heap: the first maximum of each window (strict `>`,
 * starting from −∞) receives dy; padding never does.
 */
import { tf } from '../tf.js';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

export function maxPoolGradWasm(dy: TensorInfo, input: TensorInfo, attrs: NamedAttrMap, backend: any): TensorInfo {
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize as any,
    attrs.strides as any,
    1,
    attrs.pad as any,
    attrs.dimRoundingMode as any,
  );
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // allocate first: a heap growth would leave earlier views short
  const out = backend.makeOutput(input.shape, 'float32') as TensorInfo;
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  const best = new Float32Array(C);
  const where = new Int32Array(C);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < OH; oy++) {
      const y0 = oy * sh - top;
      for (let ox = 0; ox < OW; ox++) {
        const x0 = ox * sw - left;
        best.fill(-Infinity);
        where.fill(-1);
        for (let ky = 0; ky < fh; ky += dh) {
          const iy = y0 + ky;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < fw; kx += dw) {
            const ix = x0 + kx;
            if (ix < 0 || ix >= W) continue;
            const base = ((b * H + iy) * W + ix) * C;
            for (let c = 0; c < C; c++) {
              const v = x[base + c]!;
              if (v > best[c]!) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        const gBase = ((b * OH + oy) * OW + ox) * C;
        for (let c = 0; c < C; c++) {
          const at = where[c]!;
          if (at >= 0) dx[at] = dx[at]! + g[gBase + c]!;
        }
      }
    }
  }
  return out;
}

export function maxPoolGradKernel(backendName: string): KernelConfig {
  return {
    kernelName: 'MaxPoolGrad',
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
      if (input.dtype !== 'float32' || dy.dtype !== 'float32') {
        throw new Error(`MaxPoolGrad on ${backendName} supports float32 only`);
      }
      return maxPoolGradWasm(dy, input, attrs as NamedAttrMap, backend);
    },
  };
}
