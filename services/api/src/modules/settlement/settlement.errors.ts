import { Problem } from '@tk/core';

/** Problems of the settlement area (docs/api/problems.md). */
export class BatchNotFound extends Problem {
  constructor() {
    super({ status: 404, code: 'batch_not_found', title: 'Not found', detail: 'The settlement batch was not found.' });
  }
}

export class PaymentFileNotFound extends Problem {
  constructor() {
    super({
      status: 404,
      code: 'payment_file_not_found',
      title: 'Not found',
      detail: 'The payment file was not found.',
    });
  }
}

export class InvalidBatchState extends Problem {
  constructor(number: string, status: string, expected: string) {
    super({
      status: 409,
      code: 'invalid_batch_state',
      title: 'Conflict',
      detail: `Batch ${number} is ${status}; this step needs a batch that is ${expected}.`,
      extensions: { batchStatus: status },
    });
  }
}

export class FourEyesRequired extends Problem {
  constructor(detail: string) {
    super({ status: 409, code: 'four_eyes_required', title: 'Four eyes required', detail });
  }
}

export class ProviderNotPayable extends Problem {
  constructor(status: string) {
    super({
      status: 409,
      code: 'provider_not_payable',
      title: 'Provider not payable',
      detail: `The provider is ${status}; only batches of approved providers can be released or paid out.`,
      extensions: { providerStatus: status },
    });
  }
}

export class CutoffDateInvalid extends Problem {
  constructor(latest: string) {
    super({
      status: 422,
      code: 'cutoff_date_invalid',
      title: 'Unprocessable content',
      detail: `The cutoff date may be at most ${latest} (tomorrow: everything booked so far).`,
    });
  }
}

export class ExecutionDateInvalid extends Problem {
  constructor(earliest: string) {
    super({
      status: 422,
      code: 'execution_date_invalid',
      title: 'Unprocessable content',
      detail: `The requested execution date must be a business day on or after ${earliest}.`,
    });
  }
}

export class NothingToPay extends Problem {
  constructor(number: string) {
    super({
      status: 409,
      code: 'nothing_to_pay',
      title: 'Conflict',
      detail: `Batch ${number} has no positive amount to transfer.`,
    });
  }
}
