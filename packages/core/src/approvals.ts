import { addDays, type CivilDate } from './civil-date.ts';

/**
 * Benefit types with one budget per child and day: a second approval of the same type whose period
 * overlaps is refused (`approval_overlaps`). Trips and tutoring may overlap (two trips, two subjects).
 * The database enforces the same rule with the exclusion constraint `approvals_no_overlap`.
 */
export const NON_OVERLAPPING_BENEFIT_TYPES = ['participation', 'lunch', 'school_supplies', 'transport'] as const;

export function mayNotOverlap(benefitType: string): boolean {
  return (NON_OVERLAPPING_BENEFIT_TYPES as readonly string[]).includes(benefitType);
}

export interface ApprovalPeriod {
  validFrom: CivilDate;
  validTo: CivilDate;
  /** Revocation date: the approval counts only on days before it. */
  revokedFrom?: CivilDate | null | undefined;
}

/** The first day an approval no longer counts: the day after its period, or its revocation date. */
function endExclusive(p: ApprovalPeriod): CivilDate {
  const after = addDays(p.validTo, 1);
  return p.revokedFrom && p.revokedFrom < after ? p.revokedFrom : after;
}

/** Whether two approval periods share a day, a revoked one counting only before its revocation. */
export function periodsOverlap(a: ApprovalPeriod, b: ApprovalPeriod): boolean {
  const endA = endExclusive(a);
  const endB = endExclusive(b);
  return a.validFrom < endA && b.validFrom < endB && a.validFrom < endB && b.validFrom < endA;
}

/**
 * What of an approval's remaining budget can still be booked today. A revoked approval keeps only
 * services before its revocation date, and those only until its last booking day (the grace rules);
 * the rest is released (`releasedCents`). A lunch approval has no budget (null).
 */
export function bookableBalance(input: {
  remainingCents: number | null;
  validFrom: CivilDate;
  revokedFrom?: CivilDate | null | undefined;
  lastBookingDay: CivilDate;
  today: CivilDate;
}): { bookableCents: number | null; releasedCents?: number } {
  const { remainingCents, revokedFrom } = input;
  if (!revokedFrom) return { bookableCents: remainingCents };
  const open = revokedFrom > input.validFrom && input.today <= input.lastBookingDay;
  if (remainingCents === null) return { bookableCents: null };
  return open
    ? { bookableCents: remainingCents, releasedCents: 0 }
    : { bookableCents: 0, releasedCents: remainingCents };
}
