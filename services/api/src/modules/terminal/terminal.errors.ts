import { Problem } from '@tk/core';

/**
 * Problems of the terminal (api-v1.md: lookupCard, redeem, reverseRedemption, listRedemptions).
 * One class per outcome a terminal must tell apart. Every decline books nothing.
 */

export class InvalidCode extends Problem {
  constructor() {
    super({
      status: 400,
      code: 'invalid_code',
      title: 'Invalid card code',
      detail:
        'This is neither a valid card number (16 digits, check digit) nor a valid card QR code. Please scan or type it again.',
    });
  }
}

export class CardNotFound extends Problem {
  constructor() {
    super({
      status: 404,
      code: 'card_not_found',
      title: 'Card not found',
      detail: 'No card has this number or QR code.',
    });
  }
}

export class CardBlocked extends Problem {
  constructor(status: string) {
    super({
      status: 409,
      code: 'card_blocked',
      title: 'Card blocked',
      detail:
        status === 'replaced'
          ? 'This card was replaced by a new card and no longer works.'
          : 'This card is blocked and cannot be used.',
      extensions: { cardStatus: status },
    });
  }
}

export class ProviderNotApproved extends Problem {
  constructor() {
    super({
      status: 403,
      code: 'provider_not_approved',
      title: 'Provider not approved',
      detail: 'Your organisation is not (or no longer) approved by the city; cards cannot be looked up or redeemed.',
    });
  }
}

export class NotRedeemableHere extends Problem {
  constructor(detail = 'This entitlement cannot be redeemed by your organisation.') {
    super({ status: 403, code: 'not_redeemable_here', title: 'Not redeemable here', detail });
  }
}

export class ApprovalNotActive extends Problem {
  constructor(detail: string) {
    super({ status: 409, code: 'approval_not_active', title: 'Approval not active', detail });
  }
}

export class ServiceDateInvalid extends Problem {
  constructor(detail: string) {
    super({ status: 422, code: 'service_date_invalid', title: 'Service date invalid', detail });
  }
}

export class InsufficientBudget extends Problem {
  constructor(availableCents: number) {
    super({
      status: 409,
      code: 'insufficient_budget',
      title: 'Insufficient budget',
      detail: 'The remaining budget does not cover this amount; nothing was booked.',
      extensions: { availableCents },
    });
  }
}

export class AlreadyRedeemedToday extends Problem {
  constructor() {
    super({
      status: 409,
      code: 'already_redeemed_today',
      title: 'Already redeemed today',
      detail: 'This child already had the lunch allowed for this day (at any provider); nothing was booked.',
    });
  }
}

export class MealPriceMissing extends Problem {
  constructor(serviceDate: string) {
    super({
      status: 409,
      code: 'meal_price_missing',
      title: 'No meal price',
      detail: `No meal price of your organisation is in force on ${serviceDate}; the city records it.`,
    });
  }
}

export class AmountRequired extends Problem {
  constructor(field: 'amountCents' | 'minutes', benefitType: string) {
    super({
      status: 400,
      code: 'amount_required',
      title: 'Amount required',
      detail: `Booking ${benefitType} needs ${field}.`,
      errors: [{ pointer: `/${field}`, detail: 'required for this benefit type' }],
    });
  }
}

export class IdempotencyKeyRequired extends Problem {
  constructor() {
    super({
      status: 400,
      code: 'idempotency_key_required',
      title: 'Idempotency-Key required',
      detail: 'Send an Idempotency-Key header (a fresh random value per booking, the same value when retrying it).',
    });
  }
}

export class InvalidRange extends Problem {
  constructor(detail: string) {
    super({ status: 400, code: 'invalid_range', title: 'Invalid range', detail });
  }
}

export class TerminalThrottled extends Problem {
  constructor(retryAfterSeconds: number) {
    super({
      status: 429,
      code: 'rate_limited',
      title: 'Too many requests',
      detail: `Too many unknown or invalid card codes; try again in ${retryAfterSeconds} s.`,
      extensions: { retryAfterSeconds },
    });
  }
}
