import { FAMILY_LANGUAGES } from '@tk/core';
import { auditLog } from '@tk/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familyPageLink } from '../src/modules/letters/letters.service.ts';
import { LETTER_TEXTS } from '../src/modules/letters/letters.texts.ts';
import { makeApproval, makeBeneficiary } from './factories.ts';
import { pdfText } from './pdf-text.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

let t: TestContext;
let caseworker: { id: string; token: string };

beforeAll(async () => {
  t = await createTestContext();
  caseworker = await t.user('caseworker');
});
afterAll(() => t.close());

let address = 0;
const balance = (cardNumber: string, accessCode: string) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/family/balance',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ cardNumber, accessCode }),
    remoteAddress: `203.0.113.${++address}`,
  });

async function childWithCard() {
  const child = await makeBeneficiary(t.db, { givenName: 'Łukasz', familyName: 'Nguyễn' });
  await makeApproval(t.db, { beneficiaryId: child.id, budgetCents: 18000, remainingCents: 18000 });
  await makeApproval(t.db, { beneficiaryId: child.id, benefitType: 'lunch' });
  const res = await t.call('POST', `/api/v1/beneficiaries/${child.id}/cards`, { token: caseworker.token });
  return {
    child,
    card: res.json() as { id: string; cardNumber: string; cardNumberFormatted: string; familyAccessCode: string },
  };
}

const letter = (cardId: string, body?: unknown, token = caseworker.token) =>
  t.call('POST', `/api/v1/cards/${cardId}/letter`, { token, ...(body === undefined ? {} : { body }) });

describe('printCardLetter', () => {
  it('prints the letter with a fresh access code: the new code works, the previous one stops', async () => {
    const { child, card } = await childWithCard();
    const res = await letter(card.id);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['cache-control']).toBe('no-store');
    const text = pdfText(res.rawPayload);
    const code = text.match(/\b[A-Z2-9]{5}-[A-Z2-9]{5}\b/)?.[0];
    expect(code).toBeDefined();
    expect(code).not.toBe(card.familyAccessCode);
    expect(text).toContain('Ihre Karte für Łukasz Nguyễn');
    expect(text).toContain(card.cardNumberFormatted);
    expect(text).toContain('Verein, Musik und Freizeit (Teilhabe)');
    expect(text).toMatch(/180,00\s€/);
    expect(text).toContain('1 Essen je Schultag');
    expect(text).toContain('/anbieter');
    expectProblem(await balance(card.cardNumber, card.familyAccessCode), 404, 'family_access_denied');
    expect((await balance(card.cardNumber, code!)).statusCode).toBe(200);
    const printed = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'card.letter_printed'), eq(auditLog.entityId, card.id)));
    expect(printed).toHaveLength(1);
    expect(JSON.stringify(printed[0]!.data)).not.toContain(code!);
    expect(child.id).toBeTruthy();
  });

  it('every language renders with its own title; Arabic is drawn in Arabic glyphs', async () => {
    const { card } = await childWithCard();
    for (const lang of FAMILY_LANGUAGES) {
      const res = await letter(card.id, { lang });
      expect(res.statusCode, lang).toBe(200);
      const text = pdfText(res.rawPayload);
      expect(text, lang).toContain(card.cardNumberFormatted);
      if (lang === 'ar') expect(text.split('\n').some((l) => /[\u0600-\u06FF]{3}/.test(l))).toBe(true);
      else expect(text, lang).toContain(LETTER_TEXTS[lang].title.replace('{child}', 'Łukasz Nguyễn'));
    }
  });

  it('the QR link opens the family page with the card number, never the code', () => {
    const link = familyPageLink('https://karte.example.de', '4000123412341234', 'ar');
    expect(link).toBe('https://karte.example.de/familie?karte=4000123412341234&lang=ar');
    expect(familyPageLink('https://karte.example.de', '4000123412341234', 'de')).toBe(
      'https://karte.example.de/familie?karte=4000123412341234',
    );
  });

  it('400 for an unknown language, 404 unknown card, 409 blocked card, 401 without token, 403 for admin', async () => {
    const { card } = await childWithCard();
    expectProblem(await letter(card.id, { lang: 'fr' }), 400, 'validation_failed');
    expectProblem(await letter('card_nope'), 404, 'card_not_found');
    expectProblem(await t.call('POST', `/api/v1/cards/${card.id}/letter`), 401, 'unauthenticated');
    const admin = await t.user('admin');
    expectProblem(await letter(card.id, undefined, admin.token), 403, 'forbidden');
    await t.call('POST', `/api/v1/cards/${card.id}/block`, { token: caseworker.token, body: { reason: 'lost' } });
    expectProblem(await letter(card.id), 409, 'card_not_active');
    // Nothing was issued by the refused attempts: the code from issueCard still works.
    expect((await balance(card.cardNumber, card.familyAccessCode)).statusCode).toBe(200);
  });

  it('bulk: one PDF with a letter per card (a page each or more), every card gets its own new code', async () => {
    const one = await childWithCard();
    const two = await childWithCard();
    const res = await t.call('POST', '/api/v1/cards/letters', {
      token: caseworker.token,
      body: { cardIds: [one.card.id, two.card.id], lang: 'tr' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const text = pdfText(res.rawPayload);
    const codes = [...text.matchAll(/\b[A-Z2-9]{5}-[A-Z2-9]{5}\b/g)].map((m) => m[0]);
    expect(new Set(codes).size).toBe(2);
    expect(text).toContain(one.card.cardNumberFormatted);
    expect(text).toContain(two.card.cardNumberFormatted);
    expect(text.match(/Łukasz Nguyễn için kartınız/g)).toHaveLength(2);
    // The letters appear in the order asked, so the first code belongs to the first card.
    expect((await balance(one.card.cardNumber, codes[0]!)).statusCode).toBe(200);
    expect((await balance(two.card.cardNumber, codes[1]!)).statusCode).toBe(200);
    expectProblem(await balance(one.card.cardNumber, one.card.familyAccessCode), 404, 'family_access_denied');
    // All or nothing: one unknown card refuses the whole run, and no code changes.
    expectProblem(
      await t.call('POST', '/api/v1/cards/letters', {
        token: caseworker.token,
        body: { cardIds: [one.card.id, 'card_nope'] },
      }),
      404,
      'card_not_found',
    );
    expect((await balance(one.card.cardNumber, codes[0]!)).statusCode).toBe(200);
    expectProblem(
      await t.call('POST', '/api/v1/cards/letters', { token: caseworker.token, body: { cardIds: [] } }),
      400,
      'validation_failed',
    );
  });
});
