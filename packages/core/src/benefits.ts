import { addDays, addMonths, birthdayOf, type CivilDate, isUnder } from './civil-date.ts';

/** Benefit types of the BuT package (api-v1.md). */
export const BENEFIT_TYPES = ['lunch', 'participation', 'tutoring', 'trip', 'school_supplies', 'transport'] as const;
export type BenefitType = (typeof BENEFIT_TYPES)[number];

/** Only these can be booked at a terminal; school supplies and transport are paid in cash by law. */
export const REDEEMABLE_BENEFIT_TYPES = ['lunch', 'participation', 'tutoring', 'trip'] as const;
export type RedeemableBenefitType = (typeof REDEEMABLE_BENEFIT_TYPES)[number];

export const LEGAL_BASES = ['SGB_II', 'SGB_XII_3', 'SGB_XII_4', 'BKGG_KIZ', 'BKGG_WOGG', 'ASYLBLG'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

/** Participation (§ 28 Abs. 7 SGB II) is only for children under 18 on the service date; the other benefits for pupils under 25. */
export const PARTICIPATION_MAX_AGE = 18;
export const EDUCATION_MAX_AGE = 25;

export interface EffectiveRate {
  validFrom: CivilDate;
  amountCents: number;
}

/** The rate in force on `date`: the latest one whose `validFrom` is on or before it. */
export function rateOn(rates: readonly EffectiveRate[], date: CivilDate): EffectiveRate | undefined {
  let best: EffectiveRate | undefined;
  for (const rate of rates) {
    if (rate.validFrom <= date && (!best || rate.validFrom > best.validFrom)) best = rate;
  }
  return best;
}

/**
 * The budget months of a participation approval (ADR 0007): every *started* month of the period,
 * counted from `validFrom` (01.08.–31.07. → 12, 15.08.–14.08. → 12, 01.08.–15.08. → 1), that begins
 * before the child's 18th birthday. Returns the first day of each counted month.
 */
export function participationMonths(validFrom: CivilDate, validTo: CivilDate, birthDate: CivilDate): CivilDate[] {
  const eighteenth = birthdayOf(birthDate, PARTICIPATION_MAX_AGE);
  const months: CivilDate[] = [];
  for (let k = 0; ; k++) {
    const start = addMonths(validFrom, k);
    if (start > validTo || start >= eighteenth) break;
    months.push(start);
  }
  return months;
}

/** Sum of the monthly rate in force at the start of each budget month; `null` when some month has no rate. */
export function participationBudgetCents(months: readonly CivilDate[], rates: readonly EffectiveRate[]): number | null {
  let total = 0;
  for (const month of months) {
    const rate = rateOn(rates, month);
    if (!rate) return null;
    total += rate.amountCents;
  }
  return total;
}

/** The last day on which a service inside the approval may still be booked. */
export function lastBookingDay(validTo: CivilDate, gracePeriodMonths: number): CivilDate {
  return addMonths(validTo, gracePeriodMonths);
}

/**
 * Retention (docs/privacy.md): a child may be pseudonymised once more than `retentionMonths` have
 * passed since the last booking day of its last approval (end of period + grace period). `lastValidTo`
 * is the latest `validTo` of its approvals (a revocation only shortens what may be booked), or for a
 * child without approvals the day it was recorded.
 */
export function isRetentionDue(
  lastValidTo: CivilDate,
  gracePeriodMonths: number,
  retentionMonths: number,
  asOf: CivilDate,
): boolean {
  return addMonths(lastBookingDay(lastValidTo, gracePeriodMonths), retentionMonths) < asOf;
}

/**
 * The latest period end (`validTo`) whose last booking day lies before `asOf`: an approval with
 * `validTo <= lapseCutoff(asOf, grace)` has passed its last booking day and lapses (runLapse).
 * Derived from `lastBookingDay` itself (monotonic in `validTo`), so both rules can never disagree.
 */
export function lapseCutoff(asOf: CivilDate, gracePeriodMonths: number): CivilDate {
  let candidate = addMonths(asOf, -gracePeriodMonths);
  while (lastBookingDay(candidate, gracePeriodMonths) >= asOf) candidate = addDays(candidate, -1);
  while (lastBookingDay(addDays(candidate, 1), gracePeriodMonths) < asOf) candidate = addDays(candidate, 1);
  return candidate;
}

/** Age rule for a benefit on a service date. */
export function isOfEligibleAge(benefitType: BenefitType, birthDate: CivilDate, serviceDate: CivilDate): boolean {
  return isUnder(birthDate, benefitType === 'participation' ? PARTICIPATION_MAX_AGE : EDUCATION_MAX_AGE, serviceDate);
}

/**
 * Tutoring: minutes × hourly rate / 60, rounded half up to whole cents (kaufmännische Rundung,
 * ADR 0010). Integer arithmetic only: floor((minutes × rate + 30) / 60).
 */
export function tutoringAmountCents(minutes: number, hourlyRateCents: number): number {
  return Math.floor((minutes * hourlyRateCents + 30) / 60);
}
