import { generateCardNumber, newId } from '@tk/core';
import {
  approvals,
  auditLog,
  beneficiaries,
  cards,
  type DbOrTx,
  providerMealPrices,
  providers,
  redemptionReversals,
  redemptions,
  settlementLines,
} from '@tk/db';
import { eq } from 'drizzle-orm';
import { signCardToken } from '../src/lib/card-token.ts';
import type { KeyRings } from '../src/lib/keys.ts';

/**
 * Small factories for tests: rows straight into the test's own database, with sensible defaults.
 * They bypass the services on purpose (fast setup); the services' own tests go through the API.
 */
let seq = 0;

/** Factories write an audit row like every real write does, so `verify` finds the log complete. */
async function audited(db: DbOrTx, entityType: string, entityId: string) {
  await db
    .insert(auditLog)
    .values({ action: `${entityType}.created`, entityType, entityId, data: { by: 'test-factory' } });
}

export async function makeProvider(
  db: DbOrTx,
  over: Partial<typeof providers.$inferInsert> & { mealPriceCents?: number } = {},
) {
  const { mealPriceCents, ...rest } = over;
  const n = ++seq;
  const [row] = await db
    .insert(providers)
    .values({
      id: newId('provider'),
      name: `Anbieter ${n}`,
      category: 'club',
      status: 'approved',
      benefitTypes: ['participation'],
      accountHolder: `Anbieter ${n} e.V.`,
      iban: 'DE89370400440532013000',
      town: 'Musterstadt',
      country: 'DE',
      ...rest,
    })
    .returning();
  await audited(db, 'provider', row!.id);
  if (mealPriceCents) {
    await db
      .insert(providerMealPrices)
      .values({ id: newId('provider'), providerId: row!.id, validFrom: '2000-01-01', priceCents: mealPriceCents });
  }
  return row!;
}

export async function makeBeneficiary(db: DbOrTx, over: Partial<typeof beneficiaries.$inferInsert> = {}) {
  const n = ++seq;
  const [row] = await db
    .insert(beneficiaries)
    .values({
      id: newId('beneficiary'),
      givenName: 'Mia',
      familyName: `Muster${n}`,
      birthDate: '2015-05-05',
      caseReference: `AZ-${n}-${newId('beneficiary').slice(-8)}`,
      ...over,
    })
    .returning();
  await audited(db, 'beneficiary', row!.id);
  return row!;
}

export async function makeApproval(
  db: DbOrTx,
  over: Partial<typeof approvals.$inferInsert> & { beneficiaryId: string },
) {
  const budget = over.budgetCents === undefined ? (over.benefitType === 'lunch' ? null : 5000) : over.budgetCents;
  const [row] = await db
    .insert(approvals)
    .values({
      id: newId('approval'),
      benefitType: 'participation',
      legalBasis: 'SGB_II',
      costBearer: 'JOBCENTER',
      validFrom: '2026-01-01',
      validTo: '2026-12-31',
      ...over,
      budgetCents: budget,
      remainingCents: over.remainingCents === undefined ? budget : over.remainingCents,
    })
    .returning();
  await audited(db, 'approval', row!.id);
  return row!;
}

export async function makeCard(db: DbOrTx, keys: KeyRings, beneficiaryId: string) {
  const id = newId('card');
  const { token, keyId } = await signCardToken(keys.card, id);
  const [row] = await db
    .insert(cards)
    .values({ id, beneficiaryId, cardNumber: generateCardNumber(), qrToken: token, keyId })
    .returning();
  await audited(db, 'card', row!.id);
  return row!;
}

/** A child with a card and one approval: the usual starting point of a terminal test. */
export async function makeChildWithCard(
  db: DbOrTx,
  keys: KeyRings,
  approval: Partial<typeof approvals.$inferInsert> = {},
  child: Partial<typeof beneficiaries.$inferInsert> = {},
) {
  const beneficiary = await makeBeneficiary(db, child);
  const approvalRow = await makeApproval(db, { ...approval, beneficiaryId: beneficiary.id });
  const card = await makeCard(db, keys, beneficiary.id);
  return { beneficiary, approval: approvalRow, card };
}

/**
 * A booked redemption straight into the table (settlement tests do not depend on the terminal).
 * `bookedAt` decides which settlement cutoff takes it.
 */
export async function makeRedemption(
  db: DbOrTx,
  over: Partial<typeof redemptions.$inferInsert> & {
    providerId: string;
    approvalId: string;
    beneficiaryId: string;
    cardId: string;
  },
) {
  const [row] = await db
    .insert(redemptions)
    .values({
      id: newId('redemption'),
      benefitType: 'participation',
      serviceDate: '2026-11-10',
      amountCents: 1000,
      bookedBy: 'usr_test',
      ...over,
    })
    .returning();
  await audited(db, 'redemption', row!.id);
  return row!;
}

/**
 * A reversal row as the terminal writes it: `void` before settlement, `correction` after (the
 * redemption's settlement line exists). Flips the redemption to `reversed`.
 */
export async function makeReversal(
  db: DbOrTx,
  redemption: typeof redemptions.$inferSelect,
  over: Partial<typeof redemptionReversals.$inferInsert> = {},
) {
  const settled = (await db.select().from(settlementLines).where(eq(settlementLines.redemptionId, redemption.id)))
    .length;
  const kind = over.kind ?? (settled ? 'correction' : 'void');
  const reversedAt = over.reversedAt ?? new Date();
  const [row] = await db
    .insert(redemptionReversals)
    .values({
      id: newId('reversal'),
      redemptionId: redemption.id,
      providerId: redemption.providerId,
      amountCents: redemption.amountCents,
      kind,
      reversedBy: 'usr_test',
      ...over,
      reversedAt,
    })
    .returning();
  await db.update(redemptions).set({ status: 'reversed', reversedAt }).where(eq(redemptions.id, redemption.id));
  await audited(db, 'redemption_reversal', row!.id);
  return row!;
}

/** A correction (reversal after settlement) of a settled redemption. */
export const makeCorrection = (
  db: DbOrTx,
  redemption: typeof redemptions.$inferSelect,
  over: Partial<typeof redemptionReversals.$inferInsert> = {},
) => makeReversal(db, redemption, { ...over, kind: 'correction' });
