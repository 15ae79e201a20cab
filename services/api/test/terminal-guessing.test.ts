import { luhnCheckDigit } from '@tk/core';
import { auditLog, rateLimits } from '@tk/db';
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeChildWithCard, makeProvider } from './factories.ts';
import { createReplica, createTestContext, expectProblem, type TestContext } from './support.ts';

/**
 * Issue 10, finding 9: card-guessing misses count per provider as well as per staff user (in PostgreSQL,
 * shared by replicas), and a provider's staff accounts are capped (`city_settings.max_staff_per_provider`).
 */
let t: TestContext;
let admin: string;

beforeAll(async () => {
  t = await createTestContext();
  admin = (await t.user('admin')).token;
});
afterAll(() => t.close());

let n = 0;
/** A valid-looking card number (16 digits, correct Luhn digit) that no card has. */
function unknownCardNumber(): string {
  const payload = `7${String(++n).padStart(14, '0')}`;
  return payload + String(luhnCheckDigit(payload));
}
const lookup = (token: string, code: string, app = t.app) =>
  app.inject({
    method: 'POST',
    url: '/api/v1/terminal/lookup',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ code }),
  });

describe('card-guessing allowance per provider', () => {
  it('many staff users of one provider together hit the provider limit; then every user of it gets 429, other providers not', async () => {
    const provider = await makeProvider(t.db, { benefitTypes: ['participation'] });
    const other = await makeProvider(t.db, { benefitTypes: ['participation'] });
    const { card } = await makeChildWithCard(t.db, t.keys);
    const limit = t.config.codeMisses.perProvider;
    const perUser = t.config.codeMisses.perUser;
    const staffCount = Math.ceil(limit / (perUser - 1)) + 1;
    const staff = [];
    for (let i = 0; i < staffCount; i++) staff.push(await t.user('provider_staff', provider.id));
    // Every user stays below its own limit (perUser − 1 misses each); together they reach the provider's.
    let misses = 0;
    for (const user of staff) {
      for (let i = 0; i < perUser - 1 && misses < limit; i++, misses++) {
        expectProblem(await lookup(user.token, unknownCardNumber()), 404, 'card_not_found');
      }
    }
    expect(misses).toBe(limit);
    const last = staff.at(-1)!;
    const tripped = await lookup(last.token, unknownCardNumber());
    expectProblem(tripped, 429, 'rate_limited');
    expect(Number(tripped.headers['retry-after'])).toBeGreaterThan(0);

    // A fresh account of the same provider, with a real card: refused as well.
    const fresh = await t.user('provider_staff', provider.id);
    expectProblem(await lookup(fresh.token, card.cardNumber), 429, 'rate_limited');
    // The count lives in PostgreSQL: another replica refuses too.
    const replica = await createReplica(t);
    try {
      expectProblem(await lookup(fresh.token, card.cardNumber, replica.app), 429, 'rate_limited');
    } finally {
      await replica.close();
    }
    const stranger = await t.user('provider_staff', other.id);
    expect((await lookup(stranger.token, card.cardNumber)).statusCode).toBe(200);

    const trips = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'terminal.throttled'), eq(auditLog.entityId, provider.id)));
    expect(trips).toHaveLength(1);
    expect(trips[0]!.entityType).toBe('provider');
    const counters = await t.db
      .select()
      .from(rateLimits)
      .where(like(rateLimits.key, `code-provider%${provider.id}`));
    expect(counters).toHaveLength(1);
  });

  it('the per-user limit still holds, and its count survives into another replica', async () => {
    const provider = await makeProvider(t.db, { benefitTypes: ['participation'] });
    const guesser = await t.user('provider_staff', provider.id);
    const replica = await createReplica(t);
    try {
      for (let i = 0; i < t.config.codeMisses.perUser; i++) {
        const app = i % 2 === 0 ? t.app : replica.app;
        expectProblem(await lookup(guesser.token, unknownCardNumber(), app), 404, 'card_not_found');
      }
      expectProblem(await lookup(guesser.token, unknownCardNumber(), replica.app), 429, 'rate_limited');
      expectProblem(await lookup(guesser.token, unknownCardNumber()), 429, 'rate_limited');
    } finally {
      await replica.close();
    }
  });
});

describe('staff accounts per provider (max_staff_per_provider)', () => {
  const create = (token: string, username: string, body: Record<string, unknown> = {}) =>
    t.call('POST', '/api/v1/users', {
      token,
      body: { username, password: 'ein-langes-passwort', role: 'provider_staff', ...body },
    });

  it('a provider admin (and an admin) cannot create more active staff than the city setting; 409 staff_limit_reached', async () => {
    const provider = await makeProvider(t.db, { benefitTypes: ['participation'] });
    const settings = await t.call('PATCH', '/api/v1/catalogue/settings', {
      token: admin,
      body: { maxStaffPerProvider: 3 },
    });
    expect(settings.statusCode).toBe(200);
    expect(settings.json().maxStaffPerProvider).toBe(3);
    try {
      const providerAdmin = await t.user('provider_admin', provider.id); // account 1
      const a = await create(providerAdmin.token, `cap-a-${provider.id}`);
      expect(a.statusCode).toBe(201);
      expect((await create(providerAdmin.token, `cap-b-${provider.id}`)).statusCode).toBe(201); // account 3
      const refused = expectProblem(
        await create(providerAdmin.token, `cap-c-${provider.id}`),
        409,
        'staff_limit_reached',
      );
      expect(refused.limit).toBe(3);
      expectProblem(
        await create(admin, `cap-d-${provider.id}`, { providerId: provider.id }),
        409,
        'staff_limit_reached',
      );
      // Nothing was written for the refused ones.
      const listed = await t.call('GET', '/api/v1/users', { token: providerAdmin.token });
      expect(listed.json().items.map((u: { username: string }) => u.username)).not.toContain(`cap-c-${provider.id}`);

      // A deactivated account frees a place; reactivating it beyond the cap is refused.
      const off = await t.call('PATCH', `/api/v1/users/${a.json().id}`, {
        token: providerAdmin.token,
        body: { active: false },
      });
      expect(off.statusCode).toBe(200);
      expect((await create(providerAdmin.token, `cap-e-${provider.id}`)).statusCode).toBe(201);
      expectProblem(
        await t.call('PATCH', `/api/v1/users/${a.json().id}`, { token: providerAdmin.token, body: { active: true } }),
        409,
        'staff_limit_reached',
      );
      // City staff are not provider staff: no cap for them.
      expect(
        (
          await t.call('POST', '/api/v1/users', {
            token: admin,
            body: { username: `cap-cw-${provider.id}`, password: 'ein-langes-passwort', role: 'caseworker' },
          })
        ).statusCode,
      ).toBe(201);
    } finally {
      await t.call('PATCH', '/api/v1/catalogue/settings', { token: admin, body: { maxStaffPerProvider: 20 } });
    }
  });

  it('concurrent creations for one provider never pass the cap', async () => {
    const provider = await makeProvider(t.db, { benefitTypes: ['participation'] });
    await t.call('PATCH', '/api/v1/catalogue/settings', { token: admin, body: { maxStaffPerProvider: 4 } });
    try {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => create(admin, `par-${i}-${provider.id}`, { providerId: provider.id })),
      );
      const codes = results.map((r) => r.statusCode).sort();
      expect(codes).toEqual([201, 201, 201, 201, 409, 409, 409, 409]);
    } finally {
      await t.call('PATCH', '/api/v1/catalogue/settings', { token: admin, body: { maxStaffPerProvider: 20 } });
    }
  });
});
