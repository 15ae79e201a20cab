/**
 * RFC 9457 problem details. Every expected failure a client must tell apart is a `Problem`
 * with a stable snake_case `code`; the API's error handler turns it into `application/problem+json`.
 */
export interface ProblemInit {
  status: number;
  code: string;
  title: string;
  detail?: string;
  /** Validation errors: JSON pointers into the request and a sentence each. */
  errors?: { pointer: string; detail: string }[];
  /** Extra members a client may use (e.g. `availableCents`). */
  extensions?: Record<string, unknown>;
}

export class Problem extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: { pointer: string; detail: string }[] | undefined;
  readonly extensions: Record<string, unknown> | undefined;

  constructor(init: ProblemInit) {
    super(init.detail ?? init.title);
    this.name = 'Problem';
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail;
    this.errors = init.errors;
    this.extensions = init.extensions;
  }

  /** The stable `type` URI; its slug names the problem (documented in docs/api/problems.md). */
  get type(): string {
    return problemType(this.code);
  }
}

export function problemType(code: string): string {
  return `https://teilhabekarte.de/problems/${code.replaceAll('_', '-')}`;
}

/** Problems shared by every area. Area-specific ones live in each module's `*.errors.ts`. */
export const notFound = (what: string, code = 'not_found') =>
  new Problem({ status: 404, code, title: 'Not found', detail: `${what} was not found.` });

export const forbidden = (detail = 'Your role may not perform this operation.') =>
  new Problem({ status: 403, code: 'forbidden', title: 'Forbidden', detail });

export const conflict = (code: string, detail: string) => new Problem({ status: 409, code, title: 'Conflict', detail });

export const badRequest = (code: string, detail: string, errors?: ProblemInit['errors']) =>
  new Problem({ status: 400, code, title: 'Bad request', detail, ...(errors ? { errors } : {}) });
