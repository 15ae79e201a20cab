#!/usr/bin/env node
// `pnpm test`: the whole suite (core, API, browser) on PGlite, or on the PostgreSQL server when
// TEST_DATABASE_URL is set. Prints vitest's report and a closing summary line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const outDir = mkdtempSync(path.join(tmpdir(), 'tk-test-'));
const jsonFile = path.join(outDir, 'results.json');
const target = process.env.TEST_DATABASE_URL
  ? `PostgreSQL (${new URL(process.env.TEST_DATABASE_URL).host})`
  : 'PGlite (embedded)';
console.log(`Teilhabekarte tests on ${target}`);

const run = spawnSync(
  'pnpm',
  [
    'exec',
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${jsonFile}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', env: process.env },
);
let summary = 'no results';
let failedNames = [];
if (existsSync(jsonFile)) {
  const r = JSON.parse(readFileSync(jsonFile, 'utf8'));
  // The failed tests by file and name, so the last lines of a long CI log say which one failed.
  failedNames = (r.testResults ?? []).flatMap((file) => {
    const rel = path.relative(process.cwd(), file.name);
    const failedTests = (file.assertionResults ?? []).filter((a) => a.status === 'failed');
    if (failedTests.length === 0 && file.status === 'failed')
      return [`${rel} (the file failed: ${file.message ?? 'no message'})`];
    return failedTests.map((a) => `${rel} › ${a.fullName}`);
  });
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  summary = `${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`;
  if (r.numTotalTests === 0) summary = '0 passed, 1 failed (no test ran)';
}
console.log(`\nTests (${target}):`);
console.log(`${summary}`);
for (const name of failedNames) console.log(`FAILED ${name}`);
// CI reads the summary back to add both database runs up, and the failed tests' names to repeat them last.
if (process.env.TK_TEST_SUMMARY_FILE) {
  writeFileSync(process.env.TK_TEST_SUMMARY_FILE, `${summary}\n`);
  writeFileSync(`${process.env.TK_TEST_SUMMARY_FILE}.failed`, failedNames.map((n) => `${n}\n`).join(''));
}
// A run that produced no report (a crash before any test) is a failure, whatever vitest's exit code.
process.exit(summary === 'no results' ? 1 : (run.status ?? 1));
