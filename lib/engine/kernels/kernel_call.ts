/** Calling a backend's own kernels from inside another kernel, with the temporaries freed. */
import { tf } from '../tf.js';
import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

export class KernelScope {
  private temps: TensorInfo[] = [];
  constructor(
    readonly backend: any,
    readonly backendName: string,
  ) {}

  /** Runs kernel `name` of this backend; the result is freed by `dispose()` unless kept. */
  run(name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): TensorInfo {
    const k = tf.getKernel(name, this.backendName);
    if (!k) throw new Error(`kernel ${name} is not registered for ${this.backendName}`);
    const out = (k.kernelFunc as any)({ inputs, backend: this.backend, attrs }) as TensorInfo;
    this.temps.push(out);
    return out;
  }

  /** Marks `t` as the result: it survives `dispose()`. */
  keep(t: TensorInfo): TensorInfo {
    this.temps = this.temps.filter((x) => x !== t);
    return t;
  }

  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps = [];
  }
}

export type Pair = [number, number];

export function pair(v: number | number[] | undefined, dflt = 1): Pair {
  if (v == null) return [dflt, dflt];
  if (typeof v === 'number') return [v, v];
  return [v[0] ?? dflt, v[1] ?? v[0] ?? dflt];
}
