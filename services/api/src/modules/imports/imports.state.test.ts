import { describe, expect, it } from 'vitest';
import { FileState } from './imports.state.ts';

// The compact encoding of FileState (ADR 0032, 0038): lines in base 36, dates without dashes, one
// letter per benefit type. These cases are the ones an encoding gets wrong: lines of several digits,
// a line whose digits begin another line's, several keys and benefit types per child.
describe('FileState', () => {
  it('remembers the first line of a child and names it when a later line disagrees', () => {
    const state = new FileState();
    expect(state.checkChild('AZ-1', 1_295_000, 'Lena', 'Muster', '2015-03-01')).toBeNull();
    expect(state.checkChild('AZ-1', 1_295_001, 'Lena', 'Muster', '2015-03-01')).toBeNull();
    expect(state.checkChild('AZ-1', 1_295_002, 'Lena', 'Musterfrau', '2015-03-01')).toEqual({
      stored: false,
      line: 1_295_000,
    });
    state.setStored('AZ-2', 'Ali', 'Yilmaz', '2014-01-31');
    expect(state.checkChild('AZ-2', 7, 'Ali', 'Yilmaz', '2014-01-31')).toBeNull();
    expect(state.checkChild('AZ-2', 8, 'Ali', 'Yilmaz', '2014-01-30')).toEqual({ stored: true });
  });

  it('a stored child with a control character in its names matches no line', () => {
    const state = new FileState();
    state.setStored('AZ-3', 'Li\u001fna', 'Muster', '2015-03-01');
    expect(state.checkChild('AZ-3', 2, 'Li\u001fna', 'Muster', '2015-03-01')).toEqual({ stored: true });
  });

  it('finds the earlier line of the same key among several keys, whatever the number of digits', () => {
    const state = new FileState();
    state.checkChild('AZ-1', 1, 'Lena', 'Muster', '2015-03-01');
    expect(state.claimKey('AZ-1', 'lunch', '2026-08-01', '2027-07-31', 1)).toBeUndefined();
    expect(state.claimKey('AZ-1', 'lunch', '2026-08-01', '2027-06-30', 36)).toBeUndefined();
    expect(state.claimKey('AZ-1', 'participation', '2026-08-01', '2027-07-31', 1_000_000)).toBeUndefined();
    expect(state.claimKey('AZ-1', 'lunch', '2026-08-01', '2027-07-31', 2_000_000)).toBe(1);
    expect(state.claimKey('AZ-1', 'lunch', '2026-08-01', '2027-06-30', 2_000_001)).toBe(36);
    expect(state.claimKey('AZ-1', 'participation', '2026-08-01', '2027-07-31', 2_000_002)).toBe(1_000_000);
    expect(state.claimKey('AZ-1', 'transport', '2026-08-01', '2027-07-31', 2_000_003)).toBeUndefined();
  });

  it('gives back only accepted periods of the benefit type asked for, with their dates and lines', () => {
    const state = new FileState();
    state.checkChild('AZ-1', 1, 'Lena', 'Muster', '2015-03-01');
    // Line 1 ("1") and line 36 ("10" in base 36): accepting line 1 must not touch line 36.
    state.claimKey('AZ-1', 'lunch', '2026-08-01', '2026-12-31', 36);
    state.claimKey('AZ-1', 'lunch', '2027-01-01', '2027-07-31', 1);
    state.claimKey('AZ-1', 'participation', '2026-08-01', '2027-07-31', 40);
    expect(state.earlier('AZ-1', 'lunch')).toEqual([]);
    state.accept({
      line: 1,
      caseReference: 'AZ-1',
      benefitType: 'lunch',
      validFrom: '2027-01-01',
      validTo: '2027-07-31',
    });
    expect(state.earlier('AZ-1', 'lunch')).toEqual([{ line: 1, validFrom: '2027-01-01', validTo: '2027-07-31' }]);
    state.accept({
      line: 36,
      caseReference: 'AZ-1',
      benefitType: 'lunch',
      validFrom: '2026-08-01',
      validTo: '2026-12-31',
    });
    expect(state.earlier('AZ-1', 'lunch')).toEqual([
      { line: 36, validFrom: '2026-08-01', validTo: '2026-12-31' },
      { line: 1, validFrom: '2027-01-01', validTo: '2027-07-31' },
    ]);
    expect(state.earlier('AZ-1', 'participation')).toEqual([]);
    expect(state.earlier('AZ-9', 'lunch')).toEqual([]);
  });

  it('counts a new child once, when its first line to write is noted; a stored child never', () => {
    const state = new FileState();
    state.checkChild('AZ-1', 100, 'Lena', 'Muster', '2015-03-01');
    state.setStored('AZ-2', 'Ali', 'Yilmaz', '2014-01-31');
    state.willWrite('AZ-1');
    state.willWrite('AZ-1');
    state.willWrite('AZ-2');
    expect(state.newChildren).toBe(1);
    // The head still names the first line after the child was counted.
    expect(state.checkChild('AZ-1', 101, 'Lena', 'Muster', '2015-03-02')).toEqual({ stored: false, line: 100 });
  });
});
