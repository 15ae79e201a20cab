import { type Database, migrate, openDatabase } from '@tk/db';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { loadKeyRings } from './lib/keys.ts';
import { setPasswordHashCost } from './lib/password.ts';
import { startScheduler } from './modules/settlement/scheduler.ts';
import { bootstrapAdmin } from './seed/bootstrap.ts';
import { seedDemo } from './seed/demo.ts';

/** Entry point: config, database + migrations, keys, seed, listen, scheduler, graceful close. */
async function main() {
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
  setPasswordHashCost(config.passwordHashCost);
  const database: Database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await migrate(database);
  const keys = await loadKeyRings(config);
  await bootstrapAdmin(database.db, config.bootstrapAdmin);
  if (config.seed === 'demo') await seedDemo(database.db, keys);

  const app = await buildApp(config, { database, keys });
  const scheduler = config.scheduler ? await startScheduler(database, config, app.log) : undefined;
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await scheduler?.stop();
    await app.close();
    await database.close();
  });
  await app.listen({ port: config.port, host: config.host });
  app.log.info(
    `Teilhabekarte on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port} (database: ${database.kind === 'pglite' ? `embedded, ${config.dataDir}` : 'PostgreSQL'})`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
