import { berlinDate, type Clock, isProviderRole, newId, rateOn } from '@tk/core';
import { type Db, type DbOrTx, providerMealPrices, providers } from '@tk/db';
import { and, arrayContains, asc, eq, ilike, inArray, type SQL } from 'drizzle-orm';
import { type Actor, audit } from '../../lib/audit.ts';
import { normalizeBic, normalizeIban } from '../../lib/bank-account.ts';
import { Forbidden, FourEyesRequired } from '../../lib/problems.ts';
import { getSettings } from '../catalogue/catalogue.service.ts';
import {
  BenefitTypesNotAllowed,
  CategoryRequired,
  MealPriceAboveCap,
  MealPriceExists,
  MealPriceNotApplicable,
  ProviderStatusConflict,
  providerNotFound,
} from './providers.errors.ts';
import { allowedFor, CATEGORY_BENEFIT_TYPES, guessCategory, type ProviderCategory } from './providers.rules.ts';
import type { CreateProviderInput, Provider, UpdateProviderInput } from './providers.schemas.ts';

type ProviderRow = typeof providers.$inferSelect;
type MealPriceRow = { providerId: string; validFrom: string; priceCents: number };

function toProvider(row: ProviderRow, prices: MealPriceRow[], today: string): Provider {
  const own = prices
    .filter((p) => p.providerId === row.id)
    .map((p) => ({ validFrom: p.validFrom, priceCents: p.priceCents }))
    .sort((a, b) => a.validFrom.localeCompare(b.validFrom));
  const current = rateOn(
    own.map((p) => ({ validFrom: p.validFrom, amountCents: p.priceCents })),
    today,
  );
  return {
    id: row.id,
    name: row.name,
    category: row.category,
    status: row.status,
    benefitTypes: row.benefitTypes as Provider['benefitTypes'],
    accountHolder: row.accountHolder,
    iban: row.iban,
    ...(row.bic ? { bic: row.bic } : {}),
    address: {
      ...(row.street ? { street: row.street } : {}),
      ...(row.postalCode ? { postalCode: row.postalCode } : {}),
      town: row.town,
      country: row.country,
    },
    ...(row.email ? { email: row.email } : {}),
    ...(current ? { mealPriceCents: current.amountCents } : {}),
    mealPrices: own,
    ...(row.bankDataChangedBy ? { bankDataChangedBy: row.bankDataChangedBy } : {}),
    ...(row.bankDataChangedAt ? { bankDataChangedAt: row.bankDataChangedAt.toISOString() } : {}),
    ...(row.approvedBy ? { approvedBy: row.approvedBy } : {}),
    ...(row.approvedAt ? { approvedAt: row.approvedAt.toISOString() } : {}),
    createdAt: row.createdAt.toISOString(),
  };
}

async function pricesOf(db: DbOrTx, ids: string[]): Promise<MealPriceRow[]> {
  if (ids.length === 0) return [];
  return db
    .select({
      providerId: providerMealPrices.providerId,
      validFrom: providerMealPrices.validFrom,
      priceCents: providerMealPrices.priceCents,
    })
    .from(providerMealPrices)
    .where(inArray(providerMealPrices.providerId, ids));
}

function checkCategory(category: ProviderCategory, benefitTypes: readonly string[]): void {
  if (!allowedFor(category, benefitTypes)) {
    throw new BenefitTypesNotAllowed(category, CATEGORY_BENEFIT_TYPES[category], benefitTypes);
  }
}

/** Appends a meal price row (within the city's cap); 409 when one with that start date exists. */
async function appendMealPrice(
  tx: DbOrTx,
  providerId: string,
  priceCents: number,
  validFrom: string,
  actor: Actor,
): Promise<void> {
  const settings = await getSettings(tx);
  if (settings.mealPriceCapCents !== null && priceCents > settings.mealPriceCapCents) {
    throw new MealPriceAboveCap(settings.mealPriceCapCents);
  }
  const inserted = await tx
    .insert(providerMealPrices)
    .values({ id: newId('provider'), providerId, validFrom, priceCents, createdBy: actor.userId })
    .onConflictDoNothing()
    .returning({ id: providerMealPrices.id });
  if (inserted.length === 0) throw new MealPriceExists(validFrom);
  await audit(tx, actor, {
    action: 'provider.meal_price_set',
    entityType: 'provider',
    entityId: providerId,
    data: { validFrom, priceCents },
  });
}

