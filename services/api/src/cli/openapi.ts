import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate, openDatabase } from '@tk/db';
import { buildApp } from '../app.ts';
import { testConfig } from '../config.ts';
import { generateKeyRings } from '../lib/keys.ts';

/**
 * `pnpm openapi`: writes the OpenAPI document generated from the routes' zod schemas to
 * docs/api/openapi.json. The web UI generates its API types from that file, and CI checks that both
 * are up to date (scripts/check-openapi.sh). No server and no real database: an in-memory PGlite.
 */
const OUT = fileURLToPath(new URL('../../../../docs/api/openapi.json', import.meta.url));

async function main() {
  const database = await openDatabase({ dataDir: 'memory://' });
  try {
    await migrate(database);
    const keys = await generateKeyRings();
    const app = await buildApp(testConfig(), { database, keys });
    await app.ready();
    // Route registration order is fixed in app.ts, so the same code always writes the same file.
    const document = app.swagger();
    await app.close();
    await mkdir(path.dirname(OUT), { recursive: true });
    await writeFile(OUT, `${JSON.stringify(document, null, 2)}\n`);
    console.log(`wrote ${OUT}`);
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
