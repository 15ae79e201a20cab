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

/** The provider already has as many active staff accounts as the city allows (`maxStaffPerProvider`). */
export class StaffLimitReached extends defineProblem({
  code: 'staff_limit_reached',
  status: 409,
  title: 'Staff limit reached',
}) {
  constructor(limit: number) {
    super({
      detail: `This provider already has ${limit} active staff accounts, the most the city allows; deactivate one first.`,
      extensions: { limit },
    });
  }
}
