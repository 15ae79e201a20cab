import { createHash } from 'node:crypto';
import {
  addDays,
  berlinDate,
  type Clock,
  isOfEligibleAge,
  lastBookingDay,
  newId,
  Problem,
  type RedeemableBenefitType,
} from '@tk/core';
import { type Db, type DbOrTx, queryRows, redemptionDeclines } from '@tk/db';
import { type SQL, sql } from 'drizzle-orm';
import { type Actor, audit } from '../../lib/audit.ts';
import type { KeyRing } from '../../lib/keys.ts';
import { type CardRef, decodeCardCode } from './terminal.codes.ts';
import {
  AlreadyRedeemedToday,
  AlreadyReversed,
  AmountRequired,
  ApprovalNotActive,
  CardBlocked,
  CardNotFound,
  IdempotencyKeyRequired,
  IdempotencyKeyReused,
  InsufficientBudget,
  InvalidRange,
  MealPriceMissing,
  NotRedeemableHere,
  ProviderNotApproved,
  RedemptionNotFound,
  ServiceDateInvalid,
} from './terminal.errors.ts';
import type { LookupResult, RedeemInput, RedeemResult, Redemption, ReverseResult } from './terminal.schemas.ts';
import { runPrepared } from './terminal.sql.ts';

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

/** `Mia S.`: what a provider may see of the child (domain.md, privacy first). */
export function displayNameOf(givenName: string, familyName: string): string {
  const initial = Array.from(familyName.trim())[0]?.toLocaleUpperCase('de-DE') ?? '';
  return initial ? `${givenName.trim()} ${initial}.` : givenName.trim();
}

/**
 * Tutoring: minutes × hourly rate / 60, rounded half up to whole cents (kaufmännische Rundung,
 * ADR 0010). Integer arithmetic only: floor((minutes × rate + 30) / 60).
 */
export function tutoringAmountCents(minutes: number, hourlyRateCents: number): number {
  return Math.floor((minutes * hourlyRateCents + 30) / 60);
}

function cardCondition(ref: CardRef): SQL {
  return 'cardId' in ref ? sql`c.id = ${ref.cardId}` : sql`c.card_number = ${ref.cardNumber}`;
}

function assertProviderApproved(status: string | null): void {
  if (status !== 'approved') throw new ProviderNotApproved();
}

function assertCardUsable(card: { card_id: string | null; card_status: string | null }): void {
  if (!card.card_id) throw new CardNotFound();
  if (card.card_status !== 'active') throw new CardBlocked(card.card_status ?? 'blocked');
}

// ---------------------------------------------------------------------------------------------
// lookupCard

