/**
 * `Conv2DBackpropFilter` for the wasm backend, which lacks it, computed as one forward
 * convolution on wasm's own XNNPACK `Conv2D`:
 *
 *   dW[a,b,c,o] = Σ_{n,i,j} x_pad[n, i·s_h + a·d_h, j·s_w + b·d_w, c] · dy[n,i,j,o]
 *
 * is a convolution of x transposed to [C_in, H, W, N] (batch C_in, channels N) with dy
 * transposed to [H_out, W_out, N, C_out] as filter, where the forward stride becomes the
 * dilation and the forward dilation becomes the stride; the result [C_in, kh, kw, C_out] is
 * transposed to [kh, kw, C_in, C_out]. Padding is the forward padding on top/left; the
 * bottom/right padding is whatever makes the output exactly kh x kw (rows the forward conv
 * never read are sliced off instead when that would be negative).
 *
 * Besides the standard attributes it accepts `dilations` (default 1), which the core kernel
 * has no attribute for; our Conv2D gradient passes it (see conv2d_grad.ts).
 */
import { tf } from '../tf.js';
import type { KernelConfig, TensorInfo, NamedAttrMap } from '@tensorflow/tfjs-core';
import { KernelScope, pair } from './kernel_call.js';

export function conv2dBackpropFilterViaConv(
  x: TensorInfo,
  dy: TensorInfo,
  attrs: NamedAttrMap,
  backend: any,
  backendName: string,
): TensorInfo {
  const filterShape = attrs.filterShape as [number, number, number, number];
  const dataFormat = (attrs.dataFormat as string | undefined) ?? 'NHWC';
  if (dataFormat !== 'NHWC') {
    throw new Error(`Conv2DBackpropFilter on ${backendName} supports NHWC only, got ${dataFormat}`);
  }
  const strides = pair(attrs.strides as number | number[]);
  const dilations = pair(attrs.dilations as number | number[] | undefined);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations,
    attrs.pad as any,
    attrs.dimRoundingMode as any,
  );
  const [kh, kw, cin, cout] = filterShape;
  const [n, h, w] = x.shape as number[];
  const [, hOut, wOut] = dy.shape as number[];
  if (dy.shape[0] !== n || dy.shape[3] !== cout || hOut !== info.outHeight || wOut !== info.outWidth) {
    throw new Error(
      `Conv2DBackpropFilter: dy shape [${dy.shape}] does not match the forward output ` +
        `[${n}, ${info.outHeight}, ${info.outWidth}, ${cout}]`,
    );
  }
  const k = new KernelScope(backend, backendName);
  const run = k.run.bind(k);
  try {
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const needH = (kh! - 1) * dilations[0] + (hOut! - 1) * strides[0] + 1;
    const needW = (kw! - 1) * dilations[1] + (wOut! - 1) * strides[1] + 1;
    let xIn = x;
    let hIn = h!;
    let wIn = w!;
    if (needH - top < hIn || needW - left < wIn) {
      hIn = Math.min(hIn, needH - top);
      wIn = Math.min(wIn, needW - left);
      xIn = run('Slice', { x }, { begin: [0, 0, 0, 0], size: [n!, hIn, wIn, cin!] });
    }
    const xt = run('Transpose', { x: xIn }, { perm: [3, 1, 2, 0] });
    const dyt = run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
    const bottom = needH - top - hIn;
    const right = needW - left - wIn;
    const out = run(
      'Conv2D',
      { x: xt, filter: dyt },
      {
        strides: dilations,
        dilations: strides,
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dimRoundingMode: undefined as any,
      } as NamedAttrMap,
    );
    return k.keep(run('Transpose', { x: out }, { perm: [1, 2, 0, 3] }));
  } finally {
    k.dispose();
  }
}

export function conv2dBackpropFilterKernel(backendName: string): KernelConfig {
  return {
    kernelName: 'Conv2DBackpropFilter',
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
      return conv2dBackpropFilterViaConv(x, dy, attrs as NamedAttrMap, backend, backendName);
    },
  };
}
