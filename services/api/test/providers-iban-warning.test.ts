import { providers } from '@tk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './support.ts';

/** An IBAN used by another provider is a warning for the admin, never a refusal, and never shown to providers. */

let t: TestContext;
let admin: { id: string; token: string };

const body = (over: Record<string, unknown> = {}) => ({
  name: 'Musikschule Klangfarbe',
  category: 'music_school',
  accountHolder: 'Förderverein Musik e. V.',
  iban: 'DE02 1203 0000 0000 2020 51',
  address: { town: 'Musterstadt', country: 'DE' },
  benefitTypes: ['participation'],
  ...over,
});

beforeAll(async () => {
  t = await createTestContext();
  admin = await t.user('admin');
});
afterAll(() => t.close());

describe('IBAN already used by another provider', () => {
  it('createProvider and updateProvider save, and warn with iban_in_use naming the other provider', async () => {
    const first = (await t.call('POST', '/api/v1/providers', { token: admin.token, body: body() })).json();
    expect(first.warnings).toBeUndefined();
    expect(first.category).toBe('music_school');

    const second = await t.call('POST', '/api/v1/providers', {
      token: admin.token,
      body: body({ name: 'Chor Junge Stimmen', category: 'club', iban: 'DE02120300000000202051' }),
    });
    expect(second.statusCode).toBe(201);
    expect(second.json().warnings).toEqual([
      { code: 'iban_in_use', providerId: first.id, providerName: 'Musikschule Klangfarbe' },
    ]);
    expect(second.json().category).toBe('club');

    const third = (
      await t.call('POST', '/api/v1/providers', {
        token: admin.token,
        body: body({ name: 'Tanzstudio', category: 'culture', iban: 'DE02500105170137075030' }),
      })
    ).json();
    expect(third.warnings).toBeUndefined();
    const changed = await t.call('PATCH', `/api/v1/providers/${third.id}`, {
      token: admin.token,
      body: { iban: 'DE02120300000000202051' },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().warnings.map((w: { providerName: string }) => w.providerName)).toEqual([
      'Chor Junge Stimmen',
      'Musikschule Klangfarbe',
    ]);
    const [stored] = await t.db.select().from(providers).where(eq(providers.id, third.id));
    expect(stored!.iban).toBe('DE02120300000000202051');

    // A change of something else warns of nothing; neither does a provider admin's own change.
    const renamed = await t.call('PATCH', `/api/v1/providers/${third.id}`, {
      token: admin.token,
      body: { name: 'Tanzstudio Musterstadt' },
    });
    expect(renamed.json().warnings).toBeUndefined();
    const own = await t.user('provider_admin', first.id);
    const ownChange = await t.call('PATCH', `/api/v1/providers/${first.id}`, {
      token: own.token,
      body: { iban: 'DE02500105170137075030' },
    });
    expect(ownChange.statusCode).toBe(200);
    expect(ownChange.json().warnings).toBeUndefined();
  });

  it('a self-registered provider reusing an IBAN: no hint to the public, the warning for the admin who approves', async () => {
    const first = (
      await t.call('POST', '/api/v1/providers', {
        token: admin.token,
        body: body({ name: 'Kunstschule Farbklecks', category: 'culture', iban: 'DE75512108001245126199' }),
      })
    ).json();
    const registered = await t.app.inject({
      method: 'POST',
      url: '/api/v1/public/provider-registrations',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        name: 'Malclub Pinsel e.V.',
        accountHolder: 'Malclub Pinsel e.V.',
        iban: 'DE75 5121 0800 1245 1261 99',
        address: { town: 'Musterstadt' },
        benefitTypes: ['participation'],
        category: 'club',
        contact: { email: 'vorstand@pinsel.example' },
        admin: { username: 'pinsel-admin', password: 'sicheres-passwort-1' },
      }),
      remoteAddress: '10.9.9.9',
    });
    expect(registered.statusCode).toBe(201);
    expect(registered.json()).toEqual({ id: expect.any(String), status: 'pending' });
    const seen = await t.call('GET', `/api/v1/providers/${registered.json().id}`, { token: admin.token });
    expect(seen.json().warnings).toEqual([
      { code: 'iban_in_use', providerId: first.id, providerName: 'Kunstschule Farbklecks' },
    ]);
    // The other provider's own admin sees no other provider in its own record.
    const own = await t.user('provider_admin', first.id);
    const ownView = await t.call('GET', `/api/v1/providers/${first.id}`, { token: own.token });
    expect(ownView.statusCode).toBe(200);
    expect(ownView.json().warnings).toBeUndefined();
  });
});
