import {
  addDays,
  berlinDate,
  type Clock,
  displayNameOf,
  isOfEligibleAge,
  lastBookingDay,
  newId,
  Problem,
  type RedeemableBenefitType,
  tutoringAmountCents,
} from '@tk/core';
import { type Db, type DbOrTx, redemptionDeclines } from '@tk/db';
import {
  findProviderRedemption,
  listProviderRedemptions,
  type ProviderRedemptionRow,
  type RedeemContext,
  readLookupContext,
  readRedeemContext,
  type TerminalCard,
} from '@tk/db/queries/terminal';
import type { Actor } from '../../lib/audit.ts';
import type { KeyRing } from '../../lib/keys.ts';
import { requestHashSync } from '../../lib/request-hash.ts';
import { BookingConflict, RedemptionNotFound } from '../bookings/bookings.errors.ts';
import {
  type BookingPlan,
  type BookingResult,
  book,
  type Outcome,
  providerScope,
  type ReversalResult,
  replayStored,
  reverse,
} from '../bookings/bookings.service.ts';
import { CardNotFound } from '../cards/cards.errors.ts';
import { decodeCardCode } from './terminal.codes.ts';
import {
  AlreadyRedeemedToday,
  ApprovalNotActive,
  amountRequired,
  CardBlocked,
  IdempotencyKeyRequired,
  InsufficientBudget,
  InvalidRange,
  MealPriceMissing,
  NotRedeemableHere,
  ProviderNotApproved,
  ServiceDateInvalid,
} from './terminal.errors.ts';
import type { LookupResult, RedeemInput, Redemption } from './terminal.schemas.ts';

/** What the terminal services need besides the database: the clock ("today") and the card key ring (QR tokens). */
export interface TerminalDeps {
  clock: Clock;
  /** Without it only typed card numbers are accepted (e.g. the demo seed). */
  cardKeys?: KeyRing | undefined;
}

/** The terminal user: a provider user acting for exactly one provider. */
export type TerminalActor = Actor & { userId: string; providerId: string };

export function asTerminalActor(actor: Actor): TerminalActor {
  if (!actor.userId || !actor.providerId) throw new ProviderNotApproved();
  return actor as TerminalActor;
}

function assertProviderApproved(status: string | null | undefined): void {
  if (status !== 'approved') throw new ProviderNotApproved();
}

function usableCard(card: TerminalCard | null): TerminalCard {
  if (!card) throw new CardNotFound();
  if (card.status !== 'active') throw new CardBlocked(card.status);
  return card;
}

function cappedMealPrice(price: number | null, cap: number | null): number | null {
  if (price === null) return null;
  return cap !== null && cap < price ? cap : price;
}

// ---------------------------------------------------------------------------------------------
// lookupCard

/**
 * Looks a card up for this provider in one query. Shows only the card status, the display name and
 * the entitlements this provider may redeem now: type in the provider's benefit types, approval not
 * bound to another provider, type redeemable, today inside validFrom..lastBookingDay(validTo), not
 * revoked, age rule met. Never legal basis, birth date, case reference, other benefits or bookings.
 * Throws 400 `invalid_code`, 403 `provider_not_approved`, 404 `card_not_found`, 409 `card_blocked`.
 */