interface LookupRow {
  provider_status: string | null;
  grace_period_months: number;
  lunch_meals_per_day: number;
  meal_price_cap_cents: number | null;
  card_id: string | null;
  card_status: string | null;
  given_name: string | null;
  family_name: string | null;
  birth_date: string | null;
  meal_price_cents: number | null;
  lunches_today: number;
  approvals: {
    id: string;
    benefitType: RedeemableBenefitType;
    validFrom: string;
    validTo: string;
    remainingCents: number | null;
    revokedFrom: string | null;
    reference: string | null;
    subject: string | null;
  }[];
}

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
  const [row] = await runPrepared<LookupRow>(
    db,
    sql`select p.status as provider_status,
      s.grace_period_months, s.lunch_meals_per_day, s.meal_price_cap_cents,
      c.id as card_id, c.status as card_status, b.given_name, b.family_name, b.birth_date,
      (select mp.price_cents from provider_meal_prices mp
        where mp.provider_id = p.id and mp.valid_from <= ${today}::date
        order by mp.valid_from desc limit 1) as meal_price_cents,
      (select count(*)::int from redemptions r
        where r.beneficiary_id = c.beneficiary_id and r.service_date = ${today}::date
          and r.benefit_type = 'lunch' and r.status = 'booked') as lunches_today,
      (select coalesce(json_agg(json_build_object(
          'id', a.id, 'benefitType', a.benefit_type, 'validFrom', a.valid_from, 'validTo', a.valid_to,
          'remainingCents', a.remaining_cents, 'revokedFrom', a.revoked_from,
          'reference', a.reference, 'subject', a.subject) order by a.valid_from, a.id), '[]'::json)
        from approvals a join benefit_types bt on bt.code = a.benefit_type
        where a.beneficiary_id = c.beneficiary_id and bt.redeemable
          and a.benefit_type = any(p.benefit_types)
          and (a.provider_id is null or a.provider_id = p.id)
          and a.valid_from <= ${today}::date) as approvals
    from city_settings s
    left join providers p on p.id = ${actor.providerId}
    left join cards c on ${cardCondition(ref)}
    left join beneficiaries b on b.id = c.beneficiary_id
    where s.id = 1`,
  );
  if (!row) throw new Error('city_settings row 1 is missing');
  assertProviderApproved(row.provider_status);
  assertCardUsable(row);
  const birthDate = row.birth_date ?? today;
  const entitlements: LookupResult['entitlements'] = [];
  for (const a of row.approvals ?? []) {
    if (today > lastBookingDay(a.validTo, row.grace_period_months)) continue;
    // The latest service date bookable today: today, or the period's last day during the grace period.
    // biome-ignore lint/complexity/useMathMinMax: ISO date strings compare as text, not numbers
    const latest = today < a.validTo ? today : a.validTo;
    if (a.revokedFrom && a.revokedFrom <= latest) continue;
    if (!isOfEligibleAge(a.benefitType, birthDate, latest)) continue;
    // What tells two legitimately overlapping approvals (two trips, two subjects) apart at the counter.
    const label = { validFrom: a.validFrom, validTo: a.validTo, ...describeApproval(a) };
    if (a.benefitType === 'lunch') {
      const todayOpen = a.validTo >= today && row.lunches_today < row.lunch_meals_per_day;
      const price = cappedMealPrice(row.meal_price_cents, row.meal_price_cap_cents);
      entitlements.push({
        approvalId: a.id,
        benefitType: a.benefitType,
        ...label,
        lunchAvailableToday: todayOpen && price !== null,
        ...(price !== null ? { mealPriceCents: price } : {}),
      });
    } else {
      entitlements.push({
        approvalId: a.id,
        benefitType: a.benefitType,
        ...label,
        availableCents: a.remainingCents ?? 0,
      });
    }
  }
  return {
    card: { status: 'active' },
    holder: { displayName: displayNameOf(row.given_name ?? '', row.family_name ?? '') },
    entitlements,
  };
}

function describeApproval(a: { reference: string | null; subject: string | null }) {
  return { ...(a.reference ? { reference: a.reference } : {}), ...(a.subject ? { subject: a.subject } : {}) };
}

function cappedMealPrice(price: number | null, cap: number | null): number | null {
  if (price === null) return null;
  return cap !== null && cap < price ? cap : price;
}

// ---------------------------------------------------------------------------------------------
// redeem

interface RedeemContextRow {
  provider_status: string | null;
  provider_benefit_types: string[] | null;
  grace_period_months: number;
  meal_price_cap_cents: number | null;
  card_id: string | null;
  card_status: string | null;
  card_beneficiary_id: string | null;
  birth_date: string | null;
  approval_id: string | null;
  approval_beneficiary_id: string | null;
  benefit_type: RedeemableBenefitType | null;
  valid_from: string | null;
  valid_to: string | null;
  approval_provider_id: string | null;
  remaining_cents: number | null;
  hourly_rate_cents: number | null;
  revoked_from: string | null;
  redeemable: boolean | null;
  meal_price_cents: number | null;
  free_meal_slot: number | null;
  request_hash: string | null;
  idem_status: number | null;
  idem_response: RedeemResult | null;
}

/** What the write statement books, decided from one consistent read. */
export interface BookingPlan {
  cardId: string;
  beneficiaryId: string;
  benefitType: RedeemableBenefitType;
  amountCents: number;
  minutes: number | null;
  meals: number | null;
  mealSlot: number | null;
}

export interface RedeemOutcome {
  status: 200 | 201;
  replayed: boolean;
  body: RedeemResult;
}

