import { type Clock, isProviderRole } from '@tk/core';
import { type Db, type DbOrTx, providers, settlementBatches, settlementRuns, type Tx } from '@tk/db';
import { listBatchLines } from '@tk/db/queries/settlement';
import { and, count, desc, eq, isNotNull, max, type SQL } from 'drizzle-orm';
import { type Actor, audit } from '../../lib/audit.ts';
import { FourEyesRequired } from '../../lib/problems.ts';
import { type ReversalResult, reverse } from '../bookings/bookings.service.ts';
import { BankDataUnapproved, BatchNotFound, InvalidBatchState, ProviderNotPayable } from './settlement.errors.ts';
import type { Batch, BatchLine, SettlementRun } from './settlement.schemas.ts';

export const isProviderUser = (actor: Actor) => isProviderRole(actor.role);

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toRun(row: typeof settlementRuns.$inferSelect): SettlementRun {
  return {
    id: row.id,
    cutoffDate: row.cutoffDate,
    batchCount: row.batchCount,
    totalCents: Number(row.totalCents),
    status: row.status,
    startedAt: row.startedAt.toISOString(),
    finishedAt: iso(row.finishedAt),
    triggeredBy: row.triggeredBy,
  };
}

/** Runs, newest first (the accounting desk's history of nightly and manual runs). */
export async function listRuns(db: DbOrTx, limit: number): Promise<SettlementRun[]> {
  const rows = await db.select().from(settlementRuns).orderBy(desc(settlementRuns.startedAt)).limit(limit);
  return rows.map(toRun);
}

const batchColumns = { batch: settlementBatches, providerName: providers.name };

function toBatch(row: { batch: typeof settlementBatches.$inferSelect; providerName: string }): Batch {
  const b = row.batch;
  return {
    id: b.id,
    number: b.number,
    providerId: b.providerId,
    providerName: row.providerName,
    totalCents: Number(b.totalCents),
    lineCount: b.lineCount,
    status: b.status,
    runId: b.runId,
    cutoffDate: b.cutoffDate,
    periodFrom: b.periodFrom,
    periodTo: b.periodTo,
    createdAt: b.createdAt.toISOString(),
    certifiedBy: b.certifiedBy,
    certifiedAt: iso(b.certifiedAt),
    releasedBy: b.releasedBy,
    releasedAt: iso(b.releasedAt),
    paymentFileId: b.paymentFileId,
    paidAt: iso(b.paidAt),
    paidBy: b.paidBy,
    paidOn: b.paidOn,
    returnReason: b.returnReason,
    returnedAt: iso(b.returnedAt),
  };
}

export interface BatchFilter {
  status?: Batch['status'] | undefined;
  providerId?: string | undefined;
  runId?: string | undefined;
  paymentFileId?: string | undefined;
  limit: number;
  offset: number;
}

/** Batches, newest first. Provider users see only their own provider's batches, whatever they filter. */
export async function listBatches(
  db: DbOrTx,
  actor: Actor,
  filter: BatchFilter,
): Promise<{ items: Batch[]; total: number }> {
  const conditions: SQL[] = [];
  const providerId = isProviderUser(actor) ? (actor.providerId ?? '') : filter.providerId;
  if (providerId) conditions.push(eq(settlementBatches.providerId, providerId));
  if (filter.status) conditions.push(eq(settlementBatches.status, filter.status));
  if (filter.runId) conditions.push(eq(settlementBatches.runId, filter.runId));
  if (filter.paymentFileId) conditions.push(eq(settlementBatches.paymentFileId, filter.paymentFileId));
  const where = conditions.length > 0 ? and(...conditions) : undefined;
  const rows = await db
    .select(batchColumns)
    .from(settlementBatches)
    .innerJoin(providers, eq(providers.id, settlementBatches.providerId))
    .where(where)
    .orderBy(desc(settlementBatches.createdAt), desc(settlementBatches.number))
    .limit(filter.limit)
    .offset(filter.offset);
  const [total] = await db.select({ n: count() }).from(settlementBatches).where(where);
  return { items: rows.map(toBatch), total: total?.n ?? 0 };
}

/** One batch; another provider's batch is "not found" for a provider user (404 hides 403). */
export async function findBatch(db: DbOrTx, id: string, actor: Actor): Promise<Batch> {
  const [row] = await db
    .select(batchColumns)
    .from(settlementBatches)
    .innerJoin(providers, eq(providers.id, settlementBatches.providerId))
    .where(eq(settlementBatches.id, id));
  if (!row || (isProviderUser(actor) && row.batch.providerId !== actor.providerId)) throw new BatchNotFound();
  return toBatch(row);
}

/** The lines of a batch in booking order. Legal basis and cost bearer are withheld from provider users. */
export async function batchLines(db: DbOrTx, batchId: string, actor: Actor): Promise<BatchLine[]> {
  const rows = await listBatchLines(db, { batchId });
  const accounting = !isProviderUser(actor);
  return rows.map((r) => ({
    ...r,
    bookedAt: r.bookedAt ? r.bookedAt.toISOString() : null,
    legalBasis: accounting ? r.legalBasis : null,
    costBearer: accounting ? r.costBearer : null,
  }));
}

export async function getBatch(db: DbOrTx, id: string, actor: Actor): Promise<Batch & { lines: BatchLine[] }> {
  const batch = await findBatch(db, id, actor);
  return { ...batch, lines: await batchLines(db, id, actor) };
}

async function lockBatch(tx: Tx, id: string) {
  const [row] = await tx.select().from(settlementBatches).where(eq(settlementBatches.id, id)).for('update');
  if (!row) throw new BatchNotFound();
  return row;
}

