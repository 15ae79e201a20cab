import { berlinDate, type Clock, isProviderRole, newId, rateOn } from '@tk/core';
import {
  type Db,
  type DbOrTx,
  providerMealPriceProposals,
  providerMealPrices,
  providerRegistrations,
  providers,
} from '@tk/db';
import { and, arrayContains, asc, desc, eq, gt, ilike, inArray, isNull, ne, or, type SQL, sql } from 'drizzle-orm';
import { type Actor, audit } from '../../lib/audit.ts';
import { normalizeBic, normalizeIban } from '../../lib/bank-account.ts';
import { Forbidden, FourEyesRequired } from '../../lib/problems.ts';
import { getSettings } from '../catalogue/catalogue.service.ts';
import { activateUser } from '../users/users.service.ts';
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
import type { CreateProviderInput, Provider, ProviderWarning, UpdateProviderInput } from './providers.schemas.ts';

type ProviderRow = typeof providers.$inferSelect;
type MealPriceRow = { providerId: string; validFrom: string; priceCents: number };
type ProposalRow = typeof providerMealPriceProposals.$inferSelect;
type Details = { prices: MealPriceRow[]; selfRegistered: Set<string>; proposals: ProposalRow[] };

function toProvider(row: ProviderRow, { prices, selfRegistered, proposals }: Details, today: string): Provider {
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
    ...(row.phone ? { phone: row.phone } : {}),
    publicListing: row.publicListing,
    bankDataApproved: row.bankDataApproved,
    selfRegistered: selfRegistered.has(row.id),
    ...(current ? { mealPriceCents: current.amountCents } : {}),
    mealPrices: own,
    mealPriceProposals: proposals
      .filter((p) => p.providerId === row.id)
      .map((p) => ({
        id: p.id,
        validFrom: p.validFrom,
        priceCents: p.priceCents,
        status: p.status,
        proposedAt: p.proposedAt.toISOString(),
      })),
    ...(row.bankDataChangedBy ? { bankDataChangedBy: row.bankDataChangedBy } : {}),
    ...(row.bankDataChangedAt ? { bankDataChangedAt: row.bankDataChangedAt.toISOString() } : {}),
    ...(row.approvedBy ? { approvedBy: row.approvedBy } : {}),
    ...(row.approvedAt ? { approvedAt: row.approvedAt.toISOString() } : {}),
    createdAt: row.createdAt.toISOString(),
  };
}

/** Meal prices of these providers and which of them registered themselves. */
async function detailsOf(db: DbOrTx, ids: string[]): Promise<Details> {
  if (ids.length === 0) return { prices: [], selfRegistered: new Set(), proposals: [] };
  const prices = await db
    .select({
      providerId: providerMealPrices.providerId,
      validFrom: providerMealPrices.validFrom,
      priceCents: providerMealPrices.priceCents,
    })
    .from(providerMealPrices)
    .where(inArray(providerMealPrices.providerId, ids));
  const registered = await db
    .select({ providerId: providerRegistrations.providerId })
    .from(providerRegistrations)
    .where(inArray(providerRegistrations.providerId, ids));
  // Open proposals and those of the last 90 days are enough to show the provider what became of them.
  const proposals = await db
    .select()
    .from(providerMealPriceProposals)
    .where(
      and(
        inArray(providerMealPriceProposals.providerId, ids),
        or(
          eq(providerMealPriceProposals.status, 'pending'),
          gt(providerMealPriceProposals.proposedAt, sql`now() - interval '90 days'`),
        ),
      ),
    )
    .orderBy(desc(providerMealPriceProposals.proposedAt));
  return { prices, selfRegistered: new Set(registered.map((r) => r.providerId)), proposals };
}

/** On the first approval of a self-registered provider: its admin account may sign in from now on. */
async function activateRegisteredAdmin(tx: DbOrTx, providerId: string, actor: Actor): Promise<void> {
  const [registration] = await tx
    .update(providerRegistrations)
    .set({ activatedAt: new Date() })
    .where(and(eq(providerRegistrations.providerId, providerId), isNull(providerRegistrations.activatedAt)))
    .returning({ adminUserId: providerRegistrations.adminUserId });
  if (registration) await activateUser(tx, registration.adminUserId, actor);
}

function checkCategory(category: ProviderCategory, benefitTypes: readonly string[]): void {
  if (!allowedFor(category, benefitTypes)) {
    throw new BenefitTypesNotAllowed(category, CATEGORY_BENEFIT_TYPES[category], benefitTypes);
  }
}

/**
 * The category (derived when absent) checked against the benefit types, and the normalised bank data
 * of a new provider. Throws 400 `category_required`, `benefit_types_not_allowed`, `invalid_iban`, `invalid_bic`.
 */
