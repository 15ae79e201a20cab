import { type BenefitType, berlinDate, type Clock, displayNameOf, lastBookingDay } from '@tk/core';
import {
  approvals,
  beneficiaries,
  cards,
  citySettings,
  type DbOrTx,
  familyAccessCodes,
  providers,
  readTogether,
  redemptions,
} from '@tk/db';
import { and, desc, eq, lte } from 'drizzle-orm';
import { type Actor, audit } from '../../lib/audit.ts';
import { TooManyAttempts } from '../../lib/problems.ts';
import { recordReads } from '../privacy/access-log.service.ts';

import { familyCodeMatches } from './family.codes.ts';

export { type NewFamilyCode, newFamilyCode, revokeFamilyCode, storeFamilyCode } from './family.codes.ts';

import { FamilyAccessDenied } from './family.errors.ts';
import type { FamilyBalance } from './family.schemas.ts';
import { lockCardKey, recordFailure, throttledFor, throttleKeys } from './family.throttle.ts';

export const RECENT_REDEMPTIONS = 10;

/** Who reads, for the audit log: nobody signed in, the request and the (hashed) address. */
export const familyActor = (requestId: string | null): Actor => ({
  userId: null,
  role: 'family',
  providerId: null,
  requestId,
});

type Outcome = { ok: true; balance: FamilyBalance } | { ok: false; retryAfterSeconds?: number };

/**
 * The family's own view of the child's card (public, no token): display name, card status, current
 * entitlements with balance and period end, lunch today, the last bookings. A wrong card number and a
 * wrong code give the same 404 `family_access_denied` after the same scrypt work; after 5 failures
 * for one card number or 20 from one address within an hour → 429 `too_many_attempts`, even with the
 * right code. Failures are audited; a success is recorded by the read audit (the child's access log).
 */
export async function getFamilyBalance(
  db: DbOrTx,
  clock: Clock,
  input: { cardNumber: string; accessCode: string },
  client: { address: string; requestId: string | null },
): Promise<FamilyBalance> {
  const cardNumber = input.cardNumber.replace(/[\s-]/g, '');
  const keys = throttleKeys(cardNumber, client.address);
  const actor = familyActor(client.requestId);
  const outcome = await db.transaction(async (tx): Promise<Outcome> => {
    await lockCardKey(tx, keys);
    const [card] = /^\d{16}$/.test(cardNumber)
      ? await tx
          .select({
            id: cards.id,
            status: cards.status,
            beneficiaryId: cards.beneficiaryId,
            hash: familyAccessCodes.codeHash,
          })
          .from(cards)
          .leftJoin(familyAccessCodes, eq(familyAccessCodes.cardId, cards.id))
          .where(eq(cards.cardNumber, cardNumber))
      : [];
    const retryAfterSeconds = await throttledFor(tx, keys);
    if (retryAfterSeconds !== null) {
      await audit(tx, actor, { action: 'family.throttled', entityType: 'card', entityId: card?.id ?? null });
      return { ok: false, retryAfterSeconds };
    }
    const matches = await familyCodeMatches(input.accessCode, card?.hash ?? null);
    if (!card || !matches || card.status === 'replaced') {
      await recordFailure(tx, keys);
      await audit(tx, actor, {
        action: 'family.access_denied',
        entityType: 'card',
        entityId: card?.id ?? null,
        data: { reason: card ? 'wrong_code' : 'unknown_card' },
      });
      return { ok: false };
    }
    const balance = await balanceOf(tx, clock, card);
    // The read audit owns reads of a child's data: the family's look shows in the child's access log.
    await recordReads(tx, actor, clock, 'family_balance', [card.beneficiaryId]);
    return { ok: true, balance };
  });
  if (outcome.ok) return outcome.balance;
  if (outcome.retryAfterSeconds !== undefined) throw new TooManyAttempts(outcome.retryAfterSeconds);
  throw new FamilyAccessDenied();
}

type ApprovalRow = typeof approvals.$inferSelect;

/**
 * The approvals a family is told about: not revoked by `today` and still bookable (today is not past
 * the period's end plus the grace period), in the order they end. Upcoming ones are the caller's choice.
 */
export function currentApprovals(rows: ApprovalRow[], today: string, gracePeriodMonths: number) {
  return rows
    .filter((a) => today <= lastBookingDay(a.validTo, gracePeriodMonths))
    .filter((a) => !a.revokedFrom || a.revokedFrom > today)
    .map((a) => ({ ...a, benefitType: a.benefitType as BenefitType }));
}

/** The child's approvals that started by `today` (or all, with `upcoming`), for `currentApprovals`. */
export function approvalsOfChild(tx: DbOrTx, beneficiaryId: string, today: string, upcoming = false) {
  return tx
    .select()
    .from(approvals)
    .where(
      upcoming
        ? eq(approvals.beneficiaryId, beneficiaryId)
        : and(eq(approvals.beneficiaryId, beneficiaryId), lte(approvals.validFrom, today)),
    )
    .orderBy(approvals.validTo, approvals.id);
}

async function balanceOf(
  tx: DbOrTx,
  clock: Clock,
  card: { id: string; status: 'active' | 'blocked' | 'replaced'; beneficiaryId: string },
): Promise<FamilyBalance> {
  const today = berlinDate(clock.now());
  const [[child], [settings], approvalRows, lunchesToday, recent] = await readTogether(tx, [
    () =>
      tx
        .select({ givenName: beneficiaries.givenName, familyName: beneficiaries.familyName })
        .from(beneficiaries)
        .where(eq(beneficiaries.id, card.beneficiaryId)),
    () => tx.select().from(citySettings).where(eq(citySettings.id, 1)),
    () => approvalsOfChild(tx, card.beneficiaryId, today),
    () =>
      tx
        .select({ id: redemptions.id })
        .from(redemptions)
        .where(
          and(
            eq(redemptions.beneficiaryId, card.beneficiaryId),
            eq(redemptions.serviceDate, today),
            eq(redemptions.benefitType, 'lunch'),
            eq(redemptions.status, 'booked'),
          ),
        ),
    () =>
      tx
        .select({
          serviceDate: redemptions.serviceDate,
          benefitType: redemptions.benefitType,
          amountCents: redemptions.amountCents,
          providerName: providers.name,
          status: redemptions.status,
        })
        .from(redemptions)
        .innerJoin(providers, eq(providers.id, redemptions.providerId))
        .where(eq(redemptions.beneficiaryId, card.beneficiaryId))
        .orderBy(desc(redemptions.serviceDate), desc(redemptions.bookedAt))
        .limit(RECENT_REDEMPTIONS),
  ]);
  const entitlements: FamilyBalance['entitlements'] = [];
  for (const a of currentApprovals(approvalRows, today, settings?.gracePeriodMonths ?? 0)) {
    if (a.benefitType === 'lunch') {
      const open =
        card.status === 'active' && a.validTo >= today && lunchesToday.length < (settings?.lunchMealsPerDay ?? 1);
      entitlements.push({ benefitType: a.benefitType, validTo: a.validTo, lunchAvailableToday: open });
    } else if (a.remainingCents !== null) {
      entitlements.push({ benefitType: a.benefitType, validTo: a.validTo, availableCents: a.remainingCents });
    } else {
      entitlements.push({ benefitType: a.benefitType, validTo: a.validTo });
    }
  }
  return {
    holder: { displayName: displayNameOf(child?.givenName ?? '', child?.familyName ?? '') },
    card: { status: card.status },
    entitlements,
    recentRedemptions: recent.map((r) => ({ ...r, benefitType: r.benefitType as BenefitType })),
  };
}
