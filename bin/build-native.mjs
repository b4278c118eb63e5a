#!/usr/bin/env node
// Builds build/cvgl_native.node, the oneDNN addon of the `native` backend, from
// native/cvgl_native.cc with the system's g++, Node's own headers and Debian's libdnnl-dev.
// Runs at `npm ci`/`npm install` (postinstall) and as `npm run build:native`. A machine without
// the compiler or the library still installs: the `native` backend is then unavailable and
// `cvgl info` says why. CVGL_REQUIRE_NATIVE=1 (set by CI) makes a failed build an error.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'native', 'cvgl_native.cc');
const out = path.join(root, 'build', 'cvgl_native.node');
const required = process.env.CVGL_REQUIRE_NATIVE === '1';

function fail(why) {
  const msg = `build-native: the native (oneDNN) backend is not built: ${why}`;
  if (required) {
    console.error(msg);
    process.exit(1);
  }
  console.warn(`${msg}\n  (optional: npm run setup:system installs libdnnl-dev and g++; then npm run build:native)`);
  process.exit(0);
}

const cxx = process.env.CXX ?? 'g++';
if (spawnSync(cxx, ['--version'], { stdio: 'ignore' }).status !== 0) fail(`no C++ compiler (${cxx})`);
const nodeInclude = [path.join(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'].find((d) =>
  existsSync(path.join(d, 'node_api.h')),
);
if (!nodeInclude) fail("Node's headers (node_api.h) not found");
if (!['/usr/include/oneapi/dnnl/dnnl.hpp', '/usr/local/include/oneapi/dnnl/dnnl.hpp'].some(existsSync)) {
  fail('oneDNN headers not found (Debian: libdnnl-dev)');
}
if (existsSync(out) && statSync(out).mtimeMs > statSync(src).mtimeMs && !process.argv.includes('--force')) {
  console.log('build-native: build/cvgl_native.node is up to date');
  process.exit(0);
}
mkdirSync(path.dirname(out), { recursive: true });
const args = ['-O3', '-std=c++17', '-ffp-contract=off', '-fno-math-errno', '-shared', '-fPIC', '-fopenmp', '-DNODE_GYP_MODULE_NAME=cvgl_native', `-I${nodeInclude}`, src, '-ldnnl', '-o', out];
try {
  execFileSync(cxx, args, { stdio: ['ignore', 'inherit', 'inherit'] });
} catch {
  fail(`${cxx} ${args.join(' ')} failed`);
}
console.log(`build-native: built ${path.relative(root, out)}`);
