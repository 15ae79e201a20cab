import { berlinDate, type CivilDate, type Clock, isProviderRole } from '@tk/core';
import {
  type Db,
  type DbOrTx,
  paymentFiles,
  providers,
  settlementBatches,
  settlementRuns,
  type Tx,
  users,
} from '@tk/db';
import { listBatchLines } from '@tk/db/queries/settlement';
import { and, count, desc, eq, isNotNull, max, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { type Actor, audit } from '../../lib/audit.ts';
import { FourEyesRequired } from '../../lib/problems.ts';
import { type ReversalResult, reverse } from '../bookings/bookings.service.ts';
import {
  BankDataUnapproved,
  BatchNotFound,
  InvalidBatchState,
  PaidOnInvalid,
  ProviderNotPayable,
} from './settlement.errors.ts';
import type { Batch, BatchLine, ReleaseRefusal, SettlementRun } from './settlement.schemas.ts';

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

const certifier = alias(users, 'certifier');
const releaser = alias(users, 'releaser');
const payer = alias(users, 'payer');
const batchColumns = {
  batch: settlementBatches,
  providerName: providers.name,
  certifiedByName: certifier.username,
  releasedByName: releaser.username,
  paidByName: payer.username,
};

/** Batches with their provider and the usernames of who certified, released and marked them paid. */
function selectBatches(db: DbOrTx) {
  return db
    .select(batchColumns)
    .from(settlementBatches)
    .innerJoin(providers, eq(providers.id, settlementBatches.providerId))
    .leftJoin(certifier, eq(certifier.id, settlementBatches.certifiedBy))
    .leftJoin(releaser, eq(releaser.id, settlementBatches.releasedBy))
    .leftJoin(payer, eq(payer.id, settlementBatches.paidBy));
}

function toBatch(row: {
  batch: typeof settlementBatches.$inferSelect;
  providerName: string;
  certifiedByName: string | null;
  releasedByName: string | null;
  paidByName: string | null;
}): Batch {
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
    certifiedByName: row.certifiedByName,
    certifiedAt: iso(b.certifiedAt),
    releasedBy: b.releasedBy,
    releasedByName: row.releasedByName,
    releasedAt: iso(b.releasedAt),
    paymentFileId: b.paymentFileId,
    paidAt: iso(b.paidAt),
    paidBy: b.paidBy,
    paidByName: row.paidByName,
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
  const rows = await selectBatches(db)
    .where(where)
    .orderBy(desc(settlementBatches.createdAt), desc(settlementBatches.number))
    .limit(filter.limit)
    .offset(filter.offset);
  const [total] = await db.select({ n: count() }).from(settlementBatches).where(where);
  return { items: rows.map(toBatch), total: total?.n ?? 0 };
}

/** One batch; another provider's batch is "not found" for a provider user (404 hides 403). */
export async function findBatch(db: DbOrTx, id: string, actor: Actor): Promise<Batch> {
  const [row] = await selectBatches(db).where(eq(settlementBatches.id, id));
  if (!row || (isProviderUser(actor) && row.batch.providerId !== actor.providerId)) throw new BatchNotFound();
  return toBatch(row);
}

/**
 * The lines of a batch in booking order, all of them or one page. Legal basis and cost bearer are
 * withheld from provider users.
 */
export async function batchLines(
  db: DbOrTx,
  batchId: string,
  actor: Actor,
  page: { limit?: number | undefined; offset?: number | undefined } = {},
): Promise<BatchLine[]> {
  const rows = await listBatchLines(db, { batchId, ...page });
  const accounting = !isProviderUser(actor);
  return rows.map((r) => ({
    ...r,
    bookedAt: r.bookedAt ? r.bookedAt.toISOString() : null,
    legalBasis: accounting ? r.legalBasis : null,
    costBearer: accounting ? r.costBearer : null,
  }));
}

/**
 * One batch with its lines (all, or the page `linesLimit`/`linesOffset`; `linesTotal` counts them all)
 * and, for accounting users, why this user may not release it (`releaseRefusal`, null when nothing
 * speaks against it), so a screen can disable the button instead of running into a 409.
 */
export async function getBatch(
  db: DbOrTx,
  id: string,
  actor: Actor,
  page: { linesLimit?: number | undefined; linesOffset?: number | undefined } = {},
): Promise<Batch & { lines: BatchLine[]; linesTotal: number; releaseRefusal: ReleaseRefusal | null }> {
  const batch = await findBatch(db, id, actor);
  const lines = await batchLines(db, id, actor, { limit: page.linesLimit, offset: page.linesOffset });
  let refusal: ReleaseRefusal | null = null;
  if (!isProviderUser(actor) && batch.status === 'certified') {
    const [row] = await db.select().from(settlementBatches).where(eq(settlementBatches.id, id));
    const [provider] = await db.select().from(providers).where(eq(providers.id, batch.providerId));
    if (row && provider) refusal = await releaseRefusalOf(db, row, provider, actor);
  }
  return { ...batch, lines, linesTotal: batch.lineCount, releaseRefusal: refusal };
}

/**
 * The four-eyes and payability rules of the release, in one place: what speaks against `actor`
 * releasing this certified batch, or null. releaseBatch throws the matching problem; getBatch
 * shows it beforehand.
 */
export async function releaseRefusalOf(
  db: DbOrTx,
  batch: typeof settlementBatches.$inferSelect,
  provider: typeof providers.$inferSelect,
  actor: Actor,
): Promise<ReleaseRefusal | null> {
  if (batch.certifiedBy === actor.userId) return 'certified_by_you';
  if (provider.status !== 'approved') return 'provider_not_payable';
  if (!provider.bankDataApproved) return 'bank_data_unapproved';
  if (provider.bankDataChangedBy && provider.bankDataChangedBy === actor.userId) {
    const [last] = await db
      .select({ paidAt: max(settlementBatches.paidAt) })
      .from(settlementBatches)
      .where(and(eq(settlementBatches.providerId, provider.id), isNotNull(settlementBatches.paidAt)));
    const lastPaid = last?.paidAt ? new Date(last.paidAt) : null;
    if (!lastPaid || !provider.bankDataChangedAt || provider.bankDataChangedAt > lastPaid) {
      return 'bank_data_changed_by_you';
    }
  }
  return null;
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
    // Lock the provider row too: a bank data change cannot slip in between this check and the release.
    const [provider] = await tx.select().from(providers).where(eq(providers.id, batch.providerId)).for('share');
    if (!provider) throw new BatchNotFound();
    const refusal = await releaseRefusalOf(tx, batch, provider, actor);
    if (refusal === 'certified_by_you') {
      throw new FourEyesRequired('You certified this batch; a different accounting user must release it.');
    }
    if (refusal === 'provider_not_payable') throw new ProviderNotPayable(provider.status);
    if (refusal === 'bank_data_unapproved') throw new BankDataUnapproved();
    if (refusal === 'bank_data_changed_by_you') {
      throw new FourEyesRequired(
        "You changed this provider's bank data; a different accounting user must release its next payment.",
      );
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

/**
 * The bank's value date of a transfer entered by hand: not before the payment file's execution date,
 * not in the future (Europe/Berlin); none given means today. Throws 400 `paid_on_invalid`.
 */
export async function checkedPaidOn(
  db: DbOrTx,
  paymentFileId: string | null,
  paidOn: CivilDate | undefined,
  clock: Clock,
): Promise<CivilDate> {
  const today = berlinDate(clock.now());
  const [file] = paymentFileId
    ? await db
        .select({ executionDate: paymentFiles.executionDate })
        .from(paymentFiles)
        .where(eq(paymentFiles.id, paymentFileId))
    : [];
  const earliest = file?.executionDate ?? today;
  const value = paidOn ?? today;
  if (value < earliest || value > today) throw new PaidOnInvalid(earliest, today);
  return value;
}

/**
 * Marks an exported batch as paid with the bank's value date `paidOn` (default today).
 * Throws 404, 409 `invalid_batch_state`, 400 `paid_on_invalid`.
 */
export async function markBatchPaid(
  db: Db,
  id: string,
  input: { paidOn?: CivilDate | undefined },
  actor: Actor,
  clock: Clock,
): Promise<Batch> {
  await db.transaction(async (tx) => {
    const batch = await lockBatch(tx, id);
    if (batch.status !== 'exported') throw new InvalidBatchState(batch.number, batch.status, 'exported');
    const paidOn = await checkedPaidOn(tx, batch.paymentFileId, input.paidOn, clock);
    await markPaidInTransaction(tx, [batch], actor, clock, paidOn);
  });
  return findBatch(db, id, actor);
}

/** exported → paid; `paidOn` is the bank's value date (from a bank statement, or entered by hand). */
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
