/**
 * Runs a `cpu` kernel for another backend that lacks it: inputs are read from the calling
 * backend, the cpu kernel runs on a private cpu backend instance, and its outputs are written
 * back. Costs two copies per call, so it is kept for kernels that are rare in a training step
 * (their cost shows up in `tf.profile` under the kernel's own name).
 */
import { tf } from '../tf.js';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

let cpu: MathBackendCPU | null = null;

function cpuBackend(): MathBackendCPU {
  if (!cpu) {
    cpu = new MathBackendCPU();
    (cpu as any).firstUse = false; // no "install tfjs-node" banner for this private instance
  }
  return cpu;
}

export function cpuBridgeKernel(kernelName: string, backendName: string): KernelConfig {
  const cpuKernel = tf.getKernel(kernelName, 'cpu');
  if (!cpuKernel) throw new Error(`no cpu kernel ${kernelName} to bridge to ${backendName}`);
  return {
    kernelName,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const c = cpuBackend();
      // most kernels take named inputs; a few (Einsum, AddN, Concat…) take an array
      const arrayInputs = Array.isArray(inputs);
      const cpuInputs: Record<string, TensorInfo> | TensorInfo[] = arrayInputs ? [] : {};
      const made: TensorInfo[] = [];
      for (const [name, t] of Object.entries(inputs as Record<string, TensorInfo | null>)) {
        if (t == null) continue;
        const values = (backend as any).readSync(t.dataId);
        const ti = c.makeTensorInfo(t.shape, t.dtype, values);
        if (arrayInputs) (cpuInputs as TensorInfo[]).push(ti);
        else (cpuInputs as Record<string, TensorInfo>)[name] = ti;
        made.push(ti);
      }
      try {
        const out = cpuKernel.kernelFunc({ inputs: cpuInputs as any, backend: c as any, attrs });
        const outs = Array.isArray(out) ? out : [out];
        const converted = outs.map((o) => {
          const values = c.readSync(o.dataId);
          // `write` is on every KernelBackend (wasm has no makeTensorInfo)
          const r: TensorInfo = { dataId: (backend as any).write(values, o.shape, o.dtype), shape: o.shape, dtype: o.dtype };
          c.disposeData(o.dataId);
          return r;
        });
        return Array.isArray(out) ? converted : converted[0]!;
      } finally {
        for (const t of made) c.disposeData(t.dataId);
      }
    },
  };
}
