import { Problem } from '@tk/core';

export class UsernameTaken extends Problem {
  constructor() {
    super({ status: 409, code: 'username_taken', title: 'Username taken', detail: 'This username is already in use.' });
  }
}

export class ProviderRequired extends Problem {
  constructor(role: string) {
    super({
      status: 400,
      code: 'provider_required',
      title: 'Provider required',
      detail: `The role ${role} needs a providerId; the other roles must not have one.`,
    });
  }
}
