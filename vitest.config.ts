import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // onnxruntime-node holds native sessions; separate processes keep one test file's sessions from another's.
    pool: 'forks',
    // Prepares the throwaway PostgreSQL that database suites start on first use and stops it after the run.
    globalSetup: ['tests/helpers/postgres-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
