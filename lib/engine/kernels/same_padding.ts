/**
 * 'same' padding for the XNNPACK convolutions of the wasm backend, passed as explicit padding.
 *
 * tfjs-backend-wasm 4.22 hands pad 'same' to XNNPACK as XNN_FLAG_TENSORFLOW_SAME_PADDING, and
 * XNNPACK then computes the total padding as (out−1)·stride + kernel − in without clamping it at
 * zero. Where that is negative (kernel smaller than the stride on an input that the stride
 * divides, e.g. a 3x1 kernel with stride 2 on an even width, or 2x2 stride 3 on 6x6; 1x1 kernels
 * take another path and are fine) the result is all zeros. tfjs' own padInfo for 'same' is
 * clamped and gives the same output size, so these wrappers replace 'same' by that explicit
 * padding before calling the original kernel. Conv2D, FusedConv2D, DepthwiseConv2dNative and
 * FusedDepthwiseConv2D share the code path and all get the wrapper.
 */
import { tf } from '../tf.js';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

export const SAME_PADDING_KERNELS = ['Conv2D', 'FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2D'] as const;

function explicitSamePad(kernelName: string, x: TensorInfo, filter: TensorInfo, attrs: NamedAttrMap): NamedAttrMap {
  if (attrs.pad !== 'same') return attrs;
  const depthwise = kernelName.includes('Depthwise');
  const dataFormat = tf.backend_util.convertConv2DDataFormat((attrs.dataFormat as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides as any,
    (attrs.dilations as any) ?? 1,
    'same',
    undefined,
    depthwise,
    dataFormat,
  );
  const { top, bottom, left, right } = info.padInfo;
  const pad =
    dataFormat === 'channelsLast'
      ? [[0, 0], [top, bottom], [left, right], [0, 0]]
      : [[0, 0], [0, 0], [top, bottom], [left, right]];
  return { ...attrs, pad } as unknown as NamedAttrMap;
}

/** Replaces `kernelName` on `backendName` by a wrapper that passes 'same' as explicit padding. */
export function wrapSamePadding(kernelName: string, backendName: string): KernelConfig | null {
  const orig = tf.getKernel(kernelName, backendName);
  if (!orig) return null;
  return {
    kernelName,
    backendName,
    setupFunc: orig.setupFunc,
    disposeFunc: orig.disposeFunc,
    kernelFunc: (args) => {
      const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
      return orig.kernelFunc({ ...args, attrs: explicitSamePad(kernelName, x, filter, args.attrs as NamedAttrMap) });
    },
  };
}
