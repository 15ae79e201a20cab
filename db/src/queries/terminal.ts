import { type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { hotStatement, runPrepared, type StatementValues } from '../prepared.ts';

/**
 * The terminal's reads (ADR 0016: hot-path and multi-join reads are SQL, each with a named result
 * type). Both run as prepared statements on the PostgreSQL pool.
 */

/** A card as the terminal names it: by the id inside a verified QR token, or by its typed number. */
export type CardRef = { cardId: string } | { cardNumber: string };

function cardCondition(ref: CardRef): SQL {
  return 'cardId' in ref ? sql`c.id = ${ref.cardId}` : sql`c.card_number = ${ref.cardNumber}`;
}

/** City settings the terminal's rules need. */
export interface TerminalSettings {
  gracePeriodMonths: number;
  lunchMealsPerDay: number;
  mealPriceCapCents: number | null;
}

/** The card and the child behind it; only what the rules and the display name need. */
export interface TerminalCard {
  id: string;
  status: string;
  beneficiaryId: string;
  givenName: string;
  familyName: string;
  birthDate: string;
}

export interface LookupApproval {
  id: string;
  benefitType: string;
  validFrom: string;
  validTo: string;
  remainingCents: number | null;
  hourlyRateCents: number | null;
  revokedFrom: string | null;
  /** Trip name or decision reference, and tutoring subject: what tells overlapping approvals apart. */
  reference: string | null;
  subject: string | null;
}

export interface LookupContext {
  settings: TerminalSettings;
  providerStatus: string | null;
  card: TerminalCard | null;
  /** Today's meal price at this provider (before the city's cap), if any. */
  mealPriceCents: number | null;
  lunchesToday: number;
  /** The child's approvals this provider may redeem in principle (type, named provider, started). */
  approvals: LookupApproval[];
}

interface LookupRow {
  grace_period_months: number;
  lunch_meals_per_day: number;
  meal_price_cap_cents: number | null;
  provider_status: string | null;
  card_id: string | null;
  card_status: string | null;
  beneficiary_id: string | null;
  given_name: string | null;
  family_name: string | null;
  birth_date: string | null;
  meal_price_cents: number | null;
  lunches_today: number;
  approvals: LookupApproval[] | null;
}

function settingsOf(row: {
  grace_period_months: number;
  lunch_meals_per_day: number;
  meal_price_cap_cents: number | null;
}): TerminalSettings {
  return {
    gracePeriodMonths: row.grace_period_months,
    lunchMealsPerDay: row.lunch_meals_per_day,
    mealPriceCapCents: row.meal_price_cap_cents,
  };
}

function cardOf(row: {
  card_id: string | null;
  card_status: string | null;
  beneficiary_id: string | null;
  given_name: string | null;
  family_name: string | null;
  birth_date: string | null;
}): TerminalCard | null {
  if (row.card_id === null || row.beneficiary_id === null) return null;
  return {
    id: row.card_id,
    status: row.card_status ?? 'blocked',
    beneficiaryId: row.beneficiary_id,
    givenName: row.given_name ?? '',
    familyName: row.family_name ?? '',
    birthDate: row.birth_date ?? '',
  };
}

/** Everything a card lookup needs, in one statement. */
export async function readLookupContext(
  db: DbOrTx,
  params: { ref: CardRef; providerId: string; today: string },
): Promise<LookupContext> {
  const { ref, providerId, today } = params;
  const [row] = await runPrepared<LookupRow>(
    db,
    sql`select s.grace_period_months, s.lunch_meals_per_day, s.meal_price_cap_cents, p.status as provider_status,
      c.id as card_id, c.status as card_status, c.beneficiary_id, b.given_name, b.family_name, b.birth_date,
      (select mp.price_cents from provider_meal_prices mp
        where mp.provider_id = p.id and mp.valid_from <= ${today}::date
        order by mp.valid_from desc limit 1) as meal_price_cents,
      (select count(*)::int from redemptions r
        where r.beneficiary_id = c.beneficiary_id and r.service_date = ${today}::date
          and r.benefit_type = 'lunch' and r.status = 'booked') as lunches_today,
      (select coalesce(json_agg(json_build_object(
          'id', a.id, 'benefitType', a.benefit_type, 'validFrom', a.valid_from, 'validTo', a.valid_to,
          'remainingCents', a.remaining_cents, 'hourlyRateCents', a.hourly_rate_cents,
          'revokedFrom', a.revoked_from, 'reference', a.reference, 'subject', a.subject)
          order by a.valid_from, a.id), '[]'::json)
        from approvals a join benefit_types bt on bt.code = a.benefit_type
        where a.beneficiary_id = c.beneficiary_id and bt.redeemable
          and a.benefit_type = any(p.benefit_types)
          and (a.provider_id is null or a.provider_id = p.id)
          and a.valid_from <= ${today}::date
          and not exists (select 1 from approval_lapses l where l.approval_id = a.id and l.kind = 'remainder')) as approvals
    from city_settings s
    left join providers p on p.id = ${providerId}
    left join cards c on ${cardCondition(ref)}
    left join beneficiaries b on b.id = c.beneficiary_id
    where s.id = 1`,
  );
  if (!row) throw new Error('city_settings row 1 is missing');
  return {
    settings: settingsOf(row),
    providerStatus: row.provider_status,
    card: cardOf(row),
    mealPriceCents: row.meal_price_cents,
    lunchesToday: row.lunches_today,
    approvals: row.approvals ?? [],
  };
}

/** The approval a booking names, with what the rules need. */
export interface BookingApproval {
  id: string;
  beneficiaryId: string;
  benefitType: string;
  redeemable: boolean;
  validFrom: string;
  validTo: string;
  providerId: string | null;
  remainingCents: number | null;
  hourlyRateCents: number | null;
  revokedFrom: string | null;
  /** Its remaining budget has lapsed (runLapse): nothing can be booked on it any more. */
  lapsed: boolean;
}

/** A stored answer of an idempotent write: replayed when the same request comes again. */
export interface StoredAnswer {
  requestHash: string;
  status: number;
  response: unknown;
}

export interface RedeemContext {
  settings: TerminalSettings;
  provider: { status: string; benefitTypes: string[] } | null;
  card: TerminalCard | null;
  approval: BookingApproval | null;
  /** Lunch: the meal price on the service date at this provider (before the cap). */
  mealPriceCents: number | null;
  /** Lunch: the lowest meal slot still free for the child on the service date (null: all taken). */
  freeMealSlot: number | null;
  /** The answer stored under this Idempotency-Key, if the key was used before. */
  stored: StoredAnswer | null;
}

interface RedeemContextRow {
  grace_period_months: number;
  lunch_meals_per_day: number;
  meal_price_cap_cents: number | null;
  provider_status: string | null;
  provider_benefit_types: string[] | null;
  card_id: string | null;
  card_status: string | null;
  beneficiary_id: string | null;
  given_name: string | null;
  family_name: string | null;
  birth_date: string | null;
  approval_id: string | null;
  approval_beneficiary_id: string | null;
  benefit_type: string | null;
  valid_from: string | null;
  valid_to: string | null;
  approval_provider_id: string | null;
  remaining_cents: number | null;
  hourly_rate_cents: number | null;
  revoked_from: string | null;
  redeemable: boolean | null;
  lapsed: boolean | null;
  meal_price_cents: number | null;
  free_meal_slot: number | null;
  request_hash: string | null;
  idem_status: number | null;
  idem_response: unknown;
}

/**
 * The one read of a booking (card, child, approval, provider, settings, the stored answer for this
 * idempotency key), one consistent statement.
 */
export interface RedeemContextParams {
  ref: CardRef;
  approvalId: string;
  serviceDate: string;
  providerId: string;
  /** The idempotency scope and key whose stored answer the read includes. */
  scope: string;
  key: string;
}

interface RedeemContextValues extends StatementValues {
  card: string;
  approvalId: string;
  serviceDate: string;
  providerId: string;
  scope: string;
  key: string;
}

/** The context read of one shape: the card named by its id (a QR token) or by its typed number. */
function redeemContextSql(v: { readonly [K in keyof RedeemContextValues]: SQL }, byCardId: boolean): SQL {
  const card = byCardId ? sql`c.id = ${v.card}` : sql`c.card_number = ${v.card}`;
  return sql`select s.grace_period_months, s.lunch_meals_per_day, s.meal_price_cap_cents,
      p.status as provider_status, p.benefit_types as provider_benefit_types,
      c.id as card_id, c.status as card_status, c.beneficiary_id, b.given_name, b.family_name, b.birth_date,
      a.id as approval_id, a.beneficiary_id as approval_beneficiary_id, a.benefit_type, a.valid_from, a.valid_to,
      a.provider_id as approval_provider_id, a.remaining_cents, a.hourly_rate_cents, a.revoked_from, bt.redeemable,
      exists (select 1 from approval_lapses l where l.approval_id = a.id and l.kind = 'remainder') as lapsed,
      case when a.benefit_type = 'lunch' then (select mp.price_cents from provider_meal_prices mp
        where mp.provider_id = p.id and mp.valid_from <= ${v.serviceDate}::date
        order by mp.valid_from desc limit 1) end as meal_price_cents,
      case when a.benefit_type = 'lunch' then (select min(g.slot) from generate_series(1, s.lunch_meals_per_day) as g(slot)
        where not exists (select 1 from redemptions r where r.beneficiary_id = c.beneficiary_id
          and r.service_date = ${v.serviceDate}::date and r.benefit_type = 'lunch' and r.status = 'booked'
          and r.meal_slot = g.slot)) end as free_meal_slot,
      ik.request_hash, ik.status as idem_status, ik.response as idem_response
    from city_settings s
    left join providers p on p.id = ${v.providerId}
    left join cards c on ${card}
    left join beneficiaries b on b.id = c.beneficiary_id
    left join approvals a on a.id = ${v.approvalId}
    left join benefit_types bt on bt.code = a.benefit_type
    left join idempotency_keys ik on ik.scope = ${v.scope} and ik.key = ${v.key}
    where s.id = 1`;
}

const contextByCardId = hotStatement<RedeemContextValues>((v) => redeemContextSql(v, true));
const contextByCardNumber = hotStatement<RedeemContextValues>((v) => redeemContextSql(v, false));

function redeemContextValues(params: RedeemContextParams) {
  const { ref, approvalId, serviceDate, providerId, scope, key } = params;
  const byCardId = 'cardId' in ref;
  const values: RedeemContextValues = {
    card: byCardId ? ref.cardId : ref.cardNumber,
    approvalId,
    serviceDate,
    providerId,
    scope,
    key,
  };
  return { statement: byCardId ? contextByCardId : contextByCardNumber, values };
}

/** The statement of `readRedeemContext` with its values bound (exported so tools can render or explain it). */
export function redeemContextStatement(params: RedeemContextParams): SQL {
  const { statement, values } = redeemContextValues(params);
  return statement.sql(values);
}

/** The one read of a booking; its text is rendered once per shape (`hotStatement`). */
export async function readRedeemContext(db: DbOrTx, params: RedeemContextParams): Promise<RedeemContext> {
  const { statement, values } = redeemContextValues(params);
  const [row] = await statement.run<RedeemContextRow>(db, values);
  if (!row) throw new Error('city_settings row 1 is missing');
  return {
    settings: settingsOf(row),
    provider:
      row.provider_status === null
        ? null
        : { status: row.provider_status, benefitTypes: row.provider_benefit_types ?? [] },
    card: cardOf(row),
    approval:
      row.approval_id === null || row.approval_beneficiary_id === null || row.benefit_type === null
        ? null
        : {
            id: row.approval_id,
            beneficiaryId: row.approval_beneficiary_id,
            benefitType: row.benefit_type,
            redeemable: row.redeemable ?? false,
            validFrom: row.valid_from ?? '',
            validTo: row.valid_to ?? '',
            providerId: row.approval_provider_id,
            remainingCents: row.remaining_cents,
            hourlyRateCents: row.hourly_rate_cents,
            revokedFrom: row.revoked_from,
            lapsed: row.lapsed ?? false,
          },
    mealPriceCents: row.meal_price_cents,
    freeMealSlot: row.free_meal_slot,
    stored:
      row.request_hash === null
        ? null
        : { requestHash: row.request_hash, status: row.idem_status ?? 201, response: row.idem_response },
  };
}

/** A provider's redemption as its own lists show it (with what the display name needs). */
export interface ProviderRedemptionRow {
  id: string;
  approvalId: string;
  benefitType: string;
  serviceDate: string;
  amountCents: number;
  status: 'booked' | 'reversed';
  minutes: number | null;
  purpose: string | null;
  bookedAt: Date;
  reversedAt: Date | null;
  settled: boolean;
  givenName: string;
  familyName: string;
}

interface ProviderRedemptionRaw extends Omit<ProviderRedemptionRow, 'bookedAt' | 'reversedAt'> {
  bookedAt: Date | string;
  reversedAt: Date | string | null;
}

const REDEMPTION_COLUMNS = sql`r.id, r.approval_id as "approvalId", r.benefit_type as "benefitType",
  r.service_date as "serviceDate", r.amount_cents as "amountCents", r.status, r.minutes, r.purpose,
  r.booked_at as "bookedAt", r.reversed_at as "reversedAt", exists (select 1 from settlement_lines l where l.redemption_id = r.id) as settled,
  b.given_name as "givenName", b.family_name as "familyName"`;

const toDate = (value: Date | string) => (value instanceof Date ? value : new Date(value));

function providerRedemption(row: ProviderRedemptionRaw): ProviderRedemptionRow {
  return { ...row, bookedAt: toDate(row.bookedAt), reversedAt: row.reversedAt ? toDate(row.reversedAt) : null };
}

/** The provider's own redemptions with service dates in `from..to`, newest booking first. */
export async function listProviderRedemptions(
  db: DbOrTx,
  params: { providerId: string; from: string; to: string; limit: number },
): Promise<ProviderRedemptionRow[]> {
  const rows = await runPrepared<ProviderRedemptionRaw>(
    db,
    sql`select ${REDEMPTION_COLUMNS}
        from redemptions r join beneficiaries b on b.id = r.beneficiary_id
        where r.provider_id = ${params.providerId} and r.service_date between ${params.from}::date and ${params.to}::date
        order by r.booked_at desc, r.id desc
        limit ${params.limit}`,
  );
  return rows.map(providerRedemption);
}

/** One of the provider's own redemptions, or null (another provider's counts as missing). */
export async function findProviderRedemption(
  db: DbOrTx,
  params: { providerId: string; redemptionId: string },
): Promise<ProviderRedemptionRow | null> {
  const [row] = await runPrepared<ProviderRedemptionRaw>(
    db,
    sql`select ${REDEMPTION_COLUMNS}
        from redemptions r join beneficiaries b on b.id = r.beneficiary_id
        where r.id = ${params.redemptionId} and r.provider_id = ${params.providerId}`,
  );
  return row ? providerRedemption(row) : null;
}