export function checkNewProvider(input: {
  category?: ProviderCategory | undefined;
  benefitTypes: readonly string[];
  iban: string;
  bic?: string | null | undefined;
}): { category: ProviderCategory; iban: string; bic: string | null } {
  const category = input.category ?? guessCategory(input.benefitTypes);
  if (!category) throw new CategoryRequired();
  checkCategory(category, input.benefitTypes);
  return { category, iban: normalizeIban(input.iban), bic: normalizeBic(input.bic) };
}

/** Appends a meal price row (within the city's cap); 409 when one with that start date exists. */
export async function appendMealPrice(
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
 * Other providers whose account has this IBAN (normalised): a warning for the admin, never a refusal
 * (one sponsor may pay for several clubs), and never shown to provider users (other providers' data).
 */
export async function ibanWarnings(tx: DbOrTx, iban: string, exceptId: string): Promise<ProviderWarning[]> {
  const rows = await tx
    .select({ id: providers.id, name: providers.name })
    .from(providers)
    .where(and(eq(providers.iban, iban), ne(providers.id, exceptId)))
    .orderBy(asc(providers.name));
  return rows.map((r) => ({ code: 'iban_in_use', providerId: r.id, providerName: r.name }));
}

/** The answer with its warnings, when there are any. */
const withWarnings = (provider: Provider, warnings: ProviderWarning[]) =>
  warnings.length > 0 ? { ...provider, warnings } : provider;

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
): Promise<Provider & { warnings?: ProviderWarning[] }> {
  const now = clock.now();
  const today = berlinDate(now);
  const { category, iban, bic } = checkNewProvider(input);
  if (input.mealPriceCents !== undefined && !input.benefitTypes.includes('lunch')) throw new MealPriceNotApplicable();
  return db.transaction(async (tx) => {
    const row = await insertProvider(
      tx,
      { ...input, category, iban, bic, bankDataChangedBy: actor.userId },
      actor,
      'provider.created',
    );
    if (input.mealPriceCents !== undefined) {
      await appendMealPrice(tx, row.id, input.mealPriceCents, input.mealPriceValidFrom ?? today, actor);
    }
    return withWarnings(toProvider(row, await detailsOf(tx, [row.id]), today), await ibanWarnings(tx, iban, row.id));
  });
}

/** Validated, normalised data of a new provider (createProvider, registerProvider). */
export interface NewProvider {
  id?: string;
  name: string;
  category: ProviderCategory;
  benefitTypes: readonly string[];
  accountHolder: string;
  iban: string;
  bic: string | null;
  address: { street?: string | undefined; postalCode?: string | undefined; town: string; country: string };
  email?: string | undefined;
  phone?: string | undefined;
  bankDataChangedBy: string | null;
}

/** Inserts a `pending` provider and its audit entry in the caller's transaction. */
export async function insertProvider(tx: DbOrTx, input: NewProvider, actor: Actor, action: string) {
  const [row] = await tx
    .insert(providers)
    .values({
      id: input.id ?? newId('provider'),
      name: input.name,
      category: input.category,
      status: 'pending',
      benefitTypes: [...new Set(input.benefitTypes)],
      accountHolder: input.accountHolder,
      iban: input.iban,
      bic: input.bic,
      street: input.address.street ?? null,
      postalCode: input.address.postalCode ?? null,
      town: input.address.town,
      country: input.address.country,
      email: input.email ?? null,
      phone: input.phone ?? null,
      bankDataChangedBy: input.bankDataChangedBy,
      bankDataChangedAt: new Date(),
      createdBy: actor.userId,
    })
    .returning();
  await audit(tx, actor, {
    action,
    entityType: 'provider',
    entityId: row!.id,
    data: { category: input.category, benefitTypes: row!.benefitTypes },
  });
  return row!;
}

/** Provider roles see only their own provider; others get 404 (a 403 across tenants is hidden). */
export function scopeCheck(actor: Actor, providerId: string): void {
  if (isProviderRole(actor.role) && actor.providerId !== providerId) {
    throw providerNotFound();
  }
}

/**
 * One provider; for an admin with the `iban_in_use` warnings of its bank data (so a self-registered
 * provider that reuses another's IBAN is noticed before it is approved).
 */
export async function getProvider(
  db: DbOrTx,
  providerId: string,
  actor: Actor,
  today: string,
): Promise<Provider & { warnings?: ProviderWarning[] }> {
  scopeCheck(actor, providerId);
  const [row] = await db.select().from(providers).where(eq(providers.id, providerId));
  if (!row) throw providerNotFound();
  const provider = toProvider(row, await detailsOf(db, [row.id]), today);
  return actor.role === 'admin' ? withWarnings(provider, await ibanWarnings(db, row.iban, row.id)) : provider;
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
  const details = await detailsOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toProvider(r, details, today));
}

