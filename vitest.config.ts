import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // onnxruntime-node holds native sessions; separate processes keep one test file's sessions from another's.
    pool: 'forks',
    // Vitest leaves one core free by default, which on a 2-core CI machine means one file at a time; most
    // files wait on sockets, databases or child processes rather than the CPU, so two at a time is faster.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Prepares the throwaway PostgreSQL that database suites start on first use and stops it after the run.
    globalSetup: ['tests/helpers/postgres-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
