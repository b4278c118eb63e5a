#!/usr/bin/env node
// The `cvgl` command: loads the TypeScript CLI through tsx's ESM loader.
import { register } from 'tsx/esm/api';

register();
await import('../lib/cli/main.ts');
