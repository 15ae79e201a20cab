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

/** What identifies a problem: its stable code, its HTTP status and its short title. */
export interface ProblemSpec {
  readonly code: string;
  readonly status: number;
  readonly title: string;
}

/** What one occurrence of a problem adds: a sentence to act on, field errors, extra members. */
export type ProblemDetails = Omit<ProblemInit, keyof ProblemSpec>;

const catalogue = new Map<string, ProblemSpec>();

/**
 * Defines a problem once: returns the base class for it (`class X extends defineProblem({...})`).
 * Every code is defined exactly once in the process; a second definition of the same code throws at
 * start, so two areas can never give one code two meanings. docs/api/problems.md is generated from
 * this catalogue.
 */
export function defineProblem(spec: ProblemSpec) {
  if (catalogue.has(spec.code)) throw new Error(`problem code ${spec.code} is defined twice`);
  catalogue.set(spec.code, spec);
  return class DefinedProblem extends Problem {
    static readonly spec = spec;
    constructor(details: ProblemDetails = {}) {
      super({ ...spec, ...details });
    }
  };
}

/** Every problem defined so far (the API's catalogue once its modules are loaded), by status and code. */
export function problemCatalogue(): ProblemSpec[] {
  return [...catalogue.values()].sort((a, b) => a.status - b.status || a.code.localeCompare(b.code));
}
