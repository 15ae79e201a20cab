import { formatDecimalComma, formatGermanDate } from '@tk/core';
import { type DbOrTx, paymentFiles } from '@tk/db';
import { bookingRows } from '@tk/db/queries/settlement';
import { eq } from 'drizzle-orm';
import { toCsv } from '../../lib/csv.ts';
import { PaymentFileNotFound } from './settlement.errors.ts';

/** The booking list (Buchungsliste) of a payment file for the city's finance software, split by legal basis and cost bearer. */

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
