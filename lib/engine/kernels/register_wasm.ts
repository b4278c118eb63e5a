/**
 * Kernels the wasm backend of tfjs 4.22 lacks and our models need for training.
 * `Conv2DBackpropFilter` and `Conv2DBackpropInput` (which wasm has, but as a scalar loop) run on
 * XNNPACK, the hot kernels of every conv net's backward pass; the others are rare
 * in our models (depthwise convolutions of MDUIT's dynamic filters, gather's gradient, einsum)
 * and go through the cpu kernels. Two of wasm's own kernels are replaced or wrapped because they
 * give wrong results: `MaxPoolGrad` (max_pool_grad.ts) and 'same' padding of the XNNPACK
 * convolutions (same_padding.ts).
 */
import { tf } from '../tf.js';
import { conv2dBackpropFilterKernel } from './conv2d_backprop_filter.js';
import { conv2dBackpropInputKernel } from './conv2d_backprop_input.js';
import { cpuBridgeKernel } from './cpu_bridge.js';
import { registerConv2dGradient } from './conv2d_grad.js';
import { maxPoolGradKernel } from './max_pool_grad.js';
import { SAME_PADDING_KERNELS, wrapSamePadding } from './same_padding.js';

export const WASM_BRIDGED_KERNELS = [
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum',
  'Einsum',
] as const;

let done = false;

export function registerWasmKernels(): void {
  if (done) return;
  done = true;
  tf.registerKernel(conv2dBackpropFilterKernel('wasm'));
  // replaces wasm's own scalar-loop kernel (see conv2d_backprop_input.ts)
  tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  tf.registerKernel(conv2dBackpropInputKernel('wasm'));
  // replaces wasm's own, which drops the gradient of all-negative windows (see max_pool_grad.ts)
  tf.unregisterKernel('MaxPoolGrad', 'wasm');
  tf.registerKernel(maxPoolGradKernel('wasm'));
  // XNNPACK's TF-'same' padding is wrong when the padding would be negative (see same_padding.ts)
  for (const k of SAME_PADDING_KERNELS) {
    const wrapped = wrapSamePadding(k, 'wasm');
    if (!wrapped) continue;
    tf.unregisterKernel(k, 'wasm');
    tf.registerKernel(wrapped);
  }
  for (const k of WASM_BRIDGED_KERNELS) {
    if (!tf.getKernel(k, 'wasm')) tf.registerKernel(cpuBridgeKernel(k, 'wasm'));
  }
  registerConv2dGradient();
}
