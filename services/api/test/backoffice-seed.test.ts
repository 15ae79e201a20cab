import { approvals, auditLog, beneficiaries, cards, providerMealPrices } from '@tk/db';
import { and, eq, isNull, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCardToken } from '../src/lib/card-token.ts';
import { DEMO_CHILDREN, seedBackoffice } from '../src/seed/backoffice.ts';
import { DEMO_PROVIDERS, seedDemo } from '../src/seed/demo.ts';
import { createTestContext, type TestContext } from './support.ts';

let t: TestContext;

beforeAll(async () => {
  t = await createTestContext();
  await seedDemo(t.db, t.keys);
});
afterAll(() => t.close());

describe('demo seed (back office)', () => {
  it('creates the demo children, each with an active card whose token verifies', async () => {
    const children = await t.db.select().from(beneficiaries).where(like(beneficiaries.caseReference, 'DEMO-%'));
    expect(children).toHaveLength(DEMO_CHILDREN.length);
    for (const child of children) {
      const [card] = await t.db
        .select()
        .from(cards)
        .where(and(eq(cards.beneficiaryId, child.id), eq(cards.status, 'active')));
      expect(card).toBeDefined();
      expect(await verifyCardToken(t.keys.card, card!.qrToken)).toBe(card!.id);
    }
  });

  it('approvals run across today (school year 2026/27) and cover all four demo providers', async () => {
    const rows = await t.db.select().from(approvals);
    for (const a of rows) {
      expect(a.validFrom <= '2026-11-20').toBe(true);
      expect(a.validTo >= '2026-11-20').toBe(true);
    }
    const types = new Set(rows.map((a) => a.benefitType));
    for (const type of ['participation', 'lunch', 'tutoring', 'trip']) expect(types.has(type)).toBe(true);
    const named = new Set(rows.map((a) => a.providerId).filter(Boolean));
    expect(named).toEqual(new Set([DEMO_PROVIDERS.tutor.id, DEMO_PROVIDERS.school.id]));
    // Elias turns 18 on 30.04.2027: 9 participation months.
    const [elias] = await t.db.select().from(beneficiaries).where(eq(beneficiaries.caseReference, 'DEMO-006'));
    const [p] = await t.db
      .select()
      .from(approvals)
      .where(and(eq(approvals.beneficiaryId, elias!.id), eq(approvals.benefitType, 'participation')));
    expect(p!.budgetCents).toBe(9 * 1500);
  });

  it('sets the meal prices of the canteen and the school; writes are audited by the system actor', async () => {
    const prices = await t.db.select().from(providerMealPrices);
    expect(prices.map((p) => [p.providerId, p.priceCents]).sort()).toEqual(
      [
        [DEMO_PROVIDERS.canteen.id, 350],
        [DEMO_PROVIDERS.school.id, 320],
      ].sort(),
    );
    const audits = await t.db
      .select()
      .from(auditLog)
      .where(and(isNull(auditLog.actorId), eq(auditLog.action, 'card.issued')));
    expect(audits).toHaveLength(DEMO_CHILDREN.length);
  });

  it('running it again changes nothing', async () => {
    const before = await t.db.$count(approvals);
    await seedBackoffice(t.db, t.keys);
    expect(await t.db.$count(approvals)).toBe(before);
  });
});
