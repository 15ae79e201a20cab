import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApproval, makeChildWithCard, makeProvider } from './factories.ts';
import { createTestContext, type TestContext } from './support.ts';

/**
 * The full answers of the two hot terminal routes, field by field (docs/api/api-v1.md, lookupCard and
 * redeem). Their success answers are written by a serializer compiled from the response schema
 * (lib/fast-serializer.ts), which leaves out whatever the schema does not name: every field the
 * contract and the schemas promise must still arrive, with its value.
 */
let t: TestContext;

beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

describe('the terminal answers carry every contract field', () => {
  it('lookup: card status, display name and each kind of entitlement with all its fields', async () => {
    const club = await makeProvider(t.db, {
      category: 'caterer',
      benefitTypes: ['lunch', 'participation', 'tutoring', 'trip'],
      mealPriceCents: 380,
    });
    const staff = await t.user('provider_staff', club.id);
    const { beneficiary, card, approval } = await makeChildWithCard(
      t.db,
      t.keys,
      { budgetCents: 12000 },
      { givenName: 'Jonas', familyName: 'Weber', birthDate: '2013-05-04' },
    );
    const lunch = await makeApproval(t.db, { beneficiaryId: beneficiary.id, benefitType: 'lunch' });
    const tutoring = await makeApproval(t.db, {
      beneficiaryId: beneficiary.id,
      benefitType: 'tutoring',
      budgetCents: 10000,
      hours: 5,
      hourlyRateCents: 2000,
      subject: 'Mathematik',
    });
    const trip = await makeApproval(t.db, {
      beneficiaryId: beneficiary.id,
      benefitType: 'trip',
      budgetCents: 25000,
      reference: 'Klassenfahrt Harz',
      validFrom: '2026-10-01',
      validTo: '2026-12-15',
    });
    const res = await t.call('POST', '/api/v1/terminal/lookup', { token: staff.token, body: { code: card.qrToken } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['card', 'entitlements', 'holder']);
    expect(body.card).toEqual({ status: 'active' });
    expect(body.holder).toEqual({ displayName: 'Jonas W.' });
    const byId = Object.fromEntries((body.entitlements as { approvalId: string }[]).map((e) => [e.approvalId, e]));
    expect(byId).toEqual({
      [approval.id]: {
        approvalId: approval.id,
        benefitType: 'participation',
        validFrom: '2026-01-01',
        validTo: '2026-12-31',
        availableCents: 12000,
      },
      [lunch.id]: {
        approvalId: lunch.id,
        benefitType: 'lunch',
        validFrom: '2026-01-01',
        validTo: '2026-12-31',
        lunchAvailableToday: true,
        mealPriceCents: 380,
      },
      [tutoring.id]: {
        approvalId: tutoring.id,
        benefitType: 'tutoring',
        validFrom: '2026-01-01',
        validTo: '2026-12-31',
        subject: 'Mathematik',
        availableCents: 10000,
        minutesAvailable: 300,
      },
      [trip.id]: {
        approvalId: trip.id,
        benefitType: 'trip',
        validFrom: '2026-10-01',
        validTo: '2026-12-15',
        reference: 'Klassenfahrt Harz',
        availableCents: 25000,
      },
    });
  });

  it('redeem: id, approvalId, amountCents, serviceDate and availableCents, the same on a replay; lunch without a balance', async () => {
    const club = await makeProvider(t.db, {
      category: 'caterer',
      benefitTypes: ['participation', 'lunch'],
      mealPriceCents: 350,
    });
    const staff = await t.user('provider_staff', club.id);
    const { beneficiary, card, approval } = await makeChildWithCard(t.db, t.keys, { budgetCents: 5000 });
    const key = randomUUID();
    const redeem = (body: Record<string, unknown>, idempotencyKey: string) =>
      t.call('POST', '/api/v1/terminal/redemptions', {
        token: staff.token,
        body,
        headers: { 'idempotency-key': idempotencyKey },
      });
    const first = await redeem(
      { code: card.qrToken, approvalId: approval.id, amountCents: 1250, serviceDate: '2026-11-19' },
      key,
    );
    expect(first.statusCode).toBe(201);
    const booked = first.json();
    expect(booked).toEqual({
      id: expect.stringMatching(/^rdm_/),
      approvalId: approval.id,
      amountCents: 1250,
      serviceDate: '2026-11-19',
      availableCents: 3750,
    });
    const replay = await redeem(
      { code: card.qrToken, approvalId: approval.id, amountCents: 1250, serviceDate: '2026-11-19' },
      key,
    );
    expect([200, 201]).toContain(replay.statusCode);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(booked);

    const lunch = await makeApproval(t.db, { beneficiaryId: beneficiary.id, benefitType: 'lunch' });
    const meal = await redeem({ code: card.qrToken, approvalId: lunch.id, meals: 1 }, randomUUID());
    expect(meal.statusCode).toBe(201);
    expect(meal.json()).toEqual({
      id: expect.stringMatching(/^rdm_/),
      approvalId: lunch.id,
      amountCents: 350,
      serviceDate: '2026-11-20',
    });
    // The answers are JSON of the declared content type, and a decline stays a full problem.
    expect(meal.headers['content-type']).toMatch(/^application\/json/);
    const declined = await redeem({ code: card.qrToken, approvalId: approval.id, amountCents: 999_999 }, randomUUID());
    expect(declined.statusCode).toBe(409);
    expect(declined.json()).toMatchObject({
      type: expect.any(String),
      title: expect.any(String),
      status: 409,
      detail: expect.any(String),
      code: 'insufficient_budget',
      requestId: expect.any(String),
      availableCents: 3750,
    });
  });
});
