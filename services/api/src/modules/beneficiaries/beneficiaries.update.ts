import { evaluateApproval, newId } from '@tk/core';
import {
  approvalRevisions,
  approvals,
  beneficiaries,
  beneficiaryRevisions,
  type DbOrTx,
  isUniqueViolation,
} from '@tk/db';
import { and, asc, eq, isNull, ne } from 'drizzle-orm';
import { type Actor, audit } from '../../lib/audit.ts';
import { BeneficiaryNotFound } from '../../lib/problems.ts';
import { changeBudget } from '../bookings/bookings.service.ts';
import { ratesOf } from '../catalogue/catalogue.service.ts';
import { BirthDateInFuture, BudgetBelowBooked, CaseReferenceTaken } from './beneficiaries.errors.ts';
import type { Beneficiary, UpdateBeneficiaryInput } from './beneficiaries.schemas.ts';
import { assertKnownDistrict, getBeneficiary, snapshotOf } from './beneficiaries.service.ts';

const MASTER_FIELDS = ['givenName', 'familyName', 'birthDate', 'caseReference', 'district'] as const;

/**
 * Corrects a child's master data (updateBeneficiary). Under a row lock on the child: the values
 * before and after go into `beneficiary_revisions` (history), the audit row names only the changed
 * fields (no personal data). The terminal reads the name from the child's row, so it shows the new
 * name at once. A corrected birth date recomputes every budget that depends on it (participation:
 * months before the 18th birthday) as an amendment through the bookings module, so a budget never
 * drops below what is booked (409 `budget_below_booked`, nothing changed). Throws 404, 400
 * `invalid_birth_date`, 409 `case_reference_taken`.
 */
export async function updateBeneficiary(
  db: DbOrTx,
  beneficiaryId: string,
  input: UpdateBeneficiaryInput,
  actor: Actor,
  today: string,
): Promise<Beneficiary> {
  if (input.birthDate && input.birthDate > today) throw new BirthDateInFuture();
  await db.transaction(async (tx) => {
    const [current] = await tx.select().from(beneficiaries).where(eq(beneficiaries.id, beneficiaryId)).for('update');
    if (!current || current.pseudonymisedAt) throw new BeneficiaryNotFound();
    await assertKnownDistrict(tx, input.district);
    const changed = MASTER_FIELDS.filter((f) => input[f] !== undefined && input[f] !== current[f]);
    if (changed.length === 0) return;
    if (input.caseReference !== undefined && changed.includes('caseReference')) {
      const [taken] = await tx
        .select({ id: beneficiaries.id })
        .from(beneficiaries)
        .where(and(eq(beneficiaries.caseReference, input.caseReference), ne(beneficiaries.id, beneficiaryId)));
      if (taken) throw new CaseReferenceTaken(taken.id);
    }
    const before = Object.fromEntries(changed.map((f) => [f, current[f]]));
    const after = Object.fromEntries(changed.map((f) => [f, input[f]]));
    // The unique index decides a race on the case reference; a savepoint keeps the answer a 409.
    await tx
      .transaction((sp) =>
        sp
          .update(beneficiaries)
          .set({ ...after, updatedAt: new Date() })
          .where(eq(beneficiaries.id, beneficiaryId)),
      )
      .catch((err: unknown) => {
        throw isUniqueViolation(err, 'beneficiaries_case_reference_key') ? new CaseReferenceTaken() : err;
      });
    await tx.insert(beneficiaryRevisions).values({
      id: newId('beneficiary'),
      beneficiaryId,
      before,
      after,
      changedBy: actor.userId,
    });
    await audit(tx, actor, {
      action: 'beneficiary.updated',
      entityType: 'beneficiary',
      entityId: beneficiaryId,
      data: { fields: changed },
    });
    if (changed.includes('birthDate')) await recomputeBirthDateBudgets(tx, beneficiaryId, input.birthDate!, actor);
  });
  return getBeneficiary(db, beneficiaryId, today);
}

/** Participation budgets count the months before the 18th birthday: recompute them as amendments. */
async function recomputeBirthDateBudgets(tx: DbOrTx, beneficiaryId: string, birthDate: string, actor: Actor) {
  const open = await tx
    .select()
    .from(approvals)
    .where(
      and(
        eq(approvals.beneficiaryId, beneficiaryId),
        eq(approvals.benefitType, 'participation'),
        isNull(approvals.revokedFrom),
      ),
    )
    .orderBy(asc(approvals.validFrom))
    .for('update');
  if (open.length === 0) return;
  const rates = await ratesOf(tx, 'participation');
  for (const approval of open) {
    const result = evaluateApproval(approval, { birthDate, rates, provider: null });
    // No month before the 18th birthday any more: the budget becomes 0 (not below what is booked).
    const budgetCents = result.ok ? result.budgetCents : 0;
    if (budgetCents === approval.budgetCents) continue;
    if (!(await changeBudget(tx, approval.id, budgetCents))) {
      throw new BudgetBelowBooked((approval.budgetCents ?? 0) - (approval.remainingCents ?? 0), budgetCents ?? 0);
    }
    const [row] = await tx.select().from(approvals).where(eq(approvals.id, approval.id));
    await tx.insert(approvalRevisions).values({
      id: newId('approval'),
      approvalId: approval.id,
      kind: 'amended',
      snapshot: snapshotOf(row!),
      reason: 'Geburtsdatum korrigiert',
      changedBy: actor.userId,
    });
    await audit(tx, actor, {
      action: 'approval.amended',
      entityType: 'approval',
      entityId: approval.id,
      data: { fields: ['birthDate'], budgetDeltaCents: (budgetCents ?? 0) - (approval.budgetCents ?? 0) },
    });
  }
}
