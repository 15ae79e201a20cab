import { createHash } from 'node:crypto';
import { type Clock, newId, Problem } from '@tk/core';
import { type Db, providerRegistrationAttempts, providerRegistrations } from '@tk/db';
import { and, asc, eq, lt, sql } from 'drizzle-orm';
import type { Actor } from '../../lib/audit.ts';
import { hashPassword } from '../../lib/password.ts';
import { TooManyAttempts } from '../../lib/problems.ts';
import { insertUser } from '../users/users.service.ts';
import type { RegisterProviderInput } from './providers.schemas.ts';
import { checkNewProvider, insertProvider } from './providers.service.ts';

/** At most this many registrations per client address and window (api-v1 `registerProvider`). */
export const REGISTRATION_LIMIT = { attempts: 5, windowMs: 60 * 60 * 1000 };

const hashAddress = (address: string) => createHash('sha256').update(`provider-registration:${address}`).digest('hex');

/**
 * Counts one registration attempt of this address and throws 429 `too_many_attempts` beyond the
 * limit; returns the attempt's id. Committed on its own (before the registration), so concurrent
 * attempts on different replicas count one after the other (advisory lock per address).
 */
async function consumeAttempt(db: Db, address: string, clock: Clock): Promise<number> {
  const addressHash = hashAddress(address);
  const now = clock.now();
  const windowStart = new Date(now.getTime() - REGISTRATION_LIMIT.windowMs);
  const outcome = await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${addressHash}))`);
    await tx
      .delete(providerRegistrationAttempts)
      .where(
        and(
          eq(providerRegistrationAttempts.addressHash, addressHash),
          lt(providerRegistrationAttempts.attemptedAt, windowStart),
        ),
      );
    const recent = await tx
      .select({ attemptedAt: providerRegistrationAttempts.attemptedAt })
      .from(providerRegistrationAttempts)
      .where(eq(providerRegistrationAttempts.addressHash, addressHash))
      .orderBy(asc(providerRegistrationAttempts.attemptedAt));
    if (recent.length >= REGISTRATION_LIMIT.attempts)
      return { throttled: true as const, oldest: recent[0]!.attemptedAt };
    const [attempt] = await tx
      .insert(providerRegistrationAttempts)
      .values({ addressHash, attemptedAt: now })
      .returning({ id: providerRegistrationAttempts.id });
    return { throttled: false as const, id: attempt!.id };
  });
  if (outcome.throttled) {
    const retryAfterMs = outcome.oldest.getTime() + REGISTRATION_LIMIT.windowMs - now.getTime();
    const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    throw new TooManyAttempts(
      retryAfterSeconds,
      `Too many provider registrations from this address; try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`,
    );
  }
  return outcome.id;
}

/**
 * A provider registers itself (api-v1 `registerProvider`): the provider (`pending`) and its first
 * `provider_admin` (inactive until approval) are written in one transaction, so a refused
 * registration leaves nothing behind. The new admin counts as the changer of the bank data, so any
 * city admin may approve it. Every attempt but a refused input (400) counts toward the limit per
 * address. Throws 429 `too_many_attempts`, 400 `invalid_iban`, `invalid_bic`,
 * `benefit_types_not_allowed`, `category_required`, 409 `username_taken`.
 */
export async function registerProvider(
  db: Db,
  input: RegisterProviderInput,
  request: { address: string; requestId: string },
  clock: Clock,
): Promise<{ id: string; status: 'pending' }> {
  const attemptId = await consumeAttempt(db, request.address, clock);
  try {
    return await writeRegistration(db, input, request.requestId);
  } catch (err) {
    // A form with a typo (400) does not use up the address's attempts; a taken username (409) does,
    // so the limit also bounds probing for usernames.
    if (err instanceof Problem && err.status === 400) {
      await db.delete(providerRegistrationAttempts).where(eq(providerRegistrationAttempts.id, attemptId));
    }
    throw err;
  }
}

async function writeRegistration(
  db: Db,
  input: RegisterProviderInput,
  requestId: string,
): Promise<{ id: string; status: 'pending' }> {
  const { category, iban, bic } = checkNewProvider(input);
  const passwordHash = await hashPassword(input.admin.password);
  const actor: Actor = { userId: null, role: 'anonymous', providerId: null, requestId };
  const providerId = newId('provider');
  const adminUserId = newId('user');
  await db.transaction(async (tx) => {
    await insertProvider(
      tx,
      {
        ...input,
        id: providerId,
        category,
        iban,
        bic,
        email: input.contact.email,
        phone: input.contact.phone,
        bankDataChangedBy: adminUserId,
      },
      actor,
      'provider.registered',
    );
    await insertUser(
      tx,
      {
        id: adminUserId,
        username: input.admin.username,
        passwordHash,
        role: 'provider_admin',
        providerId,
        active: false,
      },
      actor,
    );
    await tx.insert(providerRegistrations).values({ providerId, adminUserId });
  });
  return { id: providerId, status: 'pending' };
}
