/** A PostgreSQL error as both drivers expose it (SQLSTATE `code`, and the violated `constraint`). */
export interface PgError {
  code: string;
  constraint?: string;
}

/** The PostgreSQL error beneath drizzle's wrapper (the driver's error may sit in `cause`), or null. */
export function pgErrorOf(err: unknown): PgError | null {
  let current: unknown = err;
  for (let depth = 0; current && depth < 4; depth++) {
    const e = current as Partial<PgError> & { cause?: unknown };
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e as PgError;
    current = e.cause;
  }
  return null;
}

/** 23505: a unique index refused the row (optionally: that index). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = pgErrorOf(err);
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/** 23514: a CHECK constraint refused the row (optionally: that constraint). */
export function isCheckViolation(err: unknown, constraint?: string): boolean {
  const e = pgErrorOf(err);
  return e?.code === '23514' && (constraint === undefined || e.constraint === constraint);
}
