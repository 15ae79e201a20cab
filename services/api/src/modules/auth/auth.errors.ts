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
