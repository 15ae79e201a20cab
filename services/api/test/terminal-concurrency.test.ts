import { randomUUID } from 'node:crypto';
import { queryRows } from '@tk/db';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeChildWithCard, makeProvider } from './factories.ts';
import { createTestContext, expectProblem, onServer, type TestContext } from './support.ts';

/**
 * Real concurrency at the database: every `t.call` runs on its own pooled connection (pool size 40),
 * so `Promise.all` over many calls interleaves their statements in PostgreSQL. PGlite serialises
 * everything, so these run on the server only (TEST_DATABASE_URL).
 */
describe.runIf(onServer)('terminal under concurrency (PostgreSQL)', () => {
  let t: TestContext;
  let club: Awaited<ReturnType<typeof makeProvider>>;
  let staff: { id: string; token: string };

  beforeAll(async () => {
    // Thousands of requests by one terminal user within a minute: raise the general per-user limit (as the benchmark does).
    // Hundreds of declines of one card are the point here, not the decline oracle: its limit is raised.
    t = await createTestContext({ config: { rateLimitPerMinute: 1_000_000, declinesPerCardPerDay: 1_000_000 } });
    club = await makeProvider(t.db, { benefitTypes: ['participation'] });
    staff = await t.user('provider_staff', club.id);
  });
  afterAll(() => t?.close());

  const redeem = (token: string, body: Record<string, unknown>, key: string = randomUUID()) =>
    t.call('POST', '/api/v1/terminal/redemptions', { token, body, headers: { 'idempotency-key': key } });

  async function ledger(approvalId: string) {
    const [row] = await queryRows<{ budget: number; remaining: number; booked: number; reversed: number; n: number }>(
      t.db,
      sql`select a.budget_cents as budget, a.remaining_cents as remaining,
            (select coalesce(sum(r.amount_cents), 0)::int from redemptions r where r.approval_id = a.id) as booked,
            (select coalesce(sum(v.amount_cents), 0)::int from redemption_reversals v
               join redemptions r on r.id = v.redemption_id where r.approval_id = a.id) as reversed,
            (select count(*)::int from redemptions r where r.approval_id = a.id and r.status = 'booked') as n
          from approvals a where a.id = ${approvalId}`,
    );
    return row!;
  }

  it('200 parallel bookings of 1,00 € against 50,00 €: exactly 50 book, 150 are insufficient_budget, the balance ends at 0', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys, { budgetCents: 5000 });
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        redeem(staff.token, { code: card.qrToken, approvalId: approval.id, amountCents: 100 }),
      ),
    );
    const booked = results.filter((r) => r.statusCode === 201);
    const declined = results.filter((r) => r.statusCode !== 201);
    expect(booked).toHaveLength(50);
    expect(declined).toHaveLength(150);
    for (const r of declined) expectProblem(r, 409, 'insufficient_budget');
    expect(new Set(booked.map((r) => r.json().availableCents)).size).toBe(50);
    expect(await ledger(approval.id)).toMatchObject({ budget: 5000, remaining: 0, booked: 5000, reversed: 0, n: 50 });
  });

  it('50 parallel replays of one Idempotency-Key book exactly once and all get the same answer', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys, { budgetCents: 5000 });
    const key = randomUUID();
    const body = { code: card.qrToken, approvalId: approval.id, amountCents: 250 };
    const results = await Promise.all(Array.from({ length: 50 }, () => redeem(staff.token, body, key)));
    for (const r of results) expect([200, 201]).toContain(r.statusCode);
    expect(new Set(results.map((r) => r.json().id)).size).toBe(1);
    expect(results.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    expect(await ledger(approval.id)).toMatchObject({ remaining: 4750, booked: 250, n: 1 });
  });

  it('the same key sent concurrently with different bodies books one of them; the others are idempotency_key_reused', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys, { budgetCents: 5000 });
    const key = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        redeem(staff.token, { code: card.qrToken, approvalId: approval.id, amountCents: 100 + i }, key),
      ),
    );
    const booked = results.filter((r) => r.statusCode === 201);
    expect(booked).toHaveLength(1);
    for (const r of results.filter((r) => r.statusCode !== 201)) expectProblem(r, 422, 'idempotency_key_reused');
    expect((await ledger(approval.id)).n).toBe(1);
  });

  it('100 parallel lunch bookings for one child at two canteens: exactly one meal is booked', async () => {
    const north = await makeProvider(t.db, { category: 'caterer', benefitTypes: ['lunch'], mealPriceCents: 400 });
    const south = await makeProvider(t.db, { category: 'caterer', benefitTypes: ['lunch'], mealPriceCents: 380 });
    const cooks = [await t.user('provider_staff', north.id), await t.user('provider_staff', south.id)];
    const { card, approval } = await makeChildWithCard(t.db, t.keys, { benefitType: 'lunch' });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        redeem(cooks[i % 2]!.token, { code: card.qrToken, approvalId: approval.id }),
      ),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    for (const r of results.filter((r) => r.statusCode !== 201)) expectProblem(r, 409, 'already_redeemed_today');
    expect((await ledger(approval.id)).n).toBe(1);
  });

  it('parallel reversals of one redemption: exactly one succeeds, the budget is restored once', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys, { budgetCents: 5000 });
    const res = await redeem(staff.token, { code: card.qrToken, approvalId: approval.id, amountCents: 1000 });
    const id = res.json().id as string;
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.call('POST', `/api/v1/terminal/redemptions/${id}/reverse`, { token: staff.token }),
      ),
    );
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.statusCode !== 200)) expectProblem(r, 409, 'already_reversed');
    expect(await ledger(approval.id)).toMatchObject({ remaining: 5000, booked: 1000, reversed: 1000, n: 0 });
  });

  it('property: any interleaving of bookings and reversals keeps budget = remaining + booked − reversed, never below zero', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('book' as const), amountCents: fc.integer({ min: 1, max: 900 }) }),
      fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3000 }),
        fc.array(fc.array(op, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 }),
        async (budgetCents, waves) => {
          const { card, approval } = await makeChildWithCard(t.db, t.keys, { budgetCents });
          const bookedIds: string[] = [];
          let created = 0;
          for (const wave of waves) {
            const known = [...bookedIds];
            const results = await Promise.all(
              wave.map(async (o) => {
                if (o.kind === 'book') {
                  const r = await redeem(staff.token, {
                    code: card.qrToken,
                    approvalId: approval.id,
                    amountCents: o.amountCents,
                  });
                  if (r.statusCode === 201) return { booked: r.json().id as string };
                  expectProblem(r, 409, 'insufficient_budget');
                  return {};
                }
                if (known.length === 0) return {};
                const id = known[o.pick % known.length]!;
                const r = await t.call('POST', `/api/v1/terminal/redemptions/${id}/reverse`, { token: staff.token });
                if (r.statusCode !== 200) expectProblem(r, 409, 'already_reversed');
                return {};
              }),
            );
            for (const r of results) {
              if (r.booked) {
                bookedIds.push(r.booked);
                created++;
              }
            }
          }
          const l = await ledger(approval.id);
          expect(l.remaining).toBeGreaterThanOrEqual(0);
          expect(l.budget).toBe(l.remaining + l.booked - l.reversed);
          const [count] = await queryRows<{ n: number }>(
            t.db,
            sql`select count(*)::int as n from redemptions where approval_id = ${approval.id}`,
          );
          expect(count!.n).toBe(created);
        },
      ),
      { numRuns: 25 },
    );
  });
});
