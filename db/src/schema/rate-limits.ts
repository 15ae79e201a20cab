import { bigint, index, integer, pgTable, varchar } from 'drizzle-orm/pg-core';

/**
 * Counters of rate-limiter-flexible's PostgreSQL store (`RateLimiterPostgres`, ADR 0020): login
 * failures per account and per address, card-code misses per provider, declines per card and provider.
 * Shared by every replica and kept across restarts. The layout is the library's own (it is told the table
 * exists); `expire` is epoch milliseconds, rows past it are dead and deleted by the library and retention.
 */
export const rateLimits = pgTable(
  'rate_limits',
  {
    key: varchar({ length: 255 }).primaryKey(),
    points: integer().notNull().default(0),
    expire: bigint({ mode: 'number' }),
  },
  (t) => [index('rate_limits_expire_idx').on(t.expire)],
);
