import { addDays, type CivilDate } from './civil-date.ts';

/**
 * SEPA business days (TARGET2 calendar): no weekends, New Year, Good Friday, Easter Monday, 1 May,
 * 25 and 26 December. A credit transfer executes on a business day, today at the earliest.
 */

/** Easter Sunday (Gregorian, anonymous algorithm), for the TARGET2 holidays Good Friday and Easter Monday. */
function easterSunday(year: number): CivilDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** A SEPA business day: not a weekend and not a TARGET2 holiday. */
export function isBusinessDay(date: CivilDate): boolean {
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  const monthDay = date.slice(5);
  if (['01-01', '05-01', '12-25', '12-26'].includes(monthDay)) return false;
  const easter = easterSunday(Number(date.slice(0, 4)));
  return date !== addDays(easter, -2) && date !== addDays(easter, 1);
}

export function nextBusinessDay(after: CivilDate): CivilDate {
  let date = addDays(after, 1);
  while (!isBusinessDay(date)) date = addDays(date, 1);
  return date;
}

/**
 * The execution date of a payment file: the requested one if it is a business day not before today,
 * the next business day when none is requested; null when the requested date is not allowed.
 */
export function sepaExecutionDate(today: CivilDate, requested?: CivilDate): CivilDate | null {
  if (requested === undefined) return nextBusinessDay(today);
  return requested >= today && isBusinessDay(requested) ? requested : null;
}
