import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatCardNumber,
  generateCardNumber,
  isValidCardNumber,
  luhnCheckDigit,
  normalizeCardNumber,
} from './card-number.ts';

const payload15 = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 15, maxLength: 15 });
const validNumber = payload15.map((p) => p + String(luhnCheckDigit(p)));

describe('Luhn card numbers', () => {
  it('a payload with its check digit is valid', () => {
    fc.assert(fc.property(validNumber, (n) => isValidCardNumber(n)));
  });

  it('any single-digit change is detected', () => {
    fc.assert(
      fc.property(validNumber, fc.nat(15), fc.integer({ min: 1, max: 9 }), (n, pos, shift) => {
        const digit = (Number(n[pos]) + shift) % 10;
        const changed = n.slice(0, pos) + String(digit) + n.slice(pos + 1);
        expect(isValidCardNumber(changed)).toBe(false);
      }),
    );
  });

  it('any adjacent transposition of distinct digits is detected, except 09 ↔ 90', () => {
    fc.assert(
      fc.property(validNumber, fc.nat(14), (n, pos) => {
        const a = n[pos]!;
        const b = n[pos + 1]!;
        fc.pre(a !== b && !((a === '0' && b === '9') || (a === '9' && b === '0')));
        const swapped = n.slice(0, pos) + b + a + n.slice(pos + 2);
        expect(isValidCardNumber(swapped)).toBe(false);
      }),
    );
  });

  it('the 09 ↔ 90 transposition is the known blind spot of Luhn', () => {
    const p = '09' + '0'.repeat(13);
    const n = p + String(luhnCheckDigit(p));
    const swapped = '90' + n.slice(2);
    expect(isValidCardNumber(n)).toBe(true);
    expect(isValidCardNumber(swapped)).toBe(true);
  });

  it('generated numbers are 16 digits, Luhn-valid, never start with 0, and differ', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const n = generateCardNumber();
      expect(n).toMatch(/^[1-9]\d{15}$/);
      expect(isValidCardNumber(n)).toBe(true);
      seen.add(n);
    }
    expect(seen.size).toBe(2000);
  });

  it('generated numbers use every digit at every random position (1–9 first, 0–9 after)', () => {
    const numbers = Array.from({ length: 2000 }, () => generateCardNumber());
    for (let pos = 0; pos < 15; pos++) {
      const digits = new Set(numbers.map((n) => n[pos]));
      expect([...digits].sort().join('')).toBe(pos === 0 ? '123456789' : '0123456789');
    }
  });

  it('formatting groups by four and normalising gives the digits back', () => {
    fc.assert(
      fc.property(validNumber, (n) => {
        const printed = formatCardNumber(n);
        expect(printed).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
        expect(normalizeCardNumber(printed)).toBe(n);
        expect(isValidCardNumber(printed)).toBe(true);
      }),
    );
  });

  it('wrong lengths and non-digits are invalid', () => {
    expect(isValidCardNumber('1234')).toBe(false);
    expect(isValidCardNumber('4111 1111 1111 111x')).toBe(false);
  });
});
