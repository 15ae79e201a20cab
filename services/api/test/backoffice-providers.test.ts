import { auditLog, benefitRates, providerMealPrices, providers } from '@tk/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

let t: TestContext;
let admin: { id: string; token: string };
let admin2: { id: string; token: string };
let caseworker: { token: string };

const body = (over: Record<string, unknown> = {}) => ({
  name: 'Mensa am See GmbH',
  accountHolder: 'Mensa am See GmbH',
  iban: 'DE89 3704 0044 0532 0130 00',
  bic: 'COBADEFFXXX',
  address: { street: 'Seeweg 2', postalCode: '59065', town: 'Musterstadt', country: 'de' },
  benefitTypes: ['lunch'],
  mealPriceCents: 350,
  ...over,
});

beforeAll(async () => {
  t = await createTestContext();
  admin = await t.user('admin');
  admin2 = await t.user('admin');
  caseworker = await t.user('caseworker');
});
afterAll(() => t.close());

async function create(over: Record<string, unknown> = {}, token = admin.token) {
  const res = await t.call('POST', '/api/v1/providers', { token, body: body(over) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

describe('createProvider', () => {
  it('registers a pending provider with normalised bank data, derived category and meal price; audited', async () => {
    const p = await create();
    expect(p).toMatchObject({
      status: 'pending',
      category: 'caterer',
      iban: 'DE89370400440532013000',
      bic: 'COBADEFFXXX',
      address: { town: 'Musterstadt', country: 'DE' },
      benefitTypes: ['lunch'],
      mealPriceCents: 350,
      mealPrices: [{ validFrom: '2026-11-20', priceCents: 350 }],
      bankDataChangedBy: admin.id,
    });
    expect(p.id).toMatch(/^prv_/);
    const actions = (await t.db.select().from(auditLog).where(eq(auditLog.entityId, p.id))).map((a) => a.action);
    expect(actions).toEqual(['provider.created', 'provider.meal_price_set']);
  });

  it('400 invalid_iban for a wrong check digit, 400 invalid_bic for a bad BIC', async () => {
    expectProblem(
      await t.call('POST', '/api/v1/providers', { token: admin.token, body: body({ iban: 'DE89370400440532013001' }) }),
      400,
      'invalid_iban',
    );
    expectProblem(
      await t.call('POST', '/api/v1/providers', { token: admin.token, body: body({ bic: 'NOTABIC' }) }),
      400,
      'invalid_bic',
    );
  });

  it('400 when the benefit types do not fit the category; validation errors for a missing town', async () => {
    expectProblem(
      await t.call('POST', '/api/v1/providers', {
        token: admin.token,
        body: body({ category: 'club', benefitTypes: ['lunch'] }),
      }),
      400,
      'benefit_types_not_allowed',
    );
    expectProblem(
      await t.call('POST', '/api/v1/providers', {
        token: admin.token,
        body: body({ benefitTypes: ['tutoring', 'lunch'], mealPriceCents: undefined }),
      }),
      400,
      'category_required',
    );
    const res = await t.call('POST', '/api/v1/providers', {
      token: admin.token,
      body: body({ address: { country: 'DE' } }),
    });
    expect(expectProblem(res, 400, 'validation_failed').errors).toEqual([
      expect.objectContaining({ pointer: '/address/town' }),
    ]);
  });

  it('422 meal_price_above_cap above the city cap (500 cents); 400 for a meal price without lunch', async () => {
    expectProblem(
      await t.call('POST', '/api/v1/providers', { token: admin.token, body: body({ mealPriceCents: 501 }) }),
      422,
      'meal_price_above_cap',
    );
    expectProblem(
      await t.call('POST', '/api/v1/providers', {
        token: admin.token,
        body: body({ benefitTypes: ['participation'], mealPriceCents: 300 }),
      }),
      400,
      'meal_price_not_applicable',
    );
  });

  it('401 without token, 403 for a caseworker', async () => {
    expectProblem(await t.call('POST', '/api/v1/providers', { body: body() }), 401, 'unauthenticated');
    expectProblem(
      await t.call('POST', '/api/v1/providers', { token: caseworker.token, body: body() }),
      403,
      'forbidden',
    );
  });
});

describe('approveProvider and the four-eyes rule on bank data', () => {
  it('the creator may not approve (409 four_eyes_required); another admin may', async () => {
    const p = await create({
      name: 'TSV Nord',
      accountHolder: 'TSV Nord e.V.',
      benefitTypes: ['participation'],
      mealPriceCents: undefined,
    });
    expectProblem(
      await t.call('POST', `/api/v1/providers/${p.id}/approve`, { token: admin.token }),
      409,
      'four_eyes_required',
    );
    const ok = await t.call('POST', `/api/v1/providers/${p.id}/approve`, { token: admin2.token });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'approved', approvedBy: admin2.id });
    expectProblem(
      await t.call('POST', `/api/v1/providers/${p.id}/approve`, { token: admin2.token }),
      409,
      'provider_status_conflict',
    );
  });

  it('a bank data change sets needs_reapproval and only another admin can approve again', async () => {
    const p = await create({
      name: 'Lernhilfe Eule',
      accountHolder: 'Eule GbR',
      category: 'tutor',
      benefitTypes: ['tutoring'],
      mealPriceCents: undefined,
    });
    await t.call('POST', `/api/v1/providers/${p.id}/approve`, { token: admin2.token });
    // Changing only the name keeps the approval.
    const renamed = await t.call('PATCH', `/api/v1/providers/${p.id}`, {
      token: admin2.token,
      body: { name: 'Lernhilfe Eule Süd' },
    });
    expect(renamed.json()).toMatchObject({ status: 'approved', name: 'Lernhilfe Eule Süd' });
    const changed = await t.call('PATCH', `/api/v1/providers/${p.id}`, {
      token: admin2.token,
      body: { iban: 'DE02120300000000202051' },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ status: 'needs_reapproval', bankDataChangedBy: admin2.id });
    expectProblem(
      await t.call('POST', `/api/v1/providers/${p.id}/approve`, { token: admin2.token }),
      409,
      'four_eyes_required',
    );
    expect((await t.call('POST', `/api/v1/providers/${p.id}/approve`, { token: admin.token })).json().status).toBe(
      'approved',
    );
    const audits = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, p.id), eq(auditLog.action, 'provider.bank_data_changed')));
    expect(audits).toHaveLength(1);
    expect(audits[0]!.data).toMatchObject({ bankFields: ['iban'] });
    expect(JSON.stringify(audits[0]!.data)).not.toContain('DE02');
  });

  it('400 invalid_iban on PATCH, 404 for an unknown provider, 403 for a caseworker', async () => {
    const p = await create({ name: 'X' });
    expectProblem(
      await t.call('PATCH', `/api/v1/providers/${p.id}`, { token: admin.token, body: { iban: 'DE00123' } }),
      400,
      'invalid_iban',
    );
    expectProblem(
      await t.call('POST', '/api/v1/providers/prv_nope/approve', { token: admin2.token }),
      404,
      'provider_not_found',
    );
    expectProblem(
      await t.call('POST', `/api/v1/providers/${p.id}/approve`, { token: caseworker.token }),
      403,
      'forbidden',
    );
  });
});

