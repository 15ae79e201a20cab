import { Problem } from '@tk/core';

export class InvalidCredentials extends Problem {
  constructor() {
    super({
      status: 401,
      code: 'invalid_credentials',
      title: 'Invalid credentials',
      detail: 'Username or password is wrong, or the account is deactivated.',
    });
  }
}

/** Login throttle (api-v1.md "Sessions, throttling and need-to-know"): per account and per address. */
export class TooManyAttempts extends Problem {
  constructor(retryAfterSeconds: number) {
    super({
      status: 429,
      code: 'too_many_attempts',
      title: 'Too many attempts',
      detail: `Too many failed attempts; try again in ${retryAfterSeconds} s.`,
      extensions: { retryAfterSeconds },
    });
  }
}
