import { berlinDate, formatDecimalComma } from '@tk/core';

/** Money, date and card-number helpers shared with the API (integer cents, Luhn, Berlin dates), from @tk/core. */
export {
  formatCardNumber,
  formatCents,
  formatGermanDate as formatDate,
  isValidCardNumber,
  luhnCheckDigit,
  parseEuroToCents,
} from '@tk/core';

/** Cents as the text of a euro input, without thousands separators: 185000 → `1850,00`. */
export const centsToInput = (cents: number): string => formatDecimalComma(cents, { grouping: false });

const timestampFormat = new Intl.DateTimeFormat('de-DE', {
  timeZone: 'Europe/Berlin',
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** `2026-11-21T13:05:00Z` → `21.11.2026, 14:05 Uhr` (Berlin time). */
export function formatTimestamp(iso: string | null | undefined): string {
  if (!iso) return '–';
  return `${timestampFormat.format(new Date(iso))} Uhr`;
}

/** `2026-11` → `11/2026`. */
export function formatMonth(month: string): string {
  const [y, m] = month.split('-');
  return y && m ? `${m}/${y}` : month;
}

/** Today's date in Europe/Berlin as `YYYY-MM-DD` (service dates are Berlin dates). */
export const berlinToday = (now: Date = new Date()): string => berlinDate(now);
