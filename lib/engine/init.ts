/**
 * `initEngine`: chooses and starts the TensorFlow.js backend for this process.
 *
 *   tensorflow  @tensorflow/tfjs-node(-gpu), when the user installed it
 *   webgpu      Dawn (Vulkan GPU; Mesa llvmpipe software adapter only when asked for by name)
 *   native      the cpu backend with convolutions and matmuls on oneDNN (our N-API addon)
 *   wasm        XNNPACK + SIMD + threads, with the gradient kernels it lacks registered by us
 *   cpu         plain JS, the reference for parity tests
 *
 * `auto` picks tensorflow if importable, else webgpu on a hardware adapter, else native when its
 * addon is built, else wasm.
 * The env variable CVGL_BACKEND sets the backend when the caller does not.
 */
import { tf } from './tf.js';
import { CvglError } from './errors.js';
import { machineInfo } from './device.js';
import { recordBackend } from './session.js';
import { startWasm, wasmVersion, WASM_MAX_THREADS } from './backends/wasm.js';
import { probeWebgpu, startWebgpu, dawnVersion } from './backends/webgpu.js';
import { probeTensorflow } from './backends/tensorflow.js';
import { loadNative, nativeUnavailable, startNative } from './backends/native.js';
import { registerReluGradient } from './kernels/relu_grad.js';
import { registerConv2dGradient } from './kernels/conv2d_grad.js';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const BACKENDS = ['tensorflow', 'webgpu', 'native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendChoice = BackendName | 'auto';

export interface EngineOptions {
  backend?: BackendChoice;
  /** Threads for wasm and native (default: all cores, at most 8). */
  threads?: number;
}

export interface EngineInfo {
  backend: BackendName;
  /** CPU model, or the GPU adapter's name. */
  device: string;
  /** True for a software GPU adapter (llvmpipe): correct but slow. */
  software: boolean;
  /** Threads computing on the CPU side (1 for cpu; the GPU backends report the CPU cores). */
  threads: number;
  versions: Record<string, string>;
  /** Why auto chose what it chose, fallbacks taken. */
  notes: string[];
}

export interface BackendStatus {
  name: BackendName;
  available: boolean;
  device?: string;
  software?: boolean;
  reason?: string;
}

let current: EngineInfo | null = null;
let starting: Promise<EngineInfo> | null = null;

export function engineInfo(): EngineInfo | null {
  return current;
}

export function versions(): Record<string, string> {
  const v: Record<string, string> = {
    node: process.versions.node,
    tfjs: tf.version.tfjs ?? tf.version_core,
    'tfjs-core': tf.version_core,
    'tfjs-backend-wasm': wasmVersion(),
  };
  const nat = loadNative();
  if (nat) v.onednn = nat.version();
  try {
    v['tfjs-backend-webgpu'] = require('@tensorflow/tfjs-backend-webgpu/package.json').version;
    v.dawn = `webgpu ${dawnVersion()}`;
  } catch {
    /* optional */
  }
  return v;
}

/** CVGL_THREADS when set (e.g. by `cvgl report --jobs N`, one share of the cores per kernel), else every core (at most 8). */
function defaultThreads(): number {
  const env = process.env.CVGL_THREADS?.trim();
  if (env) {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new CvglError('CVGL_THREADS: a thread count >= 1', `'${env}'`, 'unset it to use every core, or set e.g. CVGL_THREADS=2');
    return Math.min(WASM_MAX_THREADS, n);
  }
  return Math.min(WASM_MAX_THREADS, machineInfo().cores);
}

function parseChoice(raw: string | undefined, source: string): BackendChoice {
  const v = (raw ?? 'auto').trim().toLowerCase();
  if (v === 'auto' || (BACKENDS as readonly string[]).includes(v)) return v as BackendChoice;
  throw new CvglError(
    `a backend name: auto, ${BACKENDS.join(', ')}`,
    `'${raw}' (from ${source})`,
    `pick one of those; run \`cvgl info\` to see which are available here and why`,
  );
}

/** Every backend and whether it can start here (used by `cvgl info` and error messages). */
export async function probeBackends(): Promise<BackendStatus[]> {
  const m = machineInfo();
  const out: BackendStatus[] = [];
  const t = await probeTensorflow();
  out.push(t.pkg ? { name: 'tensorflow', available: true, device: t.pkg } : { name: 'tensorflow', available: false, reason: t.reason });
  const w = await probeWebgpu();
  const a = w.hardware ?? w.software;
  out.push(
    a
      ? { name: 'webgpu', available: true, device: a.device, software: a.software, reason: w.reason }
      : { name: 'webgpu', available: false, reason: w.reason },
  );
  const nativeWhyNot = nativeUnavailable();
  out.push(nativeWhyNot ? { name: 'native', available: false, reason: nativeWhyNot } : { name: 'native', available: true, device: `${m.cpu} (oneDNN)` });
  out.push({ name: 'wasm', available: typeof WebAssembly === 'object', device: m.cpu });
  out.push({ name: 'cpu', available: true, device: m.cpu });
  return out;
}

async function unavailable(name: BackendName, why: string): Promise<never> {
  const st = await probeBackends().catch(() => [] as BackendStatus[]);
  const list = st
    .map((s) => `${s.name}${s.available ? (s.software ? ' (software adapter)' : '') : ` (unavailable: ${s.reason})`}`)
    .join(', ');
  throw new CvglError(`the '${name}' backend to start`, why, `use one of the backends available here: ${list}`);
}

/**
 * Starts the backend. Idempotent for the same choice; switching backends later in the same
 * process works, except that wasm keeps the thread count it first started with.
 */
export async function initEngine(opts: EngineOptions = {}): Promise<EngineInfo> {
  const choice =
    opts.backend != null
      ? parseChoice(opts.backend, 'the backend option')
      : parseChoice(process.env.CVGL_BACKEND?.trim() || undefined, 'the CVGL_BACKEND environment variable'); // empty = unset
  if (current && (choice === 'auto' || choice === current.backend) && opts.threads == null && tf.getBackend() === current.backend) {
    return current;
  }
  while (starting) await starting.catch(() => undefined);
  starting = start(choice, opts.threads ?? defaultThreads());
  try {
    current = await starting;
    recordBackend({ name: current.backend, device: current.device, threads: current.threads });
    return current;
  } finally {
    starting = null;
  }
}

async function start(choice: BackendChoice, threads: number): Promise<EngineInfo> {
  // the dilated Conv2D gradient is backend-independent: every backend gets it, not only wasm
  registerConv2dGradient();
  registerReluGradient();
  const m = machineInfo();
  const notes: string[] = [];
  let name: BackendName;
  if (choice === 'auto') {
    const t = await probeTensorflow();
    const w = t.pkg ? null : await probeWebgpu({ software: false });
    if (t.pkg) name = 'tensorflow';
    else if (w?.hardware) name = 'webgpu';
    else if (loadNative()) {
      name = 'native';
      notes.push(`auto chose native (oneDNN on the CPU): ${t.reason}; webgpu: ${w?.reason ?? 'no hardware adapter'}`);
    } else {
      name = 'wasm';
      notes.push(`auto chose wasm: ${t.reason}; webgpu: ${w?.reason ?? 'no hardware adapter'}; native: ${nativeUnavailable()}`);
    }
  } else {
    name = choice;
  }

  const base = { backend: name, versions: versions(), notes };
  switch (name) {
    case 'cpu': {
      if (!(await tf.setBackend('cpu'))) return unavailable('cpu', 'tf.setBackend("cpu") failed');
      (tf.backend() as any).firstUse = false; // the "install tfjs-node" banner; cvgl info says it instead
      return { ...base, device: m.cpu, software: false, threads: 1 };
    }
    case 'native': {
      const r = await startNative(threads).catch((e: Error) => unavailable('native', e.message));
      return { ...base, device: `${m.cpu} (oneDNN ${r.version})`, software: false, threads: r.threads };
    }
    case 'wasm': {
      const r = await startWasm(threads).catch((e: Error) => unavailable('wasm', e.message));
      if (r.note) notes.push(r.note);
      if (!r.simd) notes.push('WebAssembly SIMD is not supported by this Node; wasm runs without it');
      return { ...base, device: m.cpu, software: false, threads: r.threads };
    }
    case 'webgpu': {
      const info = await startWebgpu(choice === 'webgpu').catch((e: Error) => unavailable('webgpu', e.message));
      if (info.software) notes.push(`software adapter (${info.device}): correct but slow; for tests of the GPU path`);
      return { ...base, device: `${info.device}${info.description ? ` (${info.description})` : ''} via ${info.api}`, software: info.software, threads: m.cores };
    }
    case 'tensorflow': {
      const t = await probeTensorflow();
      if (!t.pkg) return unavailable('tensorflow', t.reason ?? 'not installed');
      if (!(await tf.setBackend('tensorflow'))) return unavailable('tensorflow', `${t.pkg} loaded but its backend did not start`);
      return { ...base, device: `${t.pkg} (libtensorflow)`, software: false, threads: m.cores, versions: { ...base.versions, [t.pkg]: require(`${t.pkg}/package.json`).version } };
    }
  }
}
