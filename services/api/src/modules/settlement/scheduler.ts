import type { Database } from '@tk/db';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.ts';

export interface Scheduler {
  stop(): Promise<void>;
}

/** Starts the nightly settlement schedule (issue: nightly settlement). Not yet implemented: does nothing. */
export async function startScheduler(
  _database: Database,
  _config: Config,
  _log: FastifyBaseLogger,
): Promise<Scheduler> {
  return { stop: async () => {} };
}
