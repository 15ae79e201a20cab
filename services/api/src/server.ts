import { type Database, migrate, openDatabase } from '@tk/db';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { sealAuditChain, startAuditSealer } from './lib/audit-chain.ts';
import { loadKeyRings } from './lib/keys.ts';
import { setPasswordHashCost } from './lib/password.ts';
import { publicUrl, readyBanner } from './lib/ready-banner.ts';
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
  if (keys.generatedFile) {
    app.log[config.env === 'production' ? 'warn' : 'info'](
      { file: keys.generatedFile },
      'generated new signing keys (no ACCESS_TOKEN_KEYS / CARD_TOKEN_KEYS set): keep this file, back it up, and let every replica read the same one; printed cards need the card key',
    );
  }
  const scheduler = config.scheduler ? await startScheduler(database, config, app.log) : undefined;
  // Existing and fresh audit rows join the hash chain after commit, every few seconds (ADR 0023).
  await sealAuditChain(database.db);
  const sealer = config.scheduler ? startAuditSealer(database.db, app.log) : undefined;
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await scheduler?.stop();
    await sealer?.stop();
    await app.close();
    await database.close();
  });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // One JSON line in production (log collectors); a short block for a person otherwise (`pnpm start`).
  if (config.env === 'production') app.log.info({ url: publicUrl(config, port), database: database.kind }, 'ready');
  else process.stdout.write(readyBanner(config, database.kind, port));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
