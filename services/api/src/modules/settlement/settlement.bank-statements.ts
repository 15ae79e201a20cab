import { createHash } from 'node:crypto';
import { type Clock, newId } from '@tk/core';
import {
  bankStatementEntries,
  bankStatements,
  type Db,
  type DbOrTx,
  LOCK_NAMESPACES,
  type providers,
  queryRows,
  settlementBatches,
} from '@tk/db';
import { asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { type Actor, audit } from '../../lib/audit.ts';
import { FourEyesRequired } from '../../lib/problems.ts';
import { type CamtTransaction, parseCamt } from './bank-statements.camt.ts';
import { BankDataNotCorrected } from './bank-statements.errors.ts';
import type { BankStatementResult } from './bank-statements.schemas.ts';
import { markPaidInTransaction } from './settlement.service.ts';

type BatchRow = typeof settlementBatches.$inferSelect;
type Outcome = (typeof bankStatementEntries.$inferInsert)['outcome'];

/** Same message id and the same entries: the same document, whatever its whitespace. */
function fingerprintOf(format: string, messageId: string, transactions: CamtTransaction[]): string {
  const refs = transactions.map((t) => t.entryRef).sort();
  return createHash('sha256')
    .update([format, messageId, ...refs].join('\n'))
    .digest('hex');
}

/**
 * Imports a camt.054/camt.053 document and reconciles it with exported payment files. A booked debit
 * whose EndToEndId (the batch number) and amount match an exported batch marks it `paid` with
 * `paidOn` = the value date; a returned transfer (return reason) marks it `returned`. Everything
 * else is listed, never guessed: unknown EndToEndIds and amount mismatches. The same document
 * again (message id + entry references) replays the first result (`replayed: true`) and applies
 * nothing. Throws 400 `invalid_bank_statement`.
 */
export async function importBankStatement(
  db: Db,
  xml: string,
  actor: Actor,
  clock: Clock,
): Promise<{ replayed: boolean; result: BankStatementResult }> {
  const document = parseCamt(xml);
  const fingerprint = fingerprintOf(document.format, document.messageId, document.transactions);
  return db.transaction(async (tx) => {
    // Two uploads of the same file at once: the second waits here, then replays the first.
    await queryRows(tx, sql`select pg_advisory_xact_lock(${LOCK_NAMESPACES.bankStatement}, hashtext(${fingerprint}))`);
    const [existing] = await tx
      .select({ result: bankStatements.result })
      .from(bankStatements)
      .where(eq(bankStatements.fingerprint, fingerprint));
    if (existing) return { replayed: true, result: existing.result as BankStatementResult };

    const numbers = [
      ...new Set(document.transactions.map((t) => t.endToEndId).filter((id): id is string => id !== null)),
    ];
    const batches =
      numbers.length === 0
        ? []
        : await tx
            .select()
            .from(settlementBatches)
            .where(inArray(settlementBatches.number, numbers))
            .orderBy(asc(settlementBatches.id))
            .for('update');
    const byNumber = new Map<string, BatchRow>(batches.map((b) => [b.number, b]));

    const id = newId('bankStatement');
    const result: BankStatementResult = {
      id,
      messageId: document.messageId,
      format: document.format,
      matchedCount: 0,
      unmatched: [],
      returned: [],
      alreadyAppliedCount: 0,
      ignoredCount: 0,
    };
    const entries: (typeof bankStatementEntries.$inferInsert)[] = [];
    const record = (t: CamtTransaction, outcome: Outcome, batch?: BatchRow) =>
      entries.push({
        statementId: id,
        entryRef: t.entryRef,
        endToEndId: t.endToEndId,
        amountCents: t.amountCents,
        valueDate: t.valueDate,
        outcome,
        reasonCode: t.returnReason,
        batchId: batch?.id ?? null,
        paymentFileId: batch?.paymentFileId ?? null,
      });

    const now = clock.now();
    // In document order: a debit followed by its return in the same file ends `returned`.
    for (const t of document.transactions) {
      const batch = t.endToEndId ? byNumber.get(t.endToEndId) : undefined;
      if (t.returnReason) {
        if (batch && (batch.status === 'exported' || batch.status === 'paid')) {
          await tx
            .update(settlementBatches)
            .set({ status: 'returned', returnReason: t.returnReason, returnedAt: now })
            .where(eq(settlementBatches.id, batch.id));
          await audit(tx, actor, {
            action: 'settlement.batch_returned',
            entityType: 'settlement_batch',
            entityId: batch.id,
            data: {
              number: batch.number,
              reasonCode: t.returnReason,
              paymentFileId: batch.paymentFileId,
              statementId: id,
            },
          });
          record(t, 'returned', batch);
          batch.status = 'returned';
          result.returned.push({ batchId: batch.id, batchNumber: batch.number, reasonCode: t.returnReason });
        } else if (batch && batch.status === 'returned' && batch.returnReason === t.returnReason) {
          record(t, 'already_applied', batch);
          result.alreadyAppliedCount++;
        } else {
          record(t, 'unmatched', batch);
          result.unmatched.push({
            endToEndId: t.endToEndId,
            amountCents: t.amountCents,
            reason: 'return_without_transfer',
          });
        }
        continue;
      }
      // Credits without return information are other income of the account: not ours to match.
      if (t.direction === 'credit') {
        result.ignoredCount++;
        continue;
      }
      if (!batch) {
        record(t, 'unmatched');
        result.unmatched.push({
          endToEndId: t.endToEndId,
          amountCents: t.amountCents,
          reason: 'unknown_end_to_end_id',
        });
      } else if (Number(batch.totalCents) !== t.amountCents) {
        record(t, 'amount_mismatch', batch);
        result.unmatched.push({
          endToEndId: t.endToEndId,
          amountCents: t.amountCents,
          reason: 'amount_mismatch',
          batchId: batch.id,
          expectedCents: Number(batch.totalCents),
        });
      } else if (batch.status === 'exported') {
        await markPaidInTransaction(tx, [batch], actor, clock, t.valueDate ?? null);
        record(t, 'paid', batch);
        batch.status = 'paid';
        result.matchedCount++;
      } else if (batch.status === 'paid') {
        // The statement (camt.053) after the notification (camt.054) shows the same debit again.
        record(t, 'already_applied', batch);
        result.alreadyAppliedCount++;
      } else {
        record(t, 'unmatched', batch);
        result.unmatched.push({
          endToEndId: t.endToEndId,
          amountCents: t.amountCents,
          reason: 'batch_not_exported',
          batchId: batch.id,
        });
      }
    }

    await tx.insert(bankStatements).values({
      id,
      messageId: document.messageId,
      format: document.format,
      fingerprint,
      entryCount: document.transactions.length,
      result,
      importedAt: now,
      importedBy: actor.userId ?? 'system',
    });
    if (entries.length > 0) await tx.insert(bankStatementEntries).values(entries);
    await audit(tx, actor, {
      action: 'settlement.bank_statement_imported',
      entityType: 'bank_statement',
      entityId: id,
      data: {
        messageId: document.messageId,
        format: document.format,
        matchedCount: result.matchedCount,
        unmatchedCount: result.unmatched.length,
        returnedCount: result.returned.length,
      },
    });
    return { replayed: false, result };
  });
}

/** Imported statements, newest first, with their results (the accounting desk's history). */
export async function listBankStatements(db: DbOrTx, limit = 50): Promise<BankStatementResult[]> {
  const rows = await db
    .select({ result: bankStatements.result })
    .from(bankStatements)
    .orderBy(desc(bankStatements.importedAt))
    .limit(limit);
  return rows.map((r) => r.result as BankStatementResult);
}

/**
 * A returned batch may go into a new payment file only after the provider's bank data changed after
 * the return and an admin approved it (the provider is `approved` again), and not by whoever changed it.
 * Throws 409 `bank_data_not_corrected`, 409 `four_eyes_required`.
 */
export function assertReturnedBatchPayable(
  batch: BatchRow,
  provider: typeof providers.$inferSelect,
  actor: Actor,
): void {
  const corrected = provider.bankDataChangedAt && batch.returnedAt && provider.bankDataChangedAt > batch.returnedAt;
  if (!corrected) throw new BankDataNotCorrected(batch.number);
  if (provider.bankDataChangedBy === actor.userId) {
    throw new FourEyesRequired("You changed this provider's bank data; a different user must pay the returned batch.");
  }
}