export async function lookupCard(
  db: DbOrTx,
  deps: TerminalDeps,
  input: { code: string },
  actor: TerminalActor,
): Promise<LookupResult> {
  const ref = await decodeCardCode(input.code, deps.cardKeys);
  const today = berlinDate(deps.clock.now());
  const context = await readLookupContext(db, { ref, providerId: actor.providerId, today });
  assertProviderApproved(context.providerStatus);
  const card = usableCard(context.card);
  const { gracePeriodMonths, lunchMealsPerDay, mealPriceCapCents } = context.settings;
  const entitlements: LookupResult['entitlements'] = [];
  for (const a of context.approvals) {
    const benefitType = a.benefitType as RedeemableBenefitType;
    if (today > lastBookingDay(a.validTo, gracePeriodMonths)) continue;
    // The latest service date bookable today: today, or the period's last day during the grace period.
    // biome-ignore lint/complexity/useMathMinMax: ISO date strings compare as text, not numbers
    const latest = today < a.validTo ? today : a.validTo;
    if (a.revokedFrom && a.revokedFrom <= latest) continue;
    if (!isOfEligibleAge(benefitType, card.birthDate, latest)) continue;
    // What tells two legitimately overlapping approvals (two trips, two subjects) apart at the counter.
    const label = {
      validFrom: a.validFrom,
      validTo: a.validTo,
      ...(a.reference ? { reference: a.reference } : {}),
      ...(a.subject ? { subject: a.subject } : {}),
    };
    if (benefitType === 'lunch') {
      const todayOpen = a.validTo >= today && context.lunchesToday < lunchMealsPerDay;
      const price = cappedMealPrice(context.mealPriceCents, mealPriceCapCents);
      entitlements.push({
        approvalId: a.id,
        benefitType,
        ...label,
        lunchAvailableToday: todayOpen && price !== null,
        ...(price !== null ? { mealPriceCents: price } : {}),
      });
    } else {
      const availableCents = a.remainingCents ?? 0;
      entitlements.push({
        approvalId: a.id,
        benefitType,
        ...label,
        availableCents,
        ...(benefitType === 'tutoring' && a.hourlyRateCents
          ? { minutesAvailable: Math.floor((availableCents * 60) / a.hourlyRateCents) }
          : {}),
      });
    }
  }
  return {
    card: { status: 'active' },
    holder: { displayName: displayNameOf(card.givenName, card.familyName) },
    entitlements,
  };
}

// ---------------------------------------------------------------------------------------------
// redeem

/**
 * The domain rules of one booking, on one consistent read: provider approved, card usable, the
 * approval the card's and redeemable here, inside its period and grace period, not revoked, age rule
 * met on the service date, and the amount (meal price, minutes × rate, or the given amount) within
 * the balance. Throws the decline; returns what to book.
 */
export function planBooking(
  context: RedeemContext,
  input: RedeemInput,
  serviceDate: string,
  today: string,
  actor: TerminalActor,
): BookingPlan {
  assertProviderApproved(context.provider?.status);
  const card = usableCard(context.card);
  const approval = context.approval;
  if (!approval || approval.beneficiaryId !== card.beneficiaryId) {
    throw new NotRedeemableHere('This card has no such entitlement.');
  }
  const type = approval.benefitType as RedeemableBenefitType;
  if (
    !approval.redeemable ||
    !(context.provider?.benefitTypes ?? []).includes(type) ||
    (approval.providerId !== null && approval.providerId !== actor.providerId)
  ) {
    throw new NotRedeemableHere();
  }
  const { validFrom, validTo } = approval;
  const lastDay = lastBookingDay(validTo, context.settings.gracePeriodMonths);
  if (today > lastDay) {
    throw new ApprovalNotActive(`The approval ended on ${validTo}; services could be booked until ${lastDay}.`);
  }
  if (approval.lapsed) {
    throw new ApprovalNotActive(`The approval's remaining budget lapsed after its last booking day (${lastDay}).`);
  }
  if (serviceDate > today) throw new ServiceDateInvalid('The service date lies in the future.');
  if (serviceDate < validFrom) {
    throw new ServiceDateInvalid(`The service date lies before the approval period (from ${validFrom}).`);
  }
  if (serviceDate > validTo) {
    throw new ServiceDateInvalid(
      `The approval ended on ${validTo}; services up to that day can be booked until ${lastDay}.`,
    );
  }
  if (approval.revokedFrom && approval.revokedFrom <= serviceDate) {
    throw new ApprovalNotActive('The approval was revoked.'); // no dates of the child to providers
  }
  if (!isOfEligibleAge(type, card.birthDate, serviceDate)) {
    throw new ApprovalNotActive('The child is past the age limit of this benefit on the service date.');
  }
  const base = {
    approvalId: approval.id,
    cardId: card.id,
    beneficiaryId: card.beneficiaryId,
    benefitType: type,
    serviceDate,
    purpose: input.purpose || null,
  };
  const remaining = approval.remainingCents ?? 0;
  switch (type) {
    case 'lunch': {
      const price = cappedMealPrice(context.mealPriceCents, context.settings.mealPriceCapCents);
      if (price === null) throw new MealPriceMissing(serviceDate);
      if (context.freeMealSlot === null) throw new AlreadyRedeemedToday();
      return { ...base, amountCents: price, meals: 1, minutes: null, mealSlot: context.freeMealSlot };
    }
    case 'tutoring': {
      if (input.minutes === undefined) throw amountRequired('minutes', type);
      if (!approval.hourlyRateCents) throw new NotRedeemableHere('This tutoring approval has no hourly rate.');
      const amount = tutoringAmountCents(input.minutes, approval.hourlyRateCents);
      if (amount <= 0) throw amountRequired('minutes', type);
      if (remaining < amount) throw new InsufficientBudget(remaining);
      return { ...base, amountCents: amount, meals: null, minutes: input.minutes, mealSlot: null };
    }
    default: {
      // participation (flat and capped alike: the provider books what it charges, up to the balance) and trip.
      if (input.amountCents === undefined) throw amountRequired('amountCents', type);
      if (remaining < input.amountCents) throw new InsufficientBudget(remaining);
      return { ...base, amountCents: input.amountCents, meals: null, minutes: null, mealSlot: null };
    }
  }
}

