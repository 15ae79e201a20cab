import { auditLog, familyAccessCodes, familyAccessFailures, personalDataReads } from '@tk/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApproval, makeBeneficiary, makeProvider, makeRedemption } from './factories.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

let t: TestContext;
let caseworker: { id: string; token: string };

beforeAll(async () => {
  t = await createTestContext();
  caseworker = await t.user('caseworker');
});
afterAll(() => t.close());

let address = 0;
/** Each test family calls from its own address, so the per-address limit only bites where tested. */
const nextAddress = () => `198.51.100.${++address}`;

function balance(body: { cardNumber: string; accessCode: string }, remoteAddress: string) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/family/balance',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
    remoteAddress,
  });
}

async function childWithCard(over: Parameters<typeof makeBeneficiary>[1] = {}) {
  const child = await makeBeneficiary(t.db, over);
  const res = await t.call('POST', `/api/v1/beneficiaries/${child.id}/cards`, { token: caseworker.token });
  expect(res.statusCode).toBe(201);
  return { child, card: res.json() as { id: string; cardNumber: string; familyAccessCode: string } };
}

describe('family access code', () => {
  it('issueCard answers with a code shown once; only a hash is stored; getCard never shows it', async () => {
    const { card } = await childWithCard();
    expect(card.familyAccessCode).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
    const [stored] = await t.db.select().from(familyAccessCodes).where(eq(familyAccessCodes.cardId, card.id));
    expect(stored!.codeHash).toMatch(/^scrypt\$/);
    expect(stored!.codeHash).not.toContain(card.familyAccessCode.replace('-', ''));
    const read = await t.call('GET', `/api/v1/cards/${card.id}`, { token: caseworker.token });
    expect(read.body).not.toContain(card.familyAccessCode);
    expect(read.json()).not.toHaveProperty('familyAccessCode');
  });

  it('a reset issues a new code (201) and the previous one stops working', async () => {
    const { card } = await childWithCard();
    const ip = nextAddress();
    expect((await balance({ cardNumber: card.cardNumber, accessCode: card.familyAccessCode }, ip)).statusCode).toBe(
      200,
    );
    const reset = await t.call('POST', `/api/v1/cards/${card.id}/family-code`, { token: caseworker.token });
    expect(reset.statusCode).toBe(201);
    const fresh = reset.json().familyAccessCode as string;
    expect(fresh).not.toBe(card.familyAccessCode);
    expectProblem(
      await balance({ cardNumber: card.cardNumber, accessCode: card.familyAccessCode }, ip),
      404,
      'family_access_denied',
    );
    expect((await balance({ cardNumber: card.cardNumber, accessCode: fresh }, ip)).statusCode).toBe(200);
  });

  it('reset: 404 for an unknown card, 401 without token, 403 for other roles', async () => {
    expectProblem(
      await t.call('POST', '/api/v1/cards/card_nope/family-code', { token: caseworker.token }),
      404,
      'card_not_found',
    );
    const { card } = await childWithCard();
    expectProblem(await t.call('POST', `/api/v1/cards/${card.id}/family-code`), 401, 'unauthenticated');
    const admin = await t.user('admin');
    expectProblem(
      await t.call('POST', `/api/v1/cards/${card.id}/family-code`, { token: admin.token }),
      403,
      'forbidden',
    );
  });

  it('a replaced card gets a new code; the old card and its code stop working', async () => {
    const { card } = await childWithCard();
    const ip = nextAddress();
    const res = await t.call('POST', `/api/v1/cards/${card.id}/replace`, {
      token: caseworker.token,
      body: { reason: 'lost' },
    });
    expect(res.statusCode).toBe(201);
    const fresh = res.json() as { cardNumber: string; familyAccessCode: string };
    expect(fresh.familyAccessCode).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
    expect(fresh.familyAccessCode).not.toBe(card.familyAccessCode);
    expectProblem(
      await balance({ cardNumber: card.cardNumber, accessCode: card.familyAccessCode }, ip),
      404,
      'family_access_denied',
    );
    expectProblem(
      await balance({ cardNumber: fresh.cardNumber, accessCode: card.familyAccessCode }, ip),
      404,
      'family_access_denied',
    );
    expect((await balance({ cardNumber: fresh.cardNumber, accessCode: fresh.familyAccessCode }, ip)).statusCode).toBe(
      200,
    );
    // Resetting the old card's code is refused: it is replaced.
    expectProblem(
      await t.call('POST', `/api/v1/cards/${card.id}/family-code`, { token: caseworker.token }),
      404,
      'card_not_found',
    );
  });
});

