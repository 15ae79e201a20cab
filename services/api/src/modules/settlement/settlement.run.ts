import { addDays, berlinDate, type CivilDate, type Clock, newId } from '@tk/core';
import { type Db, LOCK_KEYS, queryRows, settlementRuns, type Tx } from '@tk/db';
import { and, eq, sql } from 'drizzle-orm';
import { type Actor, audit, systemActor } from '../../lib/audit.ts';
import { claimForSettlement, type SettlementClaim } from '../bookings/bookings.service.ts';
import { CutoffDateInvalid } from './settlement.errors.ts';

export interface SettlementRunResult {
  id: string;
  cutoffDate: CivilDate;
  batchCount: number;
  totalCents: number;
  status: 'completed';
  startedAt: string;
  finishedAt: string;
  triggeredBy: string;
  /** Set when `oncePerCutoff` found an earlier run and nothing was done. */
  skipped?: boolean;
}

function toRunResult(row: typeof settlementRuns.$inferSelect): SettlementRunResult {
  return {
    id: row.id,
    cutoffDate: row.cutoffDate,
    batchCount: row.batchCount,
    totalCents: Number(row.totalCents),
    status: 'completed',
    startedAt: row.startedAt.toISOString(),
    finishedAt: (row.finishedAt ?? row.startedAt).toISOString(),
    triggeredBy: row.triggeredBy,
  };
}

export interface RunSettlementInput {
  /** Settle what was booked before 00:00 Europe/Berlin of this date. Default: today in Berlin. */
  cutoffDate?: CivilDate | undefined;
  /** `usr_…` of the accounting user, or `scheduler` / `cli`. */
  triggeredBy: string;
  /**
   * The scheduler's guard: if a run by the same trigger already completed for this cutoff, return it
   * instead of running again (checked under the advisory lock, so two instances firing at once run once).
   */
  oncePerCutoff?: boolean;
}

interface CarriedRow {
  batch_id: string;
  total: number;
  count: number;
}

/**
 * The nightly settlement (ADR 0012): every redemption (booked, not settled) and every correction
 * reversal (not settled) booked before midnight Berlin of `cutoffDate` goes into exactly one batch
 * per provider. One transaction under an advisory lock: a crash leaves nothing behind, a concurrent
 * or repeated run finds nothing left to settle. Set-based (INSERT … SELECT, UPDATE … RETURNING):
 * only per-provider aggregates reach Node. A provider whose net total is not positive gets a
 * `carried_forward` batch whose amount opens its next batch. Throws 422 `cutoff_date_invalid`.
 */
export async function runSettlement(
  db: Db,
  input: RunSettlementInput,
  clock: Clock,
  actor: Actor = systemActor(),
): Promise<SettlementRunResult> {
  const today = berlinDate(clock.now());
  const cutoffDate = input.cutoffDate ?? today;
  const latest = addDays(today, 1);
  if (cutoffDate > latest) throw new CutoffDateInvalid(latest);
  return db.transaction((tx) => settleInTransaction(tx, cutoffDate, input, actor));
}

