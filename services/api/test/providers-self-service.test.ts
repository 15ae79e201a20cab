import { providerRegistrationAttempts, providers, users } from '@tk/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProvider } from './factories.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

let t: TestContext;
let admin: { id: string; token: string };
let seq = 0;

const registration = (over: Record<string, unknown> = {}) => {
  seq += 1;
  return {
    name: `Turnverein Musterstadt ${seq} e.V.`,
    accountHolder: 'Turnverein Musterstadt e.V.',
    iban: 'DE89 3704 0044 0532 0130 00',
    address: { street: 'Sportplatz 1', postalCode: '59065', town: 'Musterstadt' },
    benefitTypes: ['participation'],
    contact: { email: 'vorstand@tv-musterstadt.example', phone: '+49 2381 12345' },
    admin: { username: `tv-admin-${seq}`, password: 'sicheres-passwort-1' },
    ...over,
  };
};

/** Each registration from its own address unless a test is about the limit. */
const register = (body: unknown, address = `10.0.0.${++seq}`) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/public/provider-registrations',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
    remoteAddress: address,
  });

const login = (username: string, password: string) =>
  t.call('POST', '/api/v1/auth/login', { body: { username, password } });

beforeAll(async () => {
  t = await createTestContext();
  admin = await t.user('admin');
});
afterAll(() => t.close());

describe('registerProvider', () => {
  it('a provider registers itself as pending; its admin signs in only after any admin approved it', async () => {
    const body = registration();
    const res = await register(body);
    expect(res.statusCode, res.body).toBe(201);
    const { id, status } = res.json();
    expect(status).toBe('pending');
    expect(id).toMatch(/^prv_/);

    const provider = await t.call('GET', `/api/v1/providers/${id}`, { token: admin.token });
    expect(provider.json()).toMatchObject({
      status: 'pending',
      category: 'club',
      iban: 'DE89370400440532013000',
      email: 'vorstand@tv-musterstadt.example',
      phone: '+49 2381 12345',
      address: { town: 'Musterstadt', country: 'DE' },
      selfRegistered: true,
    });
    const pending = await t.call('GET', '/api/v1/providers?status=pending', { token: admin.token });
    expect(pending.json().items.map((p: { id: string }) => p.id)).toContain(id);

    expect((await login(body.admin.username, body.admin.password)).statusCode).toBe(401);
    const approved = await t.call('POST', `/api/v1/providers/${id}/approve`, { token: admin.token });
    expect(approved.statusCode, approved.body).toBe(200);
    const session = await login(body.admin.username, body.admin.password);
    expect(session.statusCode, session.body).toBe(200);
    expect(session.json().user).toMatchObject({ role: 'provider_admin', providerId: id });
  });

  it('400 invalid_iban, 400 benefit_types_not_allowed, 409 username_taken: nothing is written', async () => {
    const count = async () => (await t.db.select({ n: sql<number>`count(*)::int` }).from(providers))[0]!.n;
    const before = await count();
    expectProblem(await register(registration({ iban: 'DE89370400440532013001' })), 400, 'invalid_iban');
    expectProblem(
      await register(registration({ category: 'club', benefitTypes: ['lunch'] })),
      400,
      'benefit_types_not_allowed',
    );
    const taken = await t.user('caseworker');
    expectProblem(
      await register(registration({ admin: { username: taken.username, password: 'sicheres-passwort-1' } })),
      409,
      'username_taken',
    );
    expect(await count()).toBe(before);
    const res = await register(registration({ contact: { email: 'kein-mail' } }));
    const problem = expectProblem(res, 400, 'validation_failed');
    expect(JSON.stringify(problem.errors)).toContain('/contact/email');
  });

  it('at most 5 attempts per address and hour (429 with Retry-After), counted in the database', async () => {
    const address = '192.0.2.77';
    // Refused input does not count; a taken username does.
    expect((await register(registration({ iban: 'DE00' }), address)).statusCode).toBe(400);
    const taken = registration();
    expect((await register(taken, address)).statusCode).toBe(201);
    expect((await register({ ...registration(), admin: taken.admin }, address)).statusCode).toBe(409);
    for (let i = 0; i < 3; i++) expect((await register(registration(), address)).statusCode).toBe(201);
    const refused = await register(registration(), address);
    expectProblem(refused, 429, 'too_many_attempts');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await register(registration(), '192.0.2.78')).statusCode).toBe(201);
    const stored = await t.db.select().from(providerRegistrationAttempts);
    expect(stored.every((a) => !a.addressHash.includes('192.0.2'))).toBe(true);
    t.clock.set(new Date(t.clock.now().getTime() + 61 * 60 * 1000).toISOString());
    expect((await register(registration(), address)).statusCode).toBe(201);
  });
});

