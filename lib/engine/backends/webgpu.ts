/**
 * The `webgpu` backend on Dawn through the npm `webgpu` package (`dawn.node`).
 *
 * Hardware adapters come from Dawn's default backend (Vulkan on Linux). With no GPU, a software
 * adapter can still be had from Mesa llvmpipe through OpenGL ES/EGL: `create(['backend=opengl'])`
 * with `featureLevel: 'compatibility'`, `EGL_PLATFORM=surfaceless` and `XDG_RUNTIME_DIR` set.
 * Software adapters report `isFallbackAdapter: false`, so we tell them by name.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tf } from '../tf.js';

const require = createRequire(import.meta.url);

export interface GpuAdapterInfo {
  device: string;
  description: string;
  vendor: string;
  architecture: string;
  /** Dawn backend used: vulkan, opengl, … */
  api: string;
  software: boolean;
}

export interface WebgpuProbe {
  hardware: GpuAdapterInfo | null;
  software: GpuAdapterInfo | null;
  /** Why no adapter was found, when none was. */
  reason?: string;
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|software|basic render/i;

type Dawn = { create: (opts: string[]) => any; globals: Record<string, unknown> };
let dawn: Dawn | null = null;
let dawnError: string | null = null;

async function loadDawn(): Promise<Dawn | null> {
  if (dawn || dawnError) return dawn;
  try {
    dawn = (await import('webgpu')) as unknown as Dawn;
    Object.assign(globalThis, dawn.globals); // GPUBufferUsage & co., which tfjs-backend-webgpu reads
  } catch (e) {
    dawnError = `the npm package 'webgpu' (Dawn) did not load: ${(e as Error).message}`;
  }
  return dawn;
}

function describe(adapter: any, api: string): GpuAdapterInfo {
  const info = adapter.info ?? {};
  const text = `${info.device ?? ''} ${info.description ?? ''} ${info.vendor ?? ''}`;
  return {
    device: String(info.device || info.description || 'unknown').replace(/-+$/, ''),
    description: String(info.description ?? ''),
    vendor: String(info.vendor ?? ''),
    architecture: String(info.architecture ?? ''),
    api,
    software: Boolean(info.isFallbackAdapter || adapter.isFallbackAdapter || SOFTWARE_NAMES.test(text)),
  };
}

const adapters = new Map<string, any>();

/** Whether a Vulkan loader is installed (Linux); without one Dawn only prints warnings. */
export function hasVulkanLoader(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/lib/x86_64-linux-gnu',
    '/usr/local/lib',
  ];
  return dirs.some((d) => fs.existsSync(path.join(d, 'libvulkan.so.1')));
}

