import { createTemplate, dropTemplate, type TemplateInfo } from '@tk/db/testing';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    dbTemplate: TemplateInfo;
  }
}

// The api and browser projects both list this file, and vitest loads it once per project (each in its
// own module graph, in the one main process): the run's template is kept on globalThis so both share it.
const run = globalThis as { tkTestTemplate?: { template: Promise<TemplateInfo>; users: number } };

/** One migrated template database per test run; every test file clones it (ADR 0005). */
export default async function setup(project: TestProject) {
  run.tkTestTemplate ??= { template: createTemplate(process.env.TEST_DATABASE_URL), users: 0 };
  const shared = run.tkTestTemplate;
  shared.users++;
  project.provide('dbTemplate', await shared.template);
  return async () => {
    if (--shared.users > 0) return;
    run.tkTestTemplate = undefined;
    await dropTemplate(await shared.template);
  };
}
