import { defineProblem } from '@tk/core';

export class UsernameTaken extends defineProblem({ code: 'username_taken', status: 409, title: 'Username taken' }) {
  constructor() {
    super({ detail: 'This username is already in use.' });
  }
}

export class ProviderRequired extends defineProblem({
  code: 'provider_required',
  status: 400,
  title: 'Provider required',
}) {
  constructor(role: string) {
    super({ detail: `The role ${role} needs a providerId; the other roles must not have one.` });
  }
}

export class UserNotFound extends defineProblem({ code: 'user_not_found', status: 404, title: 'Not found' }) {
  constructor() {
    super({ detail: 'The user was not found.' });
  }
}

export class CannotDeactivateSelf extends defineProblem({
  code: 'cannot_deactivate_self',
  status: 409,
  title: 'Conflict',
}) {
  constructor() {
    super({ detail: 'You cannot deactivate yourself.' });
  }
}
