import { defineProblem } from '@tk/core';

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
