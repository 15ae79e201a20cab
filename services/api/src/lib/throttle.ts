import type { Database } from '@tk/db';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Counters shared by every replica and kept across restarts (ADR 0020): rate-limiter-flexible's
 * PostgreSQL store on the `rate_limits` table of our migrations. The library talks to a `pg`-style
 * client (`query({text, values})` → `{rows, rowCount}`); this adapter gives it our `Database.query`,
 * so the same code runs on the `pg` pool and on PGlite.
 */
function storeClient(database: Database) {
  return {
    async query(q: { text: string; values?: unknown[] }) {
      const result = (await database.query(q.text, q.values)) as {
        rows: unknown[];
        rowCount?: number | null;
        affectedRows?: number;
      };
      const rowCount =
        typeof result.rowCount === 'number' ? result.rowCount : result.rows.length || result.affectedRows;
      return { rows: result.rows, rowCount: rowCount ?? 0 };
    },
  };
}

export interface FailureCounterOptions {
  /** Prefix of every key of this counter (`login-account`, `decline`, …). */
  name: string;
  /** Failures allowed within the window; the next request is refused. */
  limit: number;
  windowSeconds: number;
}

export interface CounterState {
  failures: number;
  /** Seconds until the window of this key has passed (≥ 1). */
  retryAfterSeconds: number;
}

/** A failure counter in PostgreSQL: count failures, ask whether a key is over its limit. */
export function createFailureCounter(database: Database, options: FailureCounterOptions) {
  const limiter = new RateLimiterPostgres({
    storeClient: storeClient(database),
    storeType: 'pool',
    tableName: 'rate_limits',
    tableCreated: true,
    keyPrefix: options.name,
    points: options.limit,
    duration: options.windowSeconds,
  });
  const stateOf = (res: RateLimiterRes): CounterState => ({
    failures: res.consumedPoints,
    retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
  });
  return {
    limit: options.limit,
    /** The state of `key` when it has reached its limit, else null. */
    async blocked(key: string): Promise<CounterState | null> {
      const res = await limiter.get(key);
      return res && res.consumedPoints >= options.limit ? stateOf(res) : null;
    },
    /** The failures of `key` in its current window, or null when there are none. */
    async state(key: string): Promise<CounterState | null> {
      const res = await limiter.get(key);
      return res && res.consumedPoints > 0 ? stateOf(res) : null;
    },
    /** Counts one failure of `key` and returns the new state. */
    async fail(key: string): Promise<CounterState> {
      const res = await limiter.penalty(key, 1);
      return stateOf(res);
    },
  };
}

export type FailureCounter = ReturnType<typeof createFailureCounter>;
export { RateLimiterRes };