/**
 * Registers a provider (status `pending`). The benefit types must fit the category (derived when
 * absent); IBAN/BIC are validated with ibantools; the creator counts as the last changer of the bank
 * data, so another admin must approve. Throws 400 `invalid_iban`, `invalid_bic`,
 * `benefit_types_not_allowed`, `category_required`, `meal_price_not_applicable`, 422 `meal_price_above_cap`.
 */
export async function createProvider(
  db: Db,
  input: CreateProviderInput,
  actor: Actor,
  clock: Clock,
): Promise<Provider> {
  const now = clock.now();
  const today = berlinDate(now);
  const category = input.category ?? guessCategory(input.benefitTypes);
  if (!category) throw new CategoryRequired();
  checkCategory(category, input.benefitTypes);
  const iban = normalizeIban(input.iban);
  const bic = normalizeBic(input.bic);
  if (input.mealPriceCents !== undefined && !input.benefitTypes.includes('lunch')) throw new MealPriceNotApplicable();
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(providers)
      .values({
        id: newId('provider'),
        name: input.name,
        category,
        status: 'pending',
        benefitTypes: [...new Set(input.benefitTypes)],
        accountHolder: input.accountHolder,
        iban,
        bic,
        street: input.address.street ?? null,
        postalCode: input.address.postalCode ?? null,
        town: input.address.town,
        country: input.address.country,
        email: input.email ?? null,
        bankDataChangedBy: actor.userId,
        bankDataChangedAt: now,
        createdBy: actor.userId,
      })
      .returning();
    await audit(tx, actor, {
      action: 'provider.created',
      entityType: 'provider',
      entityId: row!.id,
      data: { category, benefitTypes: row!.benefitTypes },
    });
    if (input.mealPriceCents !== undefined) {
      await appendMealPrice(tx, row!.id, input.mealPriceCents, input.mealPriceValidFrom ?? today, actor);
    }
    return toProvider(row!, await pricesOf(tx, [row!.id]), today);
  });
}

/** Provider roles see only their own provider; others get 404 (a 403 across tenants is hidden). */
function scopeCheck(actor: Actor, providerId: string): void {
  if (isProviderRole(actor.role) && actor.providerId !== providerId) {
    throw providerNotFound();
  }
}

export async function getProvider(db: DbOrTx, providerId: string, actor: Actor, today: string): Promise<Provider> {
  scopeCheck(actor, providerId);
  const [row] = await db.select().from(providers).where(eq(providers.id, providerId));
  if (!row) throw providerNotFound();
  return toProvider(row, await pricesOf(db, [row.id]), today);
}

export async function listProviders(
  db: DbOrTx,
  filter: { status?: ProviderRow['status'] | undefined; benefitType?: string | undefined; q?: string | undefined },
  today: string,
): Promise<Provider[]> {
  const where: SQL[] = [];
  if (filter.status) where.push(eq(providers.status, filter.status));
  if (filter.benefitType) where.push(arrayContains(providers.benefitTypes, [filter.benefitType]));
  if (filter.q) where.push(ilike(providers.name, `%${filter.q.replace(/[\\%_]/g, '\\$&')}%`));
  const rows = await db
    .select()
    .from(providers)
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(providers.name));
  const prices = await pricesOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toProvider(r, prices, today));
}

/**
 * Changes a provider. A change of bank data (account holder, IBAN, BIC) records who changed it and
 * sets `needs_reapproval` (a pending provider stays pending): payments stop until another admin
 * approves. A meal price is appended as a new effective-dated row. Audited with the changed fields only.
 */
