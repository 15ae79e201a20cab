import { formatDecimalComma, formatGermanDate } from '@tk/core';
import { type DbOrTx, paymentFiles, queryRows } from '@tk/db';
import { eq, type SQL, sql } from 'drizzle-orm';
import { toCsv } from '../../lib/csv.ts';
import { PaymentFileNotFound } from './settlement.errors.ts';

/** The booking list (Buchungsliste) of a payment file for the city's finance software, split by legal basis and cost bearer. */

/**
 * Settlement lines of the selected batches with carry-forward lines expanded into the lines of the
 * batches they carry (recursively), so every amount keeps its legal basis, cost bearer and benefit type.
 * Columns: batch_id, legal_basis, cost_bearer, benefit_type, amount_cents, service_date.
 */
export function effectiveLines(batchFilter: SQL): SQL {
  return sql`with recursive eff (batch_id, kind, carried_from_batch_id, legal_basis, cost_bearer, benefit_type, amount_cents, service_date) as (
      select l.batch_id, l.kind, l.carried_from_batch_id, l.legal_basis, l.cost_bearer, l.benefit_type, l.amount_cents, l.service_date
      from settlement_lines l join settlement_batches b on b.id = l.batch_id
      where ${batchFilter}
      union all
      select e.batch_id, l.kind, l.carried_from_batch_id, l.legal_basis, l.cost_bearer, l.benefit_type, l.amount_cents, l.service_date
      from eff e join settlement_lines l on l.batch_id = e.carried_from_batch_id
      where e.kind = 'carry_forward'
    ), lines as (
      select batch_id, legal_basis, cost_bearer, benefit_type, amount_cents, service_date from eff where kind <> 'carry_forward'
    )`;
}

export interface BookingRow {
  batch_number: string;
  provider_id: string;
  provider_name: string;
  legal_basis: string;
  cost_bearer: string | null;
  benefit_type: string;
  cost_centre: string | null;
  account: string | null;
  period_from: string | null;
  period_to: string | null;
  amount_cents: number;
}

/** Booking list rows: batch × legal basis × cost bearer × benefit type, with the mapped cost centre and account. */
export async function bookingRows(db: DbOrTx, paymentFileId: string): Promise<BookingRow[]> {
  return queryRows<BookingRow>(
    db,
    sql`${effectiveLines(sql`b.payment_file_id = ${paymentFileId}`)},
    grouped as (
      select batch_id, legal_basis, cost_bearer, benefit_type, sum(amount_cents)::bigint as amount_cents,
             min(service_date)::text as period_from, max(service_date)::text as period_to
      from lines group by batch_id, legal_basis, cost_bearer, benefit_type
    )
    select b.number as batch_number, p.id as provider_id, p.name as provider_name, g.legal_basis, g.cost_bearer,
           g.benefit_type, ba.cost_centre, ba.account, g.period_from, g.period_to, g.amount_cents
    from grouped g
    join settlement_batches b on b.id = g.batch_id
    join providers p on p.id = b.provider_id
    left join lateral (
      select cost_centre, account from booking_accounts m
      where m.legal_basis = g.legal_basis
        and (m.cost_bearer = coalesce(g.cost_bearer, '*') or m.cost_bearer = '*')
        and (m.benefit_type = g.benefit_type or m.benefit_type = '*')
      order by (m.cost_bearer = '*'), (m.benefit_type = '*')
      limit 1
    ) ba on true
    order by b.number, g.legal_basis, g.cost_bearer nulls first, g.benefit_type`,
  );
}

/** `1234` → `12,34` (decimal comma, no grouping: what finance software imports). */
export const decimalComma = (cents: number) => formatDecimalComma(cents, { grouping: false });

export const BOOKING_COLUMNS = [
  'Zahllauf',
  'Ausführungsdatum',
  'Abrechnung',
  'Anbieter-ID',
  'Anbieter',
  'Rechtskreis',
  'Kostenträger',
  'Leistungsart',
  'Kostenstelle',
  'Sachkonto',
  'Zeitraum von',
  'Zeitraum bis',
  'Betrag',
] as const;

/**
 * The booking list of a payment file for the city's finance software (CSV): one row per batch ×
 * legal basis × cost bearer × benefit type. German Excel defaults: `;`, UTF-8 BOM, decimal comma,
 * TT.MM.JJJJ. The row amounts add up to the payment file's total. Throws 404 `payment_file_not_found`.
 */
export async function paymentFileBookingsCsv(
  db: DbOrTx,
  id: string,
  options: { delimiter: string; bom: boolean },
): Promise<{ messageId: string; csv: string }> {
  const [file] = await db
    .select({ messageId: paymentFiles.messageId, executionDate: paymentFiles.executionDate })
    .from(paymentFiles)
    .where(eq(paymentFiles.id, id));
  if (!file) throw new PaymentFileNotFound();
  const rows = await bookingRows(db, id);
  const records = rows.map((r) => [
    file.messageId,
    formatGermanDate(file.executionDate),
    r.batch_number,
    r.provider_id,
    r.provider_name,
    r.legal_basis,
    r.cost_bearer ?? '',
    r.benefit_type,
    r.cost_centre ?? '',
    r.account ?? '',
    r.period_from ? formatGermanDate(r.period_from) : '',
    r.period_to ? formatGermanDate(r.period_to) : '',
    decimalComma(Number(r.amount_cents)),
  ]);
  const csv = toCsv(BOOKING_COLUMNS, records, {
    delimiter: options.delimiter === 'tab' ? '\t' : options.delimiter,
    bom: options.bom,
  });
  return { messageId: file.messageId, csv };
}
