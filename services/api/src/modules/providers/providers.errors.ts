import { defineProblem } from '@tk/core';

export class BenefitTypesNotAllowed extends defineProblem({
  code: 'benefit_types_not_allowed',
  status: 400,
  title: 'Benefit types not allowed for this category',
}) {
  constructor(category: string, allowed: readonly string[], given: readonly string[]) {
    super({
      detail: `A provider of category ${category} may redeem only ${allowed.join(', ')}; got ${given.join(', ')}.`,
      extensions: { allowedBenefitTypes: allowed },
    });
  }
}

export class CategoryRequired extends defineProblem({
  code: 'category_required',
  status: 400,
  title: 'Category required',
}) {
  constructor() {
    super({ detail: 'No single provider category allows these benefit types; send `category`.' });
  }
}

export class MealPriceNotApplicable extends defineProblem({
  code: 'meal_price_not_applicable',
  status: 400,
  title: 'Meal price not applicable',
}) {
  constructor() {
    super({ detail: 'A meal price is only set for providers that redeem lunch.' });
  }
}

export class MealPriceAboveCap extends defineProblem({
  code: 'meal_price_above_cap',
  status: 422,
  title: 'Meal price above the city cap',
}) {
  constructor(capCents: number) {
    super({
      detail: `The meal price exceeds the city's cap of ${capCents} cents.`,
      extensions: { mealPriceCapCents: capCents },
    });
  }
}

export class MealPriceExists extends defineProblem({
  code: 'meal_price_exists',
  status: 409,
  title: 'Meal price exists',
}) {
  constructor(validFrom: string) {
    super({
      detail: `A meal price from ${validFrom} exists already; prices are append-only, choose another start date.`,
    });
  }
}

export class ProviderStatusConflict extends defineProblem({
  code: 'provider_status_conflict',
  status: 409,
  title: 'Conflict',
}) {
  constructor(status: string, action: string) {
    super({ detail: `A provider with status ${status} cannot be ${action}.` });
  }
}

export class ProviderNotFound extends defineProblem({ code: 'provider_not_found', status: 404, title: 'Not found' }) {
  constructor(detail = 'The provider was not found.') {
    super({ detail });
  }
}

export const providerNotFound = () => new ProviderNotFound();

export class MealPriceProposalNotPending extends defineProblem({
  code: 'meal_price_proposal_not_pending',
  status: 409,
  title: 'Conflict',
}) {
  constructor(status: string) {
    super({ detail: `This meal price proposal is ${status} already.` });
  }
}

export class MealPriceDateInPast extends defineProblem({
  code: 'meal_price_date_in_past',
  status: 400,
  title: 'Start date in the past',
}) {
  constructor(today: string) {
    super({
      detail: `A proposed meal price applies from today (${today}) or later.`,
      errors: [{ pointer: '/validFrom', detail: 'today or later' }],
    });
  }
}
