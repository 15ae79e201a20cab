import { EDUCATION_MAX_AGE, type EffectiveRate, participationBudgetCents, participationMonths } from './benefits.ts';
import { type CivilDate, isUnder } from './civil-date.ts';

/**
 * The amount rules of an approval as one pure function, shared by the API (which turns a failure
 * into a problem) and the bulk import (which turns it into a German report line). No database here:
 * the caller passes the child's birth date, the rates and the named provider.
 */
export interface ApprovalTerms {
  benefitType: string;
  validFrom: CivilDate;
  validTo: CivilDate;
  providerId?: string | null | undefined;
  amountCents?: number | null | undefined;
  hours?: number | null | undefined;
  hourlyRateCents?: number | null | undefined;
}

export interface RuleContext {
  birthDate: CivilDate;
  /** Effective-dated rates of this benefit type (participation). */
  rates: readonly EffectiveRate[];
  /** The named provider, if any, with the benefit types it may redeem. */
  provider?: { id: string; benefitTypes: readonly string[] } | null | undefined;
}

export type RuleField =
  | 'validFrom'
  | 'validTo'
  | 'providerId'
  | 'amountCents'
  | 'hours'
  | 'hourlyRateCents'
  | 'benefitType';

/** The codes a failed rule answers with (each a problem in beneficiaries.errors.ts). */
export type RuleCode =
  | 'invalid_period'
  | 'provider_cannot_redeem'
  | 'field_not_applicable'
  | 'named_provider_required'
  | 'hours_required'
  | 'hourly_rate_required'
  | 'amount_required'
  | 'not_eligible_age'
  | 'no_rate';

export interface RuleFailure {
  ok: false;
  status: 400 | 422;
  code: RuleCode;
  field: RuleField;
  detail: string;
  /** The same in German, for the import report and the caseworker UI. */
  detailDe: string;
}

export interface RuleSuccess {
  ok: true;
  budgetCents: number | null;
  /** Participation: the counted budget months (first day of each). */
  months?: CivilDate[];
}

const fail = (status: 400 | 422, code: RuleCode, field: RuleField, detail: string, detailDe: string): RuleFailure => ({
  ok: false,
  status,
  code,
  field,
  detail,
  detailDe,
});

const present = (v: number | null | undefined): v is number => v !== null && v !== undefined;

export function evaluateApproval(terms: ApprovalTerms, ctx: RuleContext): RuleSuccess | RuleFailure {
  const { benefitType: type, validFrom, validTo } = terms;
  if (validFrom > validTo) {
    return fail(400, 'invalid_period', 'validTo', 'validTo is before validFrom.', 'Gültig bis liegt vor Gültig ab.');
  }
  const named = terms.providerId ?? null;
  if (named && ctx.provider && !ctx.provider.benefitTypes.includes(type)) {
    return fail(
      400,
      'provider_cannot_redeem',
      'providerId',
      `The named provider may not redeem ${type}.`,
      `Der Anbieter darf diese Leistungsart (${type}) nicht abrechnen.`,
    );
  }
  const notApplicable = (field: RuleField, fieldDe: string) =>
    fail(
      400,
      'field_not_applicable',
      field,
      `${field} does not apply to ${type}.`,
      `${fieldDe} ist bei dieser Leistungsart nicht vorgesehen.`,
    );

  if (type === 'participation') {
    if (present(terms.amountCents)) return notApplicable('amountCents', 'Betrag');
    if (present(terms.hours)) return notApplicable('hours', 'Stunden');
    if (present(terms.hourlyRateCents)) return notApplicable('hourlyRateCents', 'Stundensatz');
    const months = participationMonths(validFrom, validTo, ctx.birthDate);
    if (months.length === 0) {
      return fail(
        422,
        'not_eligible_age',
        'validFrom',
        'Participation is only for children under 18: no month of this period starts before the 18th birthday.',
        'Teilhabe gibt es nur bis zum 18. Geburtstag: kein Monat des Zeitraums beginnt davor.',
      );
    }
    const budget = participationBudgetCents(months, ctx.rates);
    if (budget === null) {
      return fail(
        422,
        'no_rate',
        'validFrom',
        'No participation rate is in force for some month of this period.',
        'Für einen Monat des Zeitraums ist kein Teilhabe-Satz hinterlegt.',
      );
    }
    return { ok: true, budgetCents: budget, months };
  }

  // Education benefits (and the cash-only ones) are for pupils under 25, checked at the start.
  if (!isUnder(ctx.birthDate, EDUCATION_MAX_AGE, validFrom)) {
    return fail(
      422,
      'not_eligible_age',
      'validFrom',
      'This benefit is only for pupils under 25 at the start of the period.',
      'Diese Leistung gibt es nur für Schülerinnen und Schüler unter 25 zu Beginn des Zeitraums.',
    );
  }

  if (type === 'lunch') {
    if (present(terms.amountCents)) return notApplicable('amountCents', 'Betrag');
    if (present(terms.hours)) return notApplicable('hours', 'Stunden');
    if (present(terms.hourlyRateCents)) return notApplicable('hourlyRateCents', 'Stundensatz');
    return { ok: true, budgetCents: null };
  }

  if (type === 'tutoring') {
    if (present(terms.amountCents)) return notApplicable('amountCents', 'Betrag');
    if (!named) {
      return fail(
        400,
        'named_provider_required',
        'providerId',
        'Tutoring needs a named provider.',
        'Lernförderung braucht einen benannten Anbieter.',
      );
    }
    if (!present(terms.hours) || terms.hours <= 0) {
      return fail(400, 'hours_required', 'hours', 'Tutoring needs a number of hours.', 'Stunden fehlen.');
    }
    if (!present(terms.hourlyRateCents) || terms.hourlyRateCents <= 0) {
      return fail(
        400,
        'hourly_rate_required',
        'hourlyRateCents',
        'Tutoring needs an hourly rate.',
        'Stundensatz fehlt.',
      );
    }
    return { ok: true, budgetCents: terms.hours * terms.hourlyRateCents };
  }

  // trip, school_supplies, transport: an amount.
  if (present(terms.hours)) return notApplicable('hours', 'Stunden');
  if (present(terms.hourlyRateCents)) return notApplicable('hourlyRateCents', 'Stundensatz');
  if (!present(terms.amountCents) || terms.amountCents <= 0) {
    return fail(400, 'amount_required', 'amountCents', `${type} needs an amount.`, 'Betrag fehlt.');
  }
  return { ok: true, budgetCents: terms.amountCents };
}
