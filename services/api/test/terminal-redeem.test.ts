import { randomUUID } from 'node:crypto';
import { luhnCheckDigit, newId, tutoringAmountCents } from '@tk/core';
import {
  approvals,
  auditLog,
  cards,
  citySettings,
  idempotencyKeys,
  providerMealPrices,
  redemptionDeclines,
  redemptions,
} from '@tk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApproval, makeChildWithCard, makeProvider } from './factories.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

// The pinned clock: 2026-11-20 10:00 in Berlin; approvals default to 2026-01-01..2026-12-31, 50,00 €.
let t: TestContext;
let club: Awaited<ReturnType<typeof makeProvider>>;
let staff: { id: string; token: string };

beforeAll(async () => {
  t = await createTestContext();
  club = await makeProvider(t.db, { benefitTypes: ['participation', 'trip'] });
  staff = await t.user('provider_staff', club.id);
});
afterAll(() => t.close());

function redeem(token: string, body: Record<string, unknown>, key: string | null = randomUUID()) {
  return t.call('POST', '/api/v1/terminal/redemptions', {
    token,
    body,
    headers: key === null ? {} : { 'idempotency-key': key },
  });
}

async function remaining(approvalId: string) {
  const [row] = await t.db.select().from(approvals).where(eq(approvals.id, approvalId));
  return row!.remainingCents;
}

const bookedFor = (approvalId: string) => t.db.select().from(redemptions).where(eq(redemptions.approvalId, approvalId));
const declinesFor = (approvalId: string) =>
  t.db.select().from(redemptionDeclines).where(eq(redemptionDeclines.approvalId, approvalId));

