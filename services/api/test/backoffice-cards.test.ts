import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isValidCardNumber } from '@tk/core';
import { approvals, auditLog, cards } from '@tk/db';
import { eq } from 'drizzle-orm';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCardToken } from '../src/lib/card-token.ts';
import { generateJwk, keyRingFromJwks } from '../src/lib/keys.ts';
import { issueCard, resignCards } from '../src/modules/cards/cards.service.ts';
import { makeApproval, makeBeneficiary, makeCard, makeProvider } from './factories.ts';
import { pdfText } from './pdf-text.ts';
import { createTestContext, expectProblem, onServer, type TestContext } from './support.ts';

let t: TestContext;
let caseworker: { id: string; token: string };

beforeAll(async () => {
  t = await createTestContext();
  caseworker = await t.user('caseworker');
});
afterAll(() => t.close());

const issue = (beneficiaryId: string, token = caseworker.token) =>
  t.call('POST', `/api/v1/beneficiaries/${beneficiaryId}/cards`, { token });

function decodePng(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data ?? null;
}

describe('issueCard', () => {
  it('issues an active card with a random 16-digit Luhn number and a token that verifies to the card id', async () => {
    const child = await makeBeneficiary(t.db);
    const res = await issue(child.id);
    expect(res.statusCode, res.body).toBe(201);
    const card = res.json();
    expect(card).toMatchObject({ status: 'active', beneficiaryId: child.id, keyId: 'card-test' });
    expect(card.cardNumber).toMatch(/^\d{16}$/);
    expect(isValidCardNumber(card.cardNumber)).toBe(true);
    expect(card.cardNumberFormatted).toBe(card.cardNumber.replace(/(\d{4})(?=\d)/g, '$1 '));
    expect(await verifyCardToken(t.keys.card, card.qrToken)).toBe(card.id);
    // The token carries nothing but the card id and the key id.
    const [header, payload] = card.qrToken.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'EdDSA', kid: 'card-test' });
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toEqual({ c: card.id });
    const [a] = await t.db.select().from(auditLog).where(eq(auditLog.entityId, card.id));
    expect(a!.action).toBe('card.issued');
  });

  it('409 active_card_exists for a second card; 404 for an unknown child; 401; 403 for other roles', async () => {
    const child = await makeBeneficiary(t.db);
    const first = (await issue(child.id)).json();
    const body = expectProblem(await issue(child.id), 409, 'active_card_exists');
    expect(body.activeCardId).toBe(first.id);
    expectProblem(await issue('ben_nope'), 404, 'beneficiary_not_found');
    expectProblem(await issue(`ben_${'x'.repeat(80)}`), 400, 'validation_failed');
    expectProblem(await t.call('POST', `/api/v1/beneficiaries/${child.id}/cards`), 401, 'unauthenticated');
    for (const role of ['admin', 'accounting'] as const) {
      const u = await t.user(role);
      expectProblem(await issue(child.id, u.token), 403, 'forbidden');
    }
    expect(await t.db.$count(cards, eq(cards.beneficiaryId, child.id))).toBe(1);
  });

  describe.runIf(onServer)('on the PostgreSQL server', () => {
    it('ten concurrent issues for one child give exactly one active card', async () => {
      const child = await makeBeneficiary(t.db);
      const actor = { userId: caseworker.id, role: 'caseworker', providerId: null, requestId: null };
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () => issueCard(t.db, t.keys.card, child.id, actor, t.clock)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((r) => r.status === 'rejected')) {
        expect((r as PromiseRejectedResult).reason.code).toBe('active_card_exists');
      }
      expect(await t.db.$count(cards, eq(cards.beneficiaryId, child.id))).toBe(1);
    });
  });
});

