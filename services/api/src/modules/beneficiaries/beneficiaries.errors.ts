import { Problem } from '@tk/core';
import type { RuleFailure } from './approvals.rules.ts';

export class CaseReferenceTaken extends Problem {
  constructor(existingBeneficiaryId?: string) {
    super({
      status: 409,
      code: 'case_reference_taken',
      title: 'Case reference taken',
      detail: 'A child with this case reference (Aktenzeichen) exists already; search for it.',
      ...(existingBeneficiaryId ? { extensions: { existingBeneficiaryId } } : {}),
    });
  }
}

export class BirthDateInFuture extends Problem {
  constructor() {
    super({
      status: 400,
      code: 'invalid_birth_date',
      title: 'Invalid birth date',
      detail: 'The birth date lies in the future.',
    });
  }
}

/** A failed amount/eligibility rule (approvals.rules.ts) as a problem, pointing at the field. */
export class ApprovalRuleViolated extends Problem {
  constructor(failure: RuleFailure) {
    super({
      status: failure.status,
      code: failure.code,
      title: failure.status === 422 ? 'Not eligible' : 'Invalid approval',
      detail: failure.detail,
      errors: [{ pointer: `/${failure.field}`, detail: failure.detail }],
      extensions: { detailDe: failure.detailDe },
    });
  }
}

export class UnknownCostBearer extends Problem {
  constructor(code: string) {
    super({
      status: 400,
      code: 'unknown_cost_bearer',
      title: 'Unknown cost bearer',
      detail: `The cost bearer ${code} is not in the catalogue.`,
    });
  }
}

export class ApprovalRevoked extends Problem {
  constructor() {
    super({
      status: 409,
      code: 'approval_revoked',
      title: 'Approval revoked',
      detail: 'This approval has been revoked; record a new approval instead.',
    });
  }
}

export class InvalidEffectiveDate extends Problem {
  constructor() {
    super({
      status: 400,
      code: 'invalid_effective_date',
      title: 'Invalid effective date',
      detail: 'The effective date of a revocation must lie within the approval period.',
    });
  }
}

export class BudgetBelowBooked extends Problem {
  constructor(bookedCents: number, newBudgetCents: number) {
    super({
      status: 409,
      code: 'budget_below_booked',
      title: 'Budget below what is booked',
      detail: `The new budget (${newBudgetCents} cents) would be below what is already booked (${bookedCents} cents).`,
      extensions: { bookedCents, newBudgetCents },
    });
  }
}

export const beneficiaryNotFound = () =>
  new Problem({ status: 404, code: 'beneficiary_not_found', title: 'Not found', detail: 'The child was not found.' });

export const approvalNotFound = () =>
  new Problem({ status: 404, code: 'approval_not_found', title: 'Not found', detail: 'The approval was not found.' });

export class ApprovalOverlaps extends Problem {
  constructor(existingApprovalId: string) {
    super({
      status: 409,
      code: 'approval_overlaps',
      title: 'Approval overlaps',
      detail: `The child already has an approval of this type for part of this period (${existingApprovalId}); amend or revoke that one instead.`,
      extensions: { existingApprovalId },
    });
  }
}