describe('redeem: participation', () => {
  it('books an amount up to the balance: 201, budget reduced, booking and audit row written together', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys);
    const key = randomUUID();
    const res = await redeem(staff.token, { code: card.qrToken, approvalId: approval.id, amountCents: 1250 }, key);
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toEqual({
      id: expect.stringMatching(/^rdm_/),
      approvalId: approval.id,
      amountCents: 1250,
      serviceDate: '2026-11-20',
      availableCents: 3750,
    });
    expect(await remaining(approval.id)).toBe(3750);
    const [row] = await bookedFor(approval.id);
    expect(row).toMatchObject({
      id: body.id,
      providerId: club.id,
      cardId: card.id,
      beneficiaryId: card.beneficiaryId,
      benefitType: 'participation',
      amountCents: 1250,
      status: 'booked',
      bookedBy: staff.id,
      idempotencyKey: key,
    });
    const audits = await t.db.select().from(auditLog).where(eq(auditLog.entityId, body.id));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ action: 'redemption.booked', actorId: staff.id });
    expect(audits[0]!.data).toMatchObject({ approvalId: approval.id, amountCents: 1250 });
  });

  it('the whole balance can be booked; one cent more is 409 insufficient_budget, books nothing and is recorded as a decline', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys, { budgetCents: 3000 });
    const over = await redeem(staff.token, { code: card.cardNumber, approvalId: approval.id, amountCents: 3001 });
    expect(expectProblem(over, 409, 'insufficient_budget').availableCents).toBe(3000);
    expect(await bookedFor(approval.id)).toHaveLength(0);
    expect((await declinesFor(approval.id)).map((d) => d.code)).toEqual(['insufficient_budget']);
    const all = await redeem(staff.token, { code: card.cardNumber, approvalId: approval.id, amountCents: 3000 });
    expect(all.json().availableCents).toBe(0);
    expectProblem(
      await redeem(staff.token, { code: card.cardNumber, approvalId: approval.id, amountCents: 1 }),
      409,
      'insufficient_budget',
    );
    expect(await remaining(approval.id)).toBe(0);
  });

  it('a service date in the past inside the period books; future, before the period and after its end are 422 service_date_invalid', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys, {
      validFrom: '2026-08-01',
      validTo: '2027-07-31',
    });
    const ok = await redeem(staff.token, {
      code: card.qrToken,
      approvalId: approval.id,
      amountCents: 100,
      serviceDate: '2026-09-15',
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().serviceDate).toBe('2026-09-15');
    for (const serviceDate of ['2026-11-21', '2026-07-31']) {
      expectProblem(
        await redeem(staff.token, { code: card.qrToken, approvalId: approval.id, amountCents: 100, serviceDate }),
        422,
        'service_date_invalid',
      );
    }
    const { card: c2, approval: ended } = await makeChildWithCard(t.db, t.keys, {
      validFrom: '2026-01-01',
      validTo: '2026-10-31',
    });
    expectProblem(
      await redeem(staff.token, { code: c2.qrToken, approvalId: ended.id, amountCents: 100 }),
      422,
      'service_date_invalid',
    );
    expect(await bookedFor(ended.id)).toHaveLength(0);
  });

  it('in the grace period a service inside the period still books; after it the approval has lapsed (409 approval_not_active)', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys, {
      validFrom: '2026-01-01',
      validTo: '2026-08-31',
    });
    // Grace period 3 months (city setting): bookable until 2026-11-30.
    const ok = await redeem(staff.token, {
      code: card.qrToken,
      approvalId: approval.id,
      amountCents: 100,
      serviceDate: '2026-08-31',
    });
    expect(ok.statusCode).toBe(201);
    const { card: c2, approval: lapsed } = await makeChildWithCard(t.db, t.keys, {
      validFrom: '2026-01-01',
      validTo: '2026-07-31',
    });
    const res = await redeem(staff.token, {
      code: c2.qrToken,
      approvalId: lapsed.id,
      amountCents: 100,
      serviceDate: '2026-07-31',
    });
    expectProblem(res, 409, 'approval_not_active');
  });

  it('a revoked approval books services before the revocation date, not on or after it (409 approval_not_active)', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys, { revokedFrom: '2026-11-01' });
    expectProblem(
      await redeem(staff.token, { code: card.qrToken, approvalId: approval.id, amountCents: 100 }),
      409,
      'approval_not_active',
    );
    expectProblem(
      await redeem(staff.token, {
        code: card.qrToken,
        approvalId: approval.id,
        amountCents: 100,
        serviceDate: '2026-11-01',
      }),
      409,
      'approval_not_active',
    );
    const before = await redeem(staff.token, {
      code: card.qrToken,
      approvalId: approval.id,
      amountCents: 100,
      serviceDate: '2026-10-31',
    });
    expect(before.statusCode).toBe(201);
  });

  it('participation is only for children under 18 on the service date', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys, {}, { birthDate: '2008-11-15' });
    expectProblem(
      await redeem(staff.token, { code: card.qrToken, approvalId: approval.id, amountCents: 100 }),
      409,
      'approval_not_active',
    );
    const dayBefore18 = await redeem(staff.token, {
      code: card.qrToken,
      approvalId: approval.id,
      amountCents: 100,
      serviceDate: '2026-11-14',
    });
    expect(dayBefore18.statusCode).toBe(201);
  });
});

