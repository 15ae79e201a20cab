import { approvalLapses, approvals, idempotencyKeys, retentionRuns, settlementBatches, settlementRuns } from '@tk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetentionRunResult } from '../src/modules/admin/retention.service.ts';
import type { LapseRunResult } from '../src/modules/bookings/bookings.service.ts';
import { type Scheduler, type SchedulerOptions, startScheduler } from '../src/modules/settlement/scheduler.ts';
import type { SettlementRunResult } from '../src/modules/settlement/settlement.run.ts';
import { makeChildWithCard, makeProvider, makeRedemption } from './factories.ts';
import { createTestContext, onServer, type TestContext } from './support.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

/** Resolves with the next run a scheduler's worker completes. */
function nextRun() {
  let resolve!: (r: SettlementRunResult) => void;
  const promise = new Promise<SettlementRunResult>((r) => {
    resolve = r;
  });
  return { promise, onRun: resolve };
}

const fast: SchedulerOptions = {
  pollingIntervalSeconds: 0.5,
  cronMonitorIntervalSeconds: 1,
  cronWorkerIntervalSeconds: 1,
};

async function pendingBooking(bookedAt: string, ctx: TestContext = t) {
  const provider = await makeProvider(ctx.db);
  const c = await makeChildWithCard(ctx.db, ctx.keys);
  await makeRedemption(ctx.db, {
    providerId: provider.id,
    approvalId: c.approval.id,
    beneficiaryId: c.beneficiary.id,
    cardId: c.card.id,
    amountCents: 1500,
    bookedAt: new Date(bookedAt),
  });
  return provider;
}

describe('nightly scheduler (pg-boss)', () => {
  it('the cron schedule fires the settlement job, which settles up to midnight of today (Berlin)', async () => {
    const provider = await pendingBooking('2026-11-19T18:00:00+01:00');
    const run = nextRun();
    // Every two seconds instead of 02:00, so the test sees the cron fire.
    const scheduler = await startScheduler(t.database, { ...t.config, settlementCron: '*/2 * * * * *' }, t.app.log, {
      ...fast,
      clock: t.clock,
      onRun: run.onRun,
    });
    try {
      const result = await run.promise;
      expect(result).toMatchObject({ cutoffDate: '2026-11-20', triggeredBy: 'scheduler' });
      const [batch] = await t.db.select().from(settlementBatches).where(eq(settlementBatches.providerId, provider.id));
      expect(batch).toMatchObject({ totalCents: 1500, runId: result.id });
    } finally {
      await scheduler.stop();
    }
  }, 60_000);

  it('a job sent directly runs the same function for the requested cutoff, once per cutoff', async () => {
    const provider = await pendingBooking('2026-11-10T18:00:00+01:00');
    let runs: SettlementRunResult[] = [];
    let wake = () => {};
    const scheduler = await startScheduler(t.database, t.config, t.app.log, {
      ...fast,
      clock: t.clock,
      // Only this test's cutoff: a cron job left over from the test before may still be processed.
      onRun: (r) => {
        if (r.cutoffDate === '2026-11-11') runs.push(r);
        wake();
      },
    });
    try {
      const waitFor = (n: number) =>
        new Promise<void>((resolve) => {
          wake = () => runs.length >= n && resolve();
          wake();
        });
      await scheduler.trigger('2026-11-11');
      await waitFor(1);
      expect(runs[0]).toMatchObject({ cutoffDate: '2026-11-11', batchCount: 1 });
      await scheduler.trigger('2026-11-11');
      await waitFor(2);
      expect(runs[1]).toMatchObject({ id: runs[0]!.id, skipped: true });
      expect(await t.db.$count(settlementBatches, eq(settlementBatches.providerId, provider.id))).toBe(1);
    } finally {
      runs = [];
      await scheduler.stop();
    }
  }, 60_000);

  it('the nightly job then runs the retention step (expired idempotency keys go, a run is recorded)', async () => {
    await t.db.insert(idempotencyKeys).values({
      scope: 'test',
      key: 'nightly-old',
      requestHash: 'h',
      status: 201,
      response: {},
      createdAt: new Date(t.clock.now().getTime() - 31 * 86_400_000),
    });
    let done!: (r: RetentionRunResult) => void;
    const retention = new Promise<RetentionRunResult>((r) => {
      done = r;
    });
    const scheduler = await startScheduler(t.database, t.config, t.app.log, {
      ...fast,
      clock: t.clock,
      onRetention: (r) => done(r),
    });
    try {
      await scheduler.trigger('2026-11-12');
      const result = await retention;
      expect(result.dryRun).toBe(false);
      expect(await t.db.$count(idempotencyKeys, eq(idempotencyKeys.key, 'nightly-old'))).toBe(0);
      const [row] = await t.db.select().from(retentionRuns).where(eq(retentionRuns.id, result.id));
      expect(row).toMatchObject({ triggeredBy: 'scheduler', dryRun: false });
    } finally {
      await scheduler.stop();
    }
  }, 60_000);
});

