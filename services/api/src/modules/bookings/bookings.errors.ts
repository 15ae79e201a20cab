import { Problem } from '@tk/core';

/** Problems of the ledger: every area that books or reverses answers with these (one class per outcome). */

export class IdempotencyKeyReused extends Problem {
  constructor() {
    super({
      status: 422,
      code: 'idempotency_key_reused',
      title: 'Idempotency key reused',
      detail: 'This Idempotency-Key was already used for a different request; use a new key for a new request.',
    });
  }
}

export class RedemptionNotFound extends Problem {
  constructor() {
    super({ status: 404, code: 'redemption_not_found', title: 'Not found', detail: 'The redemption was not found.' });
  }
}

export class AlreadyReversed extends Problem {
  constructor() {
    super({
      status: 409,
      code: 'already_reversed',
      title: 'Already reversed',
      detail: 'This redemption was already reversed.',
    });
  }
}

/** The state kept changing under one request (lost races in a row); nothing was booked. */
export class BookingConflict extends Problem {
  constructor() {
    super({
      status: 409,
      code: 'conflict',
      title: 'Conflict',
      detail: 'The card changed while booking; nothing was booked. Please try again.',
    });
  }
}
