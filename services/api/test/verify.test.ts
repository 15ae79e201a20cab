import { newId } from '@tk/core';
import {
  approvals,
  auditLog,
  redemptionReversals,
  redemptions,
  settlementBatches,
  settlementLines,
  settlementRuns,
} from '@tk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyInvariants } from '../src/modules/admin/verify.service.ts';
import { makeChildWithCard, makeProvider } from './factories.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

const violationsOf = async (name: string) =>
  (await verifyInvariants(t.db)).checks.find((c) => c.name === name)!.violations;

/** A booking written the way the terminal writes it: redemption, balance and audit together. */
async function book(
  providerId: string,
  child: Awaited<ReturnType<typeof makeChildWithCard>>,
  amountCents: number,
  benefitType = 'participation',
) {
  const id = newId('redemption');
  await t.db.transaction(async (tx) => {
    await tx.insert(redemptions).values({
      id,
      providerId,
      approvalId: child.approval.id,
      beneficiaryId: child.beneficiary.id,
      cardId: child.card.id,
      benefitType,
      serviceDate: '2026-11-19',
      amountCents,
      mealSlot: benefitType === 'lunch' ? 1 : null,
      bookedBy: 'usr_test',
    });
    if (benefitType !== 'lunch') {
      const approval = (await tx.select().from(approvals).where(eq(approvals.id, child.approval.id)))[0]!;
      await tx
        .update(approvals)
        .set({ remainingCents: approval.remainingCents! - amountCents })
        .where(eq(approvals.id, approval.id));
    }
    await tx.insert(auditLog).values({ action: 'redemption.booked', entityType: 'redemption', entityId: id });
  });
  return id;
}

describe('the invariant checker', () => {
  it('passes on a consistent database', async () => {
    const provider = await makeProvider(t.db);
    const child = await makeChildWithCard(t.db, t.keys, { budgetCents: 5000 });
    await book(provider.id, child, 1200);
    const report = await verifyInvariants(t.db);
    expect(report.checks.filter((c) => c.violations > 0)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.counts.redemptions).toBe(1);
  });

  it('finds a balance that does not reconcile (budget ≠ remaining + booked − reversed)', async () => {
    const provider = await makeProvider(t.db);
    const child = await makeChildWithCard(t.db, t.keys, { budgetCents: 5000 });
    await book(provider.id, child, 700);
    expect(await violationsOf('budget_balance')).toBe(0);
    await t.db.update(approvals).set({ remainingCents: 4400 }).where(eq(approvals.id, child.approval.id));
    const report = await verifyInvariants(t.db);
    expect(report.ok).toBe(false);
    const check = report.checks.find((c) => c.name === 'budget_balance')!;
    expect(check.violations).toBe(1);
    expect(check.samples[0]).toMatchObject({
      id: child.approval.id,
      budgetCents: 5000,
      remainingCents: 4400,
      bookedCents: 700,
    });
    await t.db.update(approvals).set({ remainingCents: 4300 }).where(eq(approvals.id, child.approval.id));
  });

  it('finds a reversal without its status flip, and a second lunch on one day', async () => {
    const provider = await makeProvider(t.db, { category: 'caterer', benefitTypes: ['lunch'] });
    const child = await makeChildWithCard(t.db, t.keys, { benefitType: 'lunch' });
    const first = await book(provider.id, child, 350, 'lunch');
    // A second meal on the same day can only exist if someone bypassed the unique index (slot 2).
    const second = newId('redemption');
    await t.db.insert(redemptions).values({
      id: second,
      providerId: provider.id,
      approvalId: child.approval.id,
      beneficiaryId: child.beneficiary.id,
      cardId: child.card.id,
      benefitType: 'lunch',
      serviceDate: '2026-11-19',
      amountCents: 350,
      mealSlot: 2,
      bookedBy: 'usr_test',
    });
    expect(await violationsOf('lunch_once_per_day')).toBe(1);
    expect(await violationsOf('audit_complete')).toBe(1);
    await t.db.insert(redemptionReversals).values({
      id: newId('reversal'),
      redemptionId: first,
      providerId: provider.id,
      amountCents: 350,
      kind: 'void',
      reversedBy: 'usr_test',
    });
    expect(await violationsOf('reversal_consistency')).toBe(1);
  });

  it('finds a batch whose total differs from its lines and a settled redemption outside any batch', async () => {
    const provider = await makeProvider(t.db);
    const runId = newId('run');
    await t.db.insert(settlementRuns).values({ id: runId, cutoffDate: '2026-11-20', triggeredBy: 'test' });
    const batchId = newId('batch');
    await t.db.insert(settlementBatches).values({
      id: batchId,
      number: 'ABR-2026-999999',
      runId,
      providerId: provider.id,
      cutoffDate: '2026-11-20',
      totalCents: 1000,
      lineCount: 1,
    });
    const child = await makeChildWithCard(t.db, t.keys, { budgetCents: 5000 });
    const rid = await book(provider.id, child, 900);
    await t.db.insert(settlementLines).values({ batchId, kind: 'redemption', redemptionId: rid, amountCents: 900 });
    expect(await violationsOf('batch_totals')).toBe(1);
    // A booking left without a line below where a completed run said everything was settled.
    const orphan = await book(provider.id, child, 100);
    const [found] = await t.db.select({ txid: redemptions.txid }).from(redemptions).where(eq(redemptions.id, orphan));
    expect(await violationsOf('settled_redemption_in_one_batch')).toBe(0);
    await t.db
      .update(settlementRuns)
      .set({ status: 'completed', unsettledFromTxid: found!.txid + 1 })
      .where(eq(settlementRuns.id, runId));
    // (the file's earlier bookings have no lines either; the orphan's own line takes exactly it away)
    const withOrphan = await violationsOf('settled_redemption_in_one_batch');
    expect(withOrphan).toBeGreaterThan(0);
    await t.db.insert(settlementLines).values({ batchId, kind: 'redemption', redemptionId: orphan, amountCents: 100 });
    expect(await violationsOf('settled_redemption_in_one_batch')).toBe(withOrphan - 1);
  });

  it('is an admin operation over HTTP', async () => {
    const admin = await t.user('admin');
    const res = await t.call('GET', '/api/v1/admin/verify', { token: admin.token });
    expect(res.statusCode).toBe(200);
    expect(res.json().ok).toBe(false);
    const caseworker = await t.user('caseworker');
    expectProblem(await t.call('GET', '/api/v1/admin/verify', { token: caseworker.token }), 403, 'forbidden');
  });
});
