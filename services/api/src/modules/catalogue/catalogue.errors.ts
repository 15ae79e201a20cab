import { Problem } from '@tk/core';

export class UnknownBenefitType extends Problem {
  constructor(code: string) {
    super({
      status: 400,
      code: 'unknown_benefit_type',
      title: 'Unknown benefit type',
      detail: `The benefit type ${code} is not in the catalogue.`,
    });
  }
}

export class RateNotAfterLatest extends Problem {
  constructor(latest: string) {
    super({
      status: 409,
      code: 'rate_not_after_latest',
      title: 'Rates are append-only',
      detail: `A new rate must start after the latest one (${latest}); existing rates are never changed.`,
    });
  }
}
