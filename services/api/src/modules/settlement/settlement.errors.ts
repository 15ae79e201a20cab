import { defineProblem } from '@tk/core';

/** Problems of the settlement area (docs/api/problems.md). */
export class BatchNotFound extends defineProblem({ code: 'batch_not_found', status: 404, title: 'Not found' }) {
  constructor() {
    super({ detail: 'The settlement batch was not found.' });
  }
}

export class PaymentFileNotFound extends defineProblem({
  code: 'payment_file_not_found',
  status: 404,
  title: 'Not found',
}) {
  constructor() {
    super({ detail: 'The payment file was not found.' });
  }
}

export class InvalidBatchState extends defineProblem({ code: 'invalid_batch_state', status: 409, title: 'Conflict' }) {
  constructor(number: string, status: string, expected: string) {
    super({
      detail: `Batch ${number} is ${status}; this step needs a batch that is ${expected}.`,
      extensions: { batchStatus: status },
    });
  }
}

export class ProviderNotPayable extends defineProblem({
  code: 'provider_not_payable',
  status: 409,
  title: 'Provider not payable',
}) {
  constructor(status: string) {
    super({
      detail: `The provider is ${status}; only batches of approved providers can be released or paid out.`,
      extensions: { providerStatus: status },
    });
  }
}

export class CutoffDateInvalid extends defineProblem({
  code: 'cutoff_date_invalid',
  status: 422,
  title: 'Unprocessable content',
}) {
  constructor(latest: string) {
    super({ detail: `The cutoff date may be at most ${latest} (tomorrow: everything booked so far).` });
  }
}

export class ExecutionDateInvalid extends defineProblem({
  code: 'execution_date_invalid',
  status: 422,
  title: 'Unprocessable content',
}) {
  constructor(earliest: string) {
    super({ detail: `The requested execution date must be a business day on or after ${earliest}.` });
  }
}

export class NothingToPay extends defineProblem({ code: 'nothing_to_pay', status: 409, title: 'Conflict' }) {
  constructor(number: string) {
    super({ detail: `Batch ${number} has no positive amount to transfer.` });
  }
}

export class BankDataUnapproved extends defineProblem({
  code: 'bank_data_unapproved',
  status: 409,
  title: 'Bank data not approved',
}) {
  constructor() {
    super({
      detail: 'The provider changed its bank data; an admin must approve them before this batch can be released.',
    });
  }
}

export class PaidOnInvalid extends defineProblem({ code: 'paid_on_invalid', status: 400, title: 'Bad request' }) {
  constructor(earliest: string, latest: string) {
    super({
      detail: `The value date must lie between the execution date ${earliest} and today ${latest}.`,
      extensions: { earliest, latest },
    });
  }
}