const DECLINE_CODES = new Set([
  'insufficient_budget',
  'already_redeemed_today',
  'card_blocked',
  'approval_not_active',
  'service_date_invalid',
  'not_redeemable_here',
  'card_not_found',
  'invalid_code',
  'meal_price_missing',
  'provider_not_approved',
]);

/** Runs an attempt and records a decline (a problem a terminal shows as "declined") in `redemption_declines`. */
async function recordingDeclines<T>(
  db: DbOrTx,
  actor: TerminalActor,
  approvalId: string,
  attempt: (seenCard: (cardId: string) => void) => Promise<T>,
): Promise<T> {
  let cardId: string | null = null;
  try {
    return await attempt((id) => {
      cardId = id;
    });
  } catch (err) {
    if (err instanceof Problem && DECLINE_CODES.has(err.code)) {
      await db.insert(redemptionDeclines).values({
        id: newId('decline'),
        userId: actor.userId,
        providerId: actor.providerId,
        cardId,
        approvalId,
        code: err.code,
        requestId: actor.requestId,
      });
    }
    throw err;
  }
}

/** Lost races in a row before the terminal is asked to retry. */
const BOOKING_ATTEMPTS = 5;

/**
 * Books a redemption: a binding payment promise. Read the context (one statement, with any answer
 * stored under this key), replay or decide by the rules, book (one statement, bookings module). A
 * lost race reads again. Guarantees (decided by PostgreSQL, ADR 0010): the budget never goes below
 * zero; at most `lunch_meals_per_day` lunches per child and service date at any provider; one
 * `Idempotency-Key` books at most once and replays its answer, also under concurrency. Declines book
 * nothing and are recorded. Throws 400 `invalid_code`/`idempotency_key_required`/`amount_required`,
 * 403 `provider_not_approved`/`not_redeemable_here`, 404 `card_not_found`, 409 `card_blocked`/
 * `approval_not_active`/`insufficient_budget`/`already_redeemed_today`/`conflict`,
 * 422 `service_date_invalid`/`idempotency_key_reused`.
 */
