// Fails when the drizzle schema and the committed migrations disagree: `drizzle-kit generate` into a
// scratch copy of the migrations must find nothing to do.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';

const scratch = '.drift-check';
rmSync(scratch, { recursive: true, force: true });
try {
  cpSync('migrations', scratch, { recursive: true });
  const before = readdirSync(scratch).length;
  const out = execFileSync(
    'npx',
    [
      'drizzle-kit',
      'generate',
      '--dialect',
      'postgresql',
      '--schema',
      './src/schema/index.ts',
      '--out',
      `./${scratch}`,
      '--casing',
      'snake_case',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const after = readdirSync(scratch).length;
  if (after !== before || !/No schema changes/.test(out)) {
    console.error(out);
    console.error('schema drift: drizzle-kit would generate a new migration. Run `pnpm db:generate` and commit it.');
    process.exit(1);
  }
  console.log('migrations: no schema drift');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
