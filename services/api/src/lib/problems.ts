import { defineProblem, type Problem } from '@tk/core';

/**
 * Problems every area can answer with (the platform's part of the catalogue, ADR 0002). Area
 * problems live in each module's `*.errors.ts`; every code is defined exactly once (`defineProblem`).
 */

export class ValidationFailed extends defineProblem({
  code: 'validation_failed',
  status: 400,
  title: 'Validation failed',
}) {
  constructor(
    errors: { pointer: string; detail: string }[],
    detail = 'The request does not match the schema; see errors.',
  ) {
    super({ detail, errors });
  }
}

/** An amount (or minutes, hours) is required for this benefit type: at the terminal and in an approval. */
export class AmountRequired extends defineProblem({ code: 'amount_required', status: 400, title: 'Amount required' }) {}

/**
 * Too many failed attempts (login, family access, provider self-registration), shared by the areas that
 * throttle guessing:
 * 429 with `retryAfterSeconds`, which the route also sends as `Retry-After`.
 */
export class TooManyAttempts extends defineProblem({
  code: 'too_many_attempts',
  status: 429,
  title: 'Too many attempts',
}) {
  constructor(
    readonly retryAfterSeconds: number,
    detail = `Too many wrong attempts; try again in ${Math.ceil(retryAfterSeconds / 60)} min.`,
  ) {
    super({ detail, extensions: { retryAfterSeconds } });
  }
}

export class BadRequest extends defineProblem({ code: 'bad_request', status: 400, title: 'Bad request' }) {}

export class MalformedJson extends defineProblem({ code: 'malformed_json', status: 400, title: 'Malformed JSON' }) {
  constructor(detail = 'The body is not valid JSON.') {
    super({ detail });
  }
}

export class Unauthenticated extends defineProblem({ code: 'unauthenticated', status: 401, title: 'Unauthenticated' }) {
  constructor(detail = 'A valid access token is required (Authorization: Bearer …); log in again.') {
    super({ detail });
  }
}

export class Forbidden extends defineProblem({ code: 'forbidden', status: 403, title: 'Forbidden' }) {
  constructor(detail = 'Your role may not perform this operation.') {
    super({ detail });
  }
}

export class NotFound extends defineProblem({ code: 'not_found', status: 404, title: 'Not found' }) {
  constructor(detail = 'Not found.') {
    super({ detail });
  }
}

/** The child (leistungsberechtigtes Kind) named by the request does not exist (casework, cards, imports). */
export class BeneficiaryNotFound extends defineProblem({
  code: 'beneficiary_not_found',
  status: 404,
  title: 'Not found',
}) {
  constructor() {
    super({ detail: 'The child was not found.' });
  }
}

export class MethodNotAllowed extends defineProblem({
  code: 'method_not_allowed',
  status: 405,
  title: 'Method not allowed',
}) {}
export class NotAcceptable extends defineProblem({ code: 'not_acceptable', status: 406, title: 'Not acceptable' }) {}
export class RequestTimeout extends defineProblem({ code: 'request_timeout', status: 408, title: 'Request timeout' }) {}

export class Conflict extends defineProblem({ code: 'conflict', status: 409, title: 'Conflict' }) {
  constructor(detail = 'The request conflicts with the current state; nothing was changed.') {
    super({ detail });
  }
}

/** The four-eyes principle: a second person must do this step (bank data approval, batch release). */
export class FourEyesRequired extends defineProblem({
  code: 'four_eyes_required',
  status: 409,
  title: 'Four eyes required',
}) {
  constructor(detail: string) {
    super({ detail });
  }
}

export class PayloadTooLarge extends defineProblem({
  code: 'payload_too_large',
  status: 413,
  title: 'Payload too large',
}) {}
export class UriTooLong extends defineProblem({ code: 'uri_too_long', status: 414, title: 'URI too long' }) {}

export class UnsupportedMediaType extends defineProblem({
  code: 'unsupported_media_type',
  status: 415,
  title: 'Unsupported media type',
}) {
  constructor(detail = 'Send application/json.') {
    super({ detail });
  }
}

export class UnprocessableContent extends defineProblem({
  code: 'unprocessable_content',
  status: 422,
  title: 'Unprocessable content',
}) {}

export class RateLimited extends defineProblem({ code: 'rate_limited', status: 429, title: 'Too many requests' }) {
  constructor(retryAfterSeconds: number, detail = `Too many requests; try again in ${retryAfterSeconds} s.`) {
    super({ detail, extensions: { retryAfterSeconds } });
  }
}

export class HeadersTooLarge extends defineProblem({
  code: 'headers_too_large',
  status: 431,
  title: 'Request header fields too large',
}) {}

export class InternalError extends defineProblem({
  code: 'internal_error',
  status: 500,
  title: 'Internal server error',
}) {
  constructor() {
    super({ detail: 'Something went wrong on our side. The request id identifies it in the logs.' });
  }
}

export class NotReady extends defineProblem({ code: 'not_ready', status: 503, title: 'Not ready' }) {
  constructor(detail: string) {
    super({ detail });
  }
}

/** The database cannot be reached (outage, restart, pool exhausted by a dead server): retry later. */
export class ServiceUnavailable extends defineProblem({
  code: 'service_unavailable',
  status: 503,
  title: 'Service unavailable',
}) {
  static readonly retryAfterSeconds = 5;
  constructor() {
    super({
      detail: `The database is not reachable at the moment; nothing was changed. Try again in ${ServiceUnavailable.retryAfterSeconds} s.`,
      extensions: { retryAfterSeconds: ServiceUnavailable.retryAfterSeconds },
    });
  }
}

/** A framework refusal (Fastify's own 4xx errors) as the catalogued problem of its status. */
export function problemForStatus(status: number, detail: string): Problem {
  switch (status) {
    case 401:
      return new Unauthenticated(detail);
    case 403:
      return new Forbidden(detail);
    case 404:
      return new NotFound(detail);
    case 405:
      return new MethodNotAllowed({ detail });
    case 406:
      return new NotAcceptable({ detail });
    case 408:
      return new RequestTimeout({ detail });
    case 409:
      return new Conflict(detail);
    case 413:
      return new PayloadTooLarge({ detail });
    case 414:
      return new UriTooLong({ detail });
    case 415:
      return new UnsupportedMediaType(detail);
    case 422:
      return new UnprocessableContent({ detail });
    case 429:
      return new RateLimited(60, detail);
    case 431:
      return new HeadersTooLarge({ detail });
    default:
      return new BadRequest({ detail });
  }
}
