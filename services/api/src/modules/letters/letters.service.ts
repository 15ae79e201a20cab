import { berlinDate, type Clock, type FamilyLanguage } from '@tk/core';
import type { DbOrTx } from '@tk/db';
import type { Actor } from '../../lib/audit.ts';
import { audit } from '../../lib/audit.ts';
import { cardBrand, cardsForPrint, selectCards } from '../cards/cards.service.ts';
import { getSettings } from '../catalogue/catalogue.service.ts';
import {
  approvalsOfChild,
  currentApprovals,
  type NewFamilyCode,
  newFamilyCode,
  storeFamilyCode,
} from '../family/family.service.ts';
import { recordCardReads } from '../privacy/access-log.service.ts';
import { renderCardLetters } from './letters.render.ts';

export interface LetterDeps {
  clock: Clock;
  /** Where families reach the web UI (config `PUBLIC_URL`). */
  publicUrl: string;
}

/** The family page with the card number (and language) filled in; the access code never goes into a link. */
export function familyPageLink(publicUrl: string, cardNumber: string, lang: FamilyLanguage): string {
  const query = new URLSearchParams({ karte: cardNumber, ...(lang === 'de' ? {} : { lang }) });
  return `${publicUrl}/familie?${query}`;
}

/**
 * Card letters for active cards, one PDF (each letter from a new page): every card gets a freshly
 * issued family access code, printed in its letter. The PDF is rendered first; then all codes' hashes
 * and the audit entries are stored in one transaction, so the previous codes stop working exactly when
 * the letters with the new ones exist. All or nothing: 404 `card_not_found`, 409 `card_not_active`.
 */
export async function printCardLetters(
  db: DbOrTx,
  deps: LetterDeps,
  selection: { cardIds?: string[] | undefined; importJobId?: string | undefined },
  lang: FamilyLanguage,
  actor: Actor,
): Promise<Buffer> {
  const entries = await cardsForPrint(db, await selectCards(db, selection));
  const today = berlinDate(deps.clock.now());
  const settings = await getSettings(db);
  const { logo, title } = await cardBrand(db);
  const prepared: ((typeof entries)[number] & {
    approvals: ReturnType<typeof currentApprovals>;
    fresh: NewFamilyCode;
  })[] = [];
  for (const { card, givenName, familyName } of entries) {
    const approvals = currentApprovals(
      await approvalsOfChild(db, card.beneficiaryId, today, true),
      today,
      settings.gracePeriodMonths,
    );
    prepared.push({ card, givenName, familyName, approvals, fresh: await newFamilyCode() });
  }
  const pdf = await renderCardLetters(
    prepared.map(({ card, givenName, familyName, approvals, fresh }) => ({
      lang,
      cityName: settings.cityName,
      logo,
      cardTitle: title,
      today,
      card: { cardNumber: card.cardNumber, qrToken: card.qrToken, givenName, familyName },
      familyAccessCode: fresh.code,
      entitlements: approvals.map((a) => ({
        benefitType: a.benefitType,
        validFrom: a.validFrom,
        validTo: a.validTo,
        availableCents: a.remainingCents,
      })),
      familyUrl: familyPageLink(deps.publicUrl, card.cardNumber, lang),
      familyPageUrl: `${deps.publicUrl}/familie`,
      providersUrl: `${deps.publicUrl}/anbieter`,
    })),
  );
  await db.transaction(async (tx) => {
    for (const { card, fresh } of prepared) {
      await storeFamilyCode(tx, card.id, fresh, actor, deps.clock.now());
      await audit(tx, actor, { action: 'card.letter_printed', entityType: 'card', entityId: card.id, data: { lang } });
    }
    await recordCardReads(
      tx,
      actor,
      deps.clock,
      'letter',
      prepared.map((p) => p.card.id),
    );
  });
  return pdf;
}
