import { luhnCheckDigit, newId } from '@tk/core';
import { auditLog, cards, redemptions } from '@tk/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCardToken } from '../src/lib/card-token.ts';
import { generateKeyRings } from '../src/lib/keys.ts';
import { makeApproval, makeCard, makeChildWithCard, makeProvider } from './factories.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

// The pinned clock: 2026-11-20 10:00 in Berlin.
let t: TestContext;
let club: Awaited<ReturnType<typeof makeProvider>>;
let staff: { id: string; token: string };

beforeAll(async () => {
  t = await createTestContext();
  club = await makeProvider(t.db, { benefitTypes: ['participation', 'trip'] });
  staff = await t.user('provider_staff', club.id);
});
afterAll(() => t.close());

const lookup = (token: string, code: string) => t.call('POST', '/api/v1/terminal/lookup', { token, body: { code } });

/** A valid-looking card number (16 digits, correct Luhn digit) that no card has. */
function unknownCardNumber(): string {
  const payload = `9${String(Date.now()).slice(-8)}${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
  return payload + String(luhnCheckDigit(payload));
}

describe('lookupCard', () => {
  it('a scanned QR shows only card status, "given name + family initial" and what this provider may redeem', async () => {
    const { card, approval } = await makeChildWithCard(
      t.db,
      t.keys,
      { budgetCents: 12000 },
      { givenName: 'Mia', familyName: 'Schmidt', birthDate: '2014-03-01' },
    );
    const res = await lookup(staff.token, card.qrToken);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      card: { status: 'active' },
      holder: { displayName: 'Mia S.' },
      entitlements: [
        {
          approvalId: approval.id,
          benefitType: 'participation',
          validFrom: '2026-01-01',
          validTo: '2026-12-31',
          availableCents: 12000,
        },
      ],
    });
    // No personal data beyond the display name anywhere in the answer.
    expect(res.body).not.toContain('Schmidt');
    expect(res.body).not.toContain('2014-03-01');
    expect(res.body).not.toContain('SGB_II');
    expect(res.body).not.toContain('AZ-');
  });

  it('a typed card number works with spaces and dashes as printed', async () => {
    const { card } = await makeChildWithCard(t.db, t.keys);
    const printed = card.cardNumber.replace(/(\d{4})(?=\d)/g, '$1 ');
    expect((await lookup(staff.token, printed)).statusCode).toBe(200);
    expect((await lookup(staff.token, printed.replaceAll(' ', '-'))).statusCode).toBe(200);
  });

  it("lists only entitlements this provider may redeem: its benefit types, not another provider's named approvals, not cash-only benefits", async () => {
    const other = await makeProvider(t.db, { benefitTypes: ['participation', 'trip', 'tutoring'] });
    const { beneficiary, card, approval: participation } = await makeChildWithCard(t.db, t.keys);
    const ownTrip = await makeApproval(t.db, {
      beneficiaryId: beneficiary.id,
      benefitType: 'trip',
      budgetCents: 8000,
      providerId: club.id,
    });
    await makeApproval(t.db, {
      beneficiaryId: beneficiary.id,
      benefitType: 'trip',
      budgetCents: 9000,
      providerId: other.id,
    });
    await makeApproval(t.db, { beneficiaryId: beneficiary.id, benefitType: 'lunch' });
    await makeApproval(t.db, { beneficiaryId: beneficiary.id, benefitType: 'school_supplies', budgetCents: 13000 });
    await makeApproval(t.db, {
      beneficiaryId: beneficiary.id,
      benefitType: 'tutoring',
      budgetCents: 20000,
      hours: 10,
      hourlyRateCents: 2000,
    });
    const res = await lookup(staff.token, card.qrToken);
    expect(res.statusCode).toBe(200);
    const entitlements = res.json().entitlements as { approvalId: string }[];
    expect(entitlements.map((e) => e.approvalId).sort()).toEqual([participation.id, ownTrip.id].sort());
    expect(res.body).not.toContain('9000');
  });

  it('hides approvals that are revoked, not yet valid, lapsed after the grace period, or past the age limit; keeps those in the grace period', async () => {
    const { beneficiary, card } = await makeChildWithCard(t.db, t.keys, {
      validFrom: '2026-09-01',
      revokedFrom: '2026-11-01',
    });
    await makeApproval(t.db, { beneficiaryId: beneficiary.id, validFrom: '2026-12-01', validTo: '2027-11-30' });
    await makeApproval(t.db, { beneficiaryId: beneficiary.id, validFrom: '2025-01-01', validTo: '2025-07-31' });
    const inGrace = await makeApproval(t.db, {
      beneficiaryId: beneficiary.id,
      validFrom: '2025-09-01',
      validTo: '2026-08-31',
      budgetCents: 700,
    });
    const res = await lookup(staff.token, card.qrToken);
    expect(res.json().entitlements).toEqual([
      {
        approvalId: inGrace.id,
        benefitType: 'participation',
        validFrom: '2025-09-01',
        validTo: '2026-08-31',
        availableCents: 700,
      },
    ]);

    const { card: adultCard } = await makeChildWithCard(t.db, t.keys, {}, { birthDate: '2008-11-20' });
    expect((await lookup(staff.token, adultCard.qrToken)).json().entitlements).toEqual([]);
  });

  it("lunch shows whether today's meal is still open, counting meals booked at any provider", async () => {
    const canteen = await makeProvider(t.db, { category: 'caterer', benefitTypes: ['lunch'], mealPriceCents: 420 });
    const other = await makeProvider(t.db, { category: 'caterer', benefitTypes: ['lunch'], mealPriceCents: 390 });
    const cook = await t.user('provider_staff', canteen.id);
    const { card, approval } = await makeChildWithCard(t.db, t.keys, { benefitType: 'lunch' });
    const before = await lookup(cook.token, card.qrToken);
    expect(before.json().entitlements).toEqual([
      {
        approvalId: approval.id,
        benefitType: 'lunch',
        validFrom: '2026-01-01',
        validTo: '2026-12-31',
        lunchAvailableToday: true,
        mealPriceCents: 420,
      },
    ]);
    await t.db.insert(redemptions).values({
      id: newId('redemption'),
      providerId: other.id,
      approvalId: approval.id,
      beneficiaryId: card.beneficiaryId,
      cardId: card.id,
      benefitType: 'lunch',
      serviceDate: '2026-11-20',
      amountCents: 390,
      meals: 1,
      mealSlot: 1,
      bookedBy: 'usr_x',
    });
    const after = await lookup(cook.token, card.qrToken);
    expect(after.json().entitlements[0].lunchAvailableToday).toBe(false);
  });

  it('400 invalid_code for a mistyped number (Luhn), letters, a tampered QR and a QR signed by an unknown key', async () => {
    const { card } = await makeChildWithCard(t.db, t.keys);
    const user = await t.user('provider_staff', club.id);
    const last = Number(card.cardNumber[15]);
    const mistyped = card.cardNumber.slice(0, 15) + String((last + 1) % 10);
    const [h, p, s] = card.qrToken.split('.');
    const tampered = `${h}.${p}.${s!.slice(0, -2)}${s!.endsWith('AA') ? 'BB' : 'AA'}`;
    const foreignKeys = await generateKeyRings();
    const foreign = (await signCardToken(foreignKeys.card, card.id)).token;
    for (const code of [mistyped, 'abcd efgh', '1234', tampered, foreign]) {
      expectProblem(await lookup(user.token, code), 400, 'invalid_code');
    }
    expectProblem(
      await t.call('POST', '/api/v1/terminal/lookup', { token: user.token, body: {} }),
      400,
      'validation_failed',
    );
  });

  it('404 card_not_found for a well-formed unknown number or a validly signed token of no card', async () => {
    const user = await t.user('provider_staff', club.id);
    expectProblem(await lookup(user.token, unknownCardNumber()), 404, 'card_not_found');
    const ghost = (await signCardToken(t.keys.card, newId('card'))).token;
    expectProblem(await lookup(user.token, ghost), 404, 'card_not_found');
  });

  it('409 card_blocked for a blocked and for a replaced card; the replacement card works', async () => {
    const { beneficiary, card } = await makeChildWithCard(t.db, t.keys);
    await t.db.update(cards).set({ status: 'blocked', blockReason: 'lost' }).where(eq(cards.id, card.id));
    const blocked = expectProblem(await lookup(staff.token, card.qrToken), 409, 'card_blocked');
    expect(blocked.cardStatus).toBe('blocked');
    await t.db.update(cards).set({ status: 'replaced' }).where(eq(cards.id, card.id));
    expectProblem(await lookup(staff.token, card.cardNumber), 409, 'card_blocked');
    const replacement = await makeCard(t.db, t.keys, beneficiary.id);
    expect((await lookup(staff.token, replacement.qrToken)).statusCode).toBe(200);
  });

  it('401 without a token; 403 for city roles; 403 provider_not_approved for a suspended or pending provider', async () => {
    const { card } = await makeChildWithCard(t.db, t.keys);
    expectProblem(
      await t.call('POST', '/api/v1/terminal/lookup', { body: { code: card.qrToken } }),
      401,
      'unauthenticated',
    );
    for (const role of ['caseworker', 'accounting', 'admin'] as const) {
      const u = await t.user(role);
      expectProblem(await lookup(u.token, card.qrToken), 403, 'forbidden');
    }
    const suspended = await makeProvider(t.db, { status: 'suspended' });
    const pending = await makeProvider(t.db, { status: 'pending' });
    for (const p of [suspended, pending]) {
      const u = await t.user('provider_admin', p.id);
      expectProblem(await lookup(u.token, card.qrToken), 403, 'provider_not_approved');
    }
  });

  it('a token that worked stops working when it expires (verified tokens are cached only until their exp)', async () => {
    const { card } = await makeChildWithCard(t.db, t.keys);
    const user = await t.user('provider_staff', club.id);
    expect((await lookup(user.token, card.qrToken)).statusCode).toBe(200);
    t.clock.set(new Date(t.clock.now().getTime() + 31 * 60_000));
    try {
      expectProblem(await lookup(user.token, card.qrToken), 401, 'unauthenticated');
    } finally {
      t.clock.set(new Date(t.clock.now().getTime() - 31 * 60_000));
    }
  });

  it('a provider admin may look up as well as its terminal staff', async () => {
    const { card } = await makeChildWithCard(t.db, t.keys);
    const admin = await t.user('provider_admin', club.id);
    expect((await lookup(admin.token, card.qrToken)).statusCode).toBe(200);
  });
});

describe('guessing card numbers', () => {
  it('after 10 invalid or unknown codes a user gets 429 rate_limited with Retry-After for every card, audited; other users are not affected', async () => {
    const guesser = await t.user('provider_staff', club.id);
    const { card } = await makeChildWithCard(t.db, t.keys);
    for (let i = 0; i < 5; i++) expectProblem(await lookup(guesser.token, '1234 5678 9012 3456'), 400, 'invalid_code');
    for (let i = 0; i < 5; i++) expectProblem(await lookup(guesser.token, unknownCardNumber()), 404, 'card_not_found');
    const tripped = await lookup(guesser.token, unknownCardNumber());
    expectProblem(tripped, 429, 'rate_limited');
    expect(Number(tripped.headers['retry-after'])).toBeGreaterThan(0);
    // A hit is refused too, so a 429 cannot tell a valid number from an invalid one.
    const hit = await lookup(guesser.token, card.cardNumber);
    expectProblem(hit, 429, 'rate_limited');
    expect(Number(hit.headers['retry-after'])).toBeGreaterThan(0);
    const booking = await t.call('POST', '/api/v1/terminal/redemptions', {
      token: guesser.token,
      headers: { 'idempotency-key': 'guess-1' },
      body: { code: card.cardNumber, approvalId: 'apv_x', amountCents: 100 },
    });
    expectProblem(booking, 429, 'rate_limited');

    const colleague = await t.user('provider_staff', club.id);
    expect((await lookup(colleague.token, card.cardNumber)).statusCode).toBe(200);

    const audits = await t.db.select().from(auditLog).where(eq(auditLog.entityId, guesser.id));
    expect(audits.filter((a) => a.action === 'terminal.invalid_code')).toHaveLength(11);
    expect(audits.filter((a) => a.action === 'terminal.throttled')).toHaveLength(1);
    // The audit never stores the guessed numbers.
    expect(JSON.stringify(audits)).not.toMatch(/\d{16}/);
  });

  it('valid lookups do not count towards the limit', async () => {
    const user = await t.user('provider_staff', club.id);
    const { card } = await makeChildWithCard(t.db, t.keys);
    for (let i = 0; i < 15; i++) expect((await lookup(user.token, card.qrToken)).statusCode).toBe(200);
    const rows = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, user.id), eq(auditLog.action, 'terminal.invalid_code')));
    expect(rows).toHaveLength(0);
  });
});
