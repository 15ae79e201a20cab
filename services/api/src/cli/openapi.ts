import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { migrate, openDatabase } from '@tk/db';
import { buildApp } from '../app.ts';
import { testConfig } from '../config.ts';
import { generateKeyRings } from '../lib/keys.ts';

/**
 * `pnpm openapi`: writes the OpenAPI document generated from the routes' zod schemas to
 * docs/api/openapi.json. The web UI generates its API types from that file, and CI checks that both
 * are up to date (scripts/check-openapi.sh). No server and no real database: an in-memory PGlite.
 * `--out FILE` writes elsewhere, `--out -` to standard output (e.g. from the compiled image).
 */
const DEFAULT_OUT = fileURLToPath(new URL('../../../../docs/api/openapi.json', import.meta.url));

async function main() {
  const { values } = parseArgs({ options: { out: { type: 'string', default: DEFAULT_OUT } } });
  const database = await openDatabase({ dataDir: 'memory://' });
  try {
    await migrate(database);
    const keys = await generateKeyRings();
    const app = await buildApp(testConfig(), { database, keys });
    await app.ready();
    // Route registration order is fixed in app.ts, so the same code always writes the same file.
    const document = app.swagger();
    await app.close();
    const text = `${JSON.stringify(document, null, 2)}\n`;
    if (values.out === '-') {
      process.stdout.write(text);
    } else {
      await mkdir(path.dirname(values.out), { recursive: true });
      await writeFile(values.out, text);
      console.log(`wrote ${values.out}`);
    }
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
