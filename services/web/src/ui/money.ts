/** Money and card-number helpers shared with the API (integer cents, Luhn), from @tk/core. */
export { formatCardNumber, formatCents, isValidCardNumber, luhnCheckDigit, parseEuroToCents } from '@tk/core';

/** `2026-11-20` → `20.11.2026`. */
export function formatDate(date: string): string {
  const [y, m, d] = date.split('-');
  return y && m && d ? `${d}.${m}.${y}` : date;
}

/** Today's date in Europe/Berlin as `YYYY-MM-DD` (service dates are Berlin dates). */
export function berlinToday(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Berlin',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}