export async function updateProvider(
  db: Db,
  providerId: string,
  input: UpdateProviderInput,
  actor: Actor,
  clock: Clock,
): Promise<Provider> {
  const now = clock.now();
  const today = berlinDate(now);
  const iban = input.iban !== undefined ? normalizeIban(input.iban) : undefined;
  const bic = input.bic !== undefined ? normalizeBic(input.bic) : undefined;
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(providers).where(eq(providers.id, providerId)).for('update');
    if (!current) throw providerNotFound();
    const category = input.category ?? current.category;
    const benefitTypes = input.benefitTypes ? [...new Set(input.benefitTypes)] : current.benefitTypes;
    if (input.category || input.benefitTypes) checkCategory(category, benefitTypes);
    if (input.mealPriceCents !== undefined && !benefitTypes.includes('lunch')) throw new MealPriceNotApplicable();

    const bankChanged: string[] = [];
    if (input.accountHolder !== undefined && input.accountHolder !== current.accountHolder)
      bankChanged.push('accountHolder');
    if (iban !== undefined && iban !== current.iban) bankChanged.push('iban');
    if (bic !== undefined && bic !== current.bic) bankChanged.push('bic');
    const fields = Object.keys(input).filter((k) => k !== 'mealPriceCents' && k !== 'mealPriceValidFrom');
    let row = current;
    if (fields.length > 0) {
      const [updated] = await tx
        .update(providers)
        .set({
          ...(input.name !== undefined ? { name: input.name } : {}),
          category,
          benefitTypes,
          ...(input.accountHolder !== undefined ? { accountHolder: input.accountHolder } : {}),
          ...(iban !== undefined ? { iban } : {}),
          ...(bic !== undefined ? { bic } : {}),
          ...(input.address
            ? {
                street: input.address.street ?? null,
                postalCode: input.address.postalCode ?? null,
                town: input.address.town,
                country: input.address.country,
              }
            : {}),
          ...(input.email !== undefined ? { email: input.email } : {}),
          ...(bankChanged.length > 0
            ? {
                bankDataChangedBy: actor.userId,
                bankDataChangedAt: now,
                status: current.status === 'pending' ? 'pending' : 'needs_reapproval',
              }
            : {}),
          updatedAt: now,
        })
        .where(eq(providers.id, providerId))
        .returning();
      row = updated!;
      await audit(tx, actor, {
        action: bankChanged.length > 0 ? 'provider.bank_data_changed' : 'provider.updated',
        entityType: 'provider',
        entityId: providerId,
        data: { fields, ...(bankChanged.length > 0 ? { bankFields: bankChanged, status: row.status } : {}) },
      });
    }
    if (input.mealPriceCents !== undefined) {
      await appendMealPrice(tx, providerId, input.mealPriceCents, input.mealPriceValidFrom ?? today, actor);
    }
    return toProvider(row, await pricesOf(tx, [providerId]), today);
  });
}

/**
 * Approves a provider (pending, needs_reapproval or suspended → approved). Four eyes: the admin who
 * last changed the bank data (the creator counts) gets 409 `four_eyes_required`.
 */
export async function approveProvider(db: Db, providerId: string, actor: Actor, clock: Clock): Promise<Provider> {
  const now = clock.now();
  const today = berlinDate(now);
  if (actor.role !== 'admin' && actor.role !== 'system') throw new Forbidden();
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(providers).where(eq(providers.id, providerId)).for('update');
    if (!current) throw providerNotFound();
    if (current.status === 'approved') throw new ProviderStatusConflict(current.status, 'approved again');
    if (actor.userId !== null && current.bankDataChangedBy === actor.userId)
      throw new FourEyesRequired('You last changed this provider’s bank data; another admin must approve it.');
    const [row] = await tx
      .update(providers)
      .set({ status: 'approved', approvedBy: actor.userId, approvedAt: now, updatedAt: now })
      .where(eq(providers.id, providerId))
      .returning();
    await audit(tx, actor, {
      action: 'provider.approved',
      entityType: 'provider',
      entityId: providerId,
      data: { from: current.status },
    });
    return toProvider(row!, await pricesOf(tx, [providerId]), today);
  });
}

/** Suspends a provider: its terminals can no longer redeem until it is approved again. */
export async function suspendProvider(
  db: Db,
  providerId: string,
  reason: string | undefined,
  actor: Actor,
  clock: Clock,
): Promise<Provider> {
  const now = clock.now();
  const today = berlinDate(now);
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(providers).where(eq(providers.id, providerId)).for('update');
    if (!current) throw providerNotFound();
    if (current.status === 'suspended') throw new ProviderStatusConflict(current.status, 'suspended again');
    const [row] = await tx
      .update(providers)
      .set({ status: 'suspended', updatedAt: now })
      .where(eq(providers.id, providerId))
      .returning();
    await audit(tx, actor, {
      action: 'provider.suspended',
      entityType: 'provider',
      entityId: providerId,
      data: { from: current.status, ...(reason ? { reason } : {}) },
    });
    return toProvider(row!, await pricesOf(tx, [providerId]), today);
  });
}
