import { type Clock, formatCardNumber, generateCardNumber, newId } from '@tk/core';
import { auditLog, beneficiaries, cards, type DbOrTx, importJobs, insertMany, readTogether } from '@tk/db';
import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import { type Actor, audit, auditMany } from '../../lib/audit.ts';
import { cardTokenSigner, signCardToken } from '../../lib/card-token.ts';
import type { KeyRing } from '../../lib/keys.ts';
import { BeneficiaryNotFound, ValidationFailed } from '../../lib/problems.ts';
import { cityLogoPng, getSettings } from '../catalogue/catalogue.service.ts';
import { newFamilyCode, revokeFamilyCode, storeFamilyCode } from '../family/family.service.ts';
import { ImportNotFound } from '../imports/imports.errors.ts';
import { recordCardReads } from '../privacy/access-log.service.ts';
import { ActiveCardExists, CardAlreadyReplaced, CardNotActive, cardNotFound } from './cards.errors.ts';
import { type CardBrand, id1Pdf, sheetPdf } from './cards.render.ts';
import type { Card, CardSelectionInput } from './cards.schemas.ts';

/** The ID-1 card drawing, for documents that carry the card (the letter to the family). */
export { type CardBrand, drawCard, ID1_HEIGHT_PT, ID1_WIDTH_PT, type PrintableCard } from './cards.render.ts';

type CardRow = typeof cards.$inferSelect;
type BlockReason = NonNullable<CardRow['blockReason']>;

export function toCard(row: CardRow): Card {
  return {
    id: row.id,
    beneficiaryId: row.beneficiaryId,
    cardNumber: row.cardNumber,
    cardNumberFormatted: formatCardNumber(row.cardNumber),
    qrToken: row.qrToken,
    keyId: row.keyId,
    status: row.status,
    ...(row.blockReason ? { blockReason: row.blockReason } : {}),
    issuedAt: row.issuedAt.toISOString(),
    ...(row.blockedAt ? { blockedAt: row.blockedAt.toISOString() } : {}),
    ...(row.replacedByCardId ? { replacedByCardId: row.replacedByCardId } : {}),
  };
}

/** Attempts before giving up on a free card number (a collision among 10^15 numbers is already rare). */
const NUMBER_ATTEMPTS = 8;

/**
 * Issues new active cards for many children in one statement per attempt (the import's bulk path and
 * the single issue alike): random 16-digit Luhn numbers, QR tokens signed with the current card key,
 * `ON CONFLICT DO NOTHING` over both unique indexes. A clash on a card number retries those children
 * with new numbers; a child that has an active card keeps it and is returned in `withActiveCard`.
 */
export async function issueCardsInBulk(
  tx: DbOrTx,
  ring: KeyRing,
  beneficiaryIds: string[],
  actor: Actor,
): Promise<{ issued: { id: string; beneficiaryId: string }[]; withActiveCard: string[] }> {
  const signToken = cardTokenSigner(ring);
  const issued: { id: string; beneficiaryId: string }[] = [];
  const withActiveCard: string[] = [];
  let pending = beneficiaryIds;
  for (let attempt = 0; pending.length > 0 && attempt < NUMBER_ATTEMPTS; attempt++) {
    const rows = await insertMany<{ id: string; beneficiary_id: string }>(
      tx,
      'cards',
      'id text, beneficiary_id text, card_number text, qr_token text, key_id text, issued_by text',
      pending.map((beneficiaryId) => {
        const id = newId('card');
        return {
          id,
          beneficiary_id: beneficiaryId,
          card_number: generateCardNumber(),
          qr_token: signToken(id),
          key_id: ring.signer.kid,
          issued_by: actor.userId,
        };
      }),
      'on conflict do nothing returning id, beneficiary_id',
    );
    for (const r of rows) issued.push({ id: r.id, beneficiaryId: r.beneficiary_id });
    const done = new Set(rows.map((r) => r.beneficiary_id));
    pending = pending.filter((b) => !done.has(b));
    if (pending.length > 0) {
      const active = await tx
        .select({ b: cards.beneficiaryId })
        .from(cards)
        .where(and(eq(cards.status, 'active'), inArray(cards.beneficiaryId, pending)));
      const has = new Set(active.map((a) => a.b));
      withActiveCard.push(...pending.filter((b) => has.has(b)));
      pending = pending.filter((b) => !has.has(b));
    }
  }
  if (pending.length > 0) throw new Error('no free card number found');
  return { issued, withActiveCard };
}

