import { approvals } from '@tk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBeneficiary, makeCard, makeProvider } from './factories.ts';
import { createTestContext, expectProblem, onServer, type TestContext } from './support.ts';

// The pinned clock: 2026-11-20 10:00 in Berlin.
let t: TestContext;
let caseworker: { token: string };
let tutor: { id: string };

beforeAll(async () => {
  t = await createTestContext({ config: { rateLimitPerMinute: 1_000_000 } });
  caseworker = await t.user('caseworker');
  tutor = await makeProvider(t.db, { category: 'tutor', benefitTypes: ['tutoring'] });
});
afterAll(() => t.close());

const approve = (beneficiaryId: string, body: Record<string, unknown>) =>
  t.call('POST', `/api/v1/beneficiaries/${beneficiaryId}/approvals`, { token: caseworker.token, body });
const participation = (validFrom: string, validTo: string) => ({
  benefitType: 'participation',
  legalBasis: 'SGB_II',
  validFrom,
  validTo,
});

describe('approval_overlaps', () => {
  it('a second overlapping participation approval is refused with the existing approval id; nothing is saved', async () => {
    const child = await makeBeneficiary(t.db);
    const first = await approve(child.id, participation('2026-08-01', '2027-07-31'));
    expect(first.statusCode, first.body).toBe(201);
    const problem = expectProblem(
      await approve(child.id, participation('2027-07-01', '2027-12-31')),
      409,
      'approval_overlaps',
    );
    expect(problem.existingApprovalId).toBe(first.json().id);
    expect(await t.db.$count(approvals, eq(approvals.beneficiaryId, child.id))).toBe(1);
    // The period after it is fine; so is one of another single-budget type.
    expect((await approve(child.id, participation('2027-08-01', '2028-07-31'))).statusCode).toBe(201);
    const lunch = { benefitType: 'lunch', legalBasis: 'SGB_II', validFrom: '2026-08-01', validTo: '2027-07-31' };
    expect((await approve(child.id, lunch)).statusCode).toBe(201);
    expectProblem(await approve(child.id, { ...lunch, validFrom: '2027-01-01' }), 409, 'approval_overlaps');
    const supplies = { benefitType: 'school_supplies', legalBasis: 'SGB_II', amountCents: 13000 };
    expect((await approve(child.id, { ...supplies, validFrom: '2026-08-01', validTo: '2027-01-31' })).statusCode).toBe(
      201,
    );
    expectProblem(
      await approve(child.id, { ...supplies, validFrom: '2027-01-31', validTo: '2027-07-31' }),
      409,
      'approval_overlaps',
    );
  });

  it('an approval revoked before the new period starts does not block it; one revoked later does', async () => {
    const child = await makeBeneficiary(t.db);
    const first = (await approve(child.id, participation('2026-01-01', '2026-12-31'))).json();
    const revoked = await t.call('POST', `/api/v1/approvals/${first.id}/revoke`, {
      token: caseworker.token,
      body: { effectiveDate: '2026-10-01', reason: 'Umzug' },
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expectProblem(await approve(child.id, participation('2026-09-30', '2026-12-31')), 409, 'approval_overlaps');
    expect((await approve(child.id, participation('2026-10-01', '2026-12-31'))).statusCode).toBe(201);
  });

  it('trips and tutoring may overlap, and the terminal tells them apart by name, subject and period', async () => {
    const school = await makeProvider(t.db, { category: 'school', benefitTypes: ['trip', 'tutoring'] });
    const child = await makeBeneficiary(t.db, { birthDate: '2014-03-01' });
    const card = await makeCard(t.db, t.keys, child.id);
    const trip = { benefitType: 'trip', legalBasis: 'SGB_II', validFrom: '2026-11-01', validTo: '2027-06-30' };
    expect((await approve(child.id, { ...trip, amountCents: 28500, reference: 'Klassenfahrt Harz' })).statusCode).toBe(
      201,
    );
    expect((await approve(child.id, { ...trip, amountCents: 4000, reference: 'Zoo Tagesausflug' })).statusCode).toBe(
      201,
    );
    const tutoring = {
      benefitType: 'tutoring',
      legalBasis: 'SGB_II',
      validFrom: '2026-09-01',
      validTo: '2027-01-31',
      providerId: school.id,
      hours: 10,
      hourlyRateCents: 2000,
    };
    expect((await approve(child.id, { ...tutoring, subject: 'Mathematik' })).statusCode).toBe(201);
    expect((await approve(child.id, { ...tutoring, subject: 'Deutsch' })).statusCode).toBe(201);
    const staff = await t.user('provider_staff', school.id);
    const res = await t.call('POST', '/api/v1/terminal/lookup', { token: staff.token, body: { code: card.qrToken } });
    expect(res.statusCode, res.body).toBe(200);
    const labels = res
      .json()
      .entitlements.map(
        (e: Record<string, unknown>) => `${e.benefitType}|${e.reference ?? e.subject}|${e.validFrom}|${e.validTo}`,
      )
      .sort();
    expect(labels).toEqual([
      'trip|Klassenfahrt Harz|2026-11-01|2027-06-30',
      'trip|Zoo Tagesausflug|2026-11-01|2027-06-30',
      'tutoring|Deutsch|2026-09-01|2027-01-31',
      'tutoring|Mathematik|2026-09-01|2027-01-31',
    ]);
  });

  it('amendApproval follows the same rule (the approval does not overlap itself)', async () => {
    const child = await makeBeneficiary(t.db);
    const a = (await approve(child.id, participation('2026-01-01', '2026-06-30'))).json();
    const b = (await approve(child.id, participation('2026-07-01', '2026-12-31'))).json();
    const amend = (id: string, body: Record<string, unknown>) =>
      t.call('PATCH', `/api/v1/approvals/${id}`, { token: caseworker.token, body });
    const problem = expectProblem(await amend(a.id, { validTo: '2026-07-31' }), 409, 'approval_overlaps');
    expect(problem.existingApprovalId).toBe(b.id);
    const [stored] = await t.db.select().from(approvals).where(eq(approvals.id, a.id));
    expect(stored!.validTo).toBe('2026-06-30');
    expect((await amend(a.id, { validFrom: '2026-02-01' })).statusCode).toBe(200);
  });

  it('the database itself refuses an overlapping row written past the service', async () => {
    const child = await makeBeneficiary(t.db);
    await approve(child.id, participation('2026-01-01', '2026-12-31'));
    const raw = t.db.insert(approvals).values({
      id: `apr_raw${Date.now()}`,
      beneficiaryId: child.id,
      benefitType: 'participation',
      legalBasis: 'SGB_II',
      validFrom: '2026-06-01',
      validTo: '2026-06-30',
      budgetCents: 1500,
      remainingCents: 1500,
    });
    await expect(raw).rejects.toThrow();
  });

  it.runIf(onServer)('two overlapping creates at once: exactly one succeeds, the other gets 409', async () => {
    for (let round = 0; round < 5; round++) {
      const child = await makeBeneficiary(t.db);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => approve(child.id, participation(`2026-0${i + 1}-01`, '2026-12-31'))),
      );
      const codes = results.map((r) => r.statusCode).sort();
      expect(codes).toEqual([201, 409, 409, 409, 409, 409]);
      for (const r of results.filter((x) => x.statusCode === 409)) {
        expect(r.json().existingApprovalId).toBe(results.find((x) => x.statusCode === 201)!.json().id);
      }
      expect(await t.db.$count(approvals, eq(approvals.beneficiaryId, child.id))).toBe(1);
    }
  });
});

