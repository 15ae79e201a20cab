import { formatDecimalComma, formatGermanDate } from '@tk/core';
import type { DbOrTx } from '@tk/db';
import { stringify } from 'csv-stringify/sync';
import { listRedemptions, type TerminalActor, type TerminalDeps } from './terminal.service.ts';

const BENEFIT_LABELS: Record<string, string> = {
  lunch: 'Mittagessen',
  participation: 'Teilhabe',
  tutoring: 'Lernförderung',
  trip: 'Ausflug / Klassenfahrt',
};

export const HISTORY_COLUMNS = [
  'Leistungsdatum',
  'Gebucht am',
  'Kind',
  'Leistung',
  'Minuten',
  'Zweck',
  'Betrag',
  'Status',
  'Abgerechnet',
] as const;

/**
 * The provider's booking list for a date range as CSV for Excel (`;`, decimal comma, UTF-8 with BOM,
 * CRLF): the same rows as listRedemptions (one owner of what a provider sees), with the purpose.
 * Text cells that would start a formula are neutralised (csv-stringify `escape_formulas`).
 * Throws 400 `invalid_range`.
 */
export async function redemptionsCsv(
  db: DbOrTx,
  deps: TerminalDeps,
  query: { from?: string | undefined; to?: string | undefined; codes?: boolean | undefined },
  actor: TerminalActor,
): Promise<string> {
  const items = await listRedemptions(db, deps, query, actor);
  const codes = query.codes === true;
  const bookedAt = new Intl.DateTimeFormat('de-DE', {
    timeZone: 'Europe/Berlin',
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  const records = items.map((r) => [
    formatGermanDate(r.serviceDate),
    bookedAt.format(new Date(r.bookedAt)),
    r.displayName,
    codes ? r.benefitType : (BENEFIT_LABELS[r.benefitType] ?? r.benefitType),
    r.minutes ?? '',
    r.purpose ?? '',
    formatDecimalComma(r.amountCents, { grouping: false }),
    codes ? r.status : r.status === 'reversed' ? 'storniert' : 'gebucht',
    codes ? String(r.settled) : r.settled ? 'ja' : 'nein',
  ]);
  return stringify(records, {
    header: true,
    columns: [...HISTORY_COLUMNS],
    delimiter: ';',
    bom: true,
    record_delimiter: 'windows',
    escape_formulas: true,
  });
}
