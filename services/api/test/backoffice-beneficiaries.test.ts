import { approvalRevisions, approvals, auditLog, redemptions } from '@tk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBeneficiary, makeCard, makeProvider } from './factories.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

let t: TestContext;
let caseworker: { id: string; token: string };
let admin: { token: string };
let tutor: { id: string };
let club: { id: string };

beforeAll(async () => {
  t = await createTestContext();
  caseworker = await t.user('caseworker');
  admin = await t.user('admin');
  tutor = await makeProvider(t.db, { category: 'tutor', benefitTypes: ['tutoring'] });
  club = await makeProvider(t.db, { category: 'club', benefitTypes: ['participation'] });
});
afterAll(() => t.close());

async function child(over: Record<string, string> = {}) {
  const res = await t.call('POST', '/api/v1/beneficiaries', {
    token: caseworker.token,
    body: {
      givenName: 'Mia',
      familyName: 'Schneider',
      birthDate: '2015-03-14',
      caseReference: `AZ-${Math.random().toString(36).slice(2, 10)}`,
      ...over,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const approve = (beneficiaryId: string, body: Record<string, unknown>) =>
  t.call('POST', `/api/v1/beneficiaries/${beneficiaryId}/approvals`, { token: caseworker.token, body });

describe('createBeneficiary and search', () => {
  it('a caseworker records a child; the audit row holds no personal data', async () => {
    const c = await child({ givenName: 'Leon', familyName: 'Yilmaz', caseReference: 'JC-4711' });
    expect(c).toMatchObject({ givenName: 'Leon', familyName: 'Yilmaz', caseReference: 'JC-4711' });
    expect(c.id).toMatch(/^ben_/);
    const [a] = await t.db.select().from(auditLog).where(eq(auditLog.entityId, c.id));
    expect(a!.action).toBe('beneficiary.created');
    expect(JSON.stringify(a!.data)).not.toMatch(/Leon|Yilmaz|JC-4711/);
  });

  it('409 for a taken case reference, 400 for a birth date in the future or malformed, 401/403', async () => {
    await child({ caseReference: 'JC-DUP' });
    expectProblem(
      await t.call('POST', '/api/v1/beneficiaries', {
        token: caseworker.token,
        body: { givenName: 'A', familyName: 'B', birthDate: '2015-01-01', caseReference: 'JC-DUP' },
      }),
      409,
      'case_reference_taken',
    );
    expectProblem(
      await t.call('POST', '/api/v1/beneficiaries', {
        token: caseworker.token,
        body: { givenName: 'A', familyName: 'B', birthDate: '2027-01-01', caseReference: 'JC-F' },
      }),
      400,
      'invalid_birth_date',
    );
    expectProblem(
      await t.call('POST', '/api/v1/beneficiaries', {
        token: caseworker.token,
        body: { givenName: 'A', familyName: 'B', birthDate: '01.01.2015', caseReference: 'JC-G' },
      }),
      400,
      'validation_failed',
    );
    expectProblem(await t.call('POST', '/api/v1/beneficiaries', { body: {} }), 401, 'unauthenticated');
    const accounting = await t.user('accounting');
    expectProblem(
      await t.call('POST', '/api/v1/beneficiaries', {
        token: accounting.token,
        body: { givenName: 'A', familyName: 'B', birthDate: '2015-01-01', caseReference: 'JC-H' },
      }),
      403,
      'forbidden',
    );
  });

  it('search finds by name parts and case reference prefix, paginated', async () => {
    await child({ givenName: 'Emma', familyName: 'Krüger', caseReference: 'SUCH-001' });
    await child({ givenName: 'Paul', familyName: 'Krüger', caseReference: 'SUCH-002' });
    await child({ givenName: 'Hanna', familyName: 'Wolf', caseReference: 'SUCH-003' });
    const byName = await t.call('GET', '/api/v1/beneficiaries?q=krüg', { token: caseworker.token });
    expect(byName.json().items.map((i: { givenName: string }) => i.givenName)).toEqual(['Emma', 'Paul']);
    const both = await t.call('GET', '/api/v1/beneficiaries?q=emma%20kr', { token: caseworker.token });
    expect(both.json().total).toBe(1);
    const page = await t.call('GET', '/api/v1/beneficiaries?q=SUCH-&pageSize=2&page=2', { token: caseworker.token });
    expect(page.json()).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(page.json().items).toHaveLength(1);
    const exact = await t.call('GET', '/api/v1/beneficiaries?caseReference=SUCH-003', { token: caseworker.token });
    expect(exact.json().items[0].familyName).toBe('Wolf');
    expectProblem(
      await t.call('GET', '/api/v1/beneficiaries?pageSize=1000', { token: caseworker.token }),
      400,
      'validation_failed',
    );
  });

  it('404 for an unknown child', async () => {
    expectProblem(
      await t.call('GET', '/api/v1/beneficiaries/ben_nope', { token: caseworker.token }),
      404,
      'beneficiary_not_found',
    );
  });
});

describe('createApproval', () => {
  it('participation: rate × started months of the period; remaining = budget; a created revision', async () => {
    const c = await child();
    const res = await approve(c.id, {
      benefitType: 'participation',
      legalBasis: 'SGB_II',
      costBearer: 'JOBCENTER',
      validFrom: '2026-08-15',
      validTo: '2027-08-14',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      budgetCents: 12 * 1500,
      remainingCents: 12 * 1500,
      bookedCents: 0,
      status: 'active',
    });
    const revs = await t.db.select().from(approvalRevisions).where(eq(approvalRevisions.approvalId, res.json().id));
    expect(revs.map((r) => r.kind)).toEqual(['created']);
  });

  it('participation counts only months starting before the 18th birthday; none → 422 not_eligible_age', async () => {
    const c = await child({ birthDate: '2008-10-10' });
    const res = await approve(c.id, {
      benefitType: 'participation',
      legalBasis: 'SGB_II',
      validFrom: '2026-08-01',
      validTo: '2027-07-31',
    });
    // 01.08., 01.09., 01.10. start before 10.10.2026.
    expect(res.json().budgetCents).toBe(3 * 1500);
    const old = await child({ birthDate: '2008-02-29' });
    const refused = await approve(old.id, {
      benefitType: 'participation',
      legalBasis: 'SGB_II',
      validFrom: '2026-03-01',
      validTo: '2026-12-31',
    });
    expect(expectProblem(refused, 422, 'not_eligible_age').errors).toEqual([
      expect.objectContaining({ pointer: '/validFrom' }),
    ]);
  });

  it('a rate added later is used from its first month on (sum over months)', async () => {
    const a = await t.user('admin');
    await t.call('POST', '/api/v1/catalogue/rates', {
      token: a.token,
      body: { benefitType: 'participation', validFrom: '2027-02-01', amountCents: 2000 },
    });
    const c = await child();
    const res = await approve(c.id, {
      benefitType: 'participation',
      legalBasis: 'BKGG_KIZ',
      validFrom: '2026-11-01',
      validTo: '2027-04-30',
    });
    // Nov, Dec, Jan at 15 €; Feb, Mar, Apr at 20 €.
    expect(res.json().budgetCents).toBe(3 * 1500 + 3 * 2000);
  });

  it('tutoring: hours × hourly rate with a named provider that may redeem tutoring', async () => {
    const c = await child();
    const ok = await approve(c.id, {
      benefitType: 'tutoring',
      legalBasis: 'SGB_II',
      validFrom: '2026-09-01',
      validTo: '2027-01-31',
      providerId: tutor.id,
      hours: 20,
      hourlyRateCents: 1800,
      subject: 'Mathematik',
    });
    expect(ok.json()).toMatchObject({ budgetCents: 36000, hours: 20, hourlyRateCents: 1800, providerId: tutor.id });
    expectProblem(
      await approve(c.id, {
        benefitType: 'tutoring',
        legalBasis: 'SGB_II',
        validFrom: '2026-09-01',
        validTo: '2027-01-31',
        hours: 20,
        hourlyRateCents: 1800,
      }),
      400,
      'named_provider_required',
    );
    expectProblem(
      await approve(c.id, {
        benefitType: 'tutoring',
        legalBasis: 'SGB_II',
        validFrom: '2026-09-01',
        validTo: '2027-01-31',
        providerId: club.id,
        hours: 20,
        hourlyRateCents: 1800,
      }),
      400,
      'provider_cannot_redeem',
    );
    expectProblem(
      await approve(c.id, {
        benefitType: 'tutoring',
        legalBasis: 'SGB_II',
        validFrom: '2026-09-01',
        validTo: '2027-01-31',
        providerId: 'prv_nope',
        hours: 20,
        hourlyRateCents: 1800,
      }),
      404,
      'provider_not_found',
    );
  });

  it('trip: amount; lunch: no budget; school supplies are recorded but not redeemable', async () => {
    const c = await child();
    const trip = await approve(c.id, {
      benefitType: 'trip',
      legalBasis: 'SGB_XII_3',
      validFrom: '2026-11-01',
      validTo: '2027-06-30',
      amountCents: 28500,
    });
    expect(trip.json()).toMatchObject({ budgetCents: 28500, remainingCents: 28500 });
    const lunch = await approve(c.id, {
      benefitType: 'lunch',
      legalBasis: 'SGB_II',
      validFrom: '2026-08-01',
      validTo: '2027-07-31',
    });
    expect(lunch.json()).toMatchObject({ budgetCents: null, remainingCents: null, mealsBooked: 0, redeemable: true });
    const supplies = await approve(c.id, {
      benefitType: 'school_supplies',
      legalBasis: 'SGB_II',
      validFrom: '2026-08-01',
      validTo: '2027-07-31',
      amountCents: 19500,
    });
    expect(supplies.json()).toMatchObject({ redeemable: false, status: 'recorded' });
    expectProblem(
      await approve(c.id, {
        benefitType: 'trip',
        legalBasis: 'SGB_II',
        validFrom: '2026-11-01',
        validTo: '2027-06-30',
      }),
      400,
      'amount_required',
    );
    expectProblem(
      await approve(c.id, {
        benefitType: 'lunch',
        legalBasis: 'SGB_II',
        validFrom: '2026-11-01',
        validTo: '2027-06-30',
        amountCents: 100,
      }),
      400,
      'field_not_applicable',
    );
  });

  it('400 invalid_period, 422 for a 25-year-old, 400 unknown cost bearer, 404 unknown child, 403 for admins', async () => {
    const c = await child({ birthDate: '2001-01-01' });
    expectProblem(
      await approve(c.id, {
        benefitType: 'lunch',
        legalBasis: 'SGB_II',
        validFrom: '2027-01-01',
        validTo: '2026-01-01',
      }),
      400,
      'invalid_period',
    );
    expectProblem(
      await approve(c.id, {
        benefitType: 'lunch',
        legalBasis: 'SGB_II',
        validFrom: '2026-01-01',
        validTo: '2026-12-31',
      }),
      422,
      'not_eligible_age',
    );
    const young = await child();
    expectProblem(
      await approve(young.id, {
        benefitType: 'lunch',
        legalBasis: 'SGB_II',
        costBearer: 'MARS',
        validFrom: '2026-01-01',
        validTo: '2026-12-31',
      }),
      400,
      'unknown_cost_bearer',
    );
    expectProblem(
      await approve('ben_nope', {
        benefitType: 'lunch',
        legalBasis: 'SGB_II',
        validFrom: '2026-01-01',
        validTo: '2026-12-31',
      }),
      404,
      'beneficiary_not_found',
    );
    expectProblem(
      await t.call('POST', `/api/v1/beneficiaries/${young.id}/approvals`, {
        token: admin.token,
        body: { benefitType: 'lunch', legalBasis: 'SGB_II', validFrom: '2026-01-01', validTo: '2026-12-31' },
      }),
      403,
      'forbidden',
    );
  });
});

describe('amend and revoke', () => {
  it('amending hours recomputes the budget and moves remaining by the delta, never below what is booked', async () => {
    const c = await child();
    const created = (
      await approve(c.id, {
        benefitType: 'tutoring',
        legalBasis: 'SGB_II',
        validFrom: '2026-09-01',
        validTo: '2027-01-31',
        providerId: tutor.id,
        hours: 10,
        hourlyRateCents: 2000,
      })
    ).json();
    // 80 € already booked at the tutor.
    const card = await makeCard(t.db, t.keys, c.id);
    await t.db.insert(redemptions).values({
      id: 'rdm_test_1',
      providerId: tutor.id,
      approvalId: created.id,
      beneficiaryId: c.id,
      cardId: card.id,
      benefitType: 'tutoring',
      serviceDate: '2026-10-01',
      amountCents: 8000,
      minutes: 240,
      bookedBy: caseworker.id,
    });
    await t.db.update(approvals).set({ remainingCents: 12000 }).where(eq(approvals.id, created.id));

    const more = await t.call('PATCH', `/api/v1/approvals/${created.id}`, {
      token: caseworker.token,
      body: { hours: 15, reason: 'Verlängerung' },
    });
    expect(more.json()).toMatchObject({ budgetCents: 30000, remainingCents: 22000, bookedCents: 8000 });
    expectProblem(
      await t.call('PATCH', `/api/v1/approvals/${created.id}`, { token: caseworker.token, body: { hours: 3 } }),
      409,
      'budget_below_booked',
    );
    const fewer = await t.call('PATCH', `/api/v1/approvals/${created.id}`, {
      token: caseworker.token,
      body: { hours: 4 },
    });
    expect(fewer.json()).toMatchObject({ budgetCents: 8000, remainingCents: 0 });
    const history = await t.call('GET', `/api/v1/approvals/${created.id}`, { token: caseworker.token });
    expect(history.json().revisions.map((r: { kind: string }) => r.kind)).toEqual(['created', 'amended', 'amended']);
    expect(history.json().revisions[1]).toMatchObject({ reason: 'Verlängerung', snapshot: { hours: 15 } });
  });

  it('extending a participation period adds the new months to budget and remaining', async () => {
    const c = await child();
    const a = (
      await approve(c.id, {
        benefitType: 'participation',
        legalBasis: 'SGB_II',
        validFrom: '2026-08-01',
        validTo: '2027-01-31',
      })
    ).json();
    expect(a.budgetCents).toBe(6 * 1500);
    const res = await t.call('PATCH', `/api/v1/approvals/${a.id}`, {
      token: caseworker.token,
      body: { validTo: '2027-07-31' },
    });
    // The 20 € rate added above (from 01.02.2027) applies to the added months.
    expect(res.json()).toMatchObject({ budgetCents: 6 * 1500 + 6 * 2000, remainingCents: 6 * 1500 + 6 * 2000 });
  });

  it('revocation sets the effective date, keeps history, and a second one is 409', async () => {
    const c = await child();
    const a = (
      await approve(c.id, {
        benefitType: 'lunch',
        legalBasis: 'SGB_II',
        validFrom: '2026-08-01',
        validTo: '2027-07-31',
      })
    ).json();
    expectProblem(
      await t.call('POST', `/api/v1/approvals/${a.id}/revoke`, {
        token: caseworker.token,
        body: { effectiveDate: '2026-01-01', reason: 'Umzug' },
      }),
      400,
      'invalid_effective_date',
    );
    const res = await t.call('POST', `/api/v1/approvals/${a.id}/revoke`, {
      token: caseworker.token,
      body: { effectiveDate: '2026-12-01', reason: 'Umzug' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'revoked', revokedFrom: '2026-12-01', revocationReason: 'Umzug' });
    const [row] = await t.db.select().from(approvals).where(eq(approvals.id, a.id));
    expect(row).toMatchObject({ revokedFrom: '2026-12-01', revokedBy: caseworker.id });
    expect(row!.revokedAt).toBeInstanceOf(Date);
    const revs = await t.db.select().from(approvalRevisions).where(eq(approvalRevisions.approvalId, a.id));
    expect(revs.map((r) => r.kind).sort()).toEqual(['created', 'revoked']);
    expectProblem(
      await t.call('POST', `/api/v1/approvals/${a.id}/revoke`, {
        token: caseworker.token,
        body: { effectiveDate: '2026-12-01', reason: 'nochmal' },
      }),
      409,
      'approval_revoked',
    );
    expectProblem(
      await t.call('POST', '/api/v1/approvals/apv_nope/revoke', {
        token: caseworker.token,
        body: { effectiveDate: '2026-12-01', reason: 'x' },
      }),
      404,
      'approval_not_found',
    );
    expectProblem(
      await t.call('POST', `/api/v1/approvals/${a.id}/revoke`, {
        token: caseworker.token,
        body: { effectiveDate: '2026-12-01' },
      }),
      400,
      'validation_failed',
    );
  });

  it('the child page lists approvals (incl. revoked) with balances and the cards with status', async () => {
    const c = await makeBeneficiary(t.db, { givenName: 'Ida' });
    await approve(c.id, {
      benefitType: 'participation',
      legalBasis: 'SGB_II',
      validFrom: '2026-01-01',
      validTo: '2026-06-30',
    });
    const card = await t.call('POST', `/api/v1/beneficiaries/${c.id}/cards`, { token: caseworker.token });
    const page = await t.call('GET', `/api/v1/beneficiaries/${c.id}`, { token: caseworker.token });
    expect(page.statusCode).toBe(200);
    const body = page.json();
    expect(body.activeCardId).toBe(card.json().id);
    expect(body.cards).toEqual([expect.objectContaining({ id: card.json().id, status: 'active' })]);
    // Period ended 30.06.; today 20.11. is past the 3-month grace period.
    expect(body.approvals[0]).toMatchObject({ status: 'expired', lastBookingDay: '2026-09-30', remainingCents: 9000 });
  });
});