describe('redeem: who may redeem what', () => {
  it("403 not_redeemable_here for a type the provider may not redeem, an approval named for another provider, another child's approval, a cash-only benefit", async () => {
    const other = await makeProvider(t.db, { benefitTypes: ['trip'] });
    const { beneficiary, card } = await makeChildWithCard(t.db, t.keys);
    const lunch = await makeApproval(t.db, { beneficiaryId: beneficiary.id, benefitType: 'lunch' });
    const foreignTrip = await makeApproval(t.db, {
      beneficiaryId: beneficiary.id,
      benefitType: 'trip',
      providerId: other.id,
    });
    const supplies = await makeApproval(t.db, { beneficiaryId: beneficiary.id, benefitType: 'school_supplies' });
    const { approval: siblings } = await makeChildWithCard(t.db, t.keys);
    for (const approvalId of [lunch.id, foreignTrip.id, supplies.id, siblings.id, 'apv_does_not_exist']) {
      expectProblem(
        await redeem(staff.token, { code: card.qrToken, approvalId, amountCents: 100 }),
        403,
        'not_redeemable_here',
      );
    }
    expect(await remaining(foreignTrip.id)).toBe(5000);
    expect(await remaining(siblings.id)).toBe(5000);
  });

  it('a trip books up to the approved amount at the named provider', async () => {
    const { beneficiary, card } = await makeChildWithCard(t.db, t.keys);
    const trip = await makeApproval(t.db, {
      beneficiaryId: beneficiary.id,
      benefitType: 'trip',
      budgetCents: 24000,
      providerId: club.id,
    });
    const first = await redeem(staff.token, { code: card.qrToken, approvalId: trip.id, amountCents: 20000 });
    expect(first.json()).toMatchObject({ amountCents: 20000, availableCents: 4000 });
    expectProblem(
      await redeem(staff.token, { code: card.qrToken, approvalId: trip.id, amountCents: 4001 }),
      409,
      'insufficient_budget',
    );
  });

  it('404 card_not_found, 400 invalid_code, 409 card_blocked: nothing booked, each recorded as a decline', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys);
    const payload = '987654321098765';
    const unknown = payload + String(luhnCheckDigit(payload));
    expectProblem(
      await redeem(staff.token, { code: unknown, approvalId: approval.id, amountCents: 100 }),
      404,
      'card_not_found',
    );
    expectProblem(
      await redeem(staff.token, { code: '4111 1111 1111 1112', approvalId: approval.id, amountCents: 100 }),
      400,
      'invalid_code',
    );
    await t.db.update(cards).set({ status: 'blocked', blockReason: 'stolen' }).where(eq(cards.id, card.id));
    expectProblem(
      await redeem(staff.token, { code: card.qrToken, approvalId: approval.id, amountCents: 100 }),
      409,
      'card_blocked',
    );
    expect(await bookedFor(approval.id)).toHaveLength(0);
    expect((await declinesFor(approval.id)).map((d) => d.code).sort()).toEqual([
      'card_blocked',
      'card_not_found',
      'invalid_code',
    ]);
  });

  it('401 without a token, 403 for city roles, 403 provider_not_approved for a suspended provider', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys);
    const body = { code: card.qrToken, approvalId: approval.id, amountCents: 100 };
    expectProblem(
      await t.call('POST', '/api/v1/terminal/redemptions', { body, headers: { 'idempotency-key': 'k' } }),
      401,
      'unauthenticated',
    );
    const caseworker = await t.user('caseworker');
    expectProblem(await redeem(caseworker.token, body), 403, 'forbidden');
    const suspended = await makeProvider(t.db, { status: 'suspended' });
    const u = await t.user('provider_staff', suspended.id);
    expectProblem(await redeem(u.token, body), 403, 'provider_not_approved');
    expect(await remaining(approval.id)).toBe(5000);
  });

  it('400 for a missing Idempotency-Key, a missing amount, a negative amount, a malformed date', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys);
    expectProblem(
      await redeem(staff.token, { code: card.qrToken, approvalId: approval.id, amountCents: 100 }, null),
      400,
      'idempotency_key_required',
    );
    expectProblem(await redeem(staff.token, { code: card.qrToken, approvalId: approval.id }), 400, 'amount_required');
    expectProblem(
      await redeem(staff.token, { code: card.qrToken, approvalId: approval.id, amountCents: -5 }),
      400,
      'validation_failed',
    );
    expectProblem(
      await redeem(staff.token, {
        code: card.qrToken,
        approvalId: approval.id,
        amountCents: 5,
        serviceDate: '20.11.2026',
      }),
      400,
      'validation_failed',
    );
    expect(await remaining(approval.id)).toBe(5000);
  });
});

