import { defineProblem } from '@tk/core';

/** Problems of bank reconciliation (docs/api/problems.md). */

/** Not XML, not camt.053/camt.054, or not readable. `detail` is German: the accounting desk shows it as is. */
export class InvalidBankStatement extends defineProblem({
  code: 'invalid_bank_statement',
  status: 400,
  title: 'Invalid bank statement',
}) {
  constructor(reason: string) {
    super({ detail: `Die Datei ist kein lesbarer Kontoauszug (camt.053/camt.054): ${reason}` });
  }
}

/** A returned transfer is paid again only after the provider's bank data was corrected and approved. */
export class BankDataNotCorrected extends defineProblem({
  code: 'bank_data_not_corrected',
  status: 409,
  title: 'Conflict',
}) {
  constructor(number: string) {
    super({
      detail: `Batch ${number} was returned by the bank; correct and approve the provider's bank data before paying it again.`,
    });
  }
}
