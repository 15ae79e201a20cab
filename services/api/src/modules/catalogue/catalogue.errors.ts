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

export class LogoUnsupported extends defineProblem({
  code: 'logo_unsupported',
  status: 400,
  title: 'Logo not accepted',
}) {
  constructor(detail = 'The logo must be a PNG or an SVG file.') {
    super({ detail });
  }
}

export class LogoTooLarge extends defineProblem({
  code: 'logo_too_large',
  status: 400,
  title: 'Logo too large',
}) {
  constructor(detail: string) {
    super({ detail });
  }
}
