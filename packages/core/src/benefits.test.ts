import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isOfEligibleAge,
  isRetentionDue,
  lapseCutoff,
  lastBookingDay,
  participationBudgetCents,
  participationMonths,
  rateOn,
} from './benefits.ts';
import { addDays, addMonths, birthdayOf } from './civil-date.ts';

const RATE_2019 = { validFrom: '2019-08-01', amountCents: 1500 };
const CHILD = '2015-05-05';

const civilDate = fc
  .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

describe('participation budget months (ADR 0007)', () => {
  it('counts every started month from validFrom', () => {
    expect(participationMonths('2026-08-01', '2027-07-31', CHILD)).toHaveLength(12);
    expect(participationMonths('2026-08-15', '2027-08-14', CHILD)).toHaveLength(12);
    expect(participationMonths('2026-08-01', '2026-08-15', CHILD)).toHaveLength(1);
    expect(participationMonths('2026-08-01', '2026-08-01', CHILD)).toHaveLength(1);
    expect(participationMonths('2026-08-15', '2026-09-15', CHILD)).toHaveLength(2);
  });

  it('crosses month and year ends and clamps a 31st to shorter months', () => {
    expect(participationMonths('2026-11-30', '2027-03-01', CHILD)).toEqual([
      '2026-11-30',
      '2026-12-30',
      '2027-01-30',
      '2027-02-28',
    ]);
    expect(participationMonths('2026-12-31', '2027-03-30', CHILD)).toEqual(['2026-12-31', '2027-01-31', '2027-02-28']);
  });

  it('the count is the number of started months: k whole months give k, one more day gives k + 1', () => {
    fc.assert(
      fc.property(civilDate, fc.integer({ min: 1, max: 24 }), (from, k) => {
        // A child far from 18, so the age cut does not interfere.
        const young = '2034-01-01';
        const lastDayOfK = addDays(addMonths(from, k), -1);
        expect(participationMonths(from, lastDayOfK, young)).toHaveLength(k);
        expect(participationMonths(from, addMonths(from, k - 1), young)).toHaveLength(k);
        expect(participationMonths(from, addMonths(from, k), young)).toHaveLength(k + 1);
      }),
    );
  });

  it('only months that start before the 18th birthday count; none when the child is already 18', () => {
    // Born 10.10.2008: 18 on 10.10.2026. Months starting 01.08., 01.09., 01.10. count.
    expect(participationMonths('2026-08-01', '2027-07-31', '2008-10-10')).toHaveLength(3);
    // Born 29.02.2008: 18 on 01.03.2026, so a month starting on 01.03.2026 no longer counts.
    expect(participationMonths('2026-02-01', '2026-12-31', '2008-02-29')).toEqual(['2026-02-01']);
    expect(participationMonths('2026-03-01', '2026-12-31', '2008-02-29')).toEqual([]);
    fc.assert(
      fc.property(civilDate, civilDate, fc.integer({ min: 0, max: 24 }), (birth, from, k) => {
        const months = participationMonths(from, addMonths(from, k), birth);
        const eighteenth = birthdayOf(birth, 18);
        for (const m of months) expect(m < eighteenth).toBe(true);
      }),
    );
  });

  it('the budget is the rate in force at each month start; a rate change inside the period splits the sum', () => {
    const rates = [RATE_2019, { validFrom: '2027-02-01', amountCents: 2000 }];
    const months = participationMonths('2026-08-01', '2027-07-31', CHILD);
    expect(participationBudgetCents(months, rates)).toBe(6 * 1500 + 6 * 2000);
    // A month that starts on 15.01. runs on 15 € even though the rate changes within it.
    const mid = participationMonths('2026-08-15', '2027-08-14', CHILD);
    expect(participationBudgetCents(mid, rates)).toBe(6 * 1500 + 6 * 2000);
    expect(participationBudgetCents(months, [{ validFrom: '2030-01-01', amountCents: 1 }])).toBeNull();
  });

  it('for any rate change date, the budget equals old rate × months before + new rate × months after', () => {
    fc.assert(
      fc.property(civilDate, fc.integer({ min: 0, max: 23 }), civilDate, (from, k, change) => {
        const months = participationMonths(from, addMonths(from, k), '2034-01-01');
        const rates = [RATE_2019, { validFrom: change, amountCents: 2000 }];
        const before = months.filter((m) => m < change).length;
        expect(participationBudgetCents(months, rates)).toBe(before * 1500 + (months.length - before) * 2000);
      }),
    );
  });

  it('rateOn picks the latest rate that started on or before the date', () => {
    const rates = [RATE_2019, { validFrom: '2027-02-01', amountCents: 2000 }];
    expect(rateOn(rates, '2027-01-31')?.amountCents).toBe(1500);
    expect(rateOn(rates, '2027-02-01')?.amountCents).toBe(2000);
    expect(rateOn(rates, '2019-07-31')).toBeUndefined();
  });
});

describe('age rules', () => {
  it('participation under 18, other benefits under 25 on the service date', () => {
    expect(isOfEligibleAge('participation', '2008-02-29', '2026-02-28')).toBe(true);
    expect(isOfEligibleAge('participation', '2008-02-29', '2026-03-01')).toBe(false);
    expect(isOfEligibleAge('lunch', '2001-11-20', '2026-11-19')).toBe(true);
    expect(isOfEligibleAge('lunch', '2001-11-20', '2026-11-20')).toBe(false);
  });
});

describe('retention (isRetentionDue)', () => {
  it('is due only once more than the retention months have passed since the last booking day', () => {
    // validTo 2024-06-30 + 3 months grace = 2024-09-30; + 24 months = 2026-09-30.
    expect(isRetentionDue('2024-06-30', 3, 24, '2026-09-30')).toBe(false);
    expect(isRetentionDue('2024-06-30', 3, 24, '2026-10-01')).toBe(true);
    expect(isRetentionDue('2024-06-30', 0, 24, '2026-07-01')).toBe(true);
    expect(isRetentionDue('2024-06-30', 0, 24, '2026-06-30')).toBe(false);
  });
});

describe('lapseCutoff', () => {
  it('is the latest period end whose last booking day lies before asOf, for every day and grace period', () => {
    for (const grace of [0, 1, 3, 6]) {
      for (let asOf = '2026-01-01'; asOf <= '2027-12-31'; asOf = addDays(asOf, 1)) {
        const cutoff = lapseCutoff(asOf, grace);
        expect(lastBookingDay(cutoff, grace) < asOf).toBe(true);
        expect(lastBookingDay(addDays(cutoff, 1), grace) < asOf).toBe(false);
      }
    }
  });
  it('end of November with three months grace: booked until 28.02., lapses from 01.03.', () => {
    expect(lapseCutoff('2027-03-01', 3)).toBe('2026-11-30');
    expect(lapseCutoff('2027-02-28', 3)).toBe('2026-11-27');
  });
});
