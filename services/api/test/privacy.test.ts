import { personalDataReads } from '@tk/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApproval, makeBeneficiary, makeProvider, makeRedemption, makeReversal } from './factories.ts';
import { pdfText } from './pdf-text.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

/**
 * Issue 10, items 11 and 12: every read of a child's personal data is recorded (who, when, which child,
 * what) in `personal_data_reads`, one statement per request, and shown as the child's access log; the
 * Art. 15 export (JSON and German PDF) holds everything about the child, incl. who booked what and who
 * in the city looked at the record.
 */
let t: TestContext;
let anna: { id: string; username: string; token: string };
let ben: { id: string; username: string; token: string };
let admin: string;

beforeAll(async () => {
  t = await createTestContext();
  anna = await t.user('caseworker');
  ben = await t.user('caseworker');
  admin = (await t.user('admin')).token;
});
afterAll(() => t.close());

/** A child's reads in the order they were written (a table scan has no order on PostgreSQL). */
const readsOf = (beneficiaryId: string) =>
  t.db
    .select()
    .from(personalDataReads)
    .where(eq(personalDataReads.beneficiaryId, beneficiaryId))
    .orderBy(personalDataReads.id);

async function childWithCard(familyName: string) {
  const child = await makeBeneficiary(t.db, { givenName: 'Lotta', familyName, birthDate: '2015-02-03' });
  const approval = await makeApproval(t.db, { beneficiaryId: child.id, budgetCents: 10_000 });
  const card = await t.call('POST', `/api/v1/beneficiaries/${child.id}/cards`, { token: anna.token });
  expect(card.statusCode).toBe(201);
  return { child, approval, card: card.json() as { id: string; cardNumber: string; familyAccessCode: string } };
}