/** Inserts one new active card for a child inside `tx`; 409 `active_card_exists` when it has one. */
async function insertCard(tx: DbOrTx, ring: KeyRing, beneficiaryId: string, actor: Actor): Promise<CardRow> {
  const { issued } = await issueCardsInBulk(tx, ring, [beneficiaryId], actor);
  const [row] = issued[0] ? await tx.select().from(cards).where(eq(cards.id, issued[0].id)) : [];
  if (row) return row;
  const [active] = await tx
    .select({ id: cards.id })
    .from(cards)
    .where(and(eq(cards.beneficiaryId, beneficiaryId), eq(cards.status, 'active')));
  throw new ActiveCardExists(active?.id ?? '');
}

/**
 * Issues the child's card: random 16-digit Luhn number, QR token signed with the current card key,
 * and the family access code (returned once, stored as a hash). One active card per child (partial
 * unique index): 409 `active_card_exists`; 404 `beneficiary_not_found`.
 */
export async function issueCard(
  db: DbOrTx,
  ring: KeyRing,
  beneficiaryId: string,
  actor: Actor,
  clock: Clock,
): Promise<Card & { familyAccessCode: string }> {
  const familyCode = await newFamilyCode();
  return db.transaction(async (tx) => {
    const [child] = await tx
      .select({ id: beneficiaries.id, pseudonymisedAt: beneficiaries.pseudonymisedAt })
      .from(beneficiaries)
      .where(eq(beneficiaries.id, beneficiaryId))
      .for('update');
    // A pseudonymised child (retention run) gets no card any more.
    if (!child || child.pseudonymisedAt) throw new BeneficiaryNotFound();
    const row = await insertCard(tx, ring, beneficiaryId, actor);
    await audit(tx, actor, {
      action: 'card.issued',
      entityType: 'card',
      entityId: row.id,
      data: { beneficiaryId, keyId: row.keyId },
    });
    await storeFamilyCode(tx, row.id, familyCode, actor, clock.now());
    return { ...toCard(row), familyAccessCode: familyCode.code };
  });
}

export async function getCard(db: DbOrTx, cardId: string): Promise<Card> {
  const [row] = await db.select().from(cards).where(eq(cards.id, cardId));
  if (!row) throw cardNotFound();
  return toCard(row);
}

/** Blocks an active card (lost, stolen, damaged, other): it stops working at once. 409 `card_not_active`. */
export async function blockCard(
  db: DbOrTx,
  cardId: string,
  reason: BlockReason,
  actor: Actor,
  clock: Clock,
): Promise<Card> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(cards).where(eq(cards.id, cardId)).for('update');
    if (!current) throw cardNotFound();
    if (current.status !== 'active') throw new CardNotActive(current.status);
    const [row] = await tx
      .update(cards)
      .set({ status: 'blocked', blockReason: reason, blockedAt: clock.now(), blockedBy: actor.userId })
      .where(eq(cards.id, cardId))
      .returning();
    await audit(tx, actor, { action: 'card.blocked', entityType: 'card', entityId: cardId, data: { reason } });
    return toCard(row!);
  });
}

/**
 * Replaces an active or blocked card in one transaction: the old one becomes `replaced` (pointing at
 * its successor) and a new active card is issued with a new family access code; the old card's code
 * stops working. Budgets belong to the child, so nothing moves. 409 `card_already_replaced`.
 */
