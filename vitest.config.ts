import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Files known to be long before any run has been timed (a fresh clone, CI): they start first. */
const LONG_FILES = ['services/api/test/fuzz.test.ts'];
/** Without timings, whole projects by how long their files usually take. */
const PROJECT_ORDER = ['browser', 'api', 'core'];

/**
 * Longest first, across projects: both workers stay busy to the end instead of one waiting for the
 * fuzz test or a browser file that started last. Uses vitest's own timings of the previous run
 * (node_modules/.vite/vitest), or the hints above on a fresh clone.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const relative = (spec: TestSpecification) => path.relative(config.root, spec.moduleId);
    const key = (spec: TestSpecification) => `${spec.project.name}:${relative(spec)}`;
    const hint = (spec: TestSpecification) =>
      LONG_FILES.includes(relative(spec)) ? -1 : PROJECT_ORDER.indexOf(spec.project.name);
    const size = (spec: TestSpecification) => cache.getFileStats(key(spec))?.size ?? 0;
    return [...files].sort((a, b) => {
      const [ta, tb] = [cache.getFileTestResults(key(a)), cache.getFileTestResults(key(b))];
      if (ta && tb) return Number(tb.failed) - Number(ta.failed) || tb.duration - ta.duration;
      return hint(a) - hint(b) || size(b) - size(a);
    });
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
          retry: 1,
        },
      },
    ],
  },
});