describe('getFamilyBalance', () => {
  it('shows the display name, current entitlements, lunch today and the last bookings, and audits the read on the child', async () => {
    const { child, card } = await childWithCard({ givenName: 'Zoë', familyName: 'Şahin' });
    const provider = await makeProvider(t.db, { name: 'Sportverein Nord' });
    const participation = await makeApproval(t.db, {
      beneficiaryId: child.id,
      budgetCents: 18000,
      remainingCents: 16500,
    });
    await makeApproval(t.db, { beneficiaryId: child.id, benefitType: 'lunch', validTo: '2027-07-31' });
    // Ended long ago (beyond the grace period) and revoked: not current.
    await makeApproval(t.db, {
      beneficiaryId: child.id,
      benefitType: 'trip',
      validFrom: '2025-01-01',
      validTo: '2025-03-31',
      budgetCents: 9000,
    });
    await makeApproval(t.db, {
      beneficiaryId: child.id,
      benefitType: 'tutoring',
      budgetCents: 4000,
      revokedFrom: '2026-10-01',
    });
    await makeRedemption(t.db, {
      providerId: provider.id,
      approvalId: participation.id,
      beneficiaryId: child.id,
      cardId: card.id,
      amountCents: 1500,
      serviceDate: '2026-11-10',
    });
    const res = await balance(
      {
        cardNumber: card.cardNumber.replace(/(\d{4})/g, '$1 ').trim(),
        accessCode: card.familyAccessCode.toLowerCase().replace('-', ' '),
      },
      nextAddress(),
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      holder: { displayName: 'Zoë Ş.' },
      card: { status: 'active' },
      entitlements: [
        { benefitType: 'participation', validTo: '2026-12-31', availableCents: 16500 },
        { benefitType: 'lunch', validTo: '2027-07-31', lunchAvailableToday: true },
      ],
      recentRedemptions: [
        {
          serviceDate: '2026-11-10',
          benefitType: 'participation',
          amountCents: 1500,
          providerName: 'Sportverein Nord',
          status: 'booked',
        },
      ],
    });
    // The read audit records the family's look; it shows in the child's access log.
    const reads = await t.db.select().from(personalDataReads).where(eq(personalDataReads.beneficiaryId, child.id));
    expect(reads.map((r) => [r.action, r.actorId])).toEqual([['family_balance', null]]);
  });

  it('a wrong card number and a wrong code give the same 404, both audited', async () => {
    const { card } = await childWithCard();
    const ip = nextAddress();
    const wrongCode = expectProblem(
      await balance({ cardNumber: card.cardNumber, accessCode: 'AAAAA-AAAAA' }, ip),
      404,
      'family_access_denied',
    );
    const wrongNumber = expectProblem(
      await balance({ cardNumber: '4000000000000002', accessCode: card.familyAccessCode }, ip),
      404,
      'family_access_denied',
    );
    const garbage = expectProblem(
      await balance({ cardNumber: 'abc', accessCode: 'x' }, ip),
      404,
      'family_access_denied',
    );
    for (const body of [wrongNumber, garbage]) {
      expect({ ...body, requestId: undefined }).toEqual({ ...wrongCode, requestId: undefined });
    }
    const denied = await t.db.select().from(auditLog).where(eq(auditLog.action, 'family.access_denied'));
    expect(denied.filter((row) => row.entityId === card.id)).toHaveLength(1);
    expectProblem(await balance({ cardNumber: '', accessCode: '' } as never, ip), 400, 'validation_failed');
  });

  it('a blocked card still shows the balance, with status blocked and no lunch today', async () => {
    const { child, card } = await childWithCard();
    await makeApproval(t.db, { beneficiaryId: child.id, benefitType: 'lunch' });
    await t.call('POST', `/api/v1/cards/${card.id}/block`, { token: caseworker.token, body: { reason: 'lost' } });
    const res = await balance({ cardNumber: card.cardNumber, accessCode: card.familyAccessCode }, nextAddress());
    expect(res.statusCode).toBe(200);
    expect(res.json().card).toEqual({ status: 'blocked' });
    expect(res.json().entitlements).toEqual([
      { benefitType: 'lunch', validTo: '2026-12-31', lunchAvailableToday: false },
    ]);
  });

  it('after 5 failures for one card number: 429 too_many_attempts even with the right code, until the hour has passed', async () => {
    const { card } = await childWithCard();
    for (let i = 0; i < 5; i++) {
      // From different addresses: the per-card limit holds whoever asks.
      expectProblem(
        await balance({ cardNumber: card.cardNumber, accessCode: 'WRONG-CODE2' }, nextAddress()),
        404,
        'family_access_denied',
      );
    }
    const right = { cardNumber: card.cardNumber, accessCode: card.familyAccessCode };
    const refused = await balance(right, nextAddress());
    expectProblem(refused, 429, 'too_many_attempts');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3000);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(3600);
    // An hour later (the failures age out of the window) the right code works again.
    await t.db.update(familyAccessFailures).set({ at: sql`${familyAccessFailures.at} - interval '61 minutes'` });
    expect((await balance(right, nextAddress())).statusCode).toBe(200);
  });

  it('after 20 failures from one address: 429 for that address, other addresses unaffected', async () => {
    const ip = nextAddress();
    for (let i = 0; i < 20; i++) {
      expectProblem(
        await balance({ cardNumber: `40000000000000${String(i).padStart(2, '0')}`, accessCode: 'WRONG-CODE2' }, ip),
        404,
        'family_access_denied',
      );
    }
    const { card } = await childWithCard();
    const right = { cardNumber: card.cardNumber, accessCode: card.familyAccessCode };
    expectProblem(await balance(right, ip), 429, 'too_many_attempts');
    expect((await balance(right, nextAddress())).statusCode).toBe(200);
    await t.db.update(familyAccessFailures).set({ at: sql`${familyAccessFailures.at} - interval '61 minutes'` });
  });

  it('concurrent guesses on one card number cannot exceed the limit (serialised per card)', async () => {
    const { card } = await childWithCard();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        balance({ cardNumber: card.cardNumber, accessCode: 'WRONG-CODE2' }, nextAddress()),
      ),
    );
    expect(results.filter((r) => r.statusCode === 404)).toHaveLength(5);
    expect(results.filter((r) => r.statusCode === 429)).toHaveLength(3);
  });
});