describe('blockCard and replaceCard', () => {
  it('blocks an active card; blocking again is 409 card_not_active; a bad reason is 400', async () => {
    const child = await makeBeneficiary(t.db);
    const card = (await issue(child.id)).json();
    expectProblem(
      await t.call('POST', `/api/v1/cards/${card.id}/block`, { token: caseworker.token, body: { reason: 'verloren' } }),
      400,
      'validation_failed',
    );
    const res = await t.call('POST', `/api/v1/cards/${card.id}/block`, {
      token: caseworker.token,
      body: { reason: 'lost' },
    });
    expect(res.json()).toMatchObject({ status: 'blocked', blockReason: 'lost' });
    expectProblem(
      await t.call('POST', `/api/v1/cards/${card.id}/block`, { token: caseworker.token, body: { reason: 'lost' } }),
      409,
      'card_not_active',
    );
    expectProblem(
      await t.call('POST', '/api/v1/cards/card_nope/block', { token: caseworker.token, body: { reason: 'lost' } }),
      404,
      'card_not_found',
    );
  });

  it('replacing a blocked card: the old one is replaced and points at the new active one; budgets stay', async () => {
    const child = await makeBeneficiary(t.db);
    const approval = await makeApproval(t.db, { beneficiaryId: child.id, budgetCents: 18000, remainingCents: 12000 });
    const old = (await issue(child.id)).json();
    await t.call('POST', `/api/v1/cards/${old.id}/block`, { token: caseworker.token, body: { reason: 'stolen' } });
    const res = await t.call('POST', `/api/v1/cards/${old.id}/replace`, { token: caseworker.token });
    expect(res.statusCode, res.body).toBe(201);
    const fresh = res.json();
    expect(fresh).toMatchObject({ status: 'active', beneficiaryId: child.id, replacedCardId: old.id });
    expect(fresh.cardNumber).not.toBe(old.cardNumber);
    const [oldRow] = await t.db.select().from(cards).where(eq(cards.id, old.id));
    expect(oldRow).toMatchObject({ status: 'replaced', replacedByCardId: fresh.id, blockReason: 'stolen' });
    const [a] = await t.db.select().from(approvals).where(eq(approvals.id, approval.id));
    expect(a).toMatchObject({ budgetCents: 18000, remainingCents: 12000, beneficiaryId: child.id });
    expectProblem(
      await t.call('POST', `/api/v1/cards/${old.id}/replace`, { token: caseworker.token }),
      409,
      'card_already_replaced',
    );
  });

  it('an active card can be replaced directly (damaged) in one step', async () => {
    const child = await makeBeneficiary(t.db);
    const old = (await issue(child.id)).json();
    const res = await t.call('POST', `/api/v1/cards/${old.id}/replace`, {
      token: caseworker.token,
      body: { reason: 'damaged' },
    });
    expect(res.statusCode).toBe(201);
    const rows = await t.db.select().from(cards).where(eq(cards.beneficiaryId, child.id));
    expect(rows.map((r) => r.status).sort()).toEqual(['active', 'replaced']);
    expect(rows.find((r) => r.id === old.id)!.blockReason).toBe('damaged');
  });
});

describe('QR code', () => {
  it('PNG round trip: a real decoder reads the token, and its signature verifies to the card', async () => {
    const child = await makeBeneficiary(t.db);
    const card = (await issue(child.id)).json();
    const res = await t.call('GET', `/api/v1/cards/${card.id}/qr.png`, { token: caseworker.token });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    const decoded = decodePng(res.rawPayload);
    expect(decoded).toBe(card.qrToken);
    expect(await verifyCardToken(t.keys.card, decoded!)).toBe(card.id);
    if (existsSync('/usr/bin/zbarimg')) {
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'qr-')), 'qr.png');
      writeFileSync(file, res.rawPayload);
      const out = execFileSync('zbarimg', ['--quiet', '--raw', file], { stdio: ['ignore', 'pipe', 'ignore'] });
      expect(out.toString().trim()).toBe(card.qrToken);
    }
  });

  it('SVG is served as image/svg+xml; 404 for an unknown card; 401 without token', async () => {
    const child = await makeBeneficiary(t.db);
    const card = (await issue(child.id)).json();
    const res = await t.call('GET', `/api/v1/cards/${card.id}/qr.svg`, { token: caseworker.token });
    expect(res.headers['content-type']).toContain('image/svg+xml');
    expect(res.body).toMatch(/^<svg[^>]*viewBox/);
    expectProblem(
      await t.call('GET', '/api/v1/cards/card_nope/qr.svg', { token: caseworker.token }),
      404,
      'card_not_found',
    );
    expectProblem(await t.call('GET', `/api/v1/cards/${card.id}/qr.png`), 401, 'unauthenticated');
    const staff = await t.user('provider_staff', (await makeProvider(t.db)).id);
    expectProblem(await t.call('GET', `/api/v1/cards/${card.id}/qr.svg`, { token: staff.token }), 403, 'forbidden');
    expectProblem(await t.call('GET', `/api/v1/cards/${card.id}/print.pdf`, { token: staff.token }), 403, 'forbidden');
  });

  it('a tampered token is rejected; a token of a retired key is rejected; re-signing moves cards to the new key', async () => {
    const child = await makeBeneficiary(t.db);
    const card = (await issue(child.id)).json();
    const [h, p, s] = card.qrToken.split('.');
    const otherPayload = Buffer.from(JSON.stringify({ c: 'card_someone_else' })).toString('base64url');
    expect(await verifyCardToken(t.keys.card, `${h}.${otherPayload}.${s}`)).toBeNull();
    const flipped = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11);
    expect(await verifyCardToken(t.keys.card, `${h}.${p}.${flipped}`)).toBeNull();

    // Rotation: a new signing key; the old one still verifies while listed, and fails once retired.
    const oldJwk = t.keys.jwks.card[0]!;
    const newJwk = await generateJwk('card-2027');
    const { d: _d, ...oldPublic } = oldJwk;
    const rotating = await keyRingFromJwks([newJwk, { ...oldPublic, kid: oldJwk.kid }]);
    const retired = await keyRingFromJwks([newJwk]);
    expect(await verifyCardToken(rotating, card.qrToken)).toBe(card.id);
    expect(await verifyCardToken(retired, card.qrToken)).toBeNull();

    const actor = { userId: null, role: 'system', providerId: null, requestId: null };
    const result = await resignCards(t.db, rotating, oldJwk.kid, actor);
    expect(result.keyId).toBe('card-2027');
    expect(result.resignedCards).toBeGreaterThan(0);
    const [row] = await t.db.select().from(cards).where(eq(cards.id, card.id));
    expect(row!.keyId).toBe('card-2027');
    expect(row!.cardNumber).toBe(card.cardNumber);
    expect(await verifyCardToken(retired, row!.qrToken)).toBe(card.id);
    // Blocked or replaced cards are not re-signed: they never work again anyway.
    const remaining = await t.db.select().from(cards).where(eq(cards.keyId, oldJwk.kid));
    expect(remaining.every((c) => c.status !== 'active')).toBe(true);
  });

  it('the re-sign operation is admin-only', async () => {
    const res = await t.call('POST', '/api/v1/cards/re-sign', { token: caseworker.token, body: { fromKeyId: 'x' } });
    expectProblem(res, 403, 'forbidden');
    const admin = await t.user('admin');
    const ok = await t.call('POST', '/api/v1/cards/re-sign', { token: admin.token, body: { fromKeyId: 'card-old' } });
    expect(ok.json()).toEqual({ resignedCards: 0, keyId: 'card-test' });
  });
});