describe.runIf(onServer)('several API instances on one PostgreSQL database', () => {
  it('two scheduler instances: the night is settled by exactly one run', async () => {
    // A database of its own: pg-boss files a cron occurrence in a 60-second slot per queue, and the cron
    // job of the test above still holds the current one on the shared database, so a cron job here would
    // come only with the next minute (up to a minute of waiting, longer under load).
    const own = await createTestContext();
    await pendingBooking('2026-11-21T18:00:00+01:00', own);
    const results: SettlementRunResult[] = [];
    let wake = () => {};
    const onRun = (r: SettlementRunResult) => {
      results.push(r);
      wake();
    };
    const clock = { now: () => new Date('2026-11-22T01:00:00Z') };
    const schedulers: Scheduler[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        schedulers.push(
          await startScheduler(own.database, { ...own.config, settlementCron: '*/2 * * * * *' }, own.app.log, {
            ...fast,
            clock,
            onRun,
          }),
        );
      }
      // Both instances also push a job of their own, as two nodes firing the same night would.
      await Promise.all(schedulers.map((s) => s.trigger('2026-11-22')));
      // Both pushed jobs and at least one cron job.
      await new Promise<void>((resolve) => {
        wake = () => results.length >= 3 && resolve();
        wake();
      });
      const runs = await own.db.select().from(settlementRuns).where(eq(settlementRuns.cutoffDate, '2026-11-22'));
      expect(runs.filter((r) => r.triggeredBy === 'scheduler')).toHaveLength(1);
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      expect(results.filter((r) => !r.skipped)).toHaveLength(1);
    } finally {
      await Promise.all(schedulers.map((s) => s.stop()));
      await own.close();
    }
  }, 60_000);
});

describe('nightly lapse', () => {
  it('after the settlement run the nightly job lapses the budgets past their last booking day (as of the same day)', async () => {
    const ended = await makeChildWithCard(t.db, t.keys, { validFrom: '2026-01-01', validTo: '2026-07-31' });
    const lapses: LapseRunResult[] = [];
    let wake = () => {};
    const scheduler = await startScheduler(t.database, t.config, t.app.log, {
      ...fast,
      clock: t.clock,
      onLapse: (r) => {
        lapses.push(r);
        wake();
      },
    });
    try {
      const done = new Promise<void>((resolve) => {
        wake = () => resolve();
      });
      await scheduler.trigger('2026-11-12');
      await done;
      const [row] = await t.db.select().from(approvals).where(eq(approvals.id, ended.approval.id));
      expect(row!.remainingCents).toBe(0);
      const [entry] = await t.db.select().from(approvalLapses).where(eq(approvalLapses.approvalId, ended.approval.id));
      expect(entry).toMatchObject({ kind: 'remainder', amountCents: 5000, runId: lapses[0]!.id });
    } finally {
      await scheduler.stop();
    }
  }, 60_000);
});
