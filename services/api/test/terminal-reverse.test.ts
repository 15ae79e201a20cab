import { randomUUID } from 'node:crypto';
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
import { makeChildWithCard, makeProvider } from './factories.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

let t: TestContext;
let club: Awaited<ReturnType<typeof makeProvider>>;
let rival: Awaited<ReturnType<typeof makeProvider>>;
let staff: { id: string; token: string };
let rivalStaff: { id: string; token: string };

beforeAll(async () => {
  t = await createTestContext();
  club = await makeProvider(t.db, { benefitTypes: ['participation'] });
  rival = await makeProvider(t.db, { benefitTypes: ['participation'] });
  staff = await t.user('provider_staff', club.id);
  rivalStaff = await t.user('provider_staff', rival.id);
});
afterAll(() => t.close());

async function book(token: string, amountCents: number, serviceDate?: string) {
  const { card, approval } = await makeChildWithCard(t.db, t.keys, {}, { givenName: 'Ben', familyName: 'Özdemir' });
  const res = await t.call('POST', '/api/v1/terminal/redemptions', {
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: { code: card.qrToken, approvalId: approval.id, amountCents, ...(serviceDate ? { serviceDate } : {}) },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  return { card, approval, id: res.json().id as string };
}

const reverse = (token: string, id: string, body?: unknown, key?: string) =>
  t.call('POST', `/api/v1/terminal/redemptions/${id}/reverse`, {
    token,
    ...(body !== undefined ? { body } : {}),
    ...(key ? { headers: { 'idempotency-key': key } } : {}),
  });

async function remaining(approvalId: string) {
  const [row] = await t.db.select().from(approvals).where(eq(approvals.id, approvalId));
  return row!.remainingCents;
}

describe('reverseRedemption', () => {
  it('before settlement the redemption is voided: status reversed, budget restored, a void reversal row, audited', async () => {
    const { approval, id } = await book(staff.token, 1200);
    expect(await remaining(approval.id)).toBe(3800);
    const res = await reverse(staff.token, id, { reason: 'Doppelt gebucht' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, status: 'reversed', kind: 'void', amountCents: 1200 });
    expect(await remaining(approval.id)).toBe(5000);
    const [row] = await t.db.select().from(redemptions).where(eq(redemptions.id, id));
    expect(row).toMatchObject({ status: 'reversed', reversedAt: expect.any(Date) });
    const [reversal] = await t.db.select().from(redemptionReversals).where(eq(redemptionReversals.redemptionId, id));
    expect(reversal).toMatchObject({
      kind: 'void',
      amountCents: 1200,
      reason: 'Doppelt gebucht',
      providerId: club.id,
      reversedBy: staff.id,
      batchId: null,
    });
    const audits = await t.db.select().from(auditLog).where(eq(auditLog.entityId, id));
    expect(audits.map((a) => a.action)).toEqual(['redemption.booked', 'redemption.reversed']);
  });

  it('after settlement it becomes a correction (a negative line for the next batch); the budget is restored', async () => {
    const { approval, id } = await book(staff.token, 900);
    // Settled = its settlement line exists (ADR 0031).
    const runId = newId('run');
    await t.db.insert(settlementRuns).values({ id: runId, cutoffDate: '2026-11-20', triggeredBy: 'test' });
    const batchId = newId('batch');
    await t.db.insert(settlementBatches).values({
      id: batchId,
      number: batchId,
      runId,
      providerId: club.id,
      cutoffDate: '2026-11-20',
      totalCents: 900,
      lineCount: 1,
    });
    await t.db.insert(settlementLines).values({ batchId, kind: 'redemption', redemptionId: id, amountCents: 900 });
    const res = await reverse(staff.token, id);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, status: 'reversed', kind: 'correction' });
    const [reversal] = await t.db.select().from(redemptionReversals).where(eq(redemptionReversals.redemptionId, id));
    expect(reversal).toMatchObject({ kind: 'correction', amountCents: 900, batchId: null });
    const [row] = await t.db.select().from(redemptions).where(eq(redemptions.id, id));
    expect(row).toMatchObject({ status: 'reversed' });
    expect(await remaining(approval.id)).toBe(5000);
  });

  it('a second reversal is 409 already_reversed and restores nothing twice', async () => {
    const { approval, id } = await book(staff.token, 500);
    expect((await reverse(staff.token, id)).statusCode).toBe(200);
    expectProblem(await reverse(staff.token, id), 409, 'already_reversed');
    expect(await remaining(approval.id)).toBe(5000);
    expect(await t.db.select().from(redemptionReversals).where(eq(redemptionReversals.redemptionId, id))).toHaveLength(
      1,
    );
  });

  it("another provider's redemption is 404 and stays untouched; an unknown id is 404", async () => {
    const { approval, id } = await book(staff.token, 500);
    expectProblem(await reverse(rivalStaff.token, id), 404, 'redemption_not_found');
    expect(await remaining(approval.id)).toBe(4500);
    expectProblem(await reverse(staff.token, 'rdm_unknown'), 404, 'redemption_not_found');
  });

  it('401 without a token, 403 for city roles, 400 for an over-long reason', async () => {
    const { id } = await book(staff.token, 100);
    expectProblem(await t.call('POST', `/api/v1/terminal/redemptions/${id}/reverse`), 401, 'unauthenticated');
    const accounting = await t.user('accounting');
    expectProblem(await reverse(accounting.token, id), 403, 'forbidden');
    expectProblem(await reverse(staff.token, id, { reason: 'x'.repeat(501) }), 400, 'validation_failed');
  });

  it('with an Idempotency-Key a retry replays the answer; the key with another request is 422', async () => {
    const { approval, id } = await book(staff.token, 300);
    const key = randomUUID();
    const first = await reverse(staff.token, id, { reason: 'Kind krank' }, key);
    const again = await reverse(staff.token, id, { reason: 'Kind krank' }, key);
    expect(first.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(await remaining(approval.id)).toBe(5000);
    const { id: other } = await book(staff.token, 300);
    expectProblem(await reverse(staff.token, other, { reason: 'Kind krank' }, key), 422, 'idempotency_key_reused');
  });
});

describe('listRedemptions and getRedemption', () => {
  it("lists the provider's own redemptions by service date (both ends inclusive), with no personal data beyond the display name", async () => {
    const a = await book(staff.token, 110, '2026-11-10');
    const b = await book(staff.token, 120, '2026-11-12');
    const c = await book(staff.token, 130, '2026-11-14');
    const foreign = await book(rivalStaff.token, 140, '2026-11-12');
    const res = await t.call('GET', '/api/v1/terminal/redemptions?from=2026-11-10&to=2026-11-12', {
      token: staff.token,
    });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Record<string, unknown>[];
    const ids = items.map((i) => i.id);
    expect(ids).toContain(a.id);
    expect(ids).toContain(b.id);
    expect(ids).not.toContain(c.id);
    expect(ids).not.toContain(foreign.id);
    const item = items.find((i) => i.id === b.id)!;
    expect(item).toEqual({
      id: b.id,
      approvalId: b.approval.id,
      benefitType: 'participation',
      serviceDate: '2026-11-12',
      amountCents: 120,
      status: 'booked',
      displayName: 'Ben Ö.',
      bookedAt: '2026-11-20T09:00:00.000Z',
      settled: false,
    });
    expect(res.body).not.toContain('Özdemir');
    expect(res.body).not.toContain(b.card.cardNumber);
  });

  it('defaults to today and shows reversals', async () => {
    const today = await book(staff.token, 150);
    await reverse(staff.token, today.id);
    const res = await t.call('GET', '/api/v1/terminal/redemptions', { token: staff.token });
    const item = (res.json().items as { id: string; serviceDate: string; status: string }[]).find(
      (i) => i.id === today.id,
    );
    expect(item).toMatchObject({ serviceDate: '2026-11-20', status: 'reversed', reversedAt: expect.any(String) });
    expect((res.json().items as { serviceDate: string }[]).every((i) => i.serviceDate === '2026-11-20')).toBe(true);
  });

  it('400 for from after to, a range over a year or a malformed date; 401; 403 for city roles', async () => {
    const q = (query: string, token = staff.token) => t.call('GET', `/api/v1/terminal/redemptions${query}`, { token });
    expectProblem(await q('?from=2026-11-12&to=2026-11-10'), 400, 'invalid_range');
    expectProblem(await q('?from=2024-01-01&to=2026-11-10'), 400, 'invalid_range');
    expectProblem(await q('?from=12.11.2026'), 400, 'validation_failed');
    expectProblem(await t.call('GET', '/api/v1/terminal/redemptions'), 401, 'unauthenticated');
    const caseworker = await t.user('caseworker');
    expectProblem(await q('', caseworker.token), 403, 'forbidden');
  });

  it("getRedemption returns an own redemption; another provider's is 404", async () => {
    const mine = await book(staff.token, 160);
    const own = await t.call('GET', `/api/v1/terminal/redemptions/${mine.id}`, { token: staff.token });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ id: mine.id, amountCents: 160, status: 'booked' });
    expectProblem(
      await t.call('GET', `/api/v1/terminal/redemptions/${mine.id}`, { token: rivalStaff.token }),
      404,
      'redemption_not_found',
    );
  });
});
