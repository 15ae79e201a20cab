import { auditLog, users } from '@tk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/modules/users/users.service.ts';
import { DEMO_PROVIDERS, seedDemo } from '../src/seed/demo.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

let t: TestContext;
let admin: { id: string; token: string };
const club = DEMO_PROVIDERS.club.id;
const canteen = DEMO_PROVIDERS.canteen.id;

beforeAll(async () => {
  t = await createTestContext();
  await seedDemo(t.db);
  admin = await t.user('admin');
});
afterAll(() => t.close());

describe('createUser', () => {
  it('an admin creates a caseworker; the write is audited', async () => {
    const res = await t.call('POST', '/api/v1/users', {
      token: admin.token,
      body: { username: 'neue.kollegin', password: 'ein-langes-passwort', role: 'caseworker' },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ username: 'neue.kollegin', role: 'caseworker', active: true });
    expect(body.id).toMatch(/^usr_/);
    expect(body).not.toHaveProperty('passwordHash');
    const audits = await t.db.select().from(auditLog).where(eq(auditLog.entityId, body.id));
    expect(audits.map((a) => a.action)).toEqual(['user.created']);
  });

  it('a provider admin creates staff for its own provider only', async () => {
    const providerAdmin = await t.user('provider_admin', club);
    const ok = await t.call('POST', '/api/v1/users', {
      token: providerAdmin.token,
      body: { username: 'trainerin', password: 'ein-langes-passwort', role: 'provider_staff' },
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().providerId).toBe(club);
    expectProblem(
      await t.call('POST', '/api/v1/users', {
        token: providerAdmin.token,
        body: { username: 'fremd', password: 'ein-langes-passwort', role: 'provider_staff', providerId: canteen },
      }),
      403,
      'forbidden',
    );
    expectProblem(
      await t.call('POST', '/api/v1/users', {
        token: providerAdmin.token,
        body: { username: 'chef', password: 'ein-langes-passwort', role: 'admin' },
      }),
      403,
      'forbidden',
    );
  });

  it('403 for roles that may not create users', async () => {
    for (const role of ['caseworker', 'accounting', 'provider_staff'] as const) {
      const u = await t.user(role, role === 'provider_staff' ? club : null);
      expectProblem(
        await t.call('POST', '/api/v1/users', {
          token: u.token,
          body: { username: `x-${role}`, password: 'ein-langes-passwort', role: 'caseworker' },
        }),
        403,
        'forbidden',
      );
    }
  });

  it('400 for a short password, a provider role without provider, 404 for an unknown provider, 409 for a taken name', async () => {
    const short = await t.call('POST', '/api/v1/users', {
      token: admin.token,
      body: { username: 'kurz', password: 'short', role: 'caseworker' },
    });
    expect(expectProblem(short, 400, 'validation_failed').errors).toEqual([
      expect.objectContaining({ pointer: '/password' }),
    ]);
    expectProblem(
      await t.call('POST', '/api/v1/users', {
        token: admin.token,
        body: { username: 'ohne', password: 'ein-langes-passwort', role: 'provider_staff' },
      }),
      400,
      'provider_required',
    );
    expectProblem(
      await t.call('POST', '/api/v1/users', {
        token: admin.token,
        body: {
          username: 'unbekannt',
          password: 'ein-langes-passwort',
          role: 'provider_staff',
          providerId: 'prv_nope',
        },
      }),
      404,
      'provider_not_found',
    );
    expectProblem(
      await t.call('POST', '/api/v1/users', {
        token: admin.token,
        body: { username: 'ADMIN', password: 'ein-langes-passwort', role: 'caseworker' },
      }),
      409,
      'username_taken',
    );
  });

  it('a failed write leaves neither the user nor its audit row (same transaction)', async () => {
    const before = await t.db.$count(auditLog);
    await expect(
      createUser(
        t.db,
        { username: 'ghost', password: 'ein-langes-passwort', role: 'provider_staff', providerId: 'prv_missing' },
        {
          userId: admin.id,
          role: 'admin',
          providerId: null,
          requestId: 'r1',
        },
      ),
    ).rejects.toMatchObject({ code: 'provider_not_found' });
    expect(await t.db.$count(auditLog)).toBe(before);
    expect(await t.db.$count(users, eq(users.username, 'ghost'))).toBe(0);
  });

  it('the audit log refuses updates and deletes', async () => {
    await expect(t.database.query('update audit_log set action = $1', ['tampered'])).rejects.toThrow(/append-only/);
    await expect(t.database.query('delete from audit_log')).rejects.toThrow(/append-only/);
  });
});

describe('listUsers and updateUser', () => {
  it('a provider admin sees and deactivates only its own staff', async () => {
    const providerAdmin = await t.user('provider_admin', canteen);
    const staff = await t.user('provider_staff', canteen);
    const foreign = await t.user('provider_staff', club);
    const list = await t.call('GET', '/api/v1/users', { token: providerAdmin.token });
    const ids = list.json().items.map((u: { id: string }) => u.id);
    expect(ids).toContain(staff.id);
    expect(ids).not.toContain(foreign.id);
    expectProblem(
      await t.call('PATCH', `/api/v1/users/${foreign.id}`, { token: providerAdmin.token, body: { active: false } }),
      404,
      'user_not_found',
    );
    const res = await t.call('PATCH', `/api/v1/users/${staff.id}`, {
      token: providerAdmin.token,
      body: { active: false },
    });
    expect(res.json().active).toBe(false);
  });
});