/**
 * Certifies a batch (*sachlich und rechnerisch richtig*): open → certified, with user and time.
 * Throws 404 `batch_not_found`, 409 `invalid_batch_state`.
 */
export async function certifyBatch(db: Db, id: string, actor: Actor, clock: Clock): Promise<Batch> {
  await db.transaction(async (tx) => {
    const batch = await lockBatch(tx, id);
    if (batch.status !== 'open') throw new InvalidBatchState(batch.number, batch.status, 'open');
    await tx
      .update(settlementBatches)
      .set({ status: 'certified', certifiedBy: actor.userId, certifiedAt: clock.now() })
      .where(eq(settlementBatches.id, id));
    await audit(tx, actor, {
      action: 'settlement.batch_certified',
      entityType: 'settlement_batch',
      entityId: id,
      data: { number: batch.number, totalCents: Number(batch.totalCents) },
    });
  });
  return findBatch(db, id, actor);
}

/**
 * Releases a certified batch for payment (*Anordnung*), the second signature. Four eyes: not by its
 * certifier, and not by whoever changed the provider's bank data since its last payment (409
 * `four_eyes_required`); only for an approved provider (409 `provider_not_payable`) whose bank data
 * an admin approved (409 `bank_data_unapproved`).
 * Throws 404 `batch_not_found`, 409 `invalid_batch_state`.
 */
export async function releaseBatch(db: Db, id: string, actor: Actor, clock: Clock): Promise<Batch> {
  await db.transaction(async (tx) => {
    const batch = await lockBatch(tx, id);
    if (batch.status !== 'certified') throw new InvalidBatchState(batch.number, batch.status, 'certified');
    if (batch.certifiedBy === actor.userId) {
      throw new FourEyesRequired('You certified this batch; a different accounting user must release it.');
    }
    // Lock the provider row too: a bank data change cannot slip in between this check and the release.
    const [provider] = await tx.select().from(providers).where(eq(providers.id, batch.providerId)).for('share');
    if (!provider) throw new BatchNotFound();
    if (provider.status !== 'approved') throw new ProviderNotPayable(provider.status);
    if (!provider.bankDataApproved) throw new BankDataUnapproved();
    if (provider.bankDataChangedBy && provider.bankDataChangedBy === actor.userId) {
      const [last] = await tx
        .select({ paidAt: max(settlementBatches.paidAt) })
        .from(settlementBatches)
        .where(and(eq(settlementBatches.providerId, provider.id), isNotNull(settlementBatches.paidAt)));
      const lastPaid = last?.paidAt ? new Date(last.paidAt) : null;
      if (!lastPaid || !provider.bankDataChangedAt || provider.bankDataChangedAt > lastPaid) {
        throw new FourEyesRequired(
          "You changed this provider's bank data; a different accounting user must release its next payment.",
        );
      }
    }
    await tx
      .update(settlementBatches)
      .set({ status: 'released', releasedBy: actor.userId, releasedAt: clock.now() })
      .where(eq(settlementBatches.id, id));
    await audit(tx, actor, {
      action: 'settlement.batch_released',
      entityType: 'settlement_batch',
      entityId: id,
      data: { number: batch.number, totalCents: Number(batch.totalCents), certifiedBy: batch.certifiedBy },
    });
  });
  return findBatch(db, id, actor);
}

/** Marks an exported batch as paid (bank statement seen). Throws 404, 409 `invalid_batch_state`. */
export async function markBatchPaid(db: Db, id: string, actor: Actor, clock: Clock): Promise<Batch> {
  await db.transaction(async (tx) => {
    const batch = await lockBatch(tx, id);
    if (batch.status !== 'exported') throw new InvalidBatchState(batch.number, batch.status, 'exported');
    await markPaidInTransaction(tx, [batch], actor, clock);
  });
  return findBatch(db, id, actor);
}

/** exported → paid; `paidOn` is the bank's value date when a bank statement says so. */
export async function markPaidInTransaction(
  tx: Tx,
  batches: (typeof settlementBatches.$inferSelect)[],
  actor: Actor,
  clock: Clock,
  paidOn: string | null = null,
): Promise<void> {
  const now = clock.now();
  for (const batch of batches) {
    await tx
      .update(settlementBatches)
      .set({ status: 'paid', paidAt: now, paidBy: actor.userId, paidOn })
      .where(eq(settlementBatches.id, batch.id));
    await audit(tx, actor, {
      action: 'settlement.batch_paid',
      entityType: 'settlement_batch',
      entityId: batch.id,
      data: {
        number: batch.number,
        totalCents: Number(batch.totalCents),
        paymentFileId: batch.paymentFileId,
        ...(paidOn ? { paidOn } : {}),
      },
    });
  }
}

/**
 * A city-side reversal with a recorded reason, through the bookings module: not yet settled, the
 * redemption is voided (never paid); already settled, a correction (a negative line in the provider's
 * next batch; the settled batch is never edited). Optional Idempotency-Key.
 * Throws 404 `redemption_not_found`, 409 `already_reversed`, 422 `idempotency_key_reused`.
 */
export async function reverseRedemptionByCity(
  db: Db,
  input: { redemptionId: string; reason: string; idempotencyKey?: string | undefined },
  actor: Actor,
  clock: Clock,
): Promise<ReversalResult> {
  const outcome = await reverse(
    db,
    {
      redemptionId: input.redemptionId,
      by: { kind: 'city', reason: input.reason },
      idempotencyKey: input.idempotencyKey,
    },
    actor,
    clock.now(),
  );
  return outcome.body;
}
