import { participationBudgetCents, participationMonths, REDEEMABLE_BENEFIT_TYPES } from '@tk/core';
import type { Catalogue } from '../../api/catalogue';
import { formatCents } from '../../ui';
import type { BenefitTypeCode } from './casework-api';

export const AMOUNT_TYPES: readonly BenefitTypeCode[] = ['trip', 'school_supplies', 'transport'];
/** Types whose approval may name the one provider that can redeem it: those booked at a terminal. */
export const PROVIDER_TYPES: readonly BenefitTypeCode[] = REDEEMABLE_BENEFIT_TYPES;

export interface BudgetTerms {
  benefitType: BenefitTypeCode;
  validFrom: string;
  validTo: string;
  amountCents: number | null;
  hours: number | null;
  hourlyRateCents: number | null;
}

/**
 * The budget the server will compute for these terms (the same rules: participation = monthly rates of
 * the counted months, tutoring = hours × rate, trip and cash benefits = the amount), for the preview in
 * the approval forms. `cents` is null when it cannot be computed yet (or for lunch); `text` explains it.
 */
export function previewBudget(
  catalogue: Catalogue,
  terms: BudgetTerms,
  birthDate: string,
): { cents: number | null; text?: string } {
  const { benefitType, validFrom, validTo } = terms;
  if (benefitType === 'participation') {
    if (!validFrom || !validTo || validFrom > validTo) return { cents: null };
    const months = participationMonths(validFrom, validTo, birthDate);
    const rates = ratesOf(catalogue, 'participation');
    const budget = participationBudgetCents(months, rates);
    if (months.length === 0) return { cents: null, text: 'Kein Monat des Zeitraums liegt vor dem 18. Geburtstag.' };
    if (budget === null) return { cents: null, text: 'Für einen Monat ist kein Teilhabe-Satz hinterlegt.' };
    const uniform = budget === months.length * (rates.at(-1)?.amountCents ?? 0);
    return {
      cents: budget,
      text: uniform
        ? `${months.length} Monate × ${formatCents(rates.at(-1)!.amountCents)} = ${formatCents(budget)}`
        : `${months.length} Monate, Summe der Monatssätze = ${formatCents(budget)}`,
    };
  }
  if (benefitType === 'tutoring') {
    const { hours, hourlyRateCents } = terms;
    return hours && hourlyRateCents
      ? {
          cents: hours * hourlyRateCents,
          text: `${hours} Stunden × ${formatCents(hourlyRateCents)} = ${formatCents(hours * hourlyRateCents)}`,
        }
      : { cents: null };
  }
  if (AMOUNT_TYPES.includes(benefitType)) {
    return terms.amountCents && terms.amountCents > 0
      ? { cents: terms.amountCents, text: `Betrag ${formatCents(terms.amountCents)}` }
      : { cents: null };
  }
  return { cents: null, text: 'Ja/Nein-Bewilligung: je Mittagessen zum Essenspreis des Anbieters, ohne Eigenanteil.' };
}

export function ratesOf(catalogue: Catalogue, type: string) {
  return catalogue.rates.filter((r) => r.benefitType === type).sort((a, b) => a.validFrom.localeCompare(b.validFrom));
}

/** Hours as typed: a whole number of up to four digits, else null. */
export const wholeNumber = (text: string) => (/^\d{1,4}$/.test(text.trim()) ? Number(text.trim()) : null);
