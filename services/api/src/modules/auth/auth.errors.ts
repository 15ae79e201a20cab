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
