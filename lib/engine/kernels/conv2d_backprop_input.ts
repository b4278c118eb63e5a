/**
 * `Conv2DBackpropInput` for the wasm backend on XNNPACK. tfjs-backend-wasm 4.22 has this kernel
 * but as a scalar C++ loop, which dominated a VGG16 training step (docs/benchmark.md). Here it
 * is one forward convolution:
 *
 *   dx[n,y,x,c] = Σ_{a,b,o} dy_up[n, y + top − a·d, x + left − b·d, o] · W[a,b,c,o]
 *
 * where dy_up is dy with (s−1) zeros inserted between rows/columns (stride s; nothing to insert
 * for s = 1). Substituting a' = kh−1−a makes it a stride-1 correlation of dy_up, padded by
 * (kh−1)·d − top before and by whatever gives H rows after, with the filter flipped in space and
 * transposed to [kh, kw, C_out, C_in], at the forward dilation d.
 */
import { tf } from '../tf.js';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { KernelScope, pair } from './kernel_call.js';

/** Inserts (s−1) zeros between the rows and columns of x [N,H,W,C]. */
function insertZeros(k: KernelScope, x: TensorInfo, [sh, sw]: [number, number]): TensorInfo {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape as number[];
  const r = k.run('Reshape', { x }, { shape: [n!, h!, 1, w!, 1, c!] });
  const p = k.run('PadV2', { x: r }, {
    paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
    constantValue: 0,
  } as any);
  const flat = k.run('Reshape', { x: p }, { shape: [n!, h! * sh, w! * sw, c!] });
  return k.run('Slice', { x: flat }, { begin: [0, 0, 0, 0], size: [n!, (h! - 1) * sh + 1, (w! - 1) * sw + 1, c!] });
}

export function conv2dBackpropInputViaConv(
  dy: TensorInfo,
  filter: TensorInfo,
  attrs: NamedAttrMap,
  backend: any,
  backendName: string,
): TensorInfo {
  const inputShape = attrs.inputShape as [number, number, number, number];
  if (((attrs.dataFormat as string | undefined) ?? 'NHWC') !== 'NHWC') {
    throw new Error(`Conv2DBackpropInput on ${backendName} supports NHWC only`);
  }
  const strides = pair(attrs.strides as number | number[]);
  const dilations = pair(attrs.dilations as number | number[] | undefined);
  const [kh, kw, cin, cout] = filter.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    [kh, kw, cin, cout],
    strides,
    dilations,
    attrs.pad as any,
    attrs.dimRoundingMode as any,
  );
  const [n, h, w] = inputShape;
  if (dy.shape[1] !== info.outHeight || dy.shape[2] !== info.outWidth || dy.shape[3] !== cout) {
    throw new Error(
      `Conv2DBackpropInput: dy shape [${dy.shape}] does not match the forward output ` +
        `[${n}, ${info.outHeight}, ${info.outWidth}, ${cout}]`,
    );
  }
  const k = new KernelScope(backend, backendName);
  try {
    let up = insertZeros(k, dy, strides);
    const effH = (kh - 1) * dilations[0];
    const effW = (kw - 1) * dilations[1];
    let top = effH - info.padInfo.top;
    let left = effW - info.padInfo.left;
    // negative padding = rows of dy_up that contribute nothing: slice them off
    const [, upH, upW] = up.shape as number[];
    const cutTop = Math.max(0, -top);
    const cutLeft = Math.max(0, -left);
    top = Math.max(0, top);
    left = Math.max(0, left);
    const keepH = Math.min(upH! - cutTop, h + effH - top);
    const keepW = Math.min(upW! - cutLeft, w + effW - left);
    if (cutTop || cutLeft || keepH < upH! - cutTop || keepW < upW! - cutLeft) {
      up = k.run('Slice', { x: up }, { begin: [0, cutTop, cutLeft, 0], size: [n, keepH, keepW, cout] });
    }
    const bottom = h + effH - top - keepH;
    const right = w + effW - left - keepW;
    const flipped = k.run('Reverse', { x: filter }, { dims: [0, 1] });
    const wT = k.run('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
    const dx = k.run(
      'Conv2D',
      { x: up, filter: wT },
      {
        strides: [1, 1],
        dilations,
        pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
        dataFormat: 'NHWC',
        dimRoundingMode: undefined as any,
      } as NamedAttrMap,
    );
    return k.keep(dx);
  } finally {
    k.dispose();
  }
}

export function conv2dBackpropInputKernel(backendName: string): KernelConfig {
  return {
    kernelName: 'Conv2DBackpropInput',
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
      return conv2dBackpropInputViaConv(dy, filter, attrs as NamedAttrMap, backend, backendName);
    },
  };
}