describe('redeem: idempotency', () => {
  it('a retry with the same key and body books once and returns the same answer', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys);
    const key = randomUUID();
    const body = { code: card.qrToken, approvalId: approval.id, amountCents: 700 };
    const first = await redeem(staff.token, body, key);
    const second = await redeem(staff.token, body, key);
    expect(first.statusCode).toBe(201);
    expect([200, 201]).toContain(second.statusCode);
    expect(second.json()).toEqual(first.json());
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await bookedFor(approval.id)).toHaveLength(1);
    expect(await remaining(approval.id)).toBe(4300);
    const [stored] = await t.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key));
    expect(stored).toMatchObject({ scope: `terminal:${club.id}`, status: 201 });
  });

  it('the same key with another body is 422 idempotency_key_reused and books nothing', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys);
    const key = randomUUID();
    await redeem(staff.token, { code: card.qrToken, approvalId: approval.id, amountCents: 700 }, key);
    expectProblem(
      await redeem(staff.token, { code: card.qrToken, approvalId: approval.id, amountCents: 800 }, key),
      422,
      'idempotency_key_reused',
    );
    expect(await remaining(approval.id)).toBe(4300);
  });

  it('keys are per provider: another provider using the same key books its own redemption', async () => {
    const other = await makeProvider(t.db, { benefitTypes: ['participation'] });
    const otherStaff = await t.user('provider_staff', other.id);
    const { card, approval } = await makeChildWithCard(t.db, t.keys);
    const key = randomUUID();
    const body = { code: card.qrToken, approvalId: approval.id, amountCents: 500 };
    const a = await redeem(staff.token, body, key);
    const b = await redeem(otherStaff.token, body, key);
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(201);
    expect(b.json().id).not.toBe(a.json().id);
    expect(await remaining(approval.id)).toBe(4000);
  });

  it('a declined request is not stored: after the budget is raised, the same key books', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys, { budgetCents: 100 });
    const key = randomUUID();
    const body = { code: card.qrToken, approvalId: approval.id, amountCents: 200 };
    expectProblem(await redeem(staff.token, body, key), 409, 'insufficient_budget');
    await t.db.update(approvals).set({ budgetCents: 300, remainingCents: 300 }).where(eq(approvals.id, approval.id));
    expect((await redeem(staff.token, body, key)).statusCode).toBe(201);
  });
});

describe('redeem: lunch', () => {
  it("one meal at the provider's price in force on the service date; a second meal that day is 409 already_redeemed_today, at any provider", async () => {
    const canteen = await makeProvider(t.db, { category: 'caterer', benefitTypes: ['lunch'], mealPriceCents: 350 });
    await t.db
      .insert(providerMealPrices)
      .values({ id: newId('provider'), providerId: canteen.id, validFrom: '2026-11-01', priceCents: 410 });
    const school = await makeProvider(t.db, { category: 'school', benefitTypes: ['lunch'], mealPriceCents: 300 });
    const cook = await t.user('provider_staff', canteen.id);
    const teacher = await t.user('provider_staff', school.id);
    const { card, approval } = await makeChildWithCard(t.db, t.keys, { benefitType: 'lunch' });

    const today = await redeem(cook.token, { code: card.qrToken, approvalId: approval.id, meals: 1 });
    expect(today.statusCode).toBe(201);
    expect(today.json()).toEqual({
      id: expect.any(String),
      approvalId: approval.id,
      amountCents: 410,
      serviceDate: '2026-11-20',
    });
    const october = await redeem(cook.token, {
      code: card.qrToken,
      approvalId: approval.id,
      serviceDate: '2026-10-30',
    });
    expect(october.json().amountCents).toBe(350);

    expectProblem(
      await redeem(cook.token, { code: card.qrToken, approvalId: approval.id }),
      409,
      'already_redeemed_today',
    );
    expectProblem(
      await redeem(teacher.token, { code: card.qrToken, approvalId: approval.id }),
      409,
      'already_redeemed_today',
    );
    expect(await bookedFor(approval.id)).toHaveLength(2);
  });

  it("the city's meal price cap limits what is booked", async () => {
    const pricey = await makeProvider(t.db, { category: 'caterer', benefitTypes: ['lunch'], mealPriceCents: 650 });
    const cook = await t.user('provider_staff', pricey.id);
    const { card, approval } = await makeChildWithCard(t.db, t.keys, { benefitType: 'lunch' });
    const [settings] = await t.db.select().from(citySettings);
    const res = await redeem(cook.token, { code: card.qrToken, approvalId: approval.id });
    expect(res.json().amountCents).toBe(settings!.mealPriceCapCents);
  });

  it('a reversed lunch frees the day: the child can eat (and be booked) again', async () => {
    const canteen = await makeProvider(t.db, { category: 'caterer', benefitTypes: ['lunch'], mealPriceCents: 380 });
    const cook = await t.user('provider_staff', canteen.id);
    const { card, approval } = await makeChildWithCard(t.db, t.keys, { benefitType: 'lunch' });
    const first = await redeem(cook.token, { code: card.qrToken, approvalId: approval.id });
    const rev = await t.call('POST', `/api/v1/terminal/redemptions/${first.json().id}/reverse`, {
      token: cook.token,
      body: { reason: 'falsches Kind' },
    });
    expect(rev.statusCode).toBe(200);
    expect((await redeem(cook.token, { code: card.qrToken, approvalId: approval.id })).statusCode).toBe(201);
  });

  it('a provider without a meal price in force cannot book lunch (409 meal_price_missing)', async () => {
    const noPrice = await makeProvider(t.db, { category: 'caterer', benefitTypes: ['lunch'] });
    const cook = await t.user('provider_staff', noPrice.id);
    const { card, approval } = await makeChildWithCard(t.db, t.keys, { benefitType: 'lunch' });
    expectProblem(await redeem(cook.token, { code: card.qrToken, approvalId: approval.id }), 409, 'meal_price_missing');
  });

  it('the city setting lunch_meals_per_day allows more than one meal per day', async () => {
    const canteen = await makeProvider(t.db, { category: 'caterer', benefitTypes: ['lunch'], mealPriceCents: 300 });
    const cook = await t.user('provider_staff', canteen.id);
    const { card, approval } = await makeChildWithCard(t.db, t.keys, { benefitType: 'lunch' });
    await t.db.update(citySettings).set({ lunchMealsPerDay: 2 });
    try {
      expect((await redeem(cook.token, { code: card.qrToken, approvalId: approval.id })).statusCode).toBe(201);
      expect((await redeem(cook.token, { code: card.qrToken, approvalId: approval.id })).statusCode).toBe(201);
      expectProblem(
        await redeem(cook.token, { code: card.qrToken, approvalId: approval.id }),
        409,
        'already_redeemed_today',
      );
      const slots = (await bookedFor(approval.id)).map((r) => r.mealSlot).sort();
      expect(slots).toEqual([1, 2]);
    } finally {
      await t.db.update(citySettings).set({ lunchMealsPerDay: 1 });
    }
  });
});

