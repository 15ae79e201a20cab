import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The longest file by far (10,000 requests): it starts first, so that it never runs alone at the end. */
const LONG_FILES = ['services/api/test/fuzz.test.ts'];
/** Then whole projects, longest files first: browser files take 5–30 s, API files 1–5 s, core less. */
const PROJECT_ORDER = ['browser', 'api', 'core'];

/**
 * Longest first across projects, so both workers stay busy to the end. Within a project the files
 * go by vitest's timings of the last run (node_modules/.vite/vitest), or by size on a fresh clone.
 * Consecutive files of one project also let a worker keep its loaded modules (isolate: false).
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const relative = (spec: TestSpecification) => path.relative(config.root, spec.moduleId);
    const key = (spec: TestSpecification) => `${spec.project.name}:${relative(spec)}`;
    const rank = (spec: TestSpecification) =>
      LONG_FILES.includes(relative(spec)) ? -1 : PROJECT_ORDER.indexOf(spec.project.name);
    const weight = (spec: TestSpecification) =>
      cache.getFileTestResults(key(spec))?.duration ?? cache.getFileStats(key(spec))?.size ?? 0;
    return [...files].sort((a, b) => rank(a) - rank(b) || weight(b) - weight(a));
  }
}

// Two cores: two test files at once, across all projects (platform-notes.md). Each file gets its own
// database. Files in a worker share the loaded modules (isolate: false), not state: every file builds
// its own app on its own database.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    isolate: false,
    sequence: { sequencer: LongestFirst },
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
          // A real browser on a loaded 2-core machine, beside another test file: a UI state may take
          // longer than vitest's default 1 s of expect.poll to appear, and one retry absorbs the rest of
          // the timing noise (a real failure fails twice). API and core tests never retry.
          expect: { poll: { timeout: 10_000 } },
          // Each browser file starts its own server and browser; a fresh module graph per file keeps one
          // file's module state (caches, timers) from reaching the next.
          isolate: true,
          retry: 1,
        },
      },
    ],
  },
});
