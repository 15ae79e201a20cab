import { sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from '../client.ts';
import { effectiveSums, PAYMENT_DATE } from './settlement.ts';

/** The reports' reads (services/api/src/modules/reports): counts and sums only, never a child. */

/** Paid amounts per payment (value) date × legal basis × cost bearer. */
export interface ReimbursementRow {
  payment_date: string;
  legal_basis: string;
  cost_bearer: string | null;
  federal_refund: boolean;
  amount_cents: number;
}

/** Per month and benefit type: children with a booking, children with an approval. */
export interface TakeUpRow {
  month: string;
  benefit_type: string;
  booked: number;
  approved: number;
}

/** Spend per provider and benefit type. */
export interface ProviderSpendRow {
  provider_id: string;
  provider_name: string;
  benefit_type: string;
  bookings: number;
  amount_cents: number;
}

export async function reimbursementRows(db: DbOrTx, params: { from: string; to: string }) {
  const { from, to } = params;
  return queryRows<ReimbursementRow>(
    db,
    // From the batch sums the nightly run wrote (ADR 0037), not the lines: a year of paid batches at Land scale
    // is 20 million lines but about 240,000 sums (17 s against milliseconds, docs/benchmarks.md).
    sql`${effectiveSums(sql`b.status = 'paid' and ${PAYMENT_DATE} between ${from}::date and ${to}::date`)}
    select ${PAYMENT_DATE}::text as payment_date, l.legal_basis, l.cost_bearer,
           lb.federal_refund, sum(l.amount_cents)::bigint as amount_cents
    from sums l
    join settlement_batches b on b.id = l.batch_id
    join legal_bases lb on lb.code = l.legal_basis
    group by 1, 2, 3, 4
    order by 1, 2, 3 nulls first`,
  );
}

export async function takeUpRows(db: DbOrTx, params: { firstMonth: string; lastMonth: string; endExclusive: string }) {
  const { firstMonth, lastMonth, endExclusive } = params;
  return queryRows<TakeUpRow>(
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
}

export async function providerSpendRows(db: DbOrTx, params: { from: string; to: string }) {
  const { from, to } = params;
  return queryRows<ProviderSpendRow>(
    db,
    sql`select p.id as provider_id, p.name as provider_name, r.benefit_type, count(*)::int as bookings,
               sum(r.amount_cents)::bigint as amount_cents
        from redemptions r join providers p on p.id = r.provider_id
        where r.status = 'booked' and r.service_date between ${from}::date and ${to}::date
        group by p.id, p.name, r.benefit_type
        order by p.name, p.id, r.benefit_type`,
  );
}

/** Per district (null: none set) and benefit type: children with an approval in the range, and those of them with a booking. */
export interface DistrictTakeUpRow {
  district: string | null;
  benefit_type: string;
  approved: number;
  booked: number;
}

export async function districtTakeUpRows(db: DbOrTx, params: { from: string; to: string }) {
  const { from, to } = params;
  return queryRows<DistrictTakeUpRow>(
    db,
    sql`with approved as (
          select distinct b.district, a.benefit_type, a.beneficiary_id
          from approvals a
          join beneficiaries b on b.id = a.beneficiary_id
          join benefit_types bt on bt.code = a.benefit_type and bt.redeemable
          where a.valid_from <= ${to}::date and a.valid_to >= ${from}::date
            and (a.revoked_from is null or a.revoked_from > ${from}::date)
        ), booked as (
          select distinct r.beneficiary_id, r.benefit_type
          from redemptions r
          where r.status = 'booked' and r.service_date between ${from}::date and ${to}::date
        )
        select ap.district, ap.benefit_type, count(*)::int as approved, count(bk.beneficiary_id)::int as booked
        from approved ap
        left join booked bk on bk.beneficiary_id = ap.beneficiary_id and bk.benefit_type = ap.benefit_type
        group by 1, 2
        order by 1 nulls last, 2`,
  );
}

/** Lapsed budget per month of the lapse (Berlin) × benefit type × legal basis × cost bearer. */
export interface LapsedRow {
  month: string;
  benefit_type: string;
  legal_basis: string;
  cost_bearer: string | null;
  approvals: number;
  amount_cents: number | string;
}

/** The lapse entries (`approval_lapses`) whose lapse day (Berlin) lies between `from` and `to`. */
export async function lapsedRows(db: DbOrTx, params: { from: string; to: string }) {
  const { from, to } = params;
  return queryRows<LapsedRow>(
    db,
    sql`select to_char(l.lapsed_at at time zone 'Europe/Berlin', 'YYYY-MM') as month, a.benefit_type, a.legal_basis,
               a.cost_bearer, count(distinct a.id)::int as approvals, sum(l.amount_cents)::bigint as amount_cents
        from approval_lapses l join approvals a on a.id = l.approval_id
        where l.lapsed_at >= (${from}::date::timestamp at time zone 'Europe/Berlin')
          and l.lapsed_at < ((${to}::date + 1)::timestamp at time zone 'Europe/Berlin')
        group by 1, 2, 3, 4
        order by 1, 2, 3, 4 nulls first`,
  );
}
