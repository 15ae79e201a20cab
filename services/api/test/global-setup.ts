import { createTemplate, dropTemplate, type TemplateInfo } from '@tk/db/testing';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    dbTemplate: TemplateInfo;
  }
}

/** Migrates one template database per test run; every test file clones it (ADR 0005). */
export default async function setup(project: TestProject) {
  const template = await createTemplate(process.env.TEST_DATABASE_URL);
  project.provide('dbTemplate', template);
  return async () => {
    await dropTemplate(template);
  };
}
