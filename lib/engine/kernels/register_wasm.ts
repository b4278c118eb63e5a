/**
 * Kernels the wasm backend of tfjs 4.22 lacks and our models need for training.
 * `Conv2DBackpropFilter` and `Conv2DBackpropInput` (which wasm has, but as a scalar loop) run on
 * XNNPACK, the hot kernels of every conv net's backward pass; the others are rare
 * in our models (depthwise convolutions of MDUIT's dynamic filters, gather's gradient, einsum)
 * and go through the cpu kernels.
 */
import { tf } from '../tf.js';
import { conv2dBackpropFilterKernel } from './conv2d_backprop_filter.js';
import { conv2dBackpropInputKernel } from './conv2d_backprop_input.js';
import { cpuBridgeKernel } from './cpu_bridge.js';
import { registerConv2dGradient } from './conv2d_grad.js';

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
  for (const k of WASM_BRIDGED_KERNELS) {
    if (!tf.getKernel(k, 'wasm')) tf.registerKernel(cpuBridgeKernel(k, 'wasm'));
  }
  registerConv2dGradient();
}