describe('read audit', () => {
  it('a search records every child on the result page (one row each, one statement: same request and time); no hits, nothing', async () => {
    const a = await makeBeneficiary(t.db, { familyName: 'Quarzfeld' });
    const b = await makeBeneficiary(t.db, { familyName: 'Quarzfeld' });
    const other = await makeBeneficiary(t.db, { familyName: 'Unbeteiligt' });
    const res = await t.call('GET', '/api/v1/beneficiaries?q=Quarzfeld', { token: anna.token });
    expect(res.json().total).toBe(2);
    const rows = [...(await readsOf(a.id)), ...(await readsOf(b.id))];
    expect(rows.map((r) => [r.action, r.actorId])).toEqual([
      ['search', anna.id],
      ['search', anna.id],
    ]);
    expect(new Set(rows.map((r) => r.requestId)).size).toBe(1);
    expect(rows[0]!.at.toISOString()).toBe(t.clock.now().toISOString());
    expect(await readsOf(other.id)).toHaveLength(0);
    const none = await t.call('GET', '/api/v1/beneficiaries?q=Niemandshausen', { token: anna.token });
    expect(none.json().total).toBe(0);
  });

  it('a full page of 100 hits is one INSERT: 100 rows written by a single statement (one transaction id)', async () => {
    for (let i = 0; i < 100; i++)
      await makeBeneficiary(t.db, { familyName: `Seitenvoll${String(i).padStart(3, '0')}` });
    const res = await t.call('GET', '/api/v1/beneficiaries?q=Seitenvoll&pageSize=100', { token: ben.token });
    expect(res.json().items).toHaveLength(100);
    const rows = await t.db.execute(
      sql`select count(*)::int as n, count(distinct xmin::text)::int as statements, count(distinct request_id)::int as requests
          from personal_data_reads where actor_id = ${ben.id} and action = 'search'`,
    );
    expect((rows as unknown as { rows: unknown[] }).rows[0]).toEqual({ n: 100, statements: 1, requests: 1 });
  });

  it('the child page, an approval, a card, the card PDF, the A4 sheet and the letter are each recorded; 404 and 403 record nothing', async () => {
    const { child, approval, card } = await childWithCard('Brennecke');
    const second = await childWithCard('Brennecke-Zwei');
    expect((await t.call('GET', `/api/v1/beneficiaries/${child.id}`, { token: anna.token })).statusCode).toBe(200);
    expect((await t.call('GET', `/api/v1/approvals/${approval.id}`, { token: ben.token })).statusCode).toBe(200);
    expect((await t.call('GET', `/api/v1/cards/${card.id}`, { token: anna.token })).statusCode).toBe(200);
    expect((await t.call('GET', `/api/v1/cards/${card.id}/print.pdf`, { token: anna.token })).statusCode).toBe(200);
    const sheet = await t.call('POST', '/api/v1/cards/print-sheet', {
      token: ben.token,
      body: { cardIds: [card.id, second.card.id] },
    });
    expect(sheet.statusCode).toBe(200);
    expect((await t.call('POST', `/api/v1/cards/${card.id}/letter`, { token: anna.token })).statusCode).toBe(200);
    // Refused reads leave no trace.
    expectProblem(await t.call('GET', `/api/v1/beneficiaries/${child.id}`, { token: admin }), 403, 'forbidden');
    expectProblem(
      await t.call('GET', '/api/v1/beneficiaries/ben_doesnotexist', { token: anna.token }),
      404,
      'beneficiary_not_found',
    );

    const rows = await readsOf(child.id);
    expect(rows.map((r) => [r.action, r.actorId])).toEqual([
      ['view', anna.id],
      ['approval', ben.id],
      ['card', anna.id],
      ['card_print', anna.id],
      ['card_print', ben.id],
      ['letter', anna.id],
    ]);
    expect((await readsOf(second.child.id)).map((r) => r.action)).toEqual(['card_print']);
  });

  it('the access log shows who, when and what, newest first, with the family’s own balance look; caseworkers only', async () => {
    const { child, card } = await childWithCard('Zugriffsmann');
    await t.call('GET', `/api/v1/beneficiaries/${child.id}`, { token: anna.token });
    t.clock.set(new Date(t.clock.now().getTime() + 60_000));
    const family = await t.call('POST', '/api/v1/family/balance', {
      body: { cardNumber: card.cardNumber, accessCode: card.familyAccessCode },
    });
    expect(family.statusCode).toBe(200);
    t.clock.set(new Date(t.clock.now().getTime() + 60_000));
    await t.call('GET', `/api/v1/beneficiaries/${child.id}`, { token: ben.token });

    const log = await t.call('GET', `/api/v1/beneficiaries/${child.id}/access-log`, { token: anna.token });
    expect(log.statusCode).toBe(200);
    expect(log.json()).toEqual({
      items: [
        { at: t.clock.now().toISOString(), username: ben.username, action: 'view' },
        { at: new Date(t.clock.now().getTime() - 60_000).toISOString(), username: null, action: 'family_balance' },
        { at: new Date(t.clock.now().getTime() - 120_000).toISOString(), username: anna.username, action: 'view' },
      ],
      total: 3,
      page: 1,
      pageSize: 50,
    });
    // Reading the log is not itself a read of the child's data.
    expect((await readsOf(child.id)).length).toBe(3);
    expectProblem(
      await t.call('GET', `/api/v1/beneficiaries/${child.id}/access-log`, { token: admin }),
      403,
      'forbidden',
    );
    expectProblem(
      await t.call('GET', '/api/v1/beneficiaries/ben_doesnotexist/access-log', { token: anna.token }),
      404,
      'beneficiary_not_found',
    );
  });
});

