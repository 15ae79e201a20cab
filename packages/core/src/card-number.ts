/** Luhn check digit for a string of digits (the payload without its check digit). */
export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    // Walk from the right; the digit next to the (future) check digit is doubled.
    let digit = payload.charCodeAt(payload.length - 1 - i) - 48;
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

/** Digits only, without spaces or dashes; `null` when anything else is in it. */
export function normalizeCardNumber(input: string): string | null {
  const digits = input.replace(/[\s-]/g, '');
  return /^\d+$/.test(digits) ? digits : null;
}

/** True for 16 digits whose last digit is the Luhn check digit of the first 15. */
export function isValidCardNumber(input: string): boolean {
  const digits = normalizeCardNumber(input);
  if (digits === null || digits.length !== 16) return false;
  return luhnCheckDigit(digits.slice(0, 15)) === Number(digits[15]);
}

/**
 * A random 16-digit card number with a Luhn check digit. 15 digits come from the CSPRNG, the first
 * never 0 so the number keeps 16 digits when read as a number; uniqueness is the database's job.
 */
export function generateCardNumber(): string {
  // One draw from the CSPRNG for all 15 digits (a bulk import issues hundreds of thousands of cards).
  const drawn = new Uint32Array(15);
  crypto.getRandomValues(drawn);
  let payload = String(1 + uniformBelow(9, drawn[0]!));
  for (let i = 1; i < 15; i++) payload += String(uniformBelow(10, drawn[i]!));
  return payload + String(luhnCheckDigit(payload));
}

/**
 * A uniform integer in [0, n) from a value drawn from Web Crypto (`globalThis.crypto`, in Node and in
 * the browser alike). Values from the top, incomplete range of 2^32 are drawn again, so no digit is
 * more likely than another.
 */
function uniformBelow(n: number, drawn: number): number {
  const limit = 2 ** 32 - (2 ** 32 % n);
  let value = drawn;
  while (value >= limit) value = crypto.getRandomValues(new Uint32Array(1))[0]!;
  return value % n;
}

/** `1234 5678 9012 3456`: groups of four, as printed on the card. */
export function formatCardNumber(digits: string): string {
  return digits.replace(/(\d{4})(?=\d)/g, '$1 ');
}
