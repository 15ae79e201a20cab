import { Problem } from '@tk/core';

export class InvalidIban extends Problem {
  constructor() {
    super({
      status: 400,
      code: 'invalid_iban',
      title: 'Invalid IBAN',
      detail: 'The IBAN is not valid (country, length or check digits). Copy it from the bank statement.',
    });
  }
}

export class InvalidBic extends Problem {
  constructor() {
    super({
      status: 400,
      code: 'invalid_bic',
      title: 'Invalid BIC',
      detail: 'The BIC is not valid (8 or 11 characters). Leave it empty if unknown.',
    });
  }
}

export class BenefitTypesNotAllowed extends Problem {
  constructor(category: string, allowed: readonly string[], given: readonly string[]) {
    super({
      status: 400,
      code: 'benefit_types_not_allowed',
      title: 'Benefit types not allowed for this category',
      detail: `A provider of category ${category} may redeem only ${allowed.join(', ')}; got ${given.join(', ')}.`,
      extensions: { allowedBenefitTypes: allowed },
    });
  }
}

export class CategoryRequired extends Problem {
  constructor() {
    super({
      status: 400,
      code: 'category_required',
      title: 'Category required',
      detail: 'No single provider category allows these benefit types; send `category`.',
    });
  }
}

export class MealPriceNotApplicable extends Problem {
  constructor() {
    super({
      status: 400,
      code: 'meal_price_not_applicable',
      title: 'Meal price not applicable',
      detail: 'A meal price is only set for providers that redeem lunch.',
    });
  }
}

export class MealPriceAboveCap extends Problem {
  constructor(capCents: number) {
    super({
      status: 422,
      code: 'meal_price_above_cap',
      title: 'Meal price above the city cap',
      detail: `The meal price exceeds the city's cap of ${capCents} cents.`,
      extensions: { mealPriceCapCents: capCents },
    });
  }
}

export class MealPriceExists extends Problem {
  constructor(validFrom: string) {
    super({
      status: 409,
      code: 'meal_price_exists',
      title: 'Meal price exists',
      detail: `A meal price from ${validFrom} exists already; prices are append-only, choose another start date.`,
    });
  }
}

export class FourEyesRequired extends Problem {
  constructor() {
    super({
      status: 409,
      code: 'four_eyes_required',
      title: 'Four eyes required',
      detail: 'You last changed this provider’s bank data; another admin must approve it.',
    });
  }
}

export class ProviderStatusConflict extends Problem {
  constructor(status: string, action: string) {
    super({
      status: 409,
      code: 'provider_status_conflict',
      title: 'Conflict',
      detail: `A provider with status ${status} cannot be ${action}.`,
    });
  }
}

export const providerNotFound = () =>
  new Problem({ status: 404, code: 'provider_not_found', title: 'Not found', detail: 'The provider was not found.' });

export class RegistrationThrottled extends Problem {
  constructor(readonly retryAfterSeconds: number) {
    super({
      status: 429,
      code: 'too_many_attempts',
      title: 'Too many attempts',
      detail: `Too many provider registrations from this address; try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`,
      extensions: { retryAfterSeconds },
    });
  }
}

export class MealPriceProposalNotPending extends Problem {
  constructor(status: string) {
    super({
      status: 409,
      code: 'meal_price_proposal_not_pending',
      title: 'Conflict',
      detail: `This meal price proposal is ${status} already.`,
    });
  }
}

export class MealPriceDateInPast extends Problem {
  constructor(today: string) {
    super({
      status: 400,
      code: 'meal_price_date_in_past',
      title: 'Start date in the past',
      detail: `A proposed meal price applies from today (${today}) or later.`,
      errors: [{ pointer: '/validFrom', detail: 'today or later' }],
    });
  }
}
