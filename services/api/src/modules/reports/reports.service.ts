import { addMonths, benefitTypeName, type CivilDate, formatDecimalComma, legalBasisName } from '@tk/core';
import type { DbOrTx } from '@tk/db';
import { providerSpendRows, reimbursementRows, takeUpRows } from '@tk/db/queries/reports';
import { type CsvCell, toCsv } from '../../lib/csv.ts';
import { getCatalogue } from '../catalogue/catalogue.service.ts';
import type { ProviderSpendReport, ReimbursementReport, TakeUpReport } from './reports.schemas.ts';

/**
 * Reports without personal data: only counts and sums, never a child, card or case reference.
 */

/**
 * Reimbursement by payment date × legal basis × cost bearer, over paid batches (cash basis: the
 * federation refunds SGB II and BKGG costs by the date they were paid, the bank's value date). Carried-forward amounts
 * count under the legal basis of their original lines.
 */
export async function reimbursementReport(db: DbOrTx, from: CivilDate, to: CivilDate): Promise<ReimbursementReport> {
  const rows = await reimbursementRows(db, { from, to });
  const items = rows.map((r) => ({
    paymentDate: r.payment_date,
    legalBasis: r.legal_basis,
    costBearer: r.cost_bearer,
    federalRefund: r.federal_refund,
    amountCents: Number(r.amount_cents),
  }));
  const sum = (refund: boolean) =>
    items.filter((i) => i.federalRefund === refund).reduce((s, i) => s + i.amountCents, 0);
  return { from, to, items, federalRefundCents: sum(true), otherCents: sum(false) };
}

/**
 * Take-up per benefit type and month: children with at least one (not reversed) booking in the month
 * over children with an approval active in that month, each child counted once.
 */
export async function takeUpReport(db: DbOrTx, from: CivilDate, to: CivilDate): Promise<TakeUpReport> {
  const firstMonth = `${from.slice(0, 7)}-01`;
  const lastMonth = `${to.slice(0, 7)}-01`;
  const endExclusive = addMonths(lastMonth, 1);
  const rows = await takeUpRows(db, { firstMonth, lastMonth, endExclusive });
  return {
    from,
    to,
    items: rows.map((r) => ({
      month: r.month,
      benefitType: r.benefit_type,
      childrenWithBooking: Number(r.booked),
      childrenWithApproval: Number(r.approved),
      takeUpPercent: Number(r.approved) > 0 ? Math.round((1000 * Number(r.booked)) / Number(r.approved)) / 10 : null,
    })),
  };
}

/** Spend per provider and benefit type by service date: bookings that stand (reversed ones excluded). */
export async function providerSpendReport(db: DbOrTx, from: CivilDate, to: CivilDate): Promise<ProviderSpendReport> {
  const rows = await providerSpendRows(db, { from, to });
  const items = rows.map((r) => ({
    providerId: r.provider_id,
    providerName: r.provider_name,
    benefitType: r.benefit_type,
    bookings: Number(r.bookings),
    amountCents: Number(r.amount_cents),
  }));
  return { from, to, items, totalCents: items.reduce((s, i) => s + i.amountCents, 0) };
}

/** A report as CSV the way German Excel opens it: `;`, UTF-8 BOM, decimal comma. */
export function reportCsv(columns: string[], records: CsvCell[][]): string {
  return toCsv(columns, records);
}

/** A report cell of a code: its German name by default, the code with `codes`. */
const named = (codes: boolean, name: (code: string) => string) => (code: string) => (codes ? code : name(code));

export async function reimbursementCsv(db: DbOrTx, r: ReimbursementReport, codes = false): Promise<string> {
  const bearers = new Map((await getCatalogue(db)).costBearers.map((b) => [b.code, b.nameDe]));
  const legalBasis = named(codes, legalBasisName);
  const costBearer = named(codes, (code) => bearers.get(code) ?? code);
  return reportCsv(
    ['Zahlungsdatum', 'Rechtskreis', 'Kostenträger', 'Bundeserstattung', 'Betrag'],
    r.items.map((i) => [
      i.paymentDate.split('-').reverse().join('.'),
      legalBasis(i.legalBasis),
      i.costBearer ? costBearer(i.costBearer) : '',
      i.federalRefund ? 'ja' : 'nein',
      formatDecimalComma(i.amountCents, { grouping: false }),
    ]),
  );
}

export const takeUpCsv = (r: TakeUpReport, codes = false) =>
  reportCsv(
    ['Monat', 'Leistungsart', 'Kinder mit Buchung', 'Kinder mit Bewilligung', 'Inanspruchnahme %'],
    r.items.map((i) => [
      i.month,
      named(codes, benefitTypeName)(i.benefitType),
      i.childrenWithBooking,
      i.childrenWithApproval,
      i.takeUpPercent === null ? '' : String(i.takeUpPercent).replace('.', ','),
    ]),
  );

export const providerSpendCsv = (r: ProviderSpendReport, codes = false) =>
  reportCsv(
    ['Anbieter-ID', 'Anbieter', 'Leistungsart', 'Buchungen', 'Betrag'],
    r.items.map((i) => [
      i.providerId,
      i.providerName,
      named(codes, benefitTypeName)(i.benefitType),
      i.bookings,
      formatDecimalComma(i.amountCents, { grouping: false }),
    ]),
  );
