/**
 * `pnpm bench <name>`: runs one benchmark and writes its section of docs/benchmarks.md.
 * Each benchmark lives in `scripts/bench/<name>.ts` and exports `run(args: string[]): Promise<void>`.
 */
const [name, ...args] = process.argv.slice(2);
const known = ['redeem', 'settle', 'import', 'bulk', 'proof', 'land'];
if (!name || !known.includes(name)) {
  console.error(`usage: pnpm bench <${known.join('|')}> [options]`);
  process.exit(2);
}
const mod = (await import(`./${name}.ts`)) as { run(args: string[]): Promise<void> };
await mod.run(args);

export {};
