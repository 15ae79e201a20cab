import { defineProblem } from '@tk/core';
import { Conflict } from '../../lib/problems.ts';

/** Problems of the ledger: every area that books or reverses answers with these (one class per outcome). */

export class IdempotencyKeyReused extends defineProblem({
  code: 'idempotency_key_reused',
  status: 422,
  title: 'Idempotency key reused',
}) {
  constructor() {
    super({
      detail: 'This Idempotency-Key was already used for a different request; use a new key for a new request.',
    });
  }
}

export class RedemptionNotFound extends defineProblem({
  code: 'redemption_not_found',
  status: 404,
  title: 'Not found',
}) {
  constructor() {
    super({ detail: 'The redemption was not found.' });
  }
}

export class AlreadyReversed extends defineProblem({
  code: 'already_reversed',
  status: 409,
  title: 'Already reversed',
}) {
  constructor() {
    super({ detail: 'This redemption was already reversed.' });
  }
}

/** The state kept changing under one request (lost races in a row); nothing was booked. */
export class BookingConflict extends Conflict {
  constructor() {
    super('The card changed while booking; nothing was booked. Please try again.');
  }
}
