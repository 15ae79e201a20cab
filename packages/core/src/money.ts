/**
 * Money is integer euro cents. These helpers only format and parse text; they never use floats.
 */
const euroGrouping = new Intl.NumberFormat('de-DE', { maximumFractionDigits: 0, useGrouping: true });

/**
 * Euros with a decimal comma, the one formatting of money: `1234567` → `12.345,67` with thousands
 * grouping (what people read), `12345,67` without (what finance software imports).
 */
export function formatDecimalComma(cents: number, options: { grouping: boolean } = { grouping: true }): string {
  if (!Number.isSafeInteger(cents)) throw new TypeError(`cents must be an integer: ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const euros = Math.trunc(abs / 100);
  return `${sign}${options.grouping ? euroGrouping.format(euros) : String(euros)},${String(abs % 100).padStart(2, '0')}`;
}

/** `1234567` → `12.345,67 €`. */
export function formatCents(cents: number): string {
  return `${formatDecimalComma(cents)} €`;
}

/** `12,50` → `1250` (decimal comma as Germans write; a dot is accepted as the decimal mark when no comma is present). */
export function parseEuroToCents(input: string): number | null {
  const text = input.trim().replace(/\s*€$/, '');
  const m = /^(-?)(\d{1,3}(?:\.\d{3})+|\d+)(?:[,](\d{1,2}))?$/.exec(text) ?? /^(-?)(\d+)(?:[.](\d{1,2}))?$/.exec(text);
  if (!m) return null;
  const euros = Number((m[2] ?? '0').replaceAll('.', ''));
  const cents = Number((m[3] ?? '0').padEnd(2, '0'));
  const value = euros * 100 + cents;
  if (!Number.isSafeInteger(value)) return null;
  return m[1] === '-' ? -value : value;
}
