import { addMonths, benefitTypeName, type CivilDate, formatDecimalComma, legalBasisName } from '@tk/core';
import type { DbOrTx } from '@tk/db';
import {
  districtTakeUpRows,
  lapsedRows,
  providerSpendRows,
  reimbursementRows,
  takeUpRows,
} from '@tk/db/queries/reports';
import { type CsvCell, toCsv } from '../../lib/csv.ts';
import { getCatalogue } from '../catalogue/catalogue.service.ts';
import type {
  DistrictTakeUpReport,
  LapsedReport,
  ProviderSpendReport,
  ReimbursementReport,
  SuppressedCount,
  TakeUpReport,
} from './reports.schemas.ts';

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

/**
 * Lapsed budgets (Verfall, ADR 0030) per month of the lapse × benefit type × legal basis × cost bearer,
 * from the ledger's lapse entries (remainders and lapsed reversals). Lapsed money is not spending.
 */
export async function lapsedReport(db: DbOrTx, from: CivilDate, to: CivilDate): Promise<LapsedReport> {
  const rows = await lapsedRows(db, { from, to });
  const items = rows.map((r) => ({
    month: r.month,
    benefitType: r.benefit_type,
    legalBasis: r.legal_basis,
    costBearer: r.cost_bearer,
    approvals: Number(r.approvals),
    lapsedCents: Number(r.amount_cents),
  }));
  return { from, to, items, totalCents: items.reduce((s, i) => s + i.lapsedCents, 0) };
}

/** A report as CSV the way German Excel opens it: `;`, UTF-8 BOM, decimal comma. */
export function reportCsv(columns: string[], records: CsvCell[][]): string {
  return toCsv(columns, records);
}

/** A report cell of a code: its German name by default, the code with `codes`. */
const named = (codes: boolean, name: (code: string) => string) => (code: string) => (codes ? code : name(code));

/** Cost bearer code → German name (the catalogue's). */
const costBearerNames = async (db: DbOrTx) =>
  new Map((await getCatalogue(db)).costBearers.map((b) => [b.code, b.nameDe]));

export async function reimbursementCsv(db: DbOrTx, r: ReimbursementReport, codes = false): Promise<string> {
  const bearers = await costBearerNames(db);
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

/** Counts below this are shown as "< 5" (district report). */
export const SMALL_NUMBER_LIMIT = 5;
const suppress = (n: number): SuppressedCount => (n < SMALL_NUMBER_LIMIT ? '< 5' : n);

/**
 * Take-up by district and benefit type over a date range: children with an approval running in the range,
 * and those of them with a booking of that type in it. Every count under 5 is shown as "< 5", and then no
 * percentage either, so no family can be singled out. There are no totals (a total minus the shown cells
 * would give a suppressed one back).
 */
export async function districtTakeUpReport(db: DbOrTx, from: CivilDate, to: CivilDate): Promise<DistrictTakeUpReport> {
  const rows = await districtTakeUpRows(db, { from, to });
  return {
    from,
    to,
    items: rows.map((r) => {
      const approved = Number(r.approved);
      const booked = Number(r.booked);
      const shown = approved >= SMALL_NUMBER_LIMIT && booked >= SMALL_NUMBER_LIMIT;
      return {
        district: r.district,
        benefitType: r.benefit_type,
        childrenWithApproval: suppress(approved),
        childrenWithBooking: suppress(booked),
        takeUpPercent: shown ? Math.round((1000 * booked) / approved) / 10 : null,
      };
    }),
  };
}

export function districtTakeUpCsv(report: DistrictTakeUpReport, codes = false): string {
  return reportCsv(
    ['Stadtbezirk', 'Leistung', 'Kinder mit Bewilligung', 'Kinder mit Buchung', 'Inanspruchnahme %'],
    report.items.map((i) => [
      i.district ?? 'ohne Bezirk',
      named(codes, benefitTypeName)(i.benefitType),
      i.childrenWithApproval,
      i.childrenWithBooking,
      i.takeUpPercent === null ? '' : i.takeUpPercent.toFixed(1).replace('.', ','),
    ]),
  );
}
export async function lapsedCsv(db: DbOrTx, r: LapsedReport, codes = false): Promise<string> {
  const bearers = await costBearerNames(db);
  const costBearer = named(codes, (code) => bearers.get(code) ?? code);
  return reportCsv(
    ['Monat', 'Leistungsart', 'Rechtskreis', 'Kostenträger', 'Bewilligungen', 'Verfallen'],
    r.items.map((i) => [
      i.month,
      named(codes, benefitTypeName)(i.benefitType),
      named(codes, legalBasisName)(i.legalBasis),
      i.costBearer ? costBearer(i.costBearer) : '',
      i.approvals,
      formatDecimalComma(i.lapsedCents, { grouping: false }),
    ]),
  );
}
