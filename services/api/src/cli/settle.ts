import { parseArgs } from 'node:util';
import { isCivilDate, systemClock } from '@tk/core';
import { migrate, openDatabase } from '@tk/db';
import { ConfigError, loadConfig } from '../config.ts';
import { runSettlement } from '../modules/settlement/settlement.run.ts';

/**
 * `pnpm settle [--cutoff YYYY-MM-DD]`: the nightly settlement by hand, on the database from the
 * configuration (DATABASE_URL or the embedded one). Same function, lock and guarantees as the scheduler.
 */
async function main() {
  const { values } = parseArgs({ options: { cutoff: { type: 'string' } }, allowPositionals: false });
  if (values.cutoff && !isCivilDate(values.cutoff)) {
    console.error('usage: pnpm settle [--cutoff YYYY-MM-DD]');
    process.exit(2);
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    applicationName: 'teilhabekarte-settle',
  });
  try {
    await migrate(database);
    const run = await runSettlement(database.db, { cutoffDate: values.cutoff, triggeredBy: 'cli' }, systemClock);
    console.log(JSON.stringify(run));
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