describe('exportBeneficiaryData (Art. 15)', () => {
  it('JSON: exactly beneficiary, approvals, cards, redemptions (with the provider) and the access log incl. the export itself', async () => {
    const { child, approval, card } = await childWithCard('Auskunftsberg');
    const club = await makeProvider(t.db, { name: 'Turnverein Eiche' });
    const music = await makeProvider(t.db, { name: 'Musikschule Dur' });
    const base = { approvalId: approval.id, beneficiaryId: child.id, cardId: card.id };
    await makeRedemption(t.db, { ...base, providerId: club.id, serviceDate: '2026-10-01', amountCents: 1500 });
    const reversed = await makeRedemption(t.db, {
      ...base,
      providerId: music.id,
      serviceDate: '2026-10-05',
      amountCents: 2000,
    });
    await makeReversal(t.db, reversed);
    await t.call('GET', `/api/v1/beneficiaries/${child.id}`, { token: ben.token });

    const res = await t.call('GET', `/api/v1/beneficiaries/${child.id}/data-export`, { token: anna.token });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(Object.keys(body)).toEqual(['beneficiary', 'approvals', 'cards', 'redemptions', 'accessLog']);
    expect(body.beneficiary).toMatchObject({
      id: child.id,
      givenName: 'Lotta',
      familyName: 'Auskunftsberg',
      birthDate: '2015-02-03',
      caseReference: child.caseReference,
    });
    expect(body.approvals.map((a: { id: string }) => a.id)).toEqual([approval.id]);
    expect(body.cards).toHaveLength(1);
    expect(body.cards[0].cardNumber).toBe(card.cardNumber);
    expect(body.cards[0]).not.toHaveProperty('qrToken');
    expect(body.redemptions).toEqual([
      {
        serviceDate: '2026-10-01',
        benefitType: 'participation',
        amountCents: 1500,
        providerName: 'Turnverein Eiche',
        status: 'booked',
      },
      {
        serviceDate: '2026-10-05',
        benefitType: 'participation',
        amountCents: 2000,
        providerName: 'Musikschule Dur',
        status: 'reversed',
      },
    ]);
    expect(body.accessLog.map((e: { username: string; action: string }) => [e.username, e.action])).toEqual([
      [anna.username, 'export'],
      [ben.username, 'view'],
    ]);
    for (const e of body.accessLog) expect(Object.keys(e)).toEqual(['at', 'username', 'action']);
  });

  it('PDF: a German Auskunft with the child, the providers that booked and who looked; fonts embedded', async () => {
    const { child, approval, card } = await childWithCard('Łukasiewicz-Öztürk');
    const club = await makeProvider(t.db, { name: 'Schwimmclub Welle' });
    await makeRedemption(t.db, {
      approvalId: approval.id,
      beneficiaryId: child.id,
      cardId: card.id,
      providerId: club.id,
      serviceDate: '2026-11-02',
      amountCents: 1250,
    });
    await t.call('GET', `/api/v1/beneficiaries/${child.id}`, { token: ben.token });
    const res = await t.call('GET', `/api/v1/beneficiaries/${child.id}/data-export?format=pdf`, { token: anna.token });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toContain('attachment');
    const pdf = res.rawPayload;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain('/FontFile2');
    const text = pdfText(pdf);
    for (const expected of [
      'Auskunft nach Art. 15 DSGVO',
      'Łukasiewicz-Öztürk',
      '03.02.2015',
      child.caseReference,
      'Schwimmclub Welle',
      '12,50 €',
      ben.username,
      'Kinderseite geöffnet',
      'Auskunft (Art. 15 DSGVO) erstellt',
    ]) {
      expect(text).toContain(expected);
    }
    if (process.env.PDF_OUT) (await import('node:fs')).writeFileSync(process.env.PDF_OUT, pdf);
    expect((await readsOf(child.id)).map((r) => r.action)).toEqual(['view', 'export']);
  });

  it('caseworker only: admin 403; an unknown child 404; neither is recorded', async () => {
    const child = await makeBeneficiary(t.db);
    expectProblem(
      await t.call('GET', `/api/v1/beneficiaries/${child.id}/data-export`, { token: admin }),
      403,
      'forbidden',
    );
    expectProblem(
      await t.call('GET', '/api/v1/beneficiaries/ben_doesnotexist/data-export', { token: anna.token }),
      404,
      'beneficiary_not_found',
    );
    expect(await readsOf(child.id)).toHaveLength(0);
    const accounting = (await t.user('accounting')).token;
    expectProblem(
      await t.call('GET', `/api/v1/beneficiaries/${child.id}/data-export`, { token: accounting }),
      403,
      'forbidden',
    );
  });
});
