import { migrate, openDatabase } from '@tk/db';
import { loadConfig } from '../config.ts';
import { formatReport, sealAndVerify } from '../modules/admin/verify.service.ts';

/** `pnpm verify`: checks the configured database (DATABASE_URL or the embedded one); exit 1 on any breach. */
const config = loadConfig();
const database = await openDatabase({
  databaseUrl: process.env.VERIFY_DATABASE_URL ?? config.databaseUrl,
  dataDir: config.dataDir,
});
try {
  await migrate(database);
  const report = await sealAndVerify(database.db);
  console.log(formatReport(report));
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await database.close();
}