export async function replaceCard(
  db: DbOrTx,
  ring: KeyRing,
  cardId: string,
  reason: BlockReason | undefined,
  actor: Actor,
  clock: Clock,
): Promise<Card & { replacedCardId: string; familyAccessCode: string }> {
  const familyCode = await newFamilyCode();
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(cards).where(eq(cards.id, cardId)).for('update');
    if (!current) throw cardNotFound();
    if (current.status === 'replaced') throw new CardAlreadyReplaced();
    const [child] = await tx
      .select({ pseudonymisedAt: beneficiaries.pseudonymisedAt })
      .from(beneficiaries)
      .where(eq(beneficiaries.id, current.beneficiaryId));
    // The cards of a pseudonymised child (retention run) stay deactivated.
    if (child?.pseudonymisedAt) throw new BeneficiaryNotFound();
    // The old card leaves `active` first, so the partial unique index admits the new one.
    await tx
      .update(cards)
      .set({
        status: 'replaced',
        ...(current.status === 'active'
          ? { blockReason: reason ?? 'other', blockedAt: clock.now(), blockedBy: actor.userId }
          : {}),
      })
      .where(eq(cards.id, cardId));
    const fresh = await insertCard(tx, ring, current.beneficiaryId, actor);
    await tx.update(cards).set({ replacedByCardId: fresh.id }).where(eq(cards.id, cardId));
    await audit(tx, actor, {
      action: 'card.replaced',
      entityType: 'card',
      entityId: cardId,
      data: { newCardId: fresh.id, from: current.status, ...(reason ? { reason } : {}) },
    });
    await audit(tx, actor, {
      action: 'card.issued',
      entityType: 'card',
      entityId: fresh.id,
      data: { beneficiaryId: current.beneficiaryId, replaces: cardId, keyId: fresh.keyId },
    });
    await revokeFamilyCode(tx, cardId);
    await storeFamilyCode(tx, fresh.id, familyCode, actor, clock.now());
    return { ...toCard(fresh), replacedCardId: cardId, familyAccessCode: familyCode.code };
  });
}

/** Active cards for printing, in the order asked; 404 for an unknown id, 409 for a card that is not active. */
export async function cardsForPrint(
  db: DbOrTx,
  cardIds: string[],
): Promise<{ card: CardRow; givenName: string; familyName: string }[]> {
  const rows = await db
    .select({ card: cards, givenName: beneficiaries.givenName, familyName: beneficiaries.familyName })
    .from(cards)
    .innerJoin(beneficiaries, eq(beneficiaries.id, cards.beneficiaryId))
    .where(inArray(cards.id, cardIds));
  const byId = new Map(rows.map((r) => [r.card.id, r]));
  return cardIds.map((id) => {
    const row = byId.get(id);
    if (!row) throw cardNotFound();
    if (row.card.status !== 'active') throw new CardNotActive(row.card.status);
    return { card: row.card, givenName: row.givenName ?? '', familyName: row.familyName ?? '' };
  });
}

/**
 * Key rotation (ADR 0008): re-signs the QR token of every active card signed by `fromKeyId` with the
 * current signing key, in batches. The card number stays; the printed QR changes, so these cards are
 * reprinted before the old key is retired. Audited once per batch with the card ids.
 */
export async function resignCards(
  db: DbOrTx,
  ring: KeyRing,
  fromKeyId: string,
  actor: Actor,
): Promise<{ resignedCards: number; keyId: string }> {
  const keyId = ring.signer.kid;
  if (fromKeyId === keyId) return { resignedCards: 0, keyId };
  let total = 0;
  for (;;) {
    const done = await db.transaction(async (tx) => {
      const batch = await tx
        .select({ id: cards.id })
        .from(cards)
        .where(and(eq(cards.keyId, fromKeyId), eq(cards.status, 'active'), ne(cards.keyId, keyId)))
        .limit(500)
        .for('update', { skipLocked: true });
      for (const card of batch) {
        const { token } = await signCardToken(ring, card.id);
        await tx.update(cards).set({ qrToken: token, keyId }).where(eq(cards.id, card.id));
      }
      if (batch.length > 0) {
        await audit(tx, actor, {
          action: 'card.resigned',
          entityType: 'card',
          data: { fromKeyId, toKeyId: keyId, cardIds: batch.map((c) => c.id) },
        });
      }
      return batch.length;
    });
    total += done;
    if (done === 0) break;
  }
  return { resignedCards: total, keyId };
}

