import { type CivilDate, mayNotOverlap } from '@tk/core';
import { approvals, type DbOrTx, LOCK_NAMESPACES, pgErrorOf } from '@tk/db';
import { and, eq, ne, sql } from 'drizzle-orm';
import { ApprovalOverlaps } from './beneficiaries.errors.ts';

/** The SQL twin of `periodsOverlap` (packages/core) and of the constraint `approvals_no_overlap`. */
const effectiveRange = sql`daterange(${approvals.validFrom}, least(${approvals.validTo} + 1, coalesce(${approvals.revokedFrom}, ${approvals.validTo} + 1)), '[)')`;

export interface OverlapQuery {
  beneficiaryId: string;
  benefitType: string;
  validFrom: CivilDate;
  validTo: CivilDate;
  /** The approval being amended, which may overlap itself. */
  exceptApprovalId?: string | undefined;
}

/** The id of an approval that the given period would overlap (same child and single-budget type), if any. */
export async function findOverlappingApproval(db: DbOrTx, query: OverlapQuery): Promise<string | null> {
  if (!mayNotOverlap(query.benefitType)) return null;
  const [row] = await db
    .select({ id: approvals.id })
    .from(approvals)
    .where(
      and(
        eq(approvals.beneficiaryId, query.beneficiaryId),
        eq(approvals.benefitType, query.benefitType),
        query.exceptApprovalId ? ne(approvals.id, query.exceptApprovalId) : undefined,
        sql`${effectiveRange} && daterange(${query.validFrom}::date, ${query.validTo}::date, '[]')`,
      ),
    )
    .orderBy(approvals.validFrom)
    .limit(1);
  return row?.id ?? null;
}

/**
 * Throws 409 `approval_overlaps` when the period overlaps another approval of the child. In a
 * transaction it first takes the lock on the child's approvals of that type, so concurrent creates
 * and amends check one after the other and the later one sees the earlier (without it, inserts
 * waiting on each other in the exclusion constraint could deadlock: 500 instead of 409).
 */
export async function assertNoOverlap(db: DbOrTx, query: OverlapQuery): Promise<void> {
  if (mayNotOverlap(query.benefitType)) {
    await db.execute(
      sql`select pg_advisory_xact_lock(${LOCK_NAMESPACES.approvalPeriods}, hashtext(${`${query.beneficiaryId}:${query.benefitType}`}))`,
    );
  }
  const existing = await findOverlappingApproval(db, query);
  if (existing) throw new ApprovalOverlaps(existing);
}

/** 23P01: the exclusion constraint against overlapping approvals refused the row. */
function isOverlapViolation(err: unknown): boolean {
  const e = pgErrorOf(err);
  return e?.code === '23P01' && (e.constraint === undefined || e.constraint === 'approvals_no_overlap');
}

/**
 * Runs a write that may hit `approvals_no_overlap` in a savepoint: a concurrent writer that got in
 * between the check and the write makes the constraint fail; that becomes the same 409 as the check.
 */
export async function guardOverlap<T>(tx: DbOrTx, query: OverlapQuery, write: (sp: DbOrTx) => Promise<T>): Promise<T> {
  try {
    return await tx.transaction(write);
  } catch (err) {
    if (!isOverlapViolation(err)) throw err;
    throw new ApprovalOverlaps((await findOverlappingApproval(tx, query)) ?? 'unknown');
  }
}
