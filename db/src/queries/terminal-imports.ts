import { sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from '../client.ts';
import type { BookingApproval, StoredAnswer, TerminalCard, TerminalSettings } from './terminal.ts';

/**
 * The reads of a bulk booking file (importRedemptions): everything the single booking's rules need for
 * ALL lines of the file in a handful of statements instead of one context read per line. The bookings
 * themselves still go through the bookings module's guarded statement, line by line.
 */

export interface ImportContextParams {
  providerId: string;
  /** Normalised 16-digit card numbers. */
  cardNumbers: string[];
  /** The service dates the lunch lines name (for the meal slots already taken). */
  lunchDates: string[];
  /** Idempotency scope and the per-line keys whose stored answers are read. */
  scope: string;
  keys: string[];
}

export interface ImportCard extends TerminalCard {
  cardNumber: string;
}

export interface ImportApproval extends BookingApproval {
  reference: string | null;
  subject: string | null;
}

export interface ImportContext {
  settings: TerminalSettings;
  provider: { status: string; benefitTypes: string[] } | null;
  cards: ImportCard[];
  /** Every approval of the children behind those cards (the rules decide which one a line may book). */
  approvals: ImportApproval[];
  /** The provider's meal prices, newest first. */
  mealPrices: { validFrom: string; priceCents: number }[];
  /** Lunch slots booked for those children on the lunch lines' dates (at any provider). */
  lunchSlots: { beneficiaryId: string; serviceDate: string; mealSlot: number }[];
  /** Answers stored under the per-line keys. */
  stored: (StoredAnswer & { key: string })[];
}

const list = (values: string[]) => sql`(select value from json_array_elements_text(${JSON.stringify(values)}::json))`;

export async function readImportContext(db: DbOrTx, params: ImportContextParams): Promise<ImportContext> {
  const [head] = await queryRows<{
    grace_period_months: number;
    lunch_meals_per_day: number;
    meal_price_cap_cents: number | null;
    provider_status: string | null;
    provider_benefit_types: string[] | null;
  }>(
    db,
    sql`select s.grace_period_months, s.lunch_meals_per_day, s.meal_price_cap_cents,
          p.status as provider_status, p.benefit_types as provider_benefit_types
        from city_settings s left join providers p on p.id = ${params.providerId}
        where s.id = 1`,
  );
  if (!head) throw new Error('city_settings row 1 is missing');
  const cards = await queryRows<ImportCard>(
    db,
    sql`select c.id, c.card_number as "cardNumber", c.status, c.beneficiary_id as "beneficiaryId",
          b.given_name as "givenName", b.family_name as "familyName", b.birth_date as "birthDate"
        from cards c join beneficiaries b on b.id = c.beneficiary_id
        where c.card_number in ${list(params.cardNumbers)}`,
  );
  const beneficiaryIds = [...new Set(cards.map((c) => c.beneficiaryId))];
  const approvals = beneficiaryIds.length
    ? await queryRows<ImportApproval>(
        db,
        sql`select a.id, a.beneficiary_id as "beneficiaryId", a.benefit_type as "benefitType", bt.redeemable,
              a.valid_from as "validFrom", a.valid_to as "validTo", a.provider_id as "providerId",
              a.remaining_cents as "remainingCents", a.hourly_rate_cents as "hourlyRateCents",
              a.revoked_from as "revokedFrom", a.reference, a.subject
            from approvals a join benefit_types bt on bt.code = a.benefit_type
            where a.beneficiary_id in ${list(beneficiaryIds)}
            order by a.valid_from, a.id`,
      )
    : [];
  const mealPrices = await queryRows<{ validFrom: string; priceCents: number }>(
    db,
    sql`select valid_from as "validFrom", price_cents as "priceCents" from provider_meal_prices
        where provider_id = ${params.providerId} order by valid_from desc`,
  );
  const lunchSlots =
    beneficiaryIds.length && params.lunchDates.length
      ? await queryRows<{ beneficiaryId: string; serviceDate: string; mealSlot: number }>(
          db,
          sql`select r.beneficiary_id as "beneficiaryId", r.service_date as "serviceDate", r.meal_slot as "mealSlot"
              from redemptions r
              where r.beneficiary_id in ${list(beneficiaryIds)} and r.benefit_type = 'lunch' and r.status = 'booked'
                and r.service_date in (select value::date from json_array_elements_text(${JSON.stringify(params.lunchDates)}::json))`,
        )
      : [];
  const stored = params.keys.length
    ? await queryRows<StoredAnswer & { key: string }>(
        db,
        sql`select key, request_hash as "requestHash", status, response from idempotency_keys
            where scope = ${params.scope} and key in ${list(params.keys)}`,
      )
    : [];
  return {
    settings: {
      gracePeriodMonths: head.grace_period_months,
      lunchMealsPerDay: head.lunch_meals_per_day,
      mealPriceCapCents: head.meal_price_cap_cents,
    },
    provider:
      head.provider_status === null
        ? null
        : { status: head.provider_status, benefitTypes: head.provider_benefit_types ?? [] },
    cards,
    approvals,
    mealPrices,
    lunchSlots,
    stored,
  };
}
