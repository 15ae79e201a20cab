import { approvalRevisions, approvals, auditLog, beneficiaries } from '@tk/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBeneficiary, makeCard, makeProvider } from './factories.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

// The pinned clock: 2026-11-20 10:00 in Berlin.
let t: TestContext;
let caseworker: { id: string; username: string; token: string };
let club: { id: string };
let staff: { token: string };

beforeAll(async () => {
  t = await createTestContext();
  caseworker = await t.user('caseworker');
  club = await makeProvider(t.db, { benefitTypes: ['participation'] });
  staff = await t.user('provider_staff', club.id);
});
afterAll(() => t.close());

const patch = (id: string, body: unknown, token = caseworker.token) =>
  t.call('PATCH', `/api/v1/beneficiaries/${id}`, { token, body });
const participation = (beneficiaryId: string) =>
  t.call('POST', `/api/v1/beneficiaries/${beneficiaryId}/approvals`, {
    token: caseworker.token,
    body: { benefitType: 'participation', legalBasis: 'SGB_II', validFrom: '2026-08-01', validTo: '2027-07-31' },
  });

describe('updateBeneficiary', () => {
  it('a misspelt name is corrected: history kept, audit without personal data, the terminal shows the new name at once', async () => {
    const child = await makeBeneficiary(t.db, { givenName: 'Lina', familyName: 'Sonnenbreg' });
    const card = await makeCard(t.db, t.keys, child.id);
    await participation(child.id);
    const lookup = () =>
      t.call('POST', '/api/v1/terminal/lookup', { token: staff.token, body: { code: card.qrToken } });
    expect((await lookup()).json().holder.displayName).toBe('Lina S.');
    const res = await patch(child.id, { familyName: 'Zonnenberg', givenName: 'Lina' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ familyName: 'Zonnenberg', givenName: 'Lina' });
    expect(res.json().revisions).toEqual([
      {
        changedAt: expect.any(String),
        changedBy: caseworker.id,
        changedByName: caseworker.username,
        before: { familyName: 'Sonnenbreg' },
        after: { familyName: 'Zonnenberg' },
      },
    ]);
    expect((await lookup()).json().holder.displayName).toBe('Lina Z.');
    const [entry] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, child.id), eq(auditLog.action, 'beneficiary.updated')));
    expect(entry!.data).toEqual({ fields: ['familyName'] });
    expect(JSON.stringify(entry!.data)).not.toMatch(/Sonnen|Zonnen/);
  });

  it('a corrected birth date recomputes the participation budget as an amendment', async () => {
    const child = await makeBeneficiary(t.db, { birthDate: '2010-03-14' });
    const approval = (await participation(child.id)).json();
    expect(approval.budgetCents).toBe(18000);
    // 18 on 2027-01-15: only the months starting before it (August to January) count.
    const res = await patch(child.id, { birthDate: '2009-01-15' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().approvals[0]).toMatchObject({ id: approval.id, budgetCents: 9000, remainingCents: 9000 });
    const revisions = await t.db.select().from(approvalRevisions).where(eq(approvalRevisions.approvalId, approval.id));
    expect(revisions.map((r) => [r.kind, r.reason])).toEqual([
      ['created', null],
      ['amended', 'Geburtsdatum korrigiert'],
    ]);
  });

  it('409 budget_below_booked when the recomputed budget would go below what is booked; nothing is changed', async () => {
    const child = await makeBeneficiary(t.db, { givenName: 'Tom', birthDate: '2010-03-14' });
    const card = await makeCard(t.db, t.keys, child.id);
    const approval = (await participation(child.id)).json();
    const booked = await t.call('POST', '/api/v1/terminal/redemptions', {
      token: staff.token,
      headers: { 'idempotency-key': `k-${child.id}` },
      body: { code: card.qrToken, approvalId: approval.id, amountCents: 12000 },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const problem = expectProblem(
      await patch(child.id, { birthDate: '2009-01-15', givenName: 'Thomas' }),
      409,
      'budget_below_booked',
    );
    expect(problem).toMatchObject({ bookedCents: 12000, newBudgetCents: 9000 });
    const [stored] = await t.db.select().from(beneficiaries).where(eq(beneficiaries.id, child.id));
    expect(stored).toMatchObject({ givenName: 'Tom', birthDate: '2010-03-14' });
    const [a] = await t.db.select().from(approvals).where(eq(approvals.id, approval.id));
    expect(a).toMatchObject({ budgetCents: 18000, remainingCents: 6000 });
  });

  it('409 for a case reference of another child, 400 for a future birth date or an empty body, 404, 401, 403', async () => {
    const a = await makeBeneficiary(t.db);
    const b = await makeBeneficiary(t.db);
    expectProblem(await patch(b.id, { caseReference: a.caseReference }), 409, 'case_reference_taken');
    expectProblem(await patch(b.id, { birthDate: '2027-01-01' }), 400, 'invalid_birth_date');
    expectProblem(await patch(b.id, {}), 400, 'validation_failed');
    expectProblem(await patch('ben_unknown', { givenName: 'X' }), 404, 'beneficiary_not_found');
    expectProblem(
      await t.call('PATCH', `/api/v1/beneficiaries/${b.id}`, { body: { givenName: 'X' } }),
      401,
      'unauthenticated',
    );
    const accounting = await t.user('accounting');
    expectProblem(await patch(b.id, { givenName: 'X' }, accounting.token), 403, 'forbidden');
    // Its own case reference again is no change and no conflict.
    expect((await patch(b.id, { caseReference: b.caseReference })).statusCode).toBe(200);
  });
});

describe('possible_duplicate', () => {
  const create = (body: Record<string, string>) =>
    t.call('POST', '/api/v1/beneficiaries', { token: caseworker.token, body });

  it('a second child with the same name and birth date is saved with a warning naming the first', async () => {
    const first = await create({
      givenName: 'Lina',
      familyName: 'Sonnenberg',
      birthDate: '2016-04-01',
      caseReference: 'DUP-1',
    });
    expect(first.statusCode).toBe(201);
    expect(first.json().warnings).toEqual([]);
    const second = await create({
      givenName: 'lina',
      familyName: 'Sonnenberg ',
      birthDate: '2016-04-01',
      caseReference: 'DUP-2',
    });
    expect(second.statusCode).toBe(201);
    expect(second.json().warnings).toEqual([{ code: 'possible_duplicate', beneficiaryId: first.json().id }]);
    // Another birth date is another child.
    const third = await create({
      givenName: 'Lina',
      familyName: 'Sonnenberg',
      birthDate: '2016-04-02',
      caseReference: 'DUP-3',
    });
    expect(third.json().warnings).toEqual([]);
  });

  it('a taken case reference names the child that holds it', async () => {
    const first = await create({
      givenName: 'Ada',
      familyName: 'Berg',
      birthDate: '2015-01-01',
      caseReference: 'DUP-REF',
    });
    const problem = expectProblem(
      await create({ givenName: 'Bo', familyName: 'Berg', birthDate: '2015-01-01', caseReference: 'DUP-REF' }),
      409,
      'case_reference_taken',
    );
    expect(problem.existingBeneficiaryId).toBe(first.json().id);
  });
});

describe('searchBeneficiaries', () => {
  const search = async (query: string) => {
    const res = await t.call('GET', `/api/v1/beneficiaries?${query}`, { token: caseworker.token });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: { id: string; familyName: string; givenName: string }[]; total: number };
  };

  it('finds "Sonnenberg, Lina", "Lina Sonnenberg", the case reference and the card number with or without spaces', async () => {
    const lina = await makeBeneficiary(t.db, {
      givenName: 'Lina',
      familyName: 'Sonnenbergerin',
      caseReference: 'SRCH-4711',
    });
    await makeBeneficiary(t.db, { givenName: 'Linus', familyName: 'Sonnenbergerin' });
    const card = await makeCard(t.db, t.keys, lina.id);
    const ids = async (q: string) => (await search(`q=${encodeURIComponent(q)}`)).items.map((i) => i.id);
    expect(await ids('Sonnenbergerin, Lina')).toEqual([lina.id]);
    expect(await ids('Lina Sonnenbergerin')).toEqual([lina.id]);
    expect(await ids('SRCH-47')).toEqual([lina.id]);
    expect(await ids(card.cardNumber)).toEqual([lina.id]);
    const spaced = card.cardNumber.replace(/(\d{4})(?=\d)/g, '$1 ');
    expect(await ids(spaced)).toEqual([lina.id]);
    expect(await ids('Sonnenbergerin')).toHaveLength(2);
  });

  it('sorts by a chosen column in either direction, and paging keeps that order', async () => {
    for (const [given, birthDate] of [
      ['Anna', '2014-01-01'],
      ['Berta', '2012-01-01'],
      ['Cleo', '2016-01-01'],
    ]) {
      await makeBeneficiary(t.db, { givenName: given!, familyName: 'Sortierling', birthDate: birthDate! });
    }
    const names = async (query: string) => (await search(`q=Sortierling&${query}`)).items.map((i) => i.givenName);
    expect(await names('sort=name')).toEqual(['Anna', 'Berta', 'Cleo']);
    expect(await names('sort=birthDate&direction=desc')).toEqual(['Cleo', 'Anna', 'Berta']);
    expect(await names('sort=birthDate&page=1&pageSize=2')).toEqual(['Berta', 'Anna']);
    expect(await names('sort=birthDate&page=2&pageSize=2')).toEqual(['Cleo']);
    expectProblem(
      await t.call('GET', '/api/v1/beneficiaries?sort=secret', { token: caseworker.token }),
      400,
      'validation_failed',
    );
  });
});
