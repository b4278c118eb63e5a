import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120000,
    hookTimeout: 120000,
    // child processes, not worker threads: the threaded wasm backend's pthread workers would
    // otherwise keep a worker-thread pool alive and the run would not exit
    pool: 'forks',
  },
});
