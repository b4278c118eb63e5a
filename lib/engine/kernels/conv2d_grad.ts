/**
 * Conv2D gradient that also covers dilation > 1, which tfjs-core's gradient rejects.
 *
 * For dilation 1 it delegates to the core gradient unchanged. For dilation d it uses the
 * identity conv(x, W, dilation d) = conv(x, W_d, dilation 1), where W_d is W with d−1 zeros
 * inserted between taps: dx is the standard input gradient for W_d, and dW is the standard
 * filter gradient for W_d read at every d-th tap. This runs on every backend.
 */
import { tf } from '../tf.js';
import type { GradConfig, NamedAttrMap, Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import { pair, type Pair } from './kernel_call.js';


/**
 * Inserts (d−1) zeros between filter taps: [kh,kw,ci,co] -> [(kh−1)dh+1, (kw−1)dw+1, ci, co].
 * Uses tensors of rank ≤ 4 only: tfjs-backend-webgpu's Pad cannot compile a rank-5 shader.
 */
export function dilateFilter(w: Tensor4D, [dh, dw]: Pair): Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, ci, co] = w.shape;
    let r: Tensor = w;
    if (dh > 1) {
      // [kh, 1, kw·ci·co] padded to [kh, dh, …], flattened and cut to (kh−1)dh+1 rows
      r = tf.pad(tf.reshape(r, [kh, 1, kw * ci * co]), [[0, 0], [0, dh - 1], [0, 0]]);
      r = tf.slice(tf.reshape(r, [kh * dh, kw, ci, co]), [0, 0, 0, 0], [(kh - 1) * dh + 1, kw, ci, co]);
    }
    const kh2 = r.shape[0]!;
    if (dw > 1) {
      r = tf.pad(tf.reshape(r, [kh2, kw, 1, ci * co]), [[0, 0], [0, 0], [0, dw - 1], [0, 0]]);
      r = tf.slice(tf.reshape(r, [kh2, kw * dw, ci, co]), [0, 0, 0, 0], [kh2, (kw - 1) * dw + 1, ci, co]);
    }
    return r as Tensor4D;
  });
}

let registered = false;

export function registerConv2dGradient(): void {
  if (registered) return;
  registered = true;
  const core = tf.getGradient('Conv2D');
  if (!core) throw new Error('tfjs-core has no Conv2D gradient registered');
  const grad: GradConfig = {
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const [dh, dw] = pair(attrs.dilations as number | number[]);
      if (dh === 1 && dw === 1) return core.gradFunc(dy, saved, attrs);
      const [x, w] = saved as [Tensor4D, Tensor4D];
      const g = dy as Tensor4D;
      if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') {
        throw new Error('the dilated Conv2D gradient supports NHWC only');
      }
      const strides = pair(attrs.strides as number | number[]);
      const pad = attrs.pad as any;
      return {
        x: () =>
          tf.tidy(() => tf.conv2dTranspose(g, dilateFilter(w, [dh, dw]), x.shape, strides, pad)),
        filter: () =>
          tf.tidy(() => {
            const [kh, kw, ci, co] = w.shape;
            const big: Tensor4D = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: g }, {
              strides,
              pad,
              dataFormat: 'NHWC',
              dimRoundingMode: attrs.dimRoundingMode,
              filterShape: [(kh - 1) * dh + 1, (kw - 1) * dw + 1, ci, co],
            } as any) as Tensor4D;
            return tf.stridedSlice(big, [0, 0, 0, 0], big.shape, [dh, dw, 1, 1]);
          }),
      };
    },
  };
  tf.registerGradient(grad);
}
