import { Problem } from '@tk/core';

/** The same answer for a wrong card number and a wrong code, so neither can be probed alone. */
export class FamilyAccessDenied extends Problem {
  constructor() {
    super({
      status: 404,
      code: 'family_access_denied',
      title: 'Card number or access code wrong',
      detail: 'The card number or the access code is not right. Check both as printed in the letter.',
    });
  }
}

export class FamilyTooManyAttempts extends Problem {
  constructor(retryAfterSeconds: number) {
    super({
      status: 429,
      code: 'too_many_attempts',
      title: 'Too many attempts',
      detail: `Too many wrong attempts; try again in ${Math.ceil(retryAfterSeconds / 60)} min.`,
      extensions: { retryAfterSeconds },
    });
  }
}
