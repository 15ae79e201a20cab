import type { Database } from '@tk/db';
import { type Actor, audit } from '../../lib/audit.ts';
import { type CounterState, createFailureCounter } from '../../lib/throttle.ts';
import { TerminalThrottled } from './terminal.errors.ts';

export interface CodeFailureThrottleOptions {
  /** Failed codes (invalid or unknown) one terminal user may send per window. */
  perUser: number;
  /** Failed codes all users of one provider together may send per window. */
  perProvider: number;
  windowSeconds: number;
}

/**
 * Card numbers must not be guessable by trying (domain.md): besides the general per-user limit, a
 * terminal user who sends more than `perUser` invalid or unknown card codes within the window, or the
 * users of one provider who together send more than `perProvider`, are refused every lookup and booking
 * (429 `rate_limited`, `Retry-After`) until the window passes. The provider count means a provider admin
 * cannot multiply the allowance by creating staff accounts (issue 10, finding 9). All requests are
 * refused, not only failing ones, so a 429 never tells a hit from a miss. The counters live in
 * PostgreSQL (`rate_limits`, ADR 0020): shared by every replica, kept across restarts. Each failure and
 * the moment a limit trips are audited.
 *
 * The booking path pays no query for this: each process keeps the last state it read or wrote per key,
 * a clean one for `CLEAN_STATE_MS`, a blocked one until its window ends. Every miss is counted in
 * PostgreSQL and refused from the authoritative count once over the limit, on any replica; only a hit on
 * another replica may pass during the first `CLEAN_STATE_MS` after the limit tripped.
 */
export const CLEAN_STATE_MS = 2000;
export function createCodeFailureThrottle(database: Database, options: CodeFailureThrottleOptions) {
  const windowSeconds = options.windowSeconds;
  const perUser = createFailureCounter(database, { name: 'code-user', limit: options.perUser, windowSeconds });
  const perProvider = createFailureCounter(database, {
    name: 'code-provider',
    limit: options.perProvider,
    windowSeconds,
  });
  const scopes = (actor: Actor) =>
    [
      { scope: 'user', counter: perUser, key: actor.userId, limit: options.perUser },
      { scope: 'provider', counter: perProvider, key: actor.providerId, limit: options.perProvider },
    ].filter((s): s is typeof s & { key: string } => Boolean(s.key));
  const over = (states: { state: CounterState | null; limit: number }[]) =>
    states.filter((s): s is { state: CounterState; limit: number } => s.state !== null && s.state.failures > s.limit);
  const refusal = (states: { state: CounterState }[]) =>
    new TerminalThrottled(Math.max(...states.map((s) => s.state.retryAfterSeconds)));
  // Monotonic process time, not business time: how long a state read from PostgreSQL may be trusted.
  const known = new Map<string, { until: number; state: CounterState | null }>();
  const remember = (key: string, limit: number, state: CounterState | null) => {
    const blocked = state !== null && state.failures > limit;
    const until = performance.now() + (blocked ? state.retryAfterSeconds * 1000 : CLEAN_STATE_MS);
    known.set(key, { until, state });
    return state;
  };
  const stateOf = async (s: ReturnType<typeof scopes>[number]) => {
    const cacheKey = `${s.scope}:${s.key}`;
    const cached = known.get(cacheKey);
    if (cached && cached.until > performance.now()) return cached.state;
    return remember(cacheKey, s.limit, await s.counter.state(s.key));
  };

  return {
    /** Throws 429 while this user or its provider is over the limit. */
    async assertAllowed(actor: Actor): Promise<void> {
      const states = await Promise.all(scopes(actor).map(async (s) => ({ state: await stateOf(s), limit: s.limit })));
      const blocked = over(states);
      if (blocked.length > 0) throw refusal(blocked);
    },

    /** Counts one invalid/unknown code; returns the 429 to answer with once a limit is exceeded. */
    async recordFailure(actor: Actor, operation: string, code: string): Promise<TerminalThrottled | null> {
      await audit(database.db, actor, {
        action: 'terminal.invalid_code',
        entityType: 'user',
        entityId: actor.userId,
        data: { operation, code, ...(actor.providerId ? { providerId: actor.providerId } : {}) },
      });
      const states = await Promise.all(
        scopes(actor).map(async (s) => {
          const state = await s.counter.fail(s.key);
          remember(`${s.scope}:${s.key}`, s.limit, state);
          return { ...s, state };
        }),
      );
      for (const s of states) {
        // Exactly one request sees the count step over the limit (the store's upsert is atomic).
        if (s.state.failures !== s.limit + 1) continue;
        await audit(database.db, actor, {
          action: 'terminal.throttled',
          entityType: s.scope,
          entityId: s.key,
          data: { operation, scope: s.scope, failures: s.state.failures, windowSeconds },
        });
      }
      const blocked = over(states);
      return blocked.length > 0 ? refusal(blocked) : null;
    },
  };
}

export type CodeFailureThrottle = ReturnType<typeof createCodeFailureThrottle>;
