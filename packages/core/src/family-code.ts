/**
 * The family access code: 10 characters from 32 letters and digits that are hard to confuse when
 * read from paper (no I, O, 0, 1), printed as `ABCDE-FGHJK`. 50 bits: with the throttle of
 * getFamilyBalance (5 failures per card and hour) guessing is hopeless online, and the scrypt hash
 * makes a stolen table useless offline.
 */
export const FAMILY_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const FAMILY_CODE_LENGTH = 10;

export function generateFamilyAccessCode(): string {
  // 32 symbols divide 256: the low five bits of a random byte pick one without bias (Web Crypto).
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(FAMILY_CODE_LENGTH));
  const code = Array.from(bytes, (byte) => FAMILY_CODE_ALPHABET[byte & 31]).join('');
  return formatFamilyAccessCode(code);
}

/** `ABCDE-FGHJK`: two groups of five, as printed in the letter. */
export function formatFamilyAccessCode(code: string): string {
  const plain = normalizeFamilyAccessCode(code);
  return `${plain.slice(0, 5)}-${plain.slice(5)}`;
}

/** What a family typed, as compared: case, spaces and hyphens are forgiven. */
export function normalizeFamilyAccessCode(input: string): string {
  return input.toUpperCase().replace(/[\s\-‐‑–—]/g, '');
}
