import { berlinDate, type CivilDate, type Clock, newId, sepaExecutionDate } from '@tk/core';
import { citySettings, type Db, type DbOrTx, paymentFiles, providers, queryRows, settlementBatches } from '@tk/db';
import { asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { type Actor, audit } from '../../lib/audit.ts';
import { assertReturnedBatchPayable } from './settlement.bank-statements.ts';
import {
  BatchNotFound,
  ExecutionDateInvalid,
  InvalidBatchState,
  NothingToPay,
  PaymentFileNotFound,
  ProviderNotPayable,
} from './settlement.errors.ts';
import type { PaymentFile } from './settlement.schemas.ts';
import { buildSepaXml, remittanceText } from './settlement.sepa.ts';
import { checkedPaidOn, markPaidInTransaction } from './settlement.service.ts';

/** Payment files (Zahlläufe): released batches into one SEPA file, its stored XML, and marking it paid. */

function toPaymentFile(
  row: Omit<typeof paymentFiles.$inferSelect, 'xml'>,
  batches: { id: string; status: string }[],
): PaymentFile {
  const paid = batches.filter((b) => b.status === 'paid').length;
  return {
    id: row.id,
    messageId: row.messageId,
    executionDate: row.executionDate,
    batchCount: row.batchCount,
    totalCents: Number(row.totalCents),
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
    batchIds: batches.map((b) => b.id),
    status: paid === 0 ? 'exported' : paid === batches.length ? 'paid' : 'partly_paid',
  };
}

/**
 * Creates a SEPA payment file (pain.001.001.09) from released batches: one credit transfer per batch,
 * EndToEndId = batch number, remittance text with the statement number, structured creditor address.
 * The batches are locked FOR UPDATE and checked in the same transaction, so a batch is never in two
 * files. Batches become `exported`. Throws 404 `batch_not_found`, 409 `invalid_batch_state`,
 * 409 `provider_not_payable`, 409 `nothing_to_pay`, 422 `execution_date_invalid`.
 */
export async function createPaymentFile(
  db: Db,
  input: { batchIds: string[]; executionDate?: CivilDate | undefined },
  actor: Actor,
  clock: Clock,
): Promise<PaymentFile> {
  const now = clock.now();
  const today = berlinDate(now);
  const executionDate = sepaExecutionDate(today, input.executionDate);
  if (executionDate === null) throw new ExecutionDateInvalid(today);
  const ids = [...new Set(input.batchIds)].sort();
  return db.transaction(async (tx) => {
    // Sorted ids: two files started at once lock in the same order (no deadlock); the second waits,
    // then sees `exported` and gets 409.
    const batches = await tx
      .select()
      .from(settlementBatches)
      .where(inArray(settlementBatches.id, ids))
      .orderBy(asc(settlementBatches.id))
      .for('update');
    if (batches.length !== ids.length) throw new BatchNotFound();
    const providerRows = await tx
      .select()
      .from(providers)
      .where(
        inArray(
          providers.id,
          batches.map((b) => b.providerId),
        ),
      );
    const byId = new Map(providerRows.map((p) => [p.id, p]));
    for (const b of batches) {
      // A transfer the bank returned is paid again once the provider's bank data is corrected.
      if (b.status === 'returned') assertReturnedBatchPayable(b, byId.get(b.providerId)!, actor);
      else if (b.status !== 'released') throw new InvalidBatchState(b.number, b.status, 'released');
      if (Number(b.totalCents) <= 0) throw new NothingToPay(b.number);
    }
    for (const p of providerRows) if (p.status !== 'approved') throw new ProviderNotPayable(p.status);
    const [settings] = await tx.select().from(citySettings).where(eq(citySettings.id, 1));
    if (!settings) throw new Error('city_settings row missing');

    const year = today.slice(0, 4);
    const [counter] = await queryRows<{ value: number }>(
      tx,
      sql`insert into counters (name, value) values (${`payment_file:${year}`}, 1)
          on conflict (name) do update set value = counters.value + 1 returning value`,
    );
    const messageId = `ZL-${year}-${String(counter!.value).padStart(6, '0')}`;
    const ordered = [...batches].sort((a, b) => a.number.localeCompare(b.number));
    const xml = buildSepaXml({
      messageId,
      createdAt: now,
      executionDate,
      debtor: { name: settings.debtorName, iban: settings.debtorIban, bic: settings.debtorBic },
      transfers: ordered.map((b) => {
        const p = byId.get(b.providerId)!;
        return {
          endToEndId: b.number,
          amountCents: Number(b.totalCents),
          creditorName: p.accountHolder,
          iban: p.iban,
          bic: p.bic,
          address: { street: p.street, postalCode: p.postalCode, town: p.town, country: p.country },
          remittance: remittanceText(b.number, settings.cityName),
        };
      }),
    });
    const totalCents = batches.reduce((sum, b) => sum + Number(b.totalCents), 0);
    const id = newId('paymentFile');
    const [row] = await tx
      .insert(paymentFiles)
      .values({
        id,
        messageId,
        executionDate,
        batchCount: batches.length,
        totalCents,
        xml,
        createdAt: now,
        createdBy: actor.userId ?? 'system',
      })
      .returning();
    await tx
      .update(settlementBatches)
      .set({ status: 'exported', paymentFileId: id, returnReason: null, returnedAt: null })
      .where(inArray(settlementBatches.id, ids));
    await audit(tx, actor, {
      action: 'settlement.payment_file_created',
      entityType: 'payment_file',
      entityId: id,
      data: { messageId, executionDate, batchCount: batches.length, totalCents, batchIds: ids },
    });
    const { xml: _xml, ...meta } = row!;
    return toPaymentFile(
      meta,
      ordered.map((b) => ({ id: b.id, status: 'exported' })),
    );
  });
}

const fileColumns = {
  id: paymentFiles.id,
  messageId: paymentFiles.messageId,
  executionDate: paymentFiles.executionDate,
  batchCount: paymentFiles.batchCount,
  totalCents: paymentFiles.totalCents,
  createdAt: paymentFiles.createdAt,
  createdBy: paymentFiles.createdBy,
};

async function batchesOfFiles(db: DbOrTx, fileIds: string[]) {
  if (fileIds.length === 0) return new Map<string, { id: string; status: string }[]>();
  const rows = await db
    .select({ id: settlementBatches.id, status: settlementBatches.status, fileId: settlementBatches.paymentFileId })
    .from(settlementBatches)
    .where(inArray(settlementBatches.paymentFileId, fileIds))
    .orderBy(asc(settlementBatches.number));
  const map = new Map<string, { id: string; status: string }[]>();
  for (const r of rows) {
    const list = map.get(r.fileId!) ?? [];
    list.push({ id: r.id, status: r.status });
    map.set(r.fileId!, list);
  }
  return map;
}

export async function listPaymentFiles(db: DbOrTx, limit = 100): Promise<PaymentFile[]> {
  const rows = await db.select(fileColumns).from(paymentFiles).orderBy(desc(paymentFiles.createdAt)).limit(limit);
  const batches = await batchesOfFiles(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toPaymentFile(r, batches.get(r.id) ?? []));
}

export async function getPaymentFile(db: DbOrTx, id: string): Promise<PaymentFile> {
  const [row] = await db.select(fileColumns).from(paymentFiles).where(eq(paymentFiles.id, id));
  if (!row) throw new PaymentFileNotFound();
  const batches = await batchesOfFiles(db, [id]);
  return toPaymentFile(row, batches.get(id) ?? []);
}

/** The stored pain.001 XML, byte for byte as it was exported. Throws 404 `payment_file_not_found`. */
export async function getPaymentFileXml(db: DbOrTx, id: string): Promise<{ messageId: string; xml: string }> {
  const [row] = await db
    .select({ messageId: paymentFiles.messageId, xml: paymentFiles.xml })
    .from(paymentFiles)
    .where(eq(paymentFiles.id, id));
  if (!row) throw new PaymentFileNotFound();
  return row;
}

/**
 * Marks every still exported batch of a payment file as paid with the bank's value date `paidOn`
 * (default today). Throws 404 `payment_file_not_found`, 400 `paid_on_invalid`.
 */
export async function markPaymentFilePaid(
  db: Db,
  id: string,
  input: { paidOn?: CivilDate | undefined },
  actor: Actor,
  clock: Clock,
): Promise<PaymentFile> {
  await db.transaction(async (tx) => {
    const [file] = await tx.select({ id: paymentFiles.id }).from(paymentFiles).where(eq(paymentFiles.id, id));
    if (!file) throw new PaymentFileNotFound();
    const paidOn = await checkedPaidOn(tx, id, input.paidOn, clock);
    const batches = await tx
      .select()
      .from(settlementBatches)
      .where(eq(settlementBatches.paymentFileId, id))
      .orderBy(asc(settlementBatches.id))
      .for('update');
    await markPaidInTransaction(
      tx,
      batches.filter((b) => b.status === 'exported'),
      actor,
      clock,
      paidOn,
    );
  });
  return getPaymentFile(db, id);
}
