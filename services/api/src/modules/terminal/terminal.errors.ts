import { defineProblem } from '@tk/core';

import { AmountRequired, RateLimited } from '../../lib/problems.ts';

/**
 * Problems of the terminal (api-v1.md: lookupCard, redeem, reverseRedemption, listRedemptions).
 * One class per outcome a terminal must tell apart. Every decline books nothing.
 */

export class InvalidCode extends defineProblem({ code: 'invalid_code', status: 400, title: 'Invalid card code' }) {
  constructor() {
    super({
      detail:
        'This is neither a valid card number (16 digits, check digit) nor a valid card QR code. Please scan or type it again.',
    });
  }
}

export class CardBlocked extends defineProblem({ code: 'card_blocked', status: 409, title: 'Card blocked' }) {
  constructor(status: string) {
    super({
      detail:
        status === 'replaced'
          ? 'This card was replaced by a new card and no longer works.'
          : 'This card is blocked and cannot be used.',
      extensions: { cardStatus: status },
    });
  }
}

export class ProviderNotApproved extends defineProblem({
  code: 'provider_not_approved',
  status: 403,
  title: 'Provider not approved',
}) {
  constructor() {
    super({
      detail: 'Your organisation is not (or no longer) approved by the city; cards cannot be looked up or redeemed.',
    });
  }
}

export class NotRedeemableHere extends defineProblem({
  code: 'not_redeemable_here',
  status: 403,
  title: 'Not redeemable here',
}) {
  constructor(detail = 'This entitlement cannot be redeemed by your organisation.') {
    super({ detail });
  }
}

export class ApprovalNotActive extends defineProblem({
  code: 'approval_not_active',
  status: 409,
  title: 'Approval not active',
}) {
  constructor(detail: string) {
    super({ detail });
  }
}

export class ServiceDateInvalid extends defineProblem({
  code: 'service_date_invalid',
  status: 422,
  title: 'Service date invalid',
}) {
  constructor(detail: string) {
    super({ detail });
  }
}

export class InsufficientBudget extends defineProblem({
  code: 'insufficient_budget',
  status: 409,
  title: 'Insufficient budget',
}) {
  constructor(availableCents: number) {
    super({
      detail: 'The remaining budget does not cover this amount; nothing was booked.',
      extensions: { availableCents },
    });
  }
}

export class AlreadyRedeemedToday extends defineProblem({
  code: 'already_redeemed_today',
  status: 409,
  title: 'Already redeemed today',
}) {
  constructor() {
    super({ detail: 'This child already had the lunch allowed for this day (at any provider); nothing was booked.' });
  }
}

export class MealPriceMissing extends defineProblem({
  code: 'meal_price_missing',
  status: 409,
  title: 'No meal price',
}) {
  constructor(serviceDate: string) {
    super({ detail: `No meal price of your organisation is in force on ${serviceDate}; the city records it.` });
  }
}

/** Booking this benefit type needs `amountCents` (participation, trip) or `minutes` (tutoring). */
export function amountRequired(field: 'amountCents' | 'minutes', benefitType: string): AmountRequired {
  return new AmountRequired({
    detail: `Booking ${benefitType} needs ${field}.`,
    errors: [{ pointer: `/${field}`, detail: 'required for this benefit type' }],
  });
}

export class IdempotencyKeyRequired extends defineProblem({
  code: 'idempotency_key_required',
  status: 400,
  title: 'Idempotency-Key required',
}) {
  constructor() {
    super({
      detail: 'Send an Idempotency-Key header (a fresh random value per booking, the same value when retrying it).',
    });
  }
}

export class InvalidRange extends defineProblem({ code: 'invalid_range', status: 400, title: 'Invalid range' }) {
  constructor(detail: string) {
    super({ detail });
  }
}

export class TerminalThrottled extends RateLimited {
  constructor(retryAfterSeconds: number) {
    super(retryAfterSeconds, `Too many unknown or invalid card codes; try again in ${retryAfterSeconds} s.`);
  }
}
