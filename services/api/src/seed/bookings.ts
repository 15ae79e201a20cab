import { addDays, berlinDate, type Clock, Problem, systemClock } from '@tk/core';
import { approvals, beneficiaries, cards, type Db, users } from '@tk/db';
import { and, eq, inArray, like } from 'drizzle-orm';
import { redeem, type TerminalActor } from '../modules/terminal/terminal.service.ts';
import { DEMO_PROVIDERS, DEMO_USERS } from './demo-data.ts';

type ProviderKey = keyof typeof DEMO_PROVIDERS;

/** Which demo terminal user books for which demo provider. */
const BOOKER: Record<ProviderKey, string> = {
  club: 'verein-kasse',
  canteen: 'mensa',
  tutor: 'lernstudio',
  school: 'schule',
};

const isWeekday = (date: string) => {
  const day = new Date(`${date}T12:00:00Z`).getUTCDay();
  return day !== 0 && day !== 6;
};

/**
 * Demo bookings for the demo children (case references `DEMO-…`) over the last days, booked through
 * the terminal service as the demo provider users, so accounting has data: club fees, canteen
 * lunches, tutoring sessions, a trip payment. Idempotency keys are derived from the booking, so a
 * second run replays instead of booking twice. Without demo children (or users) it does nothing;
 * a booking the rules refuse (e.g. dates outside the demo approvals) is skipped.
 * Returns the number of redemptions booked.
 */
export async function seedBookings(db: Db, clock: Clock = systemClock): Promise<number> {
  const children = await db
    .select({ id: beneficiaries.id, caseReference: beneficiaries.caseReference })
    .from(beneficiaries)
    .where(like(beneficiaries.caseReference, 'DEMO-%'))
    .orderBy(beneficiaries.caseReference);
  if (children.length === 0) return 0;

  const names = Object.values(BOOKER);
  const bookers = await db
    .select({ id: users.id, username: users.username, providerId: users.providerId })
    .from(users)
    .where(inArray(users.username, names));
  const actorFor = (provider: ProviderKey): TerminalActor | null => {
    const user = bookers.find((u) => u.username === BOOKER[provider]);
    const expected = DEMO_USERS.find((u) => u.username === BOOKER[provider])?.provider;
    if (!user?.providerId || expected !== provider) return null;
    return { userId: user.id, role: 'provider_staff', providerId: user.providerId, requestId: null };
  };

  const childIds = children.map((c) => c.id);
  const activeCards = await db
    .select({ beneficiaryId: cards.beneficiaryId, cardNumber: cards.cardNumber })
    .from(cards)
    .where(and(inArray(cards.beneficiaryId, childIds), eq(cards.status, 'active')));
  const grants = await db.select().from(approvals).where(inArray(approvals.beneficiaryId, childIds));

  const today = berlinDate(clock.now());
  const daysAgo = (n: number) => addDays(today, -n);
  /** The school days among the last `from..to` days. */
  const schoolDays = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => daysAgo(from + i)).filter(isWeekday);
  const deps = { clock };
  let booked = 0;

  const book = async (
    provider: ProviderKey,
    approval: typeof approvals.$inferSelect,
    serviceDate: string,
    extra: { amountCents?: number; minutes?: number },
  ) => {
    const actor = actorFor(provider);
    const card = activeCards.find((c) => c.beneficiaryId === approval.beneficiaryId);
    if (!actor || !card) return;
    try {
      const outcome = await redeem(
        db,
        deps,
        { code: card.cardNumber, approvalId: approval.id, serviceDate, ...extra },
        `seed:${approval.id}:${serviceDate}:${extra.amountCents ?? extra.minutes ?? 'meal'}`,
        actor,
      );
      if (!outcome.replayed) booked++;
    } catch (err) {
      // Demo data must never stop the start: a booking the rules refuse is simply left out.
      if (!(err instanceof Problem)) throw err;
    }
  };

  for (const [index, child] of children.entries()) {
    for (const approval of grants.filter((a) => a.beneficiaryId === child.id)) {
      switch (approval.benefitType) {
        case 'participation':
          // Monthly club fee and a course fee.
          await book('club', approval, daysAgo(8), { amountCents: 1500 });
          if (index % 2 === 0) await book('club', approval, daysAgo(3), { amountCents: 900 });
          break;
        case 'lunch':
          // Lunch on the school days of the last week; one child eats at the school some days.
          for (const [n, date] of schoolDays(1, 7).entries()) {
            const provider: ProviderKey =
              approval.providerId === DEMO_PROVIDERS.school.id || (index + n) % 4 === 0 ? 'school' : 'canteen';
            await book(provider, approval, date, {});
          }
          break;
        case 'tutoring':
          if (approval.providerId === DEMO_PROVIDERS.tutor.id) {
            for (const date of schoolDays(2, 9).filter((_, n) => n % 3 === 0))
              await book('tutor', approval, date, { minutes: 90 });
          }
          break;
        case 'trip':
          if (approval.providerId === DEMO_PROVIDERS.school.id && approval.budgetCents) {
            // A first instalment of the trip.
            await book('school', approval, daysAgo(5), { amountCents: Math.min(approval.budgetCents, 15000) });
          }
          break;
      }
    }
  }
  return booked;
}
