import { addMonths, type CivilDate } from '@tk/core';
import { type DbOrTx, queryRows } from '@tk/db';
import { sql } from 'drizzle-orm';
import { type CsvCell, toCsv } from '../../lib/csv.ts';
import { decimalComma, effectiveLines } from '../settlement/settlement.booking-list.ts';
import type { ProviderSpendReport, ReimbursementReport, TakeUpReport } from './reports.schemas.ts';

/**
 * Reports without personal data: only counts and sums, never a child, card or case reference.
 */

/** The bank's value date (from a camt statement); the day it was marked paid by hand otherwise. */
export const PAYMENT_DATE = sql`coalesce(b.paid_on, (b.paid_at at time zone 'Europe/Berlin')::date)`;

/**
 * Reimbursement by payment date × legal basis × cost bearer, over paid batches (cash basis: the
 * federation refunds SGB II and BKGG costs by the date they were paid, the bank's value date). Carried-forward amounts
 * count under the legal basis of their original lines.
 */
export async function reimbursementReport(db: DbOrTx, from: CivilDate, to: CivilDate): Promise<ReimbursementReport> {
  const rows = await queryRows<{
    payment_date: string;
    legal_basis: string;
    cost_bearer: string | null;
    federal_refund: boolean;
    amount_cents: number;
  }>(
    db,
    sql`${effectiveLines(sql`b.status = 'paid' and ${PAYMENT_DATE} between ${from}::date and ${to}::date`)}
    select ${PAYMENT_DATE}::text as payment_date, l.legal_basis, l.cost_bearer,
           lb.federal_refund, sum(l.amount_cents)::bigint as amount_cents
    from lines l
    join settlement_batches b on b.id = l.batch_id
    join legal_bases lb on lb.code = l.legal_basis
    group by 1, 2, 3, 4
    order by 1, 2, 3 nulls first`,
  );
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
  const rows = await queryRows<{ month: string; benefit_type: string; booked: number; approved: number }>(
    db,
    sql`with months as (
          select m::date as m from generate_series(${firstMonth}::date, ${lastMonth}::date, interval '1 month') m
        ), approved as (
          select mo.m, a.benefit_type, count(distinct a.beneficiary_id)::int as n
          from months mo
          join approvals a on a.valid_from < (mo.m + interval '1 month')::date and a.valid_to >= mo.m
            and (a.revoked_from is null or a.revoked_from > mo.m)
          join benefit_types bt on bt.code = a.benefit_type and bt.redeemable
          group by 1, 2
        ), booked as (
          select date_trunc('month', r.service_date)::date as m, r.benefit_type, count(distinct r.beneficiary_id)::int as n
          from redemptions r
          where r.status = 'booked' and r.service_date >= ${firstMonth}::date and r.service_date < ${endExclusive}::date
          group by 1, 2
        )
        select to_char(coalesce(a.m, b.m), 'YYYY-MM') as month, coalesce(a.benefit_type, b.benefit_type) as benefit_type,
               coalesce(b.n, 0) as booked, coalesce(a.n, 0) as approved
        from approved a full join booked b on a.m = b.m and a.benefit_type = b.benefit_type
        order by 1, 2`,
  );
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
  const rows = await queryRows<{
    provider_id: string;
    provider_name: string;
    benefit_type: string;
    bookings: number;
    amount_cents: number;
  }>(
    db,
    sql`select p.id as provider_id, p.name as provider_name, r.benefit_type, count(*)::int as bookings,
               sum(r.amount_cents)::bigint as amount_cents
        from redemptions r join providers p on p.id = r.provider_id
        where r.status = 'booked' and r.service_date between ${from}::date and ${to}::date
        group by p.id, p.name, r.benefit_type
        order by p.name, p.id, r.benefit_type`,
  );
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

export const reimbursementCsv = (r: ReimbursementReport) =>
  reportCsv(
    ['Zahlungsdatum', 'Rechtskreis', 'Kostenträger', 'Bundeserstattung', 'Betrag'],
    r.items.map((i) => [
      i.paymentDate.split('-').reverse().join('.'),
      i.legalBasis,
      i.costBearer ?? '',
      i.federalRefund ? 'ja' : 'nein',
      decimalComma(i.amountCents),
    ]),
  );

export const takeUpCsv = (r: TakeUpReport) =>
  reportCsv(
    ['Monat', 'Leistungsart', 'Kinder mit Buchung', 'Kinder mit Bewilligung', 'Inanspruchnahme %'],
    r.items.map((i) => [
      i.month,
      i.benefitType,
      i.childrenWithBooking,
      i.childrenWithApproval,
      i.takeUpPercent === null ? '' : String(i.takeUpPercent).replace('.', ','),
    ]),
  );

export const providerSpendCsv = (r: ProviderSpendReport) =>
  reportCsv(
    ['Anbieter-ID', 'Anbieter', 'Leistungsart', 'Buchungen', 'Betrag'],
    r.items.map((i) => [i.providerId, i.providerName, i.benefitType, i.bookings, decimalComma(i.amountCents)]),
  );