async function settleInTransaction(
  tx: Tx,
  cutoffDate: CivilDate,
  input: RunSettlementInput,
  actor: Actor,
): Promise<SettlementRunResult> {
  const { triggeredBy } = input;
  await tx.execute(sql`select pg_advisory_xact_lock(${LOCK_KEYS.settlementRun})`);
  if (input.oncePerCutoff) {
    const [previous] = await tx
      .select()
      .from(settlementRuns)
      .where(
        and(
          eq(settlementRuns.cutoffDate, cutoffDate),
          eq(settlementRuns.triggeredBy, triggeredBy),
          eq(settlementRuns.status, 'completed'),
        ),
      )
      .limit(1);
    if (previous) return { ...toRunResult(previous), skipped: true };
  }
  // DST-safe: the instant at which the cutoff date begins in Berlin, computed by PostgreSQL's tz data.
  const cutoffAt = sql`((${cutoffDate}::date)::timestamp at time zone 'Europe/Berlin')`;
  const runId = newId('run');
  const [run] = await queryRows<{ started_at: Date }>(
    tx,
    sql`insert into settlement_runs (id, cutoff_date, status, triggered_by)
        values (${runId}, ${cutoffDate}::date, 'running', ${triggeredBy}) returning started_at`,
  );

  const pending = await queryRows<{ provider_id: string }>(
    tx,
    sql`select provider_id from redemptions
          where batch_id is null and status = 'booked' and booked_at < ${cutoffAt}
        union
        select provider_id from redemption_reversals
          where kind = 'correction' and batch_id is null and reversed_at < ${cutoffAt}
        order by provider_id`,
  );

  let batchCount = 0;
  let totalCents = 0;
  if (pending.length > 0) {
    // Batches first (the lines reference them); their numbers are given once we know which got lines.
    const draft = pending.map((p) => {
      const id = newId('batch');
      return { id, number: id, provider_id: p.provider_id };
    });
    await tx.execute(
      sql`insert into settlement_batches (id, number, run_id, provider_id, cutoff_date, total_cents, line_count, status)
          select x.id, x.number, ${runId}, x.provider_id, ${cutoffDate}::date, 0, 0, 'open'
          from jsonb_to_recordset(${JSON.stringify(draft)}::jsonb) as x(id text, number text, provider_id text)`,
    );
    // Tell the planner about the fresh batches (ANALYZE sees this transaction's rows): with stale
    // statistics it joins thousands of batches to the redemptions by nested loop, one index scan
    // per provider; informed, it hashes the batches and scans the redemptions once.
    await tx.execute(sql`analyze settlement_batches`);

    // The ledger marks what it settles and writes a line for each (the bookings module owns redemptions).
    const claims = await claimForSettlement(tx, { runId, cutoffDate });

    const totals = new Map<string, SettlementClaim>();
    for (const claim of claims) merge(totals, claim);
    const withLines = [...totals.keys()];

    // Earlier carried-forward batches of these providers open their new batch (each exactly once).
    if (withLines.length > 0) {
      const carried = await queryRows<CarriedRow>(
        tx,
        sql`with lines as (
              insert into settlement_lines (batch_id, kind, carried_from_batch_id, amount_cents)
              select b.id, 'carry_forward', cf.id, cf.total_cents
              from settlement_batches cf
              join settlement_batches b on b.provider_id = cf.provider_id and b.run_id = ${runId}
              where cf.status = 'carried_forward' and cf.run_id <> ${runId}
                and b.id in (select jsonb_array_elements_text(${JSON.stringify(withLines)}::jsonb))
                and not exists (select 1 from settlement_lines l where l.carried_from_batch_id = cf.id)
              returning batch_id, amount_cents
            )
            select batch_id, sum(amount_cents)::bigint as total, count(*)::int as count
            from lines group by batch_id`,
      );
      for (const row of carried) {
        merge(totals, {
          batchId: row.batch_id,
          totalCents: Number(row.total),
          lineCount: Number(row.count),
          periodFrom: null,
          periodTo: null,
        });
      }
    }

    // Batches that found nothing (everything was reversed meanwhile) are dropped before numbering.
    const empty = draft.filter((d) => !totals.has(d.id)).map((d) => d.id);
    if (empty.length > 0) {
      await tx.execute(
        sql`delete from settlement_batches
            where run_id = ${runId} and id in (select jsonb_array_elements_text(${JSON.stringify(empty)}::jsonb))`,
      );
    }

    const finals = draft.filter((d) => totals.has(d.id));
    if (finals.length > 0) {
      const year = cutoffDate.slice(0, 4);
      const [counter] = await queryRows<{ value: number }>(
        tx,
        sql`insert into counters (name, value) values (${`settlement_batch:${year}`}, ${finals.length})
            on conflict (name) do update set value = counters.value + excluded.value
            returning value`,
      );
      const first = Number(counter!.value) - finals.length + 1;
      const updates = finals.map((d, i) => {
        const claim = totals.get(d.id)!;
        totalCents += claim.totalCents;
        return {
          id: d.id,
          number: `ABR-${year}-${String(first + i).padStart(6, '0')}`,
          total: claim.totalCents,
          count: claim.lineCount,
          period_from: claim.periodFrom,
          period_to: claim.periodTo,
        };
      });
      await tx.execute(
        sql`update settlement_batches b
            set number = x.number, total_cents = x.total, line_count = x.count,
                period_from = x.period_from::date, period_to = x.period_to::date,
                status = case when x.total <= 0 then 'carried_forward' else 'open' end
            from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb)
              as x(id text, number text, total bigint, count int, period_from text, period_to text)
            where b.id = x.id`,
      );
      batchCount = finals.length;
    }
  }

  const [done] = await queryRows<{ finished_at: Date }>(
    tx,
    sql`update settlement_runs set status = 'completed', finished_at = now(),
          batch_count = ${batchCount}, total_cents = ${totalCents}
        where id = ${runId} returning finished_at`,
  );
  await audit(tx, actor, {
    action: 'settlement.run_completed',
    entityType: 'settlement_run',
    entityId: runId,
    data: { cutoffDate, batchCount, totalCents, triggeredBy },
  });
  return {
    id: runId,
    cutoffDate,
    batchCount,
    totalCents,
    status: 'completed',
    startedAt: new Date(run!.started_at).toISOString(),
    finishedAt: new Date(done!.finished_at).toISOString(),
    triggeredBy,
  };
}

function merge(totals: Map<string, SettlementClaim>, claim: SettlementClaim): void {
  const seen = totals.get(claim.batchId);
  if (!seen) {
    totals.set(claim.batchId, { ...claim });
    return;
  }
  seen.totalCents += claim.totalCents;
  seen.lineCount += claim.lineCount;
  if (claim.periodFrom && (!seen.periodFrom || claim.periodFrom < seen.periodFrom)) seen.periodFrom = claim.periodFrom;
  if (claim.periodTo && (!seen.periodTo || claim.periodTo > seen.periodTo)) seen.periodTo = claim.periodTo;
}
