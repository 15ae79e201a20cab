import type { Clock } from '@tk/core';
import type { DbOrTx } from '@tk/db';
import {
  accessLogRows,
  beneficiaryExists,
  insertApprovalRead,
  insertCardReads,
  insertReads,
  type ReadAction,
} from '@tk/db/queries/privacy';
import type { Actor } from '../../lib/audit.ts';
import { BeneficiaryNotFound } from '../../lib/problems.ts';
import type { AccessLogEntry } from './privacy.schemas.ts';

/**
 * The read audit (issue 10, item 11), the only writer of `personal_data_reads`: every read of a child's
 * personal data is recorded with who, when, which child and what. One INSERT … SELECT per request (a
 * search page of 100 children is one statement), no transaction of its own, no audit-chain sealing.
 * The callers await it (usually beside their own read, `Promise.all`): a read that could not be
 * recorded is not served. Nothing personal is written, only the child's id.
 */
export type { ReadAction };

const readParams = (actor: Actor, clock: Clock, action: ReadAction) => ({
  actorId: actor.userId,
  requestId: actor.requestId,
  at: clock.now(),
  action,
});

/** Records that `actor` read these children (duplicates once; unknown ids are skipped). */
export function recordReads(
  db: DbOrTx,
  actor: Actor,
  clock: Clock,
  action: ReadAction,
  beneficiaryIds: string[],
): Promise<void> {
  return insertReads(db, { ...readParams(actor, clock, action), beneficiaryIds });
}

/** Records a read of the children behind these cards (card page, card PDF, A4 sheet, letter). */
export function recordCardReads(
  db: DbOrTx,
  actor: Actor,
  clock: Clock,
  action: ReadAction,
  cardIds: string[],
): Promise<void> {
  return insertCardReads(db, { ...readParams(actor, clock, action), cardIds });
}

/** Records a read of the child of one approval (getApproval). */
export function recordApprovalRead(db: DbOrTx, actor: Actor, clock: Clock, approvalId: string): Promise<void> {
  return insertApprovalRead(db, { ...readParams(actor, clock, 'approval'), approvalId });
}

/** The child's access log, newest first: a page of it, or (without `page`) all of it. Throws 404 `beneficiary_not_found`. */
export async function accessLogOf(
  db: DbOrTx,
  beneficiaryId: string,
  page?: { page: number; pageSize: number },
): Promise<{ items: AccessLogEntry[]; total: number }> {
  const { rows, total } = await accessLogRows(db, {
    beneficiaryId,
    ...(page ? { limit: page.pageSize, offset: (page.page - 1) * page.pageSize } : {}),
  });
  if (total === 0 && !(await beneficiaryExists(db, beneficiaryId))) throw new BeneficiaryNotFound();
  return { items: rows.map((r) => ({ at: r.at.toISOString(), username: r.username, action: r.action })), total };
}