describe('printCard', () => {
  it('a single card is a one-page PDF in ID-1 size with names, grouped number, city, title and lost-card hint, without "BuT"', async () => {
    const child = await makeBeneficiary(t.db, { givenName: 'Zoë', familyName: 'Müller-Şahin' });
    const card = (await issue(child.id)).json();
    const res = await t.call('GET', `/api/v1/cards/${card.id}/print.pdf`, { token: caseworker.token });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const pdf = res.rawPayload;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toMatch(/\/MediaBox \[0 0 242\.6\d* 153\.0\d*\]/);
    const text = pdfText(pdf);
    expect(text).toContain('Zoë');
    expect(text).toContain('Müller-Şahin');
    expect(text).toContain(card.cardNumberFormatted);
    expect(text).toContain('Stadt Musterstadt');
    expect(text).toContain('Kinder- und Jugendkarte');
    expect(text).toMatch(/Gefunden\?.*Verloren\?/s);
    expect(text).not.toMatch(/BuT|Bildung und Teilhabe|LOGO/i);
    // The fonts are embedded (no standard font can draw Ş), subset to what is used.
    expect(pdf.toString('latin1')).toMatch(/\/FontFile2 \d+ 0 R/);
  });

  it('names outside Latin-1 print as written: Łukasz, Ğül, Nguyễn, Zoë, Cyrillic and Arabic', async () => {
    const names = [
      ['Łukasz', 'Nguyễn'],
      ['Ğül', 'Zoë Şahin'],
      ['Олександр', 'محمد'],
    ] as const;
    const ids: string[] = [];
    for (const [givenName, familyName] of names) {
      const child = await makeBeneficiary(t.db, { givenName, familyName });
      ids.push((await makeCard(t.db, t.keys, child.id)).id);
    }
    const res = await t.call('POST', '/api/v1/cards/print-sheet', { token: caseworker.token, body: { cardIds: ids } });
    expect(res.statusCode).toBe(200);
    const lines = pdfText(res.rawPayload).split('\n');
    for (const [givenName, familyName] of names.slice(0, 2)) {
      expect(lines).toContain(givenName);
      expect(lines).toContain(familyName);
    }
    expect(lines).toContain('Олександр');
    // Arabic is drawn shaped (contextual glyph forms), which map back to the same letters.
    expect(lines.some((l) => /^[\u0600-\u06FF]+$/.test(l))).toBe(true);
  });

  it('an A4 sheet holds 10 cards per page; a blocked card is not printed (409)', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const child = await makeBeneficiary(t.db);
      ids.push((await makeCard(t.db, t.keys, child.id)).id);
    }
    const res = await t.call('POST', '/api/v1/cards/print-sheet', { token: caseworker.token, body: { cardIds: ids } });
    expect(res.statusCode).toBe(200);
    const raw = res.rawPayload.toString('latin1');
    expect(raw.match(/\/Type \/Page\n/g)).toHaveLength(2);
    expect(raw).toMatch(/\/MediaBox \[0 0 595\.28 841\.89\]/);
    await t.call('POST', `/api/v1/cards/${ids[0]}/block`, { token: caseworker.token, body: { reason: 'other' } });
    expectProblem(
      await t.call('POST', '/api/v1/cards/print-sheet', { token: caseworker.token, body: { cardIds: ids } }),
      409,
      'card_not_active',
    );
    expectProblem(
      await t.call('POST', '/api/v1/cards/print-sheet', { token: caseworker.token, body: { cardIds: [] } }),
      400,
      'validation_failed',
    );
  });
});
