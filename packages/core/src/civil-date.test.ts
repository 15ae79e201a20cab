import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addMonths, ageOn, birthdayOf, isCivilDate, isUnder, parseGermanOrIsoDate } from './civil-date.ts';

const civilDate = fc
  .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2040-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

describe('ages on birthdays', () => {
  it('someone born on 29 Feb 2008 turns 18 on 1 Mar 2026, not on 28 Feb', () => {
    expect(birthdayOf('2008-02-29', 18)).toBe('2026-03-01');
    expect(ageOn('2008-02-29', '2026-02-28')).toBe(17);
    expect(ageOn('2008-02-29', '2026-03-01')).toBe(18);
    expect(isUnder('2008-02-29', 18, '2026-02-28')).toBe(true);
    expect(isUnder('2008-02-29', 18, '2026-03-01')).toBe(false);
    // In a leap year the anniversary exists.
    expect(birthdayOf('2008-02-29', 16)).toBe('2024-02-29');
  });

  it('the age rises by one exactly on the birthday', () => {
    fc.assert(
      fc.property(civilDate, fc.integer({ min: 1, max: 30 }), (birth, years) => {
        const day = birthdayOf(birth, years);
        const before = new Date(`${day}T00:00:00Z`);
        before.setUTCDate(before.getUTCDate() - 1);
        expect(ageOn(birth, day)).toBe(years);
        expect(ageOn(birth, before.toISOString().slice(0, 10))).toBe(years - 1);
        expect(isUnder(birth, years, day)).toBe(false);
      }),
    );
  });
});

describe('civil dates', () => {
  it('adding months clamps to the end of shorter months and crosses year ends', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonths('2026-11-15', 3)).toBe('2027-02-15');
    expect(addMonths('2026-12-31', 1)).toBe('2027-01-31');
  });

  it('addMonths always gives a real date in the target month', () => {
    fc.assert(
      fc.property(civilDate, fc.integer({ min: 0, max: 36 }), (d, k) => {
        const r = addMonths(d, k);
        expect(isCivilDate(r)).toBe(true);
        const months =
          (Number(r.slice(0, 4)) - Number(d.slice(0, 4))) * 12 + Number(r.slice(5, 7)) - Number(d.slice(5, 7));
        expect(months).toBe(k);
      }),
    );
  });

  it('German and ISO input parse to the same date; impossible dates are refused', () => {
    expect(parseGermanOrIsoDate('01.08.2026')).toBe('2026-08-01');
    expect(parseGermanOrIsoDate('1.8.2026')).toBe('2026-08-01');
    expect(parseGermanOrIsoDate('2026-08-01')).toBe('2026-08-01');
    expect(parseGermanOrIsoDate('29.02.2026')).toBeNull();
    expect(parseGermanOrIsoDate('31.04.2026')).toBeNull();
  });
});
