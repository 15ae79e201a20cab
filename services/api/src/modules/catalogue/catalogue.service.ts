import type { Clock, EffectiveRate } from '@tk/core';
import {
  benefitRates,
  benefitTypes,
  citySettings,
  costBearers,
  type Db,
  type DbOrTx,
  legalBases,
  readTogether,
} from '@tk/db';
import { asc, desc, eq } from 'drizzle-orm';
import { type Actor, audit } from '../../lib/audit.ts';
import { normalizeBic, normalizeIban } from '../../lib/bank-account.ts';
import { RateNotAfterLatest, UnknownBenefitType } from './catalogue.errors.ts';
import type { Catalogue, CitySettings, CitySettingsRow, UpdateCitySettingsInput } from './catalogue.schemas.ts';

function toSettings(row: CitySettingsRow): CitySettings {
  return {
    cityName: row.cityName,
    cardTitle: row.cardTitle,
    gracePeriodMonths: row.gracePeriodMonths,
    participationMode: row.participationMode,
    lunchMealsPerDay: row.lunchMealsPerDay,
    mealPriceCapCents: row.mealPriceCapCents,
    debtorName: row.debtorName,
    debtorIban: row.debtorIban,
    debtorBic: row.debtorBic,
    maxStaffPerProvider: row.maxStaffPerProvider,
    address: {
      office: row.addressOffice,
      street: row.addressStreet,
      postalCode: row.addressPostalCode,
      town: row.addressTown,
    },
    retentionMonths: row.retentionMonths,
    idempotencyKeyRetentionDays: row.idempotencyKeyRetentionDays,
    declineRetentionDays: row.declineRetentionDays,
    throttleCounterRetentionHours: row.throttleCounterRetentionHours,
    districts: row.districts,
    outreachWeeks: row.outreachWeeks,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The city's settings (the single row created by migration 0001). */
export async function getSettings(db: DbOrTx): Promise<CitySettings> {
  const [row] = await db.select().from(citySettings).where(eq(citySettings.id, 1));
  if (!row) throw new Error('city_settings row missing (migration 0001)');
  return toSettings(row);
}

/** Effective-dated rates of one benefit type, oldest first. */
export async function ratesOf(db: DbOrTx, benefitType: string): Promise<EffectiveRate[]> {
  return db
    .select({ validFrom: benefitRates.validFrom, amountCents: benefitRates.amountCents })
    .from(benefitRates)
    .where(eq(benefitRates.benefitType, benefitType))
    .orderBy(asc(benefitRates.validFrom));
}

/** The whole catalogue as data: benefit types, rates, legal bases, cost bearers, settings. */
export async function getCatalogue(db: DbOrTx): Promise<Catalogue> {
  const [types, rates, bases, bearers, settings] = await readTogether(db, [
    () => db.select().from(benefitTypes).orderBy(asc(benefitTypes.code)),
    () => db.select().from(benefitRates).orderBy(asc(benefitRates.benefitType), asc(benefitRates.validFrom)),
    () => db.select().from(legalBases).orderBy(asc(legalBases.code)),
    () => db.select().from(costBearers).orderBy(asc(costBearers.code)),
    () => getSettings(db),
  ]);
  return {
    benefitTypes: types.map((t) => ({
      code: t.code,
      nameDe: t.nameDe,
      ruleKind: t.ruleKind,
      redeemable: t.redeemable,
    })),
    rates: rates.map((r) => ({ benefitType: r.benefitType, validFrom: r.validFrom, amountCents: r.amountCents })),
    legalBases: bases.map((b) => ({ code: b.code, nameDe: b.nameDe, federalRefund: b.federalRefund })),
    costBearers: bearers.map((b) => ({ code: b.code, nameDe: b.nameDe })),
    settings,
  };
}

/**
 * Appends an effective-dated rate (e.g. participation 20 € from a future date). Rates are
 * append-only: the new one must start after the latest existing one of its type, so budgets already
 * granted stay explainable. Throws 400 `unknown_benefit_type`, 409 `rate_not_after_latest`.
 */
export async function addBenefitRate(
  db: Db,
  input: { benefitType: string; validFrom: string; amountCents: number },
  actor: Actor,
): Promise<{ benefitType: string; validFrom: string; amountCents: number }> {
  return db.transaction(async (tx) => {
    const [type] = await tx.select().from(benefitTypes).where(eq(benefitTypes.code, input.benefitType)).for('update');
    if (!type) throw new UnknownBenefitType(input.benefitType);
    const [latest] = await tx
      .select({ validFrom: benefitRates.validFrom })
      .from(benefitRates)
      .where(eq(benefitRates.benefitType, input.benefitType))
      .orderBy(desc(benefitRates.validFrom))
      .limit(1);
    if (latest && latest.validFrom >= input.validFrom) throw new RateNotAfterLatest(latest.validFrom);
    const [row] = await tx.insert(benefitRates).values(input).returning();
    await audit(tx, actor, {
      action: 'benefit_rate.added',
      entityType: 'benefit_rate',
      entityId: String(row!.id),
      data: { benefitType: input.benefitType, validFrom: input.validFrom, amountCents: input.amountCents },
    });
    return { benefitType: row!.benefitType, validFrom: row!.validFrom, amountCents: row!.amountCents };
  });
}

/** Changes the city's settings (grace period, participation mode, meals per day, cap, debtor account). Audited. */
export async function updateCitySettings(
  db: Db,
  input: UpdateCitySettingsInput,
  actor: Actor,
  clock: Clock,
): Promise<CitySettings> {
  const { address, ...rest } = input;
  const change: Partial<typeof citySettings.$inferInsert> = {
    ...rest,
    ...(address
      ? {
          addressOffice: address.office ?? null,
          addressStreet: address.street ?? null,
          addressPostalCode: address.postalCode ?? null,
          addressTown: address.town ?? null,
        }
      : {}),
  };
  if (input.debtorIban !== undefined) change.debtorIban = normalizeIban(input.debtorIban);
  if (input.debtorBic !== undefined) change.debtorBic = normalizeBic(input.debtorBic);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(citySettings)
      .set({ ...change, updatedAt: clock.now() })
      .where(eq(citySettings.id, 1))
      .returning();
    await audit(tx, actor, {
      action: 'city_settings.updated',
      entityType: 'city_settings',
      entityId: '1',
      data: { fields: Object.keys(input) },
    });
    return toSettings(row!);
  });
}

export { cityLogoPng, deleteCityLogo, getCityLogo, setCityLogo } from './catalogue.logo.ts';
