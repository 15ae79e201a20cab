import { providers } from '@tk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProvider } from './factories.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

let t: TestContext;
const TOWN = 'Nordheim-Süd';

beforeAll(async () => {
  t = await createTestContext();
  await makeProvider(t.db, {
    name: 'Sportverein Grün-Weiß',
    street: 'Am Sportplatz 3',
    postalCode: '12345',
    town: TOWN,
    email: 'info@gruen-weiss.example',
  });
  await makeProvider(t.db, {
    name: 'Mensa Schulzentrum',
    category: 'caterer',
    benefitTypes: ['lunch'],
    town: TOWN,
  });
  await makeProvider(t.db, { name: 'Musikschule Allegro', category: 'music_school', town: 'Oberdorf' });
  await makeProvider(t.db, { name: 'Wartet noch', status: 'pending', town: TOWN });
  await makeProvider(t.db, { name: 'Gesperrt', status: 'suspended', town: TOWN });
  await makeProvider(t.db, { name: 'Bankdaten neu', status: 'needs_reapproval', town: TOWN });
  await makeProvider(t.db, { name: 'Will nicht gelistet werden', publicListing: false, town: TOWN });
});
afterAll(() => t.close());

const list = async (query = '') => {
  const res = await t.call('GET', `/api/v1/public/providers${query}`);
  expect(res.statusCode).toBe(200);
  return res;
};
const names = async (query = '') => ((await list(query)).json().items as { name: string }[]).map((p) => p.name);

describe('listPublicProviders', () => {
  it('lists approved, listed providers only, with address and contact, never bank data; public and cacheable', async () => {
    const res = await list(`?town=${encodeURIComponent(TOWN)}`);
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect(res.headers['set-cookie']).toBeUndefined();
    const items = res.json().items;
    expect(items.map((p: { name: string }) => p.name)).toEqual(['Mensa Schulzentrum', 'Sportverein Grün-Weiß']);
    expect(items[1]).toEqual({
      id: expect.stringMatching(/^prv_/),
      name: 'Sportverein Grün-Weiß',
      category: 'club',
      benefitTypes: ['participation'],
      address: { street: 'Am Sportplatz 3', postalCode: '12345', town: TOWN },
      contact: { email: 'info@gruen-weiss.example' },
    });
    expect(res.body).not.toMatch(/iban|DE89|accountHolder|bic/i);
  });

  it('filters by benefit type, town (case and accents forgiven) and search words', async () => {
    expect(await names(`?benefitType=lunch&town=${encodeURIComponent(TOWN)}`)).toEqual(['Mensa Schulzentrum']);
    expect(await names('?town=nordheim-sud')).toEqual(['Mensa Schulzentrum', 'Sportverein Grün-Weiß']);
    expect(await names('?q=gruen%20sportplatz')).toEqual([]);
    expect(await names('?q=grun%20sportplatz')).toEqual(['Sportverein Grün-Weiß']);
    expect(await names('?q=allegro')).toEqual(['Musikschule Allegro']);
    expect(await names('?q=12345')).toEqual(['Sportverein Grün-Weiß']);
    expectProblem(await t.call('GET', '/api/v1/public/providers?benefitType=beer'), 400, 'validation_failed');
  });

  it('a provider that opts out disappears once the cache has expired (60 s)', async () => {
    expect(await names('?q=allegro')).toEqual(['Musikschule Allegro']);
    await t.db.update(providers).set({ publicListing: false }).where(eq(providers.name, 'Musikschule Allegro'));
    // Within the cache time the list is served from memory; after it, from the database.
    expect(await names('?q=allegro')).toEqual(['Musikschule Allegro']);
    t.clock.set(new Date(t.clock.now().getTime() + 61_000));
    expect(await names('?q=allegro')).toEqual([]);
  });
});
