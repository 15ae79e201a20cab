import { describe, expect, it } from 'vitest';
import {
  FAMILY_CODE_ALPHABET,
  formatFamilyAccessCode,
  generateFamilyAccessCode,
  normalizeFamilyAccessCode,
} from './family-code.ts';

describe('family access code', () => {
  it('is two groups of five from the unambiguous alphabet', () => {
    for (let i = 0; i < 200; i++) {
      const code = generateFamilyAccessCode();
      expect(code).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
      for (const ch of code.replace('-', '')) expect(FAMILY_CODE_ALPHABET).toContain(ch);
      expect(code).not.toMatch(/[IO01]/);
    }
  });

  it('forgives case, spaces and hyphens when typed', () => {
    expect(normalizeFamilyAccessCode(' abcde - fghjk ')).toBe('ABCDEFGHJK');
    expect(formatFamilyAccessCode('abcdefghjk')).toBe('ABCDE-FGHJK');
  });

  it('does not repeat (50 bits of randomness)', () => {
    const seen = new Set(Array.from({ length: 1000 }, generateFamilyAccessCode));
    expect(seen.size).toBe(1000);
  });
});
