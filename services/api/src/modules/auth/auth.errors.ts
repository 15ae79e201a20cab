import { defineProblem } from '@tk/core';

export class InvalidCredentials extends defineProblem({
  code: 'invalid_credentials',
  status: 401,
  title: 'Invalid credentials',
}) {
  constructor() {
    super({ detail: 'Username or password is wrong, or the account is deactivated.' });
  }
}

/** Login throttle (api-v1.md "Sessions, throttling and need-to-know"): per account and per address. */
export { TooManyAttempts } from '../../lib/problems.ts';
