import { personalDataReads } from '@tk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApproval, makeBeneficiary, makeCard, makeProvider, makeRedemption } from './factories.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

/**
 * Issue 13, item 5: an optional district on the child from the city's list, the take-up report by district
 * with small-number suppression (API and CSV), and the outreach list for caseworkers. Nothing reaches
 * providers. The clock is 2026-11-20.
 */
let t: TestContext;
let admin: { token: string };
let caseworker: { token: string };
let providerAdmin: { token: string };
let providerStaff: { token: string };
let providerId: string;
const booked: string[] = [];
const waiting: { beneficiaryId: string; cardId: string; cardNumber: string }[] = [];

async function childIn(district: string | null, opts: { book?: boolean; validFrom?: string; validTo?: string } = {}) {
  const b = await makeBeneficiary(t.db, { district });
  const a = await makeApproval(t.db, {
    beneficiaryId: b.id,
    validFrom: opts.validFrom ?? '2026-01-01',
    validTo: opts.validTo ?? '2026-12-31',
  });
  const c = await makeCard(t.db, t.keys, b.id);
  if (opts.book) {
    await makeRedemption(t.db, {
      providerId,
      approvalId: a.id,
      beneficiaryId: b.id,
      cardId: c.id,
      serviceDate: '2026-11-10',
    });
    booked.push(b.id);
  }
  return { b, a, c };
}

beforeAll(async () => {
  t = await createTestContext();
  admin = await t.user('admin');
  caseworker = await t.user('caseworker');
  const provider = await makeProvider(t.db);
  providerId = provider.id;
  providerAdmin = await t.user('provider_admin', provider.id);
  providerStaff = await t.user('provider_staff', provider.id);
  const settings = await t.call('PATCH', '/api/v1/catalogue/settings', {
    token: admin.token,
    body: { districts: ['Mitte', 'Nord'], outreachWeeks: 4 },
  });
  expect(settings.statusCode, settings.body).toBe(200);
  expect(settings.json()).toMatchObject({ districts: ['Mitte', 'Nord'], outreachWeeks: 4 });

  // Mitte: 6 children with participation, 5 of them booked in November. Nord: 3, one booked.
  for (let i = 0; i < 6; i++) await childIn('Mitte', { book: i < 5 });
  for (let i = 0; i < 3; i++) {
    const c = await childIn('Nord', { book: i === 0 });
    if (i > 0) waiting.push({ beneficiaryId: c.b.id, cardId: c.c.id, cardNumber: c.c.cardNumber });
  }
});
afterAll(() => t?.close());

describe('district on the child', () => {
  it('the city list is set by admins only, without duplicates', async () => {
    const dup = await t.call('PATCH', '/api/v1/catalogue/settings', {
      token: admin.token,
      body: { districts: ['Mitte', 'Mitte'] },
    });
    expect(dup.statusCode).toBe(400);
    expectProblem(
      await t.call('PATCH', '/api/v1/catalogue/settings', { token: caseworker.token, body: { outreachWeeks: 2 } }),
      403,
      'forbidden',
    );
  });

  it('is optional, must be one of the city list, can be changed and cleared', async () => {
    const base = { givenName: 'Ida', familyName: 'Bezirk', birthDate: '2016-03-03' };
    const none = await t.call('POST', '/api/v1/beneficiaries', {
      token: caseworker.token,
      body: { ...base, caseReference: 'AZ-D-0' },
    });
    expect(none.statusCode, none.body).toBe(201);
    expect(none.json().district).toBeUndefined();
    expectProblem(
      await t.call('POST', '/api/v1/beneficiaries', {
        token: caseworker.token,
        body: { ...base, caseReference: 'AZ-D-1', district: 'Süd' },
      }),
      400,
      'unknown_district',
    );
    const created = await t.call('POST', '/api/v1/beneficiaries', {
      token: caseworker.token,
      body: { ...base, caseReference: 'AZ-D-2', district: 'Mitte' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().district).toBe('Mitte');
    const id = created.json().id as string;

    expectProblem(
      await t.call('PATCH', `/api/v1/beneficiaries/${id}`, { token: caseworker.token, body: { district: 'Süd' } }),
      400,
      'unknown_district',
    );
    const moved = await t.call('PATCH', `/api/v1/beneficiaries/${id}`, {
      token: caseworker.token,
      body: { district: 'Nord' },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ district: 'Nord' });
    expect(moved.json().revisions.at(-1)).toMatchObject({ before: { district: 'Mitte' }, after: { district: 'Nord' } });
    const cleared = await t.call('PATCH', `/api/v1/beneficiaries/${id}`, {
      token: caseworker.token,
      body: { district: null },
    });
    expect(cleared.json().district).toBeUndefined();
  });
});

describe('district in the CSV import', () => {
  it('an optional Stadtbezirk column sets the district of new children; an unknown one is reported in German', async () => {
    const csv = [
      'Aktenzeichen;Vorname;Nachname;Geburtsdatum;Leistungsart;Rechtskreis;Gueltig_ab;Gueltig_bis;Stadtbezirk',
      'IMP-D-1;Tom;Importbezirk;01.01.2016;Teilhabe;SGB II;01.08.2026;31.07.2027;Nord',
      'IMP-D-2;Tim;Importbezirk;01.01.2016;Teilhabe;SGB II;01.08.2026;31.07.2027;Süd',
      'IMP-D-3;Tam;Importbezirk;01.01.2016;Teilhabe;SGB II;01.08.2026;31.07.2027;',
    ].join('\n');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports?mode=import',
      headers: { authorization: `Bearer ${caseworker.token}`, 'content-type': 'text/csv; charset=utf-8' },
      payload: csv,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ validRows: 2, invalidRows: 1, createdBeneficiaries: 2 });
    expect(res.json().report).toEqual([{ line: 3, field: 'Stadtbezirk', message: 'Unbekannter Stadtbezirk „Süd“.' }]);
    const found = await t.call('GET', '/api/v1/beneficiaries?q=Importbezirk', { token: caseworker.token });
    const byRef = Object.fromEntries(
      found.json().items.map((i: { caseReference: string; district?: string }) => [i.caseReference, i.district]),
    );
    expect(byRef).toEqual({ 'IMP-D-1': 'Nord', 'IMP-D-3': undefined });
  });
});

