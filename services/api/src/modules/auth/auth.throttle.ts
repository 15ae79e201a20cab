import type { Database } from '@tk/db';
import type { Config } from '../../config.ts';
import { type Actor, audit } from '../../lib/audit.ts';
import { createFailureCounter } from '../../lib/throttle.ts';
import { TooManyAttempts } from './auth.errors.ts';

/**
 * The login throttles of the contract, in PostgreSQL (ADR 0020): after `failuresPerAccount` failed
 * logins of one username within the window, every login of that username is refused from any address,
 * even with the right password; after `failuresPerAddress` failures from one address (any usernames),
 * that address is refused. With the defaults (10 per 15 minutes) an account sees at most 40 failures an
 * hour (ASVS 2.2.1: ≤ 100). The moment a limit trips is audited (not every refused attempt: an attack
 * must not flood the audit log).
 */
export function createLoginThrottle(database: Database, login: Config['login']) {
  const windowSeconds = login.windowMinutes * 60;
  const perAccount = createFailureCounter(database, {
    name: 'login-account',
    limit: login.failuresPerAccount,
    windowSeconds,
  });
  const perAddress = createFailureCounter(database, {
    name: 'login-address',
    limit: login.failuresPerAddress,
    windowSeconds,
  });
  const accountKey = (username: string) => username.trim().toLowerCase();

  return {
    /** Throws 429 `too_many_attempts` while the username or the address is over its limit. */
    async assertAllowed(username: string, address: string): Promise<void> {
      const [account, origin] = await Promise.all([
        perAccount.blocked(accountKey(username)),
        perAddress.blocked(address),
      ]);
      const blocked = [account, origin].filter((s) => s !== null);
      if (blocked.length > 0) throw new TooManyAttempts(Math.max(...blocked.map((s) => s.retryAfterSeconds)));
    },

    /** Counts one failed login against the username and the address. */
    async recordFailure(username: string, address: string, requestId: string): Promise<void> {
      const [account, origin] = await Promise.all([perAccount.fail(accountKey(username)), perAddress.fail(address)]);
      const actor: Actor = { userId: null, role: 'anonymous', providerId: null, requestId };
      if (account.failures === perAccount.limit) {
        await audit(database.db, actor, {
          action: 'auth.throttled',
          entityType: 'login',
          entityId: null,
          data: { scope: 'account', failures: account.failures, windowSeconds },
        });
      }
      if (origin.failures === perAddress.limit) {
        await audit(database.db, actor, {
          action: 'auth.throttled',
          entityType: 'login',
          entityId: null,
          data: { scope: 'address', failures: origin.failures, windowSeconds },
        });
      }
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
