import type { RuleCode, RuleFailure } from '@tk/core';
import { defineProblem, type Problem, type ProblemDetails } from '@tk/core';
import { AmountRequired } from '../../lib/problems.ts';

export class CaseReferenceTaken extends defineProblem({
  code: 'case_reference_taken',
  status: 409,
  title: 'Case reference taken',
}) {
  constructor(existingBeneficiaryId?: string) {
    super({
      detail: 'A child with this case reference (Aktenzeichen) exists already; search for it.',
      ...(existingBeneficiaryId ? { extensions: { existingBeneficiaryId } } : {}),
    });
  }
}

export class BirthDateInFuture extends defineProblem({
  code: 'invalid_birth_date',
  status: 400,
  title: 'Invalid birth date',
}) {
  constructor() {
    super({ detail: 'The birth date lies in the future.' });
  }
}

const invalidApproval = (code: string) => defineProblem({ code, status: 400, title: 'Invalid approval' });
const notEligible = (code: string) => defineProblem({ code, status: 422, title: 'Not eligible' });

/** The problems of the approval rules (packages/core approval-rules.ts), one per rule code. */
const RULE_PROBLEMS: Record<RuleCode, new (details: ProblemDetails) => Problem> = {
  invalid_period: invalidApproval('invalid_period'),
  provider_cannot_redeem: invalidApproval('provider_cannot_redeem'),
  field_not_applicable: invalidApproval('field_not_applicable'),
  named_provider_required: invalidApproval('named_provider_required'),
  hours_required: invalidApproval('hours_required'),
  hourly_rate_required: invalidApproval('hourly_rate_required'),
  amount_required: AmountRequired,
  not_eligible_age: notEligible('not_eligible_age'),
  no_rate: notEligible('no_rate'),
};

/** A failed amount/eligibility rule as its problem, pointing at the field (German text as `detailDe`). */
export function approvalRuleViolated(failure: RuleFailure): Problem {
  const Rule = RULE_PROBLEMS[failure.code];
  return new Rule({
    detail: failure.detail,
    errors: [{ pointer: `/${failure.field}`, detail: failure.detail }],
    extensions: { detailDe: failure.detailDe },
  });
}

export class UnknownCostBearer extends defineProblem({
  code: 'unknown_cost_bearer',
  status: 400,
  title: 'Unknown cost bearer',
}) {
  constructor(code: string) {
    super({ detail: `The cost bearer ${code} is not in the catalogue.` });
  }
}

export class ApprovalRevoked extends defineProblem({
  code: 'approval_revoked',
  status: 409,
  title: 'Approval revoked',
}) {
  constructor() {
    super({ detail: 'This approval has been revoked; record a new approval instead.' });
  }
}

export class InvalidEffectiveDate extends defineProblem({
  code: 'invalid_effective_date',
  status: 400,
  title: 'Invalid effective date',
}) {
  constructor() {
    super({ detail: 'The effective date of a revocation must lie within the approval period.' });
  }
}

export class BudgetBelowBooked extends defineProblem({
  code: 'budget_below_booked',
  status: 409,
  title: 'Budget below what is booked',
}) {
  constructor(bookedCents: number, newBudgetCents: number) {
    super({
      detail: `The new budget (${newBudgetCents} cents) would be below what is already booked (${bookedCents} cents).`,
      extensions: { bookedCents, newBudgetCents },
    });
  }
}

export class ApprovalNotFound extends defineProblem({ code: 'approval_not_found', status: 404, title: 'Not found' }) {
  constructor(detail = 'The approval was not found.') {
    super({ detail });
  }
}

export const approvalNotFound = () => new ApprovalNotFound();

export class ApprovalOverlaps extends defineProblem({
  code: 'approval_overlaps',
  status: 409,
  title: 'Approval overlaps',
}) {
  constructor(existingApprovalId: string) {
    super({
      detail: `The child already has an approval of this type for part of this period (${existingApprovalId}); amend or revoke that one instead.`,
      extensions: { existingApprovalId },
    });
  }
}

/** 400: a district that is not in the city's list (`districts` of the city settings). */
export class UnknownDistrict extends defineProblem({
  code: 'unknown_district',
  status: 400,
  title: 'Unknown district',
}) {
  constructor() {
    super({ detail: "The district is not in the city's list of districts." });
  }
}
