/**
 * Civil (calendar) dates as `YYYY-MM-DD` strings. Business dates are Europe/Berlin; the zone
 * arithmetic is the platform's (Intl, ICU time-zone data), never hand-written offsets.
 */
export type CivilDate = string;

export const BUSINESS_TIME_ZONE = 'Europe/Berlin';
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The dates the system accepts anywhere (api-v1.md, "dates"); outside them → 400 `validation_failed`. */
export const EARLIEST_DATE: CivilDate = '1900-01-01';
export const LATEST_DATE: CivilDate = '2100-12-31';

/** True for a date within EARLIEST_DATE … LATEST_DATE (ISO strings compare as dates). */
export function isSupportedDate(date: CivilDate): boolean {
  return date >= EARLIEST_DATE && date <= LATEST_DATE;
}

/** True for a real calendar date in `YYYY-MM-DD` form (rejects 2026-02-30). */
export function isCivilDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

function parts(date: CivilDate): [number, number, number] {
  const m = ISO_DATE.exec(date);
  if (!m) throw new TypeError(`not a date: ${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function fromUtc(ms: number): CivilDate {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(date: CivilDate, days: number): CivilDate {
  const [y, m, d] = parts(date);
  return fromUtc(Date.UTC(y, m - 1, d + days));
}

/** Adds months; a day that does not exist in the target month is clamped to its last day (31.01. + 1 → 28./29.02.). */
export function addMonths(date: CivilDate, months: number): CivilDate {
  const [y, m, d] = parts(date);
  const lastDay = new Date(Date.UTC(y, m - 1 + months + 1, 0)).getUTCDate();
  return fromUtc(Date.UTC(y, m - 1 + months, Math.min(d, lastDay)));
}

/**
 * The day on which someone born on `birthDate` completes `years` years (§§ 187 II, 188 II/III BGB):
 * the anniversary, and for 29 February in a common year the 1 March.
 */
export function birthdayOf(birthDate: CivilDate, years: number): CivilDate {
  const [y, m, d] = parts(birthDate);
  return fromUtc(Date.UTC(y + years, m - 1, d));
}

/** Completed years of age on `date`. */
export function ageOn(birthDate: CivilDate, date: CivilDate): number {
  const [by] = parts(birthDate);
  const [y] = parts(date);
  let age = y - by;
  if (birthdayOf(birthDate, age) > date) age -= 1;
  return age;
}

/** True when the person is younger than `years` on `date`. */
export function isUnder(birthDate: CivilDate, years: number, date: CivilDate): boolean {
  return date < birthdayOf(birthDate, years);
}

const berlinDateFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: BUSINESS_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The Berlin calendar date of an instant. */
export function berlinDate(instant: Date): CivilDate {
  return berlinDateFormat.format(instant);
}

const berlinOffsetFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: BUSINESS_TIME_ZONE,
  timeZoneName: 'longOffset',
});

function berlinOffsetMs(instant: Date): number {
  const name = berlinOffsetFormat.formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!m) return 0;
  const sign = m[1] === '-' ? -1 : 1;
  return sign * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
}

/** The instant at which `date` begins in Berlin (00:00 local; DST switches happen at 02:00/03:00, never at midnight). */
export function startOfBerlinDay(date: CivilDate): Date {
  const [y, m, d] = parts(date);
  const utcMidnight = Date.UTC(y, m - 1, d);
  const first = utcMidnight - berlinOffsetMs(new Date(utcMidnight));
  return new Date(utcMidnight - berlinOffsetMs(new Date(first)));
}

/** `TT.MM.JJJJ`, as German users read and write dates. */
export function formatGermanDate(date: CivilDate): string {
  const [y, m, d] = parts(date);
  return `${String(d).padStart(2, '0')}.${String(m).padStart(2, '0')}.${y}`;
}

/** Accepts `TT.MM.JJJJ` (also `T.M.JJJJ`) or ISO; returns ISO or `null` when it is no real date or outside the supported range. */
export function parseGermanOrIsoDate(input: string): CivilDate | null {
  const text = input.trim();
  const german = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text);
  const iso = german ? `${german[3]}-${german[2]?.padStart(2, '0')}-${german[1]?.padStart(2, '0')}` : text;
  return isCivilDate(iso) && isSupportedDate(iso) ? iso : null;
}
