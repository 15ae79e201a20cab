import { defineProblem } from '@tk/core';
import { electronicFormatIBAN, isValidBIC, isValidIBAN } from 'ibantools';

/** Bank account rules shared by providers (payees) and the city (debtor account): IBAN and BIC via ibantools. */

export class InvalidIban extends defineProblem({ code: 'invalid_iban', status: 400, title: 'Invalid IBAN' }) {
  constructor() {
    super({ detail: 'The IBAN is not valid (country, length or check digits). Copy it from the bank statement.' });
  }
}

export class InvalidBic extends defineProblem({ code: 'invalid_bic', status: 400, title: 'Invalid BIC' }) {
  constructor() {
    super({ detail: 'The BIC is not valid (8 or 11 characters). Leave it empty if unknown.' });
  }
}

/** The IBAN in electronic format (no spaces, upper case); throws 400 `invalid_iban`. */
export function normalizeIban(input: string): string {
  const iban = electronicFormatIBAN(input);
  if (!iban || !isValidIBAN(iban)) throw new InvalidIban();
  return iban;
}

/** The BIC in upper case or `null`; throws 400 `invalid_bic`. */
export function normalizeBic(input: string | null | undefined): string | null {
  if (input === null || input === undefined || input.trim() === '') return null;
  const bic = input.replace(/\s/g, '').toUpperCase();
  if (!isValidBIC(bic)) throw new InvalidBic();
  return bic;
}
