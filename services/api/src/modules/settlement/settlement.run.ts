import { addDays, berlinDate, type CivilDate, type Clock, newId } from '@tk/core';
import { type Db, settlementRuns, type Tx } from '@tk/db';
import * as q from '@tk/db/queries/settlement';
import { and, eq } from 'drizzle-orm';
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

/**
 * The nightly settlement (ADR 0012): every redemption (booked, not settled) and every correction
 * reversal (not settled) booked before midnight Berlin of `cutoffDate` goes into exactly one batch
 * per provider. One transaction under an advisory lock: a crash leaves nothing behind, a concurrent
 * or repeated run finds nothing left to settle. A redemption is settled when its line exists (ADR 0031):
 * one line per booking and nothing else written per booking; the run looks only at rows written since
 * the previous runs' `unsettled_from_txid`. Set-based (INSERT … SELECT):
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
  await q.lockSettlementRuns(tx);
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
  const runId = newId('run');
  const { startedAt } = await q.insertRun(tx, { id: runId, cutoffDate, triggeredBy });

  let batchCount = 0;
  let totalCents = 0;
  // The window first, before any other read: see q.settlementWindow (ADR 0031).
  const window = await q.settlementWindow(tx);
  const { providerIds, unsettledFromTxid } = await q.providersWithUnsettled(tx, { cutoffDate, ...window });
  if (providerIds.length > 0) {
    // Batches first (the lines reference them); their numbers are given once we know which got lines.
    const drafts = providerIds.map((providerId) => ({ id: newId('batch'), providerId }));
    await q.insertDraftBatches(tx, { runId, cutoffDate, batches: drafts });

    // The ledger writes a line for each booking it settles (the bookings module owns redemptions).
    const totals = new Map<string, SettlementClaim>();
    for (const claim of await claimForSettlement(tx, { runId, cutoffDate, fromTxid: window.fromTxid }))
      merge(totals, claim);
    if (totals.size > 0) {
      for (const carried of await q.carryForward(tx, { runId, batchIds: [...totals.keys()] })) {
        merge(totals, { ...carried, periodFrom: null, periodTo: null });
      }
    }
    await q.deleteDraftBatches(tx, { runId, batchIds: drafts.filter((d) => !totals.has(d.id)).map((d) => d.id) });

    const finals = drafts.filter((d) => totals.has(d.id));
    if (finals.length > 0) {
      const year = cutoffDate.slice(0, 4);
      const first = await q.reserveBatchNumbers(tx, { year, count: finals.length });
      await q.finalizeBatches(
        tx,
        finals.map((d, i) => {
          const claim = totals.get(d.id)!;
          totalCents += claim.totalCents;
          return { ...claim, id: d.id, number: `ABR-${year}-${String(first + i).padStart(6, '0')}` };
        }),
      );
      batchCount = finals.length;
    }
  }

  const { finishedAt } = await q.completeRun(tx, { id: runId, batchCount, totalCents, unsettledFromTxid });
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
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
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
