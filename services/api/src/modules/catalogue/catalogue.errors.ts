import { defineProblem } from '@tk/core';

export class UnknownBenefitType extends defineProblem({
  code: 'unknown_benefit_type',
  status: 400,
  title: 'Unknown benefit type',
}) {
  constructor(code: string) {
    super({ detail: `The benefit type ${code} is not in the catalogue.` });
  }
}

export class RateNotAfterLatest extends defineProblem({
  code: 'rate_not_after_latest',
  status: 409,
  title: 'Rates are append-only',
}) {
  constructor(latest: string) {
    super({ detail: `A new rate must start after the latest one (${latest}); existing rates are never changed.` });
  }
}