describe('take-up by district', () => {
  const url = '/api/v1/reports/take-up-by-district?from=2026-11-01&to=2026-11-30';

  it('counts children per district and benefit type and shows counts under 5 as "< 5"', async () => {
    const res = await t.call('GET', url, { token: caseworker.token });
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as { district: string | null; benefitType: string }[];
    expect(items.find((i) => i.district === 'Mitte' && i.benefitType === 'participation')).toEqual({
      district: 'Mitte',
      benefitType: 'participation',
      childrenWithApproval: 6,
      childrenWithBooking: 5,
      takeUpPercent: 83.3,
    });
    expect(items.find((i) => i.district === 'Nord' && i.benefitType === 'participation')).toEqual({
      district: 'Nord',
      benefitType: 'participation',
      childrenWithApproval: '< 5',
      childrenWithBooking: '< 5',
      takeUpPercent: null,
    });
    // No raw count under 5 anywhere in the answer.
    for (const i of res.json().items as Record<string, unknown>[]) {
      for (const key of ['childrenWithApproval', 'childrenWithBooking']) {
        expect(typeof i[key] === 'number' ? (i[key] as number) >= 5 : i[key] === '< 5').toBe(true);
      }
    }
  });

  it('the CSV suppresses the same way', async () => {
    const res = await t.call('GET', `${url}&format=csv`, { token: admin.token });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('Stadtbezirk;Leistung;Kinder mit Bewilligung;Kinder mit Buchung;Inanspruchnahme %');
    expect(lines).toContain('Mitte;Teilhabe;6;5;83,3');
    expect(lines).toContain('Nord;Teilhabe;< 5;< 5;');
    // On request the codes instead of the German names (issue 11, item 10).
    const coded = await t.call('GET', `${url}&format=csv&codes=true`, { token: admin.token });
    expect(coded.body).toContain('Mitte;participation;6;5;83,3');
  });
});

describe('outreach list', () => {
  it('lists children with an active approval and no booking N weeks after it began', async () => {
    const recent = await childIn('Nord', { validFrom: '2026-11-01' }); // began under 4 weeks ago
    const ended = await childIn('Nord', { validFrom: '2025-01-01', validTo: '2025-12-31' });
    const res = await t.call('GET', '/api/v1/outreach', { token: caseworker.token });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ weeks: 4, begunBy: '2026-10-23', truncated: false });
    const ids = body.items.map((i: { beneficiaryId: string }) => i.beneficiaryId);
    expect(ids).toEqual(expect.arrayContaining(waiting.map((w) => w.beneficiaryId)));
    for (const id of [...booked, recent.b.id, ended.b.id]) expect(ids).not.toContain(id);
    const item = body.items.find((i: { beneficiaryId: string }) => i.beneficiaryId === waiting[0]!.beneficiaryId);
    expect(item).toMatchObject({ district: 'Nord', benefitType: 'participation', activeCardId: waiting[0]!.cardId });
    // Read audit: the list showed the child's name, so the child's access log says so.
    const reads = await t.db
      .select()
      .from(personalDataReads)
      .where(eq(personalDataReads.beneficiaryId, waiting[0]!.beneficiaryId));
    expect(reads.map((r) => r.action)).toContain('list');

    const mitte = await t.call('GET', '/api/v1/outreach?district=Mitte', { token: caseworker.token });
    expect(mitte.json().items.length).toBeGreaterThan(0);
    expect(mitte.json().items.every((i: { district: string }) => i.district === 'Mitte')).toBe(true);
  });

  it('one click on the reminder: the card letter of the listed card', async () => {
    const res = await t.call('POST', `/api/v1/cards/${waiting[0]!.cardId}/letter`, {
      token: caseworker.token,
      body: {},
    });
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('nothing of this reaches providers (and the outreach list not even admins)', async () => {
    for (const user of [providerAdmin, providerStaff]) {
      for (const url of ['/api/v1/outreach', '/api/v1/reports/take-up-by-district?from=2026-11-01&to=2026-11-30']) {
        expectProblem(await t.call('GET', url, { token: user.token }), 403, 'forbidden');
      }
    }
    expectProblem(await t.call('GET', '/api/v1/outreach', { token: admin.token }), 403, 'forbidden');
    // The terminal lookup shows no district.
    const lookup = await t.call('POST', '/api/v1/terminal/lookup', {
      token: providerStaff.token,
      body: { code: waiting[0]!.cardNumber },
    });
    expect(lookup.statusCode, lookup.body).toBe(200);
    expect(lookup.body).not.toContain('Nord');
    expect(lookup.body).not.toContain('district');
  });
});