describe('approval_overlaps in the bulk import', () => {
  const HEADER =
    'Aktenzeichen;Vorname;Nachname;Geburtsdatum;Leistungsart;Rechtskreis;Kostentraeger;Gueltig_ab;Gueltig_bis;Betrag;Stunden;Stundensatz;Anbieter';
  const post = (csv: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/imports?mode=import',
      headers: { authorization: `Bearer ${caseworker.token}`, 'content-type': 'text/csv; charset=utf-8' },
      payload: csv,
    });

  it('overlapping lines get a German report line instead of a crash; the rest is imported; a re-import is unchanged', async () => {
    const child = await makeBeneficiary(t.db, { givenName: 'Lina', familyName: 'Sonnenberg', birthDate: '2015-03-14' });
    await approve(child.id, participation('2026-08-01', '2027-07-31'));
    const ref = child.caseReference;
    const csv = [
      HEADER,
      `${ref};Lina;Sonnenberg;14.03.2015;Teilhabe;SGB II;;01.01.2027;31.12.2027;;;;`,
      'OVL-2;Tom;Berg;01.01.2014;Mittagessen;SGB II;;01.08.2026;31.07.2027;;;;',
      'OVL-2;Tom;Berg;01.01.2014;Mittagessen;SGB II;;01.02.2027;31.01.2028;;;;',
      `OVL-2;Tom;Berg;01.01.2014;Lernförderung;SGB II;;01.09.2026;31.01.2027;;20;18,50;${tutor.id}`,
    ].join('\n');
    const res = await post(csv);
    expect(res.statusCode, res.body).toBe(201);
    const job = res.json();
    expect(job).toMatchObject({ status: 'completed', validRows: 2, invalidRows: 2, createdApprovals: 2 });
    expect(job.report).toEqual([
      {
        line: 2,
        field: 'Gueltig_ab',
        message: expect.stringMatching(/^Überschneidet sich mit einer erfassten Bewilligung/),
      },
      {
        line: 4,
        field: 'Gueltig_ab',
        message: 'Überschneidet sich mit Zeile 3 (gleiches Aktenzeichen, gleiche Leistungsart).',
      },
    ]);
    const again = (await post(csv)).json();
    expect(again).toMatchObject({ status: 'completed', createdApprovals: 0, invalidRows: 2, unchangedRows: 2 });
  });
});