/**
 * Issues a new family access code for a card that is not replaced; the previous one stops working.
 * 404 `card_not_found` (also for a replaced card, which has no code any more).
 */
export async function resetFamilyAccessCode(db: DbOrTx, cardId: string, actor: Actor, clock: Clock): Promise<string> {
  const fresh = await newFamilyCode();
  await db.transaction(async (tx) => {
    const [card] = await tx.select({ status: cards.status }).from(cards).where(eq(cards.id, cardId)).for('update');
    if (!card || card.status === 'replaced') throw cardNotFound();
    await storeFamilyCode(tx, cardId, fresh, actor, clock.now());
  });
  return fresh.code;
}

/** The city's name, the card title and the logo as the card shows them (also for the card letter). */
export async function cardBrand(db: DbOrTx): Promise<CardBrand> {
  const [{ cityName, cardTitle }, logo] = await readTogether(db, [() => getSettings(db), () => cityLogoPng(db)]);
  return { cityName, title: cardTitle, logo };
}

/** A print run holds at most this many cards (the PDF of 2,000 letters is ≈ 2,000 pages). */
export const MAX_CARDS_PER_PRINT = 2000;

/**
 * The card ids a print asks for: the given ids, or the cards an import issued (its `card.issued` audit
 * entries) that are still active, in import order. 404 `import_not_found`; 409 `card_not_active` when
 * none of the import's cards is active any more; 400 `validation_failed` above 2,000 cards.
 */
export async function selectCards(db: DbOrTx, selection: CardSelectionInput): Promise<string[]> {
  if (selection.cardIds) return selection.cardIds;
  const importJobId = selection.importJobId ?? '';
  const [job] = await db.select({ id: importJobs.id }).from(importJobs).where(eq(importJobs.id, importJobId));
  if (!job) throw new ImportNotFound();
  const rows = await db
    .select({ id: cards.id })
    .from(auditLog)
    .innerJoin(cards, eq(cards.id, auditLog.entityId))
    .where(
      and(
        eq(auditLog.action, 'card.issued'),
        sql`(${auditLog.data} ->> 'importJobId') = ${importJobId}`,
        eq(cards.status, 'active'),
      ),
    )
    .orderBy(asc(auditLog.id));
  if (rows.length === 0) throw new CardNotActive('not active (this import has no active card left)');
  if (rows.length > MAX_CARDS_PER_PRINT) {
    throw new ValidationFailed(
      [{ pointer: '/importJobId', detail: `more than ${MAX_CARDS_PER_PRINT} active cards` }],
      `The import issued ${rows.length} active cards; print at most ${MAX_CARDS_PER_PRINT} at a time (select them in the search).`,
    );
  }
  return rows.map((r) => r.id);
}

/** `id1`: one card per page of ID-1 size (card printers; one card = the single print); `a4`: 10 per A4 sheet. */
export type CardPrintFormat = 'id1' | 'a4';

/**
 * The print file of active cards in the order asked, with the city's name and logo, and one audit entry
 * `card.printed` per card (with the format and how many were printed together). All or nothing:
 * 404 `card_not_found`, 409 `card_not_active` before anything is rendered or audited.
 */
export async function printCards(
  db: DbOrTx,
  selection: CardSelectionInput,
  format: CardPrintFormat,
  actor: Actor,
  clock: Clock,
): Promise<{ pdf: Buffer; cardIds: string[] }> {
  const entries = await cardsForPrint(db, await selectCards(db, selection));
  const [brand] = await readTogether(db, [
    () => cardBrand(db),
    () =>
      recordCardReads(
        db,
        actor,
        clock,
        'card_print',
        entries.map((e) => e.card.id),
      ),
  ]);
  const list = entries.map((e) => ({ ...e.card, givenName: e.givenName, familyName: e.familyName }));
  const pdf = await (format === 'a4' ? sheetPdf(list, brand) : id1Pdf(list, brand));
  await auditMany(
    db,
    actor,
    entries.map((e) => ({
      action: 'card.printed',
      entityType: 'card',
      entityId: e.card.id,
      data: { format, count: entries.length },
    })),
  );
  return { pdf, cardIds: entries.map((e) => e.card.id) };
}