const REDEEM_SCOPE = (providerId: string) => `terminal:${providerId}`;

/** sha256 over the request with its keys sorted: the same booking request always hashes the same. */
export function requestHash(operation: string, body: Record<string, unknown>): string {
  const canonical = JSON.stringify([
    operation,
    Object.fromEntries(
      Object.entries(body)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    ),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The one read of the booking context (card, child, approval, provider, settings, stored idempotency answer). */
export function redeemContextQuery(args: {
  ref: CardRef;
  approvalId: string;
  serviceDate: string;
  providerId: string;
  idempotencyKey: string;
}): SQL {
  const { ref, approvalId, serviceDate, providerId, idempotencyKey } = args;
  return sql`select p.status as provider_status, p.benefit_types as provider_benefit_types,
      s.grace_period_months, s.meal_price_cap_cents,
      c.id as card_id, c.status as card_status, c.beneficiary_id as card_beneficiary_id, b.birth_date,
      a.id as approval_id, a.beneficiary_id as approval_beneficiary_id, a.benefit_type, a.valid_from, a.valid_to,
      a.provider_id as approval_provider_id, a.remaining_cents, a.hourly_rate_cents, a.revoked_from, bt.redeemable,
      case when a.benefit_type = 'lunch' then (select mp.price_cents from provider_meal_prices mp
        where mp.provider_id = p.id and mp.valid_from <= ${serviceDate}::date
        order by mp.valid_from desc limit 1) end as meal_price_cents,
      case when a.benefit_type = 'lunch' then (select min(g.slot) from generate_series(1, s.lunch_meals_per_day) as g(slot)
        where not exists (select 1 from redemptions r where r.beneficiary_id = c.beneficiary_id
          and r.service_date = ${serviceDate}::date and r.benefit_type = 'lunch' and r.status = 'booked'
          and r.meal_slot = g.slot)) end as free_meal_slot,
      ik.request_hash, ik.status as idem_status, ik.response as idem_response
    from city_settings s
    left join providers p on p.id = ${providerId}
    left join cards c on ${cardCondition(ref)}
    left join beneficiaries b on b.id = c.beneficiary_id
    left join approvals a on a.id = ${approvalId}
    left join benefit_types bt on bt.code = a.benefit_type
    left join idempotency_keys ik on ik.scope = ${REDEEM_SCOPE(providerId)} and ik.key = ${idempotencyKey}
    where s.id = 1`;
}

async function readRedeemContext(
  db: DbOrTx,
  ref: CardRef,
  input: RedeemInput,
  serviceDate: string,
  actor: TerminalActor,
  idempotencyKey: string,
): Promise<RedeemContextRow> {
  const [row] = await runPrepared<RedeemContextRow>(
    db,
    redeemContextQuery({
      ref,
      approvalId: input.approvalId,
      serviceDate,
      providerId: actor.providerId,
      idempotencyKey,
    }),
  );
  if (!row) throw new Error('city_settings row 1 is missing');
  return row;
}

/** The domain rules of one booking, on a consistent read. Throws the decline; returns what to book. */
function planBooking(
  row: RedeemContextRow,
  input: RedeemInput,
  serviceDate: string,
  today: string,
  actor: TerminalActor,
): BookingPlan {
  assertProviderApproved(row.provider_status);
  assertCardUsable(row);
  if (!row.approval_id || row.approval_beneficiary_id !== row.card_beneficiary_id) {
    throw new NotRedeemableHere('This card has no such entitlement.');
  }
  const type = row.benefit_type!;
  if (
    !row.redeemable ||
    !(row.provider_benefit_types ?? []).includes(type) ||
    (row.approval_provider_id !== null && row.approval_provider_id !== actor.providerId)
  ) {
    throw new NotRedeemableHere();
  }
  const validFrom = row.valid_from!;
  const validTo = row.valid_to!;
  const lastDay = lastBookingDay(validTo, row.grace_period_months);
  if (today > lastDay) {
    throw new ApprovalNotActive(`The approval ended on ${validTo}; services could be booked until ${lastDay}.`);
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
  if (row.revoked_from && row.revoked_from <= serviceDate) {
    throw new ApprovalNotActive(`The approval was revoked with effect from ${row.revoked_from}.`);
  }
  if (!isOfEligibleAge(type, row.birth_date!, serviceDate)) {
    throw new ApprovalNotActive('The child is past the age limit of this benefit on the service date.');
  }
  const base = { cardId: row.card_id!, beneficiaryId: row.card_beneficiary_id!, benefitType: type };
  switch (type) {
    case 'lunch': {
      const price = cappedMealPrice(row.meal_price_cents, row.meal_price_cap_cents);
      if (price === null) throw new MealPriceMissing(serviceDate);
      if (row.free_meal_slot === null) throw new AlreadyRedeemedToday();
      return { ...base, amountCents: price, meals: 1, minutes: null, mealSlot: row.free_meal_slot };
    }
    case 'tutoring': {
      if (input.minutes === undefined) throw new AmountRequired('minutes', type);
      if (!row.hourly_rate_cents) throw new NotRedeemableHere('This tutoring approval has no hourly rate.');
      const amount = tutoringAmountCents(input.minutes, row.hourly_rate_cents);
      if (amount <= 0) throw new AmountRequired('minutes', type);
      if ((row.remaining_cents ?? 0) < amount) throw new InsufficientBudget(row.remaining_cents ?? 0);
      return { ...base, amountCents: amount, meals: null, minutes: input.minutes, mealSlot: null };
    }
    default: {
      // participation (flat and capped alike: the provider books what it charges, up to the balance) and trip.
      if (input.amountCents === undefined) throw new AmountRequired('amountCents', type);
      if ((row.remaining_cents ?? 0) < input.amountCents) throw new InsufficientBudget(row.remaining_cents ?? 0);
      return { ...base, amountCents: input.amountCents, meals: null, minutes: null, mealSlot: null };
    }
  }
}

/** What one booking statement writes. */
export interface BookingArgs {
  id: string;
  plan: BookingPlan;
  approvalId: string;
  serviceDate: string;
  providerId: string;
  userId: string;
  requestId: string | null;
  idempotencyKey: string;
  hash: string;
  bookedAt: Date;
}

/**
 * The booking in ONE data-modifying statement (ADR 0010): the guarded budget UPDATE (lunch: a guard
 * SELECT), the redemption INSERT, the idempotency row and the audit row commit together or not at
 * all. The guard re-checks card status, revocation and provider status, so a stale read cannot book.
 * Returns one row (the remaining budget) when it booked, none when the guard matched nothing.
 */
export function bookingStatement(args: BookingArgs): SQL {
  const { id, plan, approvalId, serviceDate, providerId, userId, requestId, idempotencyKey, hash } = args;
  const bookedAt = args.bookedAt.toISOString();
  const stillValid = sql`(a.revoked_from is null or a.revoked_from > ${serviceDate}::date)
    and exists (select 1 from cards c where c.id = ${plan.cardId} and c.status = 'active')
    and exists (select 1 from providers p where p.id = ${providerId} and p.status = 'approved')`;
  const guard =
    plan.benefitType === 'lunch'
      ? sql`select a.remaining_cents from approvals a where a.id = ${approvalId} and ${stillValid}`
      : sql`update approvals a set remaining_cents = a.remaining_cents - ${plan.amountCents}::int
          where a.id = ${approvalId} and a.remaining_cents >= ${plan.amountCents}::int and ${stillValid}
          returning a.remaining_cents`;
  return sql`with g as (${guard}),
    ins as (
      insert into redemptions (id, provider_id, approval_id, beneficiary_id, card_id, benefit_type, service_date,
        amount_cents, meals, minutes, meal_slot, status, booked_at, booked_by, idempotency_key)
      select ${id}::text, ${providerId}::text, ${approvalId}::text, ${plan.beneficiaryId}::text,
        ${plan.cardId}::text, ${plan.benefitType}::text, ${serviceDate}::date, ${plan.amountCents}::int,
        ${plan.meals}::int, ${plan.minutes}::int, ${plan.mealSlot}::smallint, 'booked', ${bookedAt}::timestamptz,
        ${userId}::text, ${idempotencyKey}::text
      from g
      returning id
    ),
    k as (
      insert into idempotency_keys (scope, key, request_hash, status, response, created_at)
      select ${REDEEM_SCOPE(providerId)}::text, ${idempotencyKey}::text, ${hash}::text, 201,
        jsonb_strip_nulls(jsonb_build_object('id', ${id}::text, 'approvalId', ${approvalId}::text,
          'amountCents', ${plan.amountCents}::int, 'serviceDate', ${serviceDate}::text, 'availableCents', g.remaining_cents)),
        ${bookedAt}::timestamptz
      from g
    ),
    au as (
      insert into audit_log (actor_id, action, entity_type, entity_id, request_id, data)
      select ${userId}::text, 'redemption.booked', 'redemption', ins.id, ${requestId}::text,
        jsonb_build_object('approvalId', ${approvalId}::text, 'providerId', ${providerId}::text,
          'cardId', ${plan.cardId}::text, 'benefitType', ${plan.benefitType}::text,
          'serviceDate', ${serviceDate}::text, 'amountCents', ${plan.amountCents}::int)
      from ins
    )
    select g.remaining_cents from g`;
}

async function writeBooking(
  db: DbOrTx,
  plan: BookingPlan,
  input: RedeemInput,
  serviceDate: string,
  actor: TerminalActor,
  idempotencyKey: string,
  hash: string,
  bookedAt: Date,
): Promise<{ id: string; remainingCents: number | null } | null> {
  const id = newId('redemption');
  const [row] = await runPrepared<{ remaining_cents: number | null }>(
    db,
    bookingStatement({
      id,
      plan,
      approvalId: input.approvalId,
      serviceDate,
      providerId: actor.providerId,
      userId: actor.userId,
      requestId: actor.requestId,
      idempotencyKey,
      hash,
      bookedAt,
    }),
  );
  return row ? { id, remainingCents: row.remaining_cents } : null;
}

interface PgError {
  code?: string;
  constraint?: string;
}

/** The PostgreSQL error beneath drizzle's wrapper (both drivers expose `code` and `constraint`). */
function pgErrorOf(err: unknown): PgError | null {
  let current: unknown = err;
  for (let depth = 0; current && depth < 4; depth++) {
    const e = current as PgError & { cause?: unknown };
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e;
    current = e.cause;
  }
  return null;
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

/**
 * Books a redemption: a binding payment promise. Guarantees (decided by PostgreSQL, ADR 0010):
 * the budget never goes below zero (guarded UPDATE in the booking statement, CHECK >= 0 behind it);
 * at most `lunch_meals_per_day` lunches per child and service date at any provider (unique index);
 * one `Idempotency-Key` books at most once and replays the stored answer, also under concurrency
 * (the key's row is inserted by the booking statement itself). Declines book nothing and are
 * recorded in `redemption_declines`. Throws 400 `invalid_code`/`idempotency_key_required`/
 * `amount_required`, 403 `provider_not_approved`/`not_redeemable_here`, 404 `card_not_found`,
 * 409 `card_blocked`/`approval_not_active`/`insufficient_budget`/`already_redeemed_today`,
 * 422 `service_date_invalid`/`idempotency_key_reused`.
 */
export async function redeem(
  db: Db,
  deps: TerminalDeps,
  input: RedeemInput,
  idempotencyKey: string | undefined,
  actor: TerminalActor,
): Promise<RedeemOutcome> {
  if (!idempotencyKey) throw new IdempotencyKeyRequired();
  let cardId: string | null = null;
  try {
    const ref = await decodeCardCode(input.code, deps.cardKeys);
    if ('cardId' in ref) cardId = ref.cardId;
    const hash = requestHash('redeem', input);
    const now = deps.clock.now();
    const today = berlinDate(now);
    const serviceDate = input.serviceDate ?? today;
    // A conflict (a concurrent duplicate of this key, or another terminal's lunch in the same slot)
    // is resolved by reading again: the committed winner is then visible.
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = await readRedeemContext(db, ref, input, serviceDate, actor, idempotencyKey);
      if (row.request_hash !== null) {
        if (row.request_hash !== hash) throw new IdempotencyKeyReused();
        return { status: (row.idem_status ?? 201) as 200 | 201, replayed: true, body: row.idem_response! };
      }
      cardId = row.card_id ?? cardId;
      const plan = planBooking(row, input, serviceDate, today, actor);
      try {
        const booked = await writeBooking(db, plan, input, serviceDate, actor, idempotencyKey, hash, now);
        if (!booked) continue;
        return {
          status: 201,
          replayed: false,
          body: {
            id: booked.id,
            approvalId: input.approvalId,
            amountCents: plan.amountCents,
            serviceDate,
            ...(booked.remainingCents !== null ? { availableCents: booked.remainingCents } : {}),
          },
        };
      } catch (err) {
        const pgErr = pgErrorOf(err);
        if (pgErr?.code === '23505') continue;
        if (pgErr?.code === '23514' && pgErr.constraint === 'approvals_remaining_nonnegative') continue;
        throw err;
      }
    }
    // Five lost races in a row: the state keeps changing under this request; let the terminal retry.
    throw new Problem({
      status: 409,
      code: 'conflict',
      title: 'Conflict',
      detail: 'The card changed while booking; nothing was booked. Please try again.',
    });
  } catch (err) {
    if (err instanceof Problem && DECLINE_CODES.has(err.code)) {
      await db.insert(redemptionDeclines).values({
        id: newId('decline'),
        userId: actor.userId,
        providerId: actor.providerId,
        cardId,
        approvalId: input.approvalId,
        code: err.code,
        requestId: actor.requestId,
      });
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// reverseRedemption

interface RedemptionLockRow {
  id: string;
  approval_id: string;
  amount_cents: number;
  status: string;
  batch_id: string | null;
}

/**
 * Reverses one of this provider's own redemptions (another provider's is 404). Locks the row;
 * before settlement it is voided (`kind = 'void'`, never paid), after settlement a `correction`
 * reversal becomes a negative line in the provider's next batch. Either way the amount returns to
 * the approval's budget in the same transaction, and the reversal is audited. Optional
 * `Idempotency-Key`: a retry replays the stored answer. Throws 404 `redemption_not_found`,
 * 409 `already_reversed`, 422 `idempotency_key_reused`.
 */
export async function reverseRedemption(
  db: Db,
  deps: TerminalDeps,
  redemptionId: string,
  input: { reason?: string | undefined },
  idempotencyKey: string | undefined,
  actor: TerminalActor,
): Promise<ReverseResult> {
  const scope = REDEEM_SCOPE(actor.providerId);
  const hash = requestHash('reverse', { id: redemptionId, reason: input.reason });
  const replay = async (tx: DbOrTx): Promise<ReverseResult | null> => {
    if (!idempotencyKey) return null;
    const [stored] = await queryRows<{ request_hash: string; response: ReverseResult }>(
      tx,
      sql`select request_hash, response from idempotency_keys where scope = ${scope} and key = ${idempotencyKey}`,
    );
    if (!stored) return null;
    if (stored.request_hash !== hash) throw new IdempotencyKeyReused();
    return stored.response;
  };
  const earlier = await replay(db);
  if (earlier) return earlier;
  const now = deps.clock.now();
  try {
    return await db.transaction(async (tx) => {
      if (idempotencyKey) {
        // Taken first: a concurrent retry with the same key waits here and then replays our answer.
        await tx.execute(
          sql`insert into idempotency_keys (scope, key, request_hash, status, response, created_at)
              values (${scope}, ${idempotencyKey}, ${hash}, 200, '{}'::jsonb, ${now.toISOString()}::timestamptz)`,
        );
      }
      const [r] = await queryRows<RedemptionLockRow>(
        tx,
        sql`select id, approval_id, amount_cents, status, batch_id from redemptions
            where id = ${redemptionId} and provider_id = ${actor.providerId} for update`,
      );
      if (!r) throw new RedemptionNotFound();
      if (r.status !== 'booked') throw new AlreadyReversed();
      const kind = r.batch_id === null ? 'void' : 'correction';
      const reversalId = newId('reversal');
      await tx.execute(
        sql`update redemptions set status = 'reversed', reversed_at = ${now.toISOString()}::timestamptz where id = ${r.id}`,
      );
      await tx.execute(
        sql`insert into redemption_reversals (id, redemption_id, provider_id, amount_cents, kind, reason, reversed_at, reversed_by)
            values (${reversalId}, ${r.id}, ${actor.providerId}, ${r.amount_cents}, ${kind}, ${input.reason ?? null},
              ${now.toISOString()}::timestamptz, ${actor.userId})`,
      );
      // Lunch approvals carry no budget (null stays null); the others get the amount back.
      await tx.execute(
        sql`update approvals set remaining_cents = remaining_cents + ${r.amount_cents}::int
            where id = ${r.approval_id} and remaining_cents is not null`,
      );
      await audit(tx, actor, {
        action: 'redemption.reversed',
        entityType: 'redemption',
        entityId: r.id,
        data: {
          reversalId,
          kind,
          amountCents: r.amount_cents,
          approvalId: r.approval_id,
          hasReason: Boolean(input.reason),
        },
      });
      const result: ReverseResult = { id: r.id, status: 'reversed', reversalId, kind, amountCents: r.amount_cents };
      if (idempotencyKey) {
        await tx.execute(
          sql`update idempotency_keys set response = ${JSON.stringify(result)}::jsonb
              where scope = ${scope} and key = ${idempotencyKey}`,
        );
      }
      return result;
    });
  } catch (err) {
    const pgErr = pgErrorOf(err);
    if (pgErr?.code === '23505' && idempotencyKey) {
      const stored = await replay(db);
      if (stored) return stored;
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// listRedemptions / getRedemption

interface RedemptionRow {
  id: string;
  approval_id: string;
  benefit_type: RedeemableBenefitType;
  service_date: string;
  amount_cents: number;
  status: 'booked' | 'reversed';
  minutes: number | null;
  booked_at: Date | string;
  reversed_at: Date | string | null;
  batch_id: string | null;
  given_name: string;
  family_name: string;
}

const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();

function toRedemption(row: RedemptionRow): Redemption {
  return {
    id: row.id,
    approvalId: row.approval_id,
    benefitType: row.benefit_type,
    serviceDate: row.service_date,
    amountCents: row.amount_cents,
    status: row.status,
    displayName: displayNameOf(row.given_name, row.family_name),
    ...(row.minutes !== null ? { minutes: row.minutes } : {}),
    bookedAt: iso(row.booked_at),
    ...(row.reversed_at ? { reversedAt: iso(row.reversed_at) } : {}),
    settled: row.batch_id !== null,
  };
}

const REDEMPTION_COLUMNS = sql`r.id, r.approval_id, r.benefit_type, r.service_date, r.amount_cents, r.status,
  r.minutes, r.booked_at, r.reversed_at, r.batch_id, b.given_name, b.family_name`;

export const MAX_LIST_DAYS = 366;

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
  const rows = await queryRows<RedemptionRow>(
    db,
    sql`select ${REDEMPTION_COLUMNS}
        from redemptions r join beneficiaries b on b.id = r.beneficiary_id
        where r.provider_id = ${actor.providerId} and r.service_date between ${from}::date and ${to}::date
        order by r.booked_at desc, r.id desc
        limit 5000`,
  );
  return rows.map(toRedemption);
}

/** One of the provider's own redemptions; another provider's is 404 `redemption_not_found`. */
export async function getRedemption(db: DbOrTx, redemptionId: string, actor: TerminalActor): Promise<Redemption> {
  const [row] = await queryRows<RedemptionRow>(
    db,
    sql`select ${REDEMPTION_COLUMNS}
        from redemptions r join beneficiaries b on b.id = r.beneficiary_id
        where r.id = ${redemptionId} and r.provider_id = ${actor.providerId}`,
  );
  if (!row) throw new RedemptionNotFound();
  return toRedemption(row);
}
