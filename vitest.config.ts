import { defineConfig } from 'vitest/config';

// Two cores: at most two test files at once (PGlite is CPU-heavy). Each file gets its own database.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'core', include: ['packages/core/src/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'api',
          include: ['services/api/test/**/*.test.ts', 'services/api/src/**/*.test.ts'],
          globalSetup: ['services/api/test/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['services/web/test/**/*.test.ts'],
          globalSetup: ['services/api/test/global-setup.ts'],
          maxWorkers: 1,
          // A real browser on a loaded 2-core machine: one retry absorbs timing noise of the UI (a real
          // failure fails twice). API and core tests never retry.
          retry: 1,
        },
      },
    ],
  },
});
