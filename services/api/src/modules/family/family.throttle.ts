import { createHash } from 'node:crypto';
import { type DbOrTx, familyAccessFailures, LOCK_NAMESPACES } from '@tk/db';
import { and, desc, eq, gt, lt, or, sql } from 'drizzle-orm';

/**
 * Throttle of getFamilyBalance (api-v1.md): after 5 failures for one card number, or 20 from one
 * address, within an hour, every attempt there is refused (429), even with the right code, until the
 * window has passed. Counts live in PostgreSQL (`family_access_failures`) so all replicas share them;
 * the window is measured with the database clock.
 */
export const FAMILY_THROTTLE = { perCard: 5, perAddress: 20, windowSeconds: 3600 } as const;

export interface ThrottleKeys {
  card: string;
  address: string;
}

const digest = (value: string) => createHash('sha256').update(value).digest('base64url');

export function throttleKeys(cardNumber: string, address: string): ThrottleKeys {
  return { card: digest(`card:${cardNumber}`), address: digest(`address:${address}`) };
}

const windowStart = sql`now() - make_interval(secs => ${FAMILY_THROTTLE.windowSeconds})`;

/**
 * Serialises attempts on one card number inside `tx` (a transaction-scoped advisory lock), so
 * concurrent guesses cannot all pass the count before any failure is written.
 */
export async function lockCardKey(tx: DbOrTx, keys: ThrottleKeys): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${LOCK_NAMESPACES.familyCard}, hashtext(${keys.card}))`);
}

/**
 * Seconds until an attempt may be made again, or null when it is within the limits. A scope is over
 * its limit while its `limit`-th newest failure lies inside the window; the wait ends when that one
 * leaves it.
 */
export async function throttledFor(tx: DbOrTx, keys: ThrottleKeys): Promise<number | null> {
  let wait: number | null = null;
  for (const [scope, key, limit] of [
    ['card', keys.card, FAMILY_THROTTLE.perCard],
    ['address', keys.address, FAMILY_THROTTLE.perAddress],
  ] as const) {
    const [row] = await tx
      .select({
        seconds: sql<number>`greatest(1, ceil(extract(epoch from ${familyAccessFailures.at} + make_interval(secs => ${FAMILY_THROTTLE.windowSeconds}) - now())))::int`,
      })
      .from(familyAccessFailures)
      .where(
        and(
          eq(familyAccessFailures.scope, scope),
          eq(familyAccessFailures.key, key),
          gt(familyAccessFailures.at, windowStart),
        ),
      )
      .orderBy(desc(familyAccessFailures.at))
      .offset(limit - 1)
      .limit(1);
    if (row) wait = Math.max(wait ?? 0, Number(row.seconds));
  }
  return wait;
}

/** Counts one failure for the card number and the address, and forgets their failures older than the window. */
export async function recordFailure(tx: DbOrTx, keys: ThrottleKeys): Promise<void> {
  await tx.insert(familyAccessFailures).values([
    { scope: 'card', key: keys.card },
    { scope: 'address', key: keys.address },
  ]);
  await tx
    .delete(familyAccessFailures)
    .where(
      and(
        or(eq(familyAccessFailures.key, keys.card), eq(familyAccessFailures.key, keys.address)),
        lt(familyAccessFailures.at, windowStart),
      ),
    );
}