export async function redeem(
  db: Db,
  deps: TerminalDeps,
  input: RedeemInput,
  idempotencyKey: string | undefined,
  actor: TerminalActor,
): Promise<Outcome<BookingResult>> {
  if (!idempotencyKey) throw new IdempotencyKeyRequired();
  return recordingDeclines(db, actor, input.approvalId, async (seenCard) => {
    const ref = await decodeCardCode(input.code, deps.cardKeys);
    if ('cardId' in ref) seenCard(ref.cardId);
    const request = {
      scope: providerScope(actor.providerId),
      key: idempotencyKey,
      requestHash: requestHashSync('redeem', input),
    };
    const now = deps.clock.now();
    const today = berlinDate(now);
    const serviceDate = input.serviceDate ?? today;
    for (let attempt = 0; attempt < BOOKING_ATTEMPTS; attempt++) {
      const context = await readRedeemContext(db, {
        ref,
        approvalId: input.approvalId,
        serviceDate,
        providerId: actor.providerId,
        scope: request.scope,
        key: request.key,
      });
      const replayed = replayStored<BookingResult>(context.stored, request.requestHash);
      if (replayed) return replayed;
      if (context.card) seenCard(context.card.id);
      const plan = planBooking(context, input, serviceDate, today, actor);
      const booked = await book(db, plan, request, actor, now);
      if (booked) return booked;
    }
    throw new BookingConflict();
  });
}

// ---------------------------------------------------------------------------------------------
// reverseRedemption

/**
 * Reverses one of this provider's own redemptions (another provider's is 404) through the bookings
 * module: voided before settlement, a correction after. Optional `Idempotency-Key`.
 * Throws 404 `redemption_not_found`, 409 `already_reversed`, 422 `idempotency_key_reused`.
 */
export async function reverseRedemption(
  db: Db,
  deps: TerminalDeps,
  redemptionId: string,
  input: { reason?: string | undefined },
  idempotencyKey: string | undefined,
  actor: TerminalActor,
): Promise<ReversalResult> {
  const outcome = await reverse(
    db,
    { redemptionId, by: { kind: 'provider', providerId: actor.providerId }, reason: input.reason, idempotencyKey },
    actor,
    deps.clock.now(),
  );
  return outcome.body;
}

// ---------------------------------------------------------------------------------------------
// listRedemptions / getRedemption

function toRedemption(row: ProviderRedemptionRow): Redemption {
  return {
    id: row.id,
    approvalId: row.approvalId,
    benefitType: row.benefitType as RedeemableBenefitType,
    serviceDate: row.serviceDate,
    amountCents: row.amountCents,
    status: row.status,
    displayName: displayNameOf(row.givenName, row.familyName),
    ...(row.minutes !== null ? { minutes: row.minutes } : {}),
    ...(row.purpose ? { purpose: row.purpose } : {}),
    bookedAt: row.bookedAt.toISOString(),
    ...(row.reversedAt ? { reversedAt: row.reversedAt.toISOString() } : {}),
    settled: row.settled,
  };
}

export const MAX_LIST_DAYS = 366;
const MAX_LIST_ITEMS = 5000;

/**
 * The provider's own redemptions with service dates in `from..to` (inclusive, default today), newest
 * first. Only what the lookup shows about the child (display name). Throws 400 `invalid_range`.
 */
export async function listRedemptions(
  db: DbOrTx,
  deps: TerminalDeps,
  query: { from?: string | undefined; to?: string | undefined },
  actor: TerminalActor,
): Promise<Redemption[]> {
  const today = berlinDate(deps.clock.now());
  const from = query.from ?? query.to ?? today;
  const to = query.to ?? (query.from ? today : from);
  if (from > to) throw new InvalidRange('`from` must not be after `to`.');
  if (addDays(from, MAX_LIST_DAYS) < to) throw new InvalidRange(`At most ${MAX_LIST_DAYS} days at once.`);
  const rows = await listProviderRedemptions(db, { providerId: actor.providerId, from, to, limit: MAX_LIST_ITEMS });
  return rows.map(toRedemption);
}

/** One of the provider's own redemptions; another provider's is 404 `redemption_not_found`. */
export async function getRedemption(db: DbOrTx, redemptionId: string, actor: TerminalActor): Promise<Redemption> {
  const row = await findProviderRedemption(db, { providerId: actor.providerId, redemptionId });
  if (!row) throw new RedemptionNotFound();
  return toRedemption(row);
}
