import type { Db } from '@tk/db';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { type Actor, audit } from '../../lib/audit.ts';
import { TerminalThrottled } from './terminal.errors.ts';

export interface CodeFailureThrottleOptions {
  /** Failed codes (invalid or unknown) a user may send per window. */
  points: number;
  durationSeconds: number;
}

export const DEFAULT_CODE_FAILURE_LIMIT: CodeFailureThrottleOptions = { points: 10, durationSeconds: 600 };

/**
 * Card numbers must not be guessable by trying (domain.md): besides the general per-user limit,
 * a terminal user who sends more than `points` invalid or unknown card codes within the window is
 * refused every lookup and booking (429 `rate_limited`, `Retry-After`) until the window passes.
 * All requests are refused, not only failing ones, so a 429 never tells a hit from a miss.
 * Counters are per process like the general limiter (ADR 0006); each failure and the moment the
 * limit trips are audited.
 */
export function createCodeFailureThrottle(db: Db, options: CodeFailureThrottleOptions = DEFAULT_CODE_FAILURE_LIMIT) {
  const limiter = new RateLimiterMemory({ points: options.points, duration: options.durationSeconds });
  const keyOf = (actor: Actor) => `terminal-code:${actor.userId}`;
  const retryAfter = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

  return {
    /** Throws 429 while this user is over the limit. */
    async assertAllowed(actor: Actor): Promise<void> {
      const res = await limiter.get(keyOf(actor));
      if (res && res.consumedPoints > options.points) throw new TerminalThrottled(retryAfter(res));
    },

    /** Counts one invalid/unknown code; returns the 429 to answer with once the limit is exceeded. */
    async recordFailure(actor: Actor, operation: string, code: string): Promise<TerminalThrottled | null> {
      await audit(db, actor, {
        action: 'terminal.invalid_code',
        entityType: 'user',
        entityId: actor.userId,
        data: { operation, code },
      });
      try {
        await limiter.consume(keyOf(actor));
        return null;
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        if (rejection.consumedPoints === options.points + 1) {
          await audit(db, actor, {
            action: 'terminal.throttled',
            entityType: 'user',
            entityId: actor.userId,
            data: { operation, failures: rejection.consumedPoints, windowSeconds: options.durationSeconds },
          });
        }
        return new TerminalThrottled(retryAfter(rejection));
      }
    },
  };
}

export type CodeFailureThrottle = ReturnType<typeof createCodeFailureThrottle>;
