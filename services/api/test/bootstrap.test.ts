import { auditLog, users } from '@tk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdmin } from '../src/seed/bootstrap.ts';
import { createTestContext, type TestContext } from './support.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

describe('bootstrap admin (BOOTSTRAP_ADMIN_USERNAME / _PASSWORD)', () => {
  it('is created only while no admin exists, audited, and can log in', async () => {
    const admin = { username: 'stadt-admin', password: 'ein-sehr-langes-passwort' };
    expect(await bootstrapAdmin(t.db, admin)).toBe(true);
    const [row] = await t.db.select().from(users).where(eq(users.username, 'stadt-admin'));
    expect(row?.role).toBe('admin');
    expect(await t.db.$count(auditLog, eq(auditLog.entityId, row!.id))).toBe(1);
    expect(await bootstrapAdmin(t.db, { username: 'zweiter-admin', password: 'ein-sehr-langes-passwort' })).toBe(false);
    expect(await t.db.$count(users, eq(users.username, 'zweiter-admin'))).toBe(0);
    const login = await t.call('POST', '/api/v1/auth/login', { body: admin });
    expect(login.statusCode).toBe(200);
    expect(login.json().user.role).toBe('admin');
  });

  it('replicas starting together on an empty database create the admin once, and none of them fails', async () => {
    const fresh = await createTestContext();
    try {
      const admin = { username: 'stadt-admin', password: 'ein-sehr-langes-passwort' };
      const results = await Promise.all(Array.from({ length: 8 }, () => bootstrapAdmin(fresh.db, admin)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await fresh.db.$count(users, eq(users.role, 'admin'))).toBe(1);
      expect(await fresh.db.$count(auditLog, eq(auditLog.action, 'user.bootstrapped'))).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('does nothing without the variables', async () => {
    expect(await bootstrapAdmin(t.db, undefined)).toBe(false);
  });
});