describe('updateProvider, suspendProvider, list and get', () => {
  it('a new meal price is appended as an effective-dated row; the old one stays', async () => {
    const p = await create({ name: 'Kita Sonnenschein', category: 'kita', mealPriceCents: 300 });
    const res = await t.call('PATCH', `/api/v1/providers/${p.id}`, {
      token: admin.token,
      body: { mealPriceCents: 380, mealPriceValidFrom: '2027-01-01' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().mealPriceCents).toBe(300);
    expect(res.json().mealPrices).toEqual([
      { validFrom: '2026-11-20', priceCents: 300 },
      { validFrom: '2027-01-01', priceCents: 380 },
    ]);
    expect(await t.db.$count(providerMealPrices, eq(providerMealPrices.providerId, p.id))).toBe(2);
    expectProblem(
      await t.call('PATCH', `/api/v1/providers/${p.id}`, {
        token: admin.token,
        body: { mealPriceCents: 390, mealPriceValidFrom: '2027-01-01' },
      }),
      409,
      'meal_price_exists',
    );
  });

  it('suspend stops an approved provider; list filters by status; provider users see only their own', async () => {
    const p = await create({
      name: 'Musikschule Klang',
      category: 'music_school',
      benefitTypes: ['participation'],
      mealPriceCents: undefined,
    });
    await t.call('POST', `/api/v1/providers/${p.id}/approve`, { token: admin2.token });
    const s = await t.call('POST', `/api/v1/providers/${p.id}/suspend`, {
      token: admin.token,
      body: { reason: 'Vertrag ruht' },
    });
    expect(s.json().status).toBe('suspended');
    const [row] = await t.db.select().from(providers).where(eq(providers.id, p.id));
    expect(row!.status).toBe('suspended');
    const list = await t.call('GET', '/api/v1/providers?status=suspended', { token: caseworker.token });
    expect(list.json().items.map((i: { id: string }) => i.id)).toEqual([p.id]);
    const own = await t.user('provider_admin', p.id);
    expect((await t.call('GET', `/api/v1/providers/${p.id}`, { token: own.token })).statusCode).toBe(200);
    const other = await create({ name: 'Andere' });
    expectProblem(
      await t.call('GET', `/api/v1/providers/${other.id}`, { token: own.token }),
      404,
      'provider_not_found',
    );
    expectProblem(await t.call('GET', '/api/v1/providers', { token: own.token }), 403, 'forbidden');
  });

  it('a provider admin manages its own staff through createUser', async () => {
    const p = await create({
      name: 'Verein mit Personal',
      category: 'club',
      benefitTypes: ['participation'],
      mealPriceCents: undefined,
    });
    const own = await t.user('provider_admin', p.id);
    const res = await t.call('POST', '/api/v1/users', {
      token: own.token,
      body: { username: 'kasse-verein', password: 'ein-langes-passwort', role: 'provider_staff' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().providerId).toBe(p.id);
  });
});

describe('catalogue', () => {
  it('any city role reads types, rates, legal bases, cost bearers and settings', async () => {
    const res = await t.call('GET', '/api/v1/catalogue', { token: caseworker.token });
    expect(res.statusCode).toBe(200);
    const c = res.json();
    expect(c.benefitTypes.map((b: { code: string }) => b.code)).toContain('participation');
    expect(c.rates).toContainEqual({ benefitType: 'participation', validFrom: '2019-08-01', amountCents: 1500 });
    expect(c.legalBases).toHaveLength(6);
    expect(c.settings).toMatchObject({ gracePeriodMonths: 3, mealPriceCapCents: 500 });
    expectProblem(await t.call('GET', '/api/v1/catalogue'), 401, 'unauthenticated');
  });

  it('an admin appends a later rate without code; earlier or equal dates are refused (append-only)', async () => {
    const res = await t.call('POST', '/api/v1/catalogue/rates', {
      token: admin.token,
      body: { benefitType: 'participation', validFrom: '2027-08-01', amountCents: 2000 },
    });
    expect(res.statusCode).toBe(201);
    expectProblem(
      await t.call('POST', '/api/v1/catalogue/rates', {
        token: admin.token,
        body: { benefitType: 'participation', validFrom: '2027-08-01', amountCents: 2100 },
      }),
      409,
      'rate_not_after_latest',
    );
    expectProblem(
      await t.call('POST', '/api/v1/catalogue/rates', {
        token: admin.token,
        body: { benefitType: 'nope', validFrom: '2028-08-01', amountCents: 2100 },
      }),
      400,
      'unknown_benefit_type',
    );
    expectProblem(
      await t.call('POST', '/api/v1/catalogue/rates', {
        token: caseworker.token,
        body: { benefitType: 'participation', validFrom: '2028-08-01', amountCents: 2100 },
      }),
      403,
      'forbidden',
    );
    expect(await t.db.$count(benefitRates, eq(benefitRates.benefitType, 'participation'))).toBe(2);
  });

  it('an admin updates settings; a bad debtor IBAN is 400 invalid_iban', async () => {
    const res = await t.call('PATCH', '/api/v1/catalogue/settings', {
      token: admin.token,
      body: { cityName: 'Hamm', gracePeriodMonths: 2 },
    });
    expect(res.json()).toMatchObject({ cityName: 'Hamm', gracePeriodMonths: 2 });
    expectProblem(
      await t.call('PATCH', '/api/v1/catalogue/settings', { token: admin.token, body: { debtorIban: 'DE001' } }),
      400,
      'invalid_iban',
    );
    expectProblem(
      await t.call('PATCH', '/api/v1/catalogue/settings', { token: admin.token, body: {} }),
      400,
      'validation_failed',
    );
  });
});

describe('OpenAPI', () => {
  it('documents every back-office operation with its operationId', async () => {
    const doc = (await t.call('GET', '/openapi.json')).json();
    const ops = Object.values(doc.paths as Record<string, Record<string, { operationId?: string }>>).flatMap((p) =>
      Object.values(p).map((o) => o.operationId),
    );
    expect(ops).toEqual(
      expect.arrayContaining([
        'createProvider',
        'approveProvider',
        'updateProvider',
        'suspendProvider',
        'listProviders',
        'getProvider',
        'getCatalogue',
        'addBenefitRate',
        'updateCitySettings',
        'createBeneficiary',
        'searchBeneficiaries',
        'getBeneficiary',
        'createApproval',
        'amendApproval',
        'revokeApproval',
        'getApproval',
        'issueCard',
        'getCardQr',
        'printCard',
        'printCardSheet',
        'blockCard',
        'replaceCard',
        'resignCards',
        'createImport',
        'getImport',
      ]),
    );
    expect(doc.paths['/api/v1/providers/{id}/approve'].post.responses['409']).toBeDefined();
    expect(doc.paths['/api/v1/beneficiaries/{id}/cards'].post.responses['409']).toBeDefined();
  });
});
