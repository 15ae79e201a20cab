import { berlinDate, type Clock, type FamilyLanguage } from '@tk/core';
import type { DbOrTx } from '@tk/db';
import type { Actor } from '../../lib/audit.ts';
import { audit } from '../../lib/audit.ts';
import { cardsForPrint } from '../cards/cards.service.ts';
import { getSettings } from '../catalogue/catalogue.service.ts';
import { newFamilyCode, storeFamilyCode } from '../family/family.codes.ts';
import { approvalsOfChild, currentApprovals } from '../family/family.service.ts';
import { renderCardLetter } from './letters.render.ts';

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
 * The card letter for one active card: renders the PDF with a freshly issued family access code and
 * stores that code's hash in one transaction with the audit entry, so the previous code stops working
 * exactly when a letter with the new one exists. 404 `card_not_found`, 409 `card_not_active`.
 */
export async function printCardLetter(
  db: DbOrTx,
  deps: LetterDeps,
  cardId: string,
  lang: FamilyLanguage,
  actor: Actor,
): Promise<Buffer> {
  const [entry] = await cardsForPrint(db, [cardId]);
  const { card, givenName, familyName } = entry!;
  const today = berlinDate(deps.clock.now());
  const settings = await getSettings(db);
  const approvals = currentApprovals(
    await approvalsOfChild(db, card.beneficiaryId, today, true),
    today,
    settings.gracePeriodMonths,
  );
  const fresh = await newFamilyCode();
  const pdf = await renderCardLetter({
    lang,
    cityName: settings.cityName,
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
  });
  await db.transaction(async (tx) => {
    await storeFamilyCode(tx, card.id, fresh, actor);
    await audit(tx, actor, { action: 'card.letter_printed', entityType: 'card', entityId: card.id, data: { lang } });
  });
  return pdf;
}