/** Vulkan drivers (ICD manifests) installed; with none, a Vulkan instance has no device to offer. */
export function hasVulkanDriver(): boolean {
  if (process.platform !== 'linux') return true;
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES || process.env.VK_ADD_DRIVER_FILES) return true;
  const dirs = [
    ...(process.env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share').split(':').filter(Boolean).map((d) => path.join(d, 'vulkan/icd.d')),
    '/etc/vulkan/icd.d',
    path.join(process.env.HOME ?? '/root', '.local/share/vulkan/icd.d'),
  ];
  return dirs.some((d) => {
    try {
      return fs.readdirSync(d).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

type Found = { gpu: any; adapter: any; info: GpuAdapterInfo };

async function requestAdapter(kind: 'hardware' | 'software'): Promise<Found | null> {
  const d = await loadDawn();
  if (!d) return null;
  if (kind === 'hardware') {
    if (!hasVulkanLoader() || !hasVulkanDriver()) return null;
    for (const api of process.platform === 'linux' ? ['vulkan'] : ['default']) {
      const gpu = d.create(api === 'default' ? [] : [`backend=${api}`]);
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
      if (adapter) {
        const info = describe(adapter, api);
        if (!info.software) return { gpu, adapter, info };
      }
    }
    return null;
  }
  process.env.EGL_PLATFORM ??= 'surfaceless';
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const gpu = d.create(['backend=opengl']);
  const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' }).catch(() => null);
  return adapter ? { gpu, adapter, info: describe(adapter, 'opengl') } : null;
}

/**
 * Asks Dawn for the software adapter in a child process and returns its description. Dawn's
 * OpenGL backend writes warnings straight to file descriptor 2 ("Warning: maxDynamic...
 * artificially reduced ..."), which nothing in JavaScript can intercept, and `cvgl info` printed
 * them on every run although it only needs the adapter's name; the child's stderr is shown
 * under CVGL_DEBUG. Starting the backend on that adapter (`--backend webgpu`) still asks in
 * this process (cachedAdapter), where the warnings come with it.
 */
const SOFTWARE_PROBE = `
import { writeSync } from 'node:fs';
const { create } = await import(process.argv[1]);
const adapter = await create(['backend=opengl']).requestAdapter({ featureLevel: 'compatibility' }).catch(() => null);
const i = adapter?.info ?? {};
const info = { device: i.device, description: i.description, vendor: i.vendor, architecture: i.architecture, isFallbackAdapter: i.isFallbackAdapter || adapter?.isFallbackAdapter };
writeSync(1, JSON.stringify(adapter ? info : null)); // synchronous: Dawn keeps the loop alive, so exit below
process.exit(0);
`;

let softwareProbed: Promise<GpuAdapterInfo | null> | null = null;

function probeSoftwareAdapter(): Promise<GpuAdapterInfo | null> {
  softwareProbed ??= new Promise((resolve) => {
    const env = { ...process.env, EGL_PLATFORM: process.env.EGL_PLATFORM ?? 'surfaceless', XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };
    const dawnUrl = pathToFileURL(require.resolve('webgpu')).href;
    execFile(process.execPath, ['--input-type=module', '-e', SOFTWARE_PROBE, dawnUrl], { env, timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (process.env.CVGL_DEBUG && stderr) process.stderr.write(stderr);
      let info: Record<string, unknown> | null = null;
      try {
        info = err ? null : (JSON.parse(stdout) as Record<string, unknown> | null);
      } catch {
        info = null; // no answer (Dawn crashed in the child): no software adapter
      }
      resolve(info ? describe({ info }, 'opengl') : null);
    });
  });
  return softwareProbed;
}

async function cachedAdapter(kind: 'hardware' | 'software') {
  if (!adapters.has(kind)) adapters.set(kind, await requestAdapter(kind));
  return adapters.get(kind) as Found | null;
}

/** Which WebGPU adapters this machine has. */
export async function probeWebgpu(opts: { software?: boolean } = {}): Promise<WebgpuProbe> {
  const d = await loadDawn();
  if (!d) return { hardware: null, software: null, reason: dawnError ?? 'Dawn did not load' };
  const hw = await cachedAdapter('hardware');
  const sw = opts.software === false ? null : adapters.has('software') ? ((adapters.get('software') as Found | null)?.info ?? null) : await probeSoftwareAdapter();
  const reason = hw
    ? undefined
    : (!hasVulkanLoader()
        ? 'no Vulkan loader (Debian: libvulkan1) and so no GPU adapter'
        : !hasVulkanDriver()
          ? 'no Vulkan driver installed (no ICD in /usr/share/vulkan/icd.d): no GPU adapter'
          : 'Vulkan found no GPU') +
      (opts.software === false
        ? ''
        : sw
          ? '; a software adapter exists (ask for --backend webgpu explicitly)'
          : '; no Mesa software adapter either (npm run setup:system)');
  return { hardware: hw?.info ?? null, software: sw, reason };
}

/** The adapter the webgpu backend was made on, once started. */
let startedOn: GpuAdapterInfo | null = null;

/**
 * Registers and selects tfjs' webgpu backend on the hardware adapter, or on the software one
 * when `allowSoftware` (explicit `--backend webgpu` on a machine without a GPU).
 */
export async function startWebgpu(allowSoftware: boolean): Promise<GpuAdapterInfo> {
  if (startedOn && (allowSoftware || !startedOn.software)) {
    // a Dawn adapter gives one device only: reselect the backend made on it before
    if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs-backend-webgpu did not restart');
    return startedOn;
  }
  const chosen = (await cachedAdapter('hardware')) ?? (allowSoftware ? await cachedAdapter('software') : null);
  if (!chosen) {
    const probe = await probeWebgpu();
    throw new Error(probe.reason ?? 'no hardware WebGPU adapter (a software one exists but was not allowed)');
  }
  const { gpu, adapter, info } = chosen;
  // tfjs-backend-webgpu checks `navigator.gpu`, which Node 20 does not have.
  const nav = ((globalThis as any).navigator ??= {});
  if (nav.gpu == null) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  const wanted = [
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupSizeY',
    'maxComputeWorkgroupSizeZ',
    'maxStorageBuffersPerShaderStage',
  ];
  const requiredLimits: Record<string, number> = {};
  for (const k of wanted) if (adapter.limits?.[k] != null) requiredLimits[k] = adapter.limits[k];
  const requiredFeatures = ['timestamp-query'].filter((f) => adapter.features?.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  if (tf.findBackendFactory('webgpu') != null) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', async () => new WebGPUBackend(device, adapter.info));
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs-backend-webgpu did not start on the adapter');
  startedOn = info;
  return info;
}

export function dawnVersion(): string {
  return require('webgpu/package.json').version as string;
}
