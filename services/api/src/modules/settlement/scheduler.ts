import { berlinDate, type Clock, isCivilDate, systemClock } from '@tk/core';
import { type Database, LOCK_KEYS } from '@tk/db';
import type { FastifyBaseLogger } from 'fastify';
import { type Db, fromPglite, PgBoss } from 'pg-boss';
import type { Config } from '../../config.ts';
import { systemActor } from '../../lib/audit.ts';
import { type RetentionRunResult, runRetention } from '../admin/retention.service.ts';
import { type LapseRunResult, runLapse } from '../bookings/bookings.service.ts';
import { runSettlement, type SettlementRunResult } from './settlement.run.ts';

export const SETTLEMENT_QUEUE = 'settlement-nightly';
export const SCHEDULER_TRIGGER = 'scheduler';

export interface Scheduler {
  /** Sends the nightly job now (as the cron would); the worker of any instance picks it up once. */
  trigger(cutoffDate?: string): Promise<string | null>;
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  clock?: Clock;
  /** Test and operations knobs; defaults are pg-boss's. */
  pollingIntervalSeconds?: number;
  cronMonitorIntervalSeconds?: number;
  cronWorkerIntervalSeconds?: number;
  /** Called after each run the worker completed (metrics, tests). */
  onRun?: (result: SettlementRunResult) => void;
  /** Called after the nightly retention step. */
  onRetention?: (result: RetentionRunResult) => void;
  /** Called after the lapse run that follows each settlement run. */
  onLapse?: (result: LapseRunResult) => void;
}

/**
 * pg-boss talks to the database through an adapter: over our pool on PostgreSQL, over the one
 * in-process session on PGlite (pg-boss's own `fromPglite`, which runs its multi-statement DDL via
 * `exec` and rolls back an aborted transaction so the shared session is never poisoned). ADR 0011.
 */
function executor(database: Database): Db {
  if (database.kind === 'pglite') return fromPglite(database.pglite!);
  const pool = database.pool!;
  return {
    async executeSql(text: string, values?: unknown[]) {
      // Without parameters pg uses the simple protocol, which runs pg-boss's multi-statement scripts
      // and answers with one result per statement.
      const result: unknown = values?.length ? await pool.query(text, values) : await pool.query(text);
      if (Array.isArray(result)) return { rows: result.flatMap((r: { rows?: unknown[] }) => r.rows ?? []) };
      return result as { rows: unknown[] };
    },
  };
}

/**
 * Starts the nightly settlement schedule: pg-boss stores the cron (config.settlementCron, default
 * `0 2 * * *`, Europe/Berlin) and its jobs in the application database, so several API instances
 * share one schedule and exactly one worker takes each job (SKIP LOCKED). The job runs
 * `runSettlement` for today's cutoff with `oncePerCutoff`, so even a duplicate job settles nothing twice,
 * and after it `runLapse` as of the same day (budgets past their last booking day lapse; idempotent).
 */

/** Runs `setup` while holding a session advisory lock on its own connection (PostgreSQL; PGlite is one process). */
async function withStartLock(database: Database, setup: () => Promise<void>): Promise<void> {
  if (database.kind !== 'postgres' || !database.pool) return setup();
  const client = await database.pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [LOCK_KEYS.schedulerStart]);
    await setup();
  } finally {
    await client.query('select pg_advisory_unlock($1)', [LOCK_KEYS.schedulerStart]).catch(() => {});
    client.release();
  }
}

export async function startScheduler(
  database: Database,
  config: Config,
  log: FastifyBaseLogger,
  options: SchedulerOptions = {},
): Promise<Scheduler> {
  const clock = options.clock ?? systemClock;
  const boss = new PgBoss({
    db: executor(database),
    backend: database.kind === 'pglite' ? 'pglite' : 'postgres',
    schema: 'pgboss',
    ...(options.cronMonitorIntervalSeconds ? { cronMonitorIntervalSeconds: options.cronMonitorIntervalSeconds } : {}),
    ...(options.cronWorkerIntervalSeconds ? { cronWorkerIntervalSeconds: options.cronWorkerIntervalSeconds } : {}),
  });
  boss.on('error', (err) => log.error({ err }, 'scheduler: pg-boss error'));
  // Replicas starting together on a fresh database would both create pg-boss's schema (one fails with a
  // duplicate-schema error and the process exits): its setup runs under one advisory lock, like migrations.
  await withStartLock(database, async () => {
    await boss.start();
    // A standard queue: duplicates (two nodes, a manual trigger) are harmless, `oncePerCutoff` makes them no-ops;
    // a stricter policy would let a job left 'active' by a killed process block the next night.
    await boss.createQueue(SETTLEMENT_QUEUE, { retryLimit: 3, retryDelay: 300 });
    await boss.schedule(SETTLEMENT_QUEUE, config.settlementCron, null, { tz: 'Europe/Berlin' });
  });
  await boss.work<{ cutoffDate?: string } | null>(
    SETTLEMENT_QUEUE,
    { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 10 },
    async (jobs) => {
      for (const job of jobs) {
        const requested = job.data?.cutoffDate;
        const cutoffDate = requested && isCivilDate(requested) ? requested : berlinDate(clock.now());
        const result = await runSettlement(
          database.db,
          { cutoffDate, triggeredBy: SCHEDULER_TRIGGER, oncePerCutoff: true },
          clock,
        );
        log.info(
          { runId: result.id, cutoffDate, batchCount: result.batchCount, skipped: result.skipped ?? false },
          'nightly settlement finished',
        );
        options.onRun?.(result);
        // Then the lapse run (ADR 0030) for the same day: idempotent, so a duplicate job lapses nothing twice.
        const lapse = await runLapse(
          database.db,
          { asOf: cutoffDate, triggeredBy: SCHEDULER_TRIGGER },
          systemActor(),
          clock,
        );
        log.info(
          {
            lapseRunId: lapse.id,
            asOf: cutoffDate,
            approvalCount: lapse.approvalCount,
            lapsedCents: lapse.lapsedCents,
          },
          'nightly lapse finished',
        );
        options.onLapse?.(lapse);
        // Second step of the night: the retention run (docs/privacy.md). Idempotent like the settlement:
        // a duplicate or retried job pseudonymises nobody twice and finds nothing more to delete.
        const retention = await runRetention(
          database.db,
          { dryRun: false, triggeredBy: SCHEDULER_TRIGGER },
          systemActor(`job:${job.id}`),
          clock,
        );
        log.info(
          { runId: retention.id, pseudonymisedCount: retention.pseudonymisedCount, deleted: retention.deleted },
          'nightly retention finished',
        );
        options.onRetention?.(retention);
      }
    },
  );
  log.info({ cron: config.settlementCron, tz: 'Europe/Berlin' }, 'nightly settlement scheduled');
  return {
    trigger: (cutoffDate) => boss.send(SETTLEMENT_QUEUE, cutoffDate ? { cutoffDate } : {}),
    stop: () => boss.stop({ graceful: true, timeout: 30_000 }),
  };
}
