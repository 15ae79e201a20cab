import { queryRows } from '@tk/db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedBackoffice } from '../src/seed/backoffice.ts';
import { seedBookings } from '../src/seed/bookings.ts';
import { seedDemo } from '../src/seed/demo.ts';
import { createTestContext, type TestContext } from './support.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  await seedDemo(t.db);
});
afterAll(() => t.close());

describe('demo bookings seed', () => {
  it('does nothing without demo children', async () => {
    expect(await seedBookings(t.db, t.clock)).toBe(0);
  });

  it('books participation, lunch, tutoring and a trip through the terminal service, consistently with the budgets; a rerun books nothing', async () => {
    await seedBackoffice(t.db, t.keys);
    const booked = await seedBookings(t.db, t.clock);
    expect(booked).toBeGreaterThan(10);
    const types = await queryRows<{ benefit_type: string; provider_id: string; n: number }>(
      t.db,
      sql`select benefit_type, provider_id, count(*)::int as n from redemptions group by 1, 2 order by 1, 2`,
    );
    expect(new Set(types.map((r) => r.benefit_type))).toEqual(new Set(['lunch', 'participation', 'trip', 'tutoring']));
    const [off] = await queryRows<{ n: number }>(
      t.db,
      sql`select count(*)::int as n from approvals a where a.budget_cents is not null and a.budget_cents <>
            a.remaining_cents + (select coalesce(sum(r.amount_cents), 0) from redemptions r where r.approval_id = a.id)`,
    );
    expect(off!.n).toBe(0);
    const [audits] = await queryRows<{ n: number }>(
      t.db,
      sql`select count(*)::int as n from audit_log where action = 'redemption.booked'`,
    );
    expect(audits!.n).toBe(booked);
    expect(await seedBookings(t.db, t.clock)).toBe(0);
  });
});