describe('updateProvider by its own provider admin', () => {
  it('changes contact, address and listing; bank data wait for an admin; other fields and providers are refused', async () => {
    const admin = await t.user('admin');
    const provider = await makeProvider(t.db);
    const other = await makeProvider(t.db);
    const own = await t.user('provider_admin', provider.id);
    const staff = await t.user('provider_staff', provider.id);
    const patch = (id: string, body: unknown, token = own.token) =>
      t.call('PATCH', `/api/v1/providers/${id}`, { token, body });

    const res = await patch(provider.id, {
      contact: { email: 'info@verein.example', phone: '02381 999' },
      address: { street: 'Neue Straße 5', postalCode: '59063', town: 'Hamm', country: 'DE' },
      publicListing: false,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      email: 'info@verein.example',
      phone: '02381 999',
      publicListing: false,
      address: { town: 'Hamm' },
      bankDataApproved: true,
      status: 'approved',
    });

    const bank = await patch(provider.id, { iban: 'DE02120300000000202051' });
    expect(bank.json()).toMatchObject({ status: 'approved', bankDataApproved: false, bankDataChangedBy: own.id });

    expectProblem(await patch(provider.id, { name: 'Anderer Name' }), 403, 'forbidden');
    expectProblem(await patch(provider.id, { benefitTypes: ['lunch'] }), 403, 'forbidden');
    expectProblem(await patch(other.id, { publicListing: false }), 404, 'provider_not_found');
    expectProblem(await patch(provider.id, { publicListing: true }, staff.token), 403, 'forbidden');
    expectProblem(await patch(provider.id, { iban: 'DE00123' }), 400, 'invalid_iban');

    const approved = await t.call('POST', `/api/v1/providers/${provider.id}/approve`, { token: admin.token });
    expect(approved.json()).toMatchObject({ status: 'approved', bankDataApproved: true });
    expectProblem(
      await t.call('POST', `/api/v1/providers/${provider.id}/approve`, { token: admin.token }),
      409,
      'provider_status_conflict',
    );
    const [row] = await t.db.select().from(users).where(eq(users.id, own.id));
    expect(row?.active).toBe(true);
  });
});

describe('meal prices: the provider proposes, the city confirms', () => {
  it('a proposal counts only after an admin confirmed it; the cap applies; a rejected one never counts', async () => {
    const admin = await t.user('admin');
    const canteen = await makeProvider(t.db, { category: 'caterer', benefitTypes: ['lunch'], mealPriceCents: 350 });
    const club = await makeProvider(t.db);
    const own = await t.user('provider_admin', canteen.id);
    const propose = (body: unknown, id = canteen.id) =>
      t.call('POST', `/api/v1/providers/${id}/meal-price-proposals`, { token: own.token, body });
    const get = async () => (await t.call('GET', `/api/v1/providers/${canteen.id}`, { token: own.token })).json();

    expectProblem(await propose({ priceCents: 501, validFrom: '2026-12-01' }), 422, 'meal_price_above_cap');
    expectProblem(await propose({ priceCents: 380, validFrom: '2026-11-01' }), 400, 'meal_price_date_in_past');
    expectProblem(await propose({ priceCents: 380, validFrom: '2026-12-01' }, club.id), 404, 'provider_not_found');
    const res = await propose({ priceCents: 380, validFrom: '2026-12-01' });
    expect(res.statusCode, res.body).toBe(201);
    const proposal = res.json();
    expect(proposal).toMatchObject({ status: 'pending', priceCents: 380 });
    expect(await get()).toMatchObject({
      mealPrices: [{ validFrom: '2000-01-01', priceCents: 350 }],
      mealPriceProposals: [{ id: proposal.id, status: 'pending' }],
    });

    const decide = (id: string, verb: string, token = admin.token) =>
      t.call('POST', `/api/v1/providers/${canteen.id}/meal-price-proposals/${id}/${verb}`, { token });
    expectProblem(await decide(proposal.id, 'confirm', own.token), 403, 'forbidden');
    const confirmed = await decide(proposal.id, 'confirm');
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json().mealPrices).toEqual([
      { validFrom: '2000-01-01', priceCents: 350 },
      { validFrom: '2026-12-01', priceCents: 380 },
    ]);
    expect(confirmed.json().mealPriceProposals[0]).toMatchObject({ status: 'confirmed' });
    expectProblem(await decide(proposal.id, 'reject'), 409, 'meal_price_proposal_not_pending');

    const second = (await propose({ priceCents: 420, validFrom: '2027-01-01' })).json();
    const rejected = await decide(second.id, 'reject');
    expect(rejected.json().mealPrices).toHaveLength(2);
    expect(rejected.json().mealPriceProposals[0]).toMatchObject({ id: second.id, status: 'rejected' });
  });
});
