import { describe, expect, it } from 'vitest';
import { bookableBalance, mayNotOverlap, periodsOverlap } from './approvals.ts';

describe('periodsOverlap', () => {
  const year = { validFrom: '2026-01-01', validTo: '2026-12-31' };
  it('periods sharing one day overlap', () => {
    expect(periodsOverlap(year, { validFrom: '2026-12-31', validTo: '2027-03-31' })).toBe(true);
  });
  it('adjacent periods do not overlap', () => {
    expect(periodsOverlap(year, { validFrom: '2027-01-01', validTo: '2027-12-31' })).toBe(false);
  });
  it('an approval revoked before the new period starts does not count', () => {
    const revoked = { ...year, revokedFrom: '2026-06-01' };
    expect(periodsOverlap(revoked, { validFrom: '2026-06-01', validTo: '2026-12-31' })).toBe(false);
    expect(periodsOverlap(revoked, { validFrom: '2026-05-31', validTo: '2026-12-31' })).toBe(true);
  });
  it('an approval revoked from its first day never counts', () => {
    expect(periodsOverlap({ ...year, revokedFrom: '2026-01-01' }, year)).toBe(false);
  });
  it('only single-budget types are exclusive', () => {
    expect(['participation', 'lunch', 'school_supplies', 'transport'].every(mayNotOverlap)).toBe(true);
    expect(mayNotOverlap('trip') || mayNotOverlap('tutoring')).toBe(false);
  });
});

describe('bookableBalance', () => {
  const base = { remainingCents: 18000, validFrom: '2026-01-01', lastBookingDay: '2027-03-31' };
  it('an approval that is not revoked keeps its remaining budget bookable', () => {
    expect(bookableBalance({ ...base, today: '2026-11-20' })).toEqual({ bookableCents: 18000 });
  });
  it('after a revocation, services before it stay bookable until the last booking day; then all is released', () => {
    const revoked = { ...base, revokedFrom: '2026-10-01' };
    expect(bookableBalance({ ...revoked, today: '2027-03-31' })).toEqual({ bookableCents: 18000, releasedCents: 0 });
    expect(bookableBalance({ ...revoked, today: '2027-04-01' })).toEqual({ bookableCents: 0, releasedCents: 18000 });
  });
  it('revoked from its first day: nothing is bookable, everything is released', () => {
    expect(bookableBalance({ ...base, revokedFrom: '2026-01-01', today: '2026-11-20' })).toEqual({
      bookableCents: 0,
      releasedCents: 18000,
    });
  });
});
