import { defineProblem } from '@tk/core';
import { TooManyAttempts } from '../../lib/problems.ts';

/** The same answer for a wrong card number and a wrong code, so neither can be probed alone. */
export class FamilyAccessDenied extends defineProblem({
  code: 'family_access_denied',
  status: 404,
  title: 'Card number or access code wrong',
}) {
  constructor() {
    super({ detail: 'The card number or the access code is not right. Check both as printed in the letter.' });
  }
}

export class FamilyTooManyAttempts extends TooManyAttempts {
  constructor(retryAfterSeconds: number) {
    super(retryAfterSeconds, `Too many wrong attempts; try again in ${Math.ceil(retryAfterSeconds / 60)} min.`);
  }
}