describe('redeem: tutoring', () => {
  it('minutes × the approved hourly rate, rounded half up to whole cents, at the named provider only', async () => {
    const tutor = await makeProvider(t.db, { category: 'tutor', benefitTypes: ['tutoring'] });
    const otherTutor = await makeProvider(t.db, { category: 'tutor', benefitTypes: ['tutoring'] });
    const teacher = await t.user('provider_staff', tutor.id);
    const stranger = await t.user('provider_staff', otherTutor.id);
    const { card, approval } = await makeChildWithCard(t.db, t.keys, {
      benefitType: 'tutoring',
      budgetCents: 30000,
      hours: 12,
      hourlyRateCents: 2345,
      providerId: tutor.id,
    });
    const res = await redeem(teacher.token, { code: card.qrToken, approvalId: approval.id, minutes: 20 });
    expect(res.statusCode).toBe(201);
    // 20 × 2345 / 60 = 781.67 → 782
    expect(res.json()).toMatchObject({ amountCents: 782, availableCents: 30000 - 782 });
    const [row] = await bookedFor(approval.id);
    expect(row!.minutes).toBe(20);
    expectProblem(
      await redeem(stranger.token, { code: card.qrToken, approvalId: approval.id, minutes: 45 }),
      403,
      'not_redeemable_here',
    );
    expectProblem(await redeem(teacher.token, { code: card.qrToken, approvalId: approval.id }), 400, 'amount_required');
  });

  it('the rounding rule', () => {
    expect(tutoringAmountCents(45, 2500)).toBe(1875);
    expect(tutoringAmountCents(50, 2333)).toBe(1944); // 1944.17
    expect(tutoringAmountCents(1, 30)).toBe(1); // 0.5 → 1
    expect(tutoringAmountCents(1, 29)).toBe(0); // 0.48 → 0 (refused as amount_required)
  });
});
