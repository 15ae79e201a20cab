import type { Database } from '@tk/db';
import { cards } from '@tk/db';
import { eq } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { type Actor, audit } from '../../lib/audit.ts';
import { RateLimited } from '../../lib/problems.ts';
import { createFailureCounter } from '../../lib/throttle.ts';

/** Declines whose reason depends on the child's data (age, revocation, budget, dates): the oracle's answers. */
const ORACLE_CODES = new Set([
  'approval_not_active',
  'insufficient_budget',
  'service_date_invalid',
  'already_redeemed_today',
  'not_redeemable_here',
]);

export interface DeclineThrottleOptions {
  /** Declines of one card at one provider within the window; from the next on, 429 instead of the reason. */
  limit: number;
  windowSeconds: number;
}

/**
 * The decline oracle (issue 10, finding 8): by bisecting `serviceDate` with an amount far above the budget,
 * a provider could read a child's 18th birthday or revocation date from the change of decline reason. Declines
 * of one card at one provider are counted in PostgreSQL (shared by replicas); over the limit every further
 * decline answers 429 `rate_limited` (no reason), and the moment it trips is audited. Successful bookings
 * cost nothing extra: the card is resolved and counted only when a booking is declined.
 */
/** `options.limit` comes from the config (`DECLINES_PER_CARD_PER_DAY`, default 10). */
export function createDeclineThrottle(database: Database, options: DeclineThrottleOptions) {
  const counter = createFailureCounter(database, {
    name: 'decline',
    limit: options.limit,
    windowSeconds: options.windowSeconds,
  });

  /** The card a terminal code names (number or QR token) — for keying only; the booking path verified it. */
  async function cardIdOf(code: string): Promise<string | null> {
    const digits = code.replace(/\s/g, '');
    if (/^\d{16}$/.test(digits)) {
      const [row] = await database.db.select({ id: cards.id }).from(cards).where(eq(cards.cardNumber, digits));
      return row?.id ?? null;
    }
    try {
      const c = decodeJwt(code).c;
      return typeof c === 'string' ? c : null;
    } catch {
      return null;
    }
  }

  return {
    /**
     * Called with a booking's problem: counts an oracle decline and returns the 429 to answer instead once the
     * limit is passed; otherwise the problem itself.
     */
    async onDecline<P extends { code: string }>(problem: P, code: string, actor: Actor): Promise<P | RateLimited> {
      if (!ORACLE_CODES.has(problem.code) || !actor.providerId) return problem;
      const cardId = await cardIdOf(code);
      if (!cardId) return problem;
      const state = await counter.fail(`${actor.providerId}:${cardId}`);
      if (state.failures <= options.limit) return problem;
      if (state.failures === options.limit + 1) {
        await audit(database.db, actor, {
          action: 'terminal.declines_throttled',
          entityType: 'card',
          entityId: cardId,
          data: { providerId: actor.providerId, declines: state.failures, windowSeconds: options.windowSeconds },
        });
      }
      return new RateLimited(
        state.retryAfterSeconds,
        `Too many declined bookings for this card; try again in ${state.retryAfterSeconds} s.`,
      );
    },
  };
}
