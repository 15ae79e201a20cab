import { Problem } from '@tk/core';

/** Problems of bank reconciliation (docs/api/problems.md). */

/** Not XML, not camt.053/camt.054, or not readable. `detail` is German: the accounting desk shows it as is. */
export class InvalidBankStatement extends Problem {
  constructor(reason: string) {
    super({
      status: 400,
      code: 'invalid_bank_statement',
      title: 'Invalid bank statement',
      detail: `Die Datei ist kein lesbarer Kontoauszug (camt.053/camt.054): ${reason}`,
    });
  }
}

/** A returned transfer is paid again only after the provider's bank data was corrected and approved. */
export class BankDataNotCorrected extends Problem {
  constructor(number: string) {
    super({
      status: 409,
      code: 'bank_data_not_corrected',
      title: 'Conflict',
      detail: `Batch ${number} was returned by the bank; correct and approve the provider's bank data before paying it again.`,
    });
  }
}
