import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The server's node flags (ADR 0038) are spelled in `pnpm start`; the container and the benchmark
// runner (whose process stands for the server when a benchmark runs a service in process) must use
// the same, and this Node must accept them (a V8 flag it does not know stops `node` at start).
const read = (file: string) => readFileSync(fileURLToPath(new URL(`../../../${file}`, import.meta.url)), 'utf8');
const flagsOf = (command: string[]) => command.filter((word) => word.startsWith('--'));

describe('node flags of the server', () => {
  const start = flagsOf(JSON.parse(read('services/api/package.json')).scripts.start.split(' '));

  it('pnpm start keeps the young generation small and collects earlier', () => {
    expect(start).toEqual(['--enable-source-maps', '--max-semi-space-size=4', '--heap-growing-percent=10']);
  });

  it('the container runs the server with the flags of pnpm start', () => {
    const cmd = read('Dockerfile')
      .split('\n')
      .find((line) => line.startsWith('CMD '));
    expect(flagsOf(JSON.parse(cmd!.slice(4)) as string[])).toEqual(start);
  });

  it('pnpm bench runs with the same memory flags', () => {
    const bench = flagsOf(JSON.parse(read('scripts/package.json')).scripts.bench.split(' '));
    expect(bench.filter((flag) => flag !== '--import')).toEqual(
      start.filter((flag) => flag !== '--enable-source-maps'),
    );
  });

  it('this Node accepts them', () => {
    const run = spawnSync(process.execPath, [...start, '-e', 'process.exit(0)'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