/** What a provider admin may change of its own provider (api-v1 `updateProvider`). */
const OWN_FIELDS = new Set(['accountHolder', 'iban', 'bic', 'address', 'email', 'contact', 'publicListing']);

/**
 * Changes a provider. A change of bank data (account holder, IBAN, BIC) records who changed it; by an
 * admin it sets `needs_reapproval` (a pending provider stays pending), by the provider's own admin it
 * sets `bankDataApproved: false` (the terminal keeps working, releases are refused until an admin
 * approves). Either way payments wait for another person. A provider admin changes only its own
 * provider's contact, address, listing and bank data (403 otherwise, 404 for another provider).
 * A meal price is appended as a new effective-dated row. Audited with the changed fields only.
 */
export async function updateProvider(
  db: Db,
  providerId: string,
  input: UpdateProviderInput,
  actor: Actor,
  clock: Clock,
): Promise<Provider & { warnings?: ProviderWarning[] }> {
  const now = clock.now();
  const today = berlinDate(now);
  const own = actor.role === 'provider_admin';
  if (own) {
    scopeCheck(actor, providerId);
    const denied = Object.keys(input).filter((k) => !OWN_FIELDS.has(k));
    if (denied.length > 0) throw new Forbidden(`A provider admin may not change ${denied.join(', ')}.`);
  }
  const iban = input.iban !== undefined ? normalizeIban(input.iban) : undefined;
  const bic = input.bic !== undefined ? normalizeBic(input.bic) : undefined;
  const email = input.contact?.email !== undefined ? input.contact.email : input.email;
  const phone = input.contact?.phone;
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
          ...(email !== undefined ? { email } : {}),
          ...(phone !== undefined ? { phone } : {}),
          ...(input.publicListing !== undefined ? { publicListing: input.publicListing } : {}),
          ...(bankChanged.length > 0
            ? {
                bankDataChangedBy: actor.userId,
                bankDataChangedAt: now,
                ...(own
                  ? { bankDataApproved: false }
                  : { status: current.status === 'pending' ? ('pending' as const) : ('needs_reapproval' as const) }),
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
        data: {
          fields,
          ...(bankChanged.length > 0
            ? { bankFields: bankChanged, status: row.status, bankDataApproved: row.bankDataApproved }
            : {}),
        },
      });
    }
    if (input.mealPriceCents !== undefined) {
      await appendMealPrice(tx, providerId, input.mealPriceCents, input.mealPriceValidFrom ?? today, actor);
    }
    const provider = toProvider(row, await detailsOf(tx, [providerId]), today);
    return own || !bankChanged.includes('iban')
      ? provider
      : withWarnings(provider, await ibanWarnings(tx, row.iban, providerId));
  });
}

/**
 * Approves a provider (pending, needs_reapproval or suspended → approved) and its bank data (also of
 * an approved provider whose admin changed them). Four eyes: the admin who last changed the bank data
 * (the creator counts) gets 409 `four_eyes_required`; a self-registered provider's bank data were
 * entered by its own admin, so any city admin may approve. The first approval of a self-registered
 * provider activates its admin account.
 */
export async function approveProvider(db: Db, providerId: string, actor: Actor, clock: Clock): Promise<Provider> {
  const now = clock.now();
  const today = berlinDate(now);
  if (actor.role !== 'admin' && actor.role !== 'system') throw new Forbidden();
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(providers).where(eq(providers.id, providerId)).for('update');
    if (!current) throw providerNotFound();
    if (current.status === 'approved' && current.bankDataApproved) {
      throw new ProviderStatusConflict(current.status, 'approved again');
    }
    if (actor.userId !== null && current.bankDataChangedBy === actor.userId)
      throw new FourEyesRequired('You last changed this provider’s bank data; another admin must approve it.');
    const [row] = await tx
      .update(providers)
      .set({ status: 'approved', bankDataApproved: true, approvedBy: actor.userId, approvedAt: now, updatedAt: now })
      .where(eq(providers.id, providerId))
      .returning();
    await audit(tx, actor, {
      action: 'provider.approved',
      entityType: 'provider',
      entityId: providerId,
      data: { from: current.status, ...(current.bankDataApproved ? {} : { bankData: 'approved' }) },
    });
    await activateRegisteredAdmin(tx, providerId, actor);
    return toProvider(row!, await detailsOf(tx, [providerId]), today);
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
    return toProvider(row!, await detailsOf(tx, [providerId]), today);
  });
}