describe('a revoked approval shows what is still bookable and what was released', () => {
  it('during the grace period the rest stays bookable for earlier services; after it, all is released', async () => {
    const child = await makeBeneficiary(t.db);
    const a = (await approve(child.id, participation('2026-01-01', '2026-12-31'))).json();
    expect(a).toMatchObject({ remainingCents: 18000, bookableCents: 18000 });
    expect(a.releasedCents).toBeUndefined();
    const revoked = await t.call('POST', `/api/v1/approvals/${a.id}/revoke`, {
      token: caseworker.token,
      body: { effectiveDate: '2026-10-01', reason: 'Umzug' },
    });
    expect(revoked.json()).toMatchObject({ status: 'revoked', bookableCents: 18000, releasedCents: 0 });
    t.clock.set('2027-04-01T09:00:00Z');
    try {
      const fresh = await t.user('caseworker');
      const later = (await t.call('GET', `/api/v1/approvals/${a.id}`, { token: fresh.token })).json();
      expect(later).toMatchObject({ remainingCents: 18000, bookableCents: 0, releasedCents: 18000 });
    } finally {
      t.clock.set('2026-11-20T09:00:00Z');
    }
  });

  it('revoked from its first day: nothing is bookable, the whole rest is released', async () => {
    const child = await makeBeneficiary(t.db);
    const a = (await approve(child.id, participation('2026-12-01', '2027-11-30'))).json();
    const revoked = await t.call('POST', `/api/v1/approvals/${a.id}/revoke`, {
      token: caseworker.token,
      body: { effectiveDate: '2026-12-01', reason: 'Bescheid aufgehoben' },
    });
    expect(revoked.json()).toMatchObject({ bookableCents: 0, releasedCents: 18000 });
    const page = (await t.call('GET', `/api/v1/beneficiaries/${child.id}`, { token: caseworker.token })).json();
    expect(page.approvals[0]).toMatchObject({ bookableCents: 0, releasedCents: 18000 });
  });
});
