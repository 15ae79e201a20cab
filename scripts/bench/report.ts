import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const FILE = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
const RELIABILITY_FILE = fileURLToPath(new URL('../../docs/reliability.md', import.meta.url));

/** Machine line for a benchmark section: CPU, cores, memory, Node, date. */
export function machineLine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * Writes (or replaces) the section of one benchmark in docs/benchmarks.md between
 * `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, so each `pnpm bench NAME` updates only its own figures.
 */
export function writeBenchmarkSection(name: string, markdown: string): void {
  writeSection(
    FILE,
    '# Benchmarks\n\nFigures from `pnpm bench …` on the machine named in each section. Rerun the command to refresh its section.\n',
    name,
    markdown,
  );
}

/** The same for docs/reliability.md: each proof script (`scripts/proofs/*`) writes its own figures. */
export function writeReliabilitySection(name: string, markdown: string): void {
  writeSection(
    RELIABILITY_FILE,
    '# Reliability\n\nProofs under fire, rerunnable by anyone. Each section is written by its script.\n',
    name,
    markdown,
  );
}

function writeSection(file: string, heading: string, name: string, markdown: string): void {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : heading;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  text =
    from >= 0 && to > from
      ? text.slice(0, from) + block + text.slice(to + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
}
