import { fixedClock, newId } from '@tk/core';
import {
  approvals,
  auditLog,
  beneficiaries,
  beneficiaryRevisions,
  cards,
  familyAccessCodes,
  familyAccessFailures,
  idempotencyKeys,
  rateLimits,
  redemptionDeclines,
  retentionRuns,
  revokedTokens,
  settlementBatches,
} from '@tk/db';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSettlement } from '../src/modules/settlement/settlement.run.ts';
import { makeApproval, makeBeneficiary, makeCard, makeProvider, makeRedemption } from './factories.ts';
import { createTestContext, expectInvariantsHold, expectProblem, type TestContext } from './support.ts';

/**
 * runRetention (issue 10, item 13): pseudonymisation after `retentionMonths` (default 24) past the last
 * booking day (end of period + 3 months' grace), only with nothing unsettled; the money trail stays and
 * reconciles; expired keys, declines and counters go. The clock is 2026-11-20.
 */
let t: TestContext;
let admin: { id: string; token: string };
let caseworker: { token: string };
const DAY = 86_400_000;

/** A child with one participation approval and a card; `bookedCents` are deducted from its balance. */
async function child(validFrom: string, validTo: string, bookedCents = 0) {
  const b = await makeBeneficiary(t.db, { givenName: 'Ronja', familyName: `Räuberstochter${newId('card').slice(-6)}` });
  const a = await makeApproval(t.db, {
    beneficiaryId: b.id,
    validFrom,
    validTo,
    budgetCents: 5000,
    remainingCents: 5000 - bookedCents,
    reference: `Bescheid ${b.caseReference}`,
    importKey: `${b.caseReference}|participation|${validFrom}|${validTo}`,
  });
  const c = await makeCard(t.db, t.keys, b.id);
  await t.db.insert(familyAccessCodes).values({ cardId: c.id, codeHash: 'scrypt$test' });
  return { b, a, c };
}

let settled: Awaited<ReturnType<typeof child>>;
let unsettled: Awaited<ReturnType<typeof child>>;
let recent: Awaited<ReturnType<typeof child>>;
let corrected: Awaited<ReturnType<typeof child>>;
const now = () => t.clock.now().getTime();

beforeAll(async () => {
  t = await createTestContext();
  admin = await t.user('admin');
  caseworker = await t.user('caseworker');
  const acc1 = await t.user('accounting');
  const acc2 = await t.user('accounting');
  const provider = await makeProvider(t.db);

  // Ended 2024-06-30: last booking day 2024-09-30, + 24 months = 2026-09-30 < 2026-11-20: due.
  settled = await child('2023-08-01', '2024-06-30', 1500);
  await makeRedemption(t.db, {
    providerId: provider.id,
    approvalId: settled.a.id,
    beneficiaryId: settled.b.id,
    cardId: settled.c.id,
    amountCents: 1500,
    serviceDate: '2024-05-08',
    bookedAt: new Date('2024-05-10T10:00:00+02:00'),
  });
  // Same period, but its booking came after the settlement's cutoff: unsettled, so it is kept.
  unsettled = await child('2023-08-01', '2024-06-30', 700);
  await makeRedemption(t.db, {
    providerId: provider.id,
    approvalId: unsettled.a.id,
    beneficiaryId: unsettled.b.id,
    cardId: unsettled.c.id,
    amountCents: 700,
    serviceDate: '2024-06-20',
    bookedAt: new Date('2024-06-21T10:00:00+02:00'),
  });
  // Ended 2025-12-31: last booking day 2026-03-31, retention until 2028: kept.
  recent = await child('2025-01-01', '2025-12-31');
  // Ended 2022, never booked, its name was corrected once (history with the old and new name).
  corrected = await child('2022-01-01', '2022-12-31');
  const fixed = await t.call('PATCH', `/api/v1/beneficiaries/${corrected.b.id}`, {
    token: caseworker.token,
    body: { familyName: 'Korrigiert-Nachname' },
  });
  expect(fixed.statusCode, fixed.body).toBe(200);

  await runSettlement(t.db, { cutoffDate: '2024-06-01', triggeredBy: 'test' }, fixedClock('2024-06-01T01:00:00Z'));
  const [batch] = await t.db.select().from(settlementBatches).where(eq(settlementBatches.providerId, provider.id));
  for (const [path, user] of [
    ['certify', acc1],
    ['release', acc2],
  ] as const) {
    const res = await t.call('POST', `/api/v1/settlements/batches/${batch!.id}/${path}`, { token: user.token });
    expect(res.statusCode, res.body).toBe(200);
  }
  const file = await t.call('POST', '/api/v1/settlements/payment-files', {
    token: acc1.token,
    body: { batchIds: [batch!.id] },
  });
  expect(file.statusCode, file.body).toBe(201);
  // The bank's value date may not lie before the file's execution date (the next business day, 23.11.):
  // mark it paid on that day, signed in again then, and come back to the suite's day.
  t.clock.set('2026-11-23T09:00:00Z');
  const accLater = await t.user('accounting');
  const paid = await t.call('POST', `/api/v1/settlements/batches/${batch!.id}/paid`, {
    token: accLater.token,
    body: { paidOn: '2026-11-23' },
  });
  t.clock.set('2026-11-20T09:00:00Z');
  expect(paid.statusCode, paid.body).toBe(200);

  // Expired and fresh rows of each kind (settings: keys 30 days, declines 90 days, counters 24 h).
  const at = (msAgo: number) => new Date(now() - msAgo);
  await t.db.insert(idempotencyKeys).values([
    { scope: 'test', key: 'old', requestHash: 'h', status: 201, response: {}, createdAt: at(31 * DAY) },
    { scope: 'test', key: 'fresh', requestHash: 'h', status: 201, response: {}, createdAt: at(29 * DAY) },
  ]);
  await t.db.insert(redemptionDeclines).values([
    { id: 'dcl_old', userId: 'u', providerId: provider.id, code: 'insufficient_budget', at: at(91 * DAY) },
    { id: 'dcl_fresh', userId: 'u', providerId: provider.id, code: 'insufficient_budget', at: at(89 * DAY) },
  ]);
  await t.db.insert(rateLimits).values([
    { key: 'login-account:old', points: 3, expire: now() - 25 * 3_600_000 },
    { key: 'login-account:fresh', points: 3, expire: now() - 23 * 3_600_000 },
  ]);
  await t.db.insert(familyAccessFailures).values([
    { scope: 'card', key: 'old', at: at(25 * 3_600_000) },
    { scope: 'card', key: 'fresh', at: at(23 * 3_600_000) },
  ]);
  await t.db.insert(revokedTokens).values([
    { jti: 'jti-old', userId: admin.id, expiresAt: at(60_000) },
    { jti: 'jti-fresh', userId: admin.id, expiresAt: new Date(now() + 3_600_000) },
  ]);
});
afterAll(() => t?.close());

const run = (dryRun?: boolean) =>
  t.call('POST', '/api/v1/admin/retention-runs', {
    token: admin.token,
    body: dryRun === undefined ? {} : { dryRun },
  });
const childRow = async (id: string) => (await t.db.select().from(beneficiaries).where(eq(beneficiaries.id, id)))[0]!;

describe('runRetention', () => {
  it('is for admins only', async () => {
    expectProblem(
      await t.call('POST', '/api/v1/admin/retention-runs', { token: caseworker.token, body: { dryRun: true } }),
      403,
      'forbidden',
    );
  });

  it('a dry run gives the counts and changes nothing', async () => {
    const res = await run(true);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      dryRun: true,
      pseudonymisedCount: 2,
      deactivatedCards: 2,
      deleted: { idempotencyKeys: 1, declines: 1, throttleCounters: 1, familyAccessFailures: 1, revokedTokens: 1 },
    });
    expect(res.json().id).toMatch(/^ret_/);
    expect((await childRow(settled.b.id)).givenName).toBe('Ronja');
    expect((await childRow(settled.b.id)).pseudonymisedAt).toBeNull();
    expect((await t.db.select().from(cards).where(eq(cards.id, settled.c.id)))[0]!.status).toBe('active');
    expect(await t.db.$count(idempotencyKeys)).toBe(2);
    expect(await t.db.$count(redemptionDeclines)).toBe(2);
  });

  it('pseudonymises the ended, settled children: names, birth date, case reference gone, cards off', async () => {
    const before = await childRow(settled.b.id);
    const res = await run();
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ dryRun: false, pseudonymisedCount: 2, deactivatedCards: 2 });

    for (const c of [settled, corrected]) {
      const row = await childRow(c.b.id);
      expect(row).toMatchObject({ givenName: null, familyName: null, birthDate: null, caseReference: null });
      expect(row.pseudonymisedAt).not.toBeNull();
      const [card] = await t.db.select().from(cards).where(eq(cards.id, c.c.id));
      expect(card!.status).toBe('blocked');
      expect(await t.db.$count(familyAccessCodes, eq(familyAccessCodes.cardId, c.c.id))).toBe(0);
      const [approval] = await t.db.select().from(approvals).where(eq(approvals.id, c.a.id));
      expect(approval).toMatchObject({ reference: null, importKey: null, budgetCents: 5000 });
    }
    // The correction history keeps which field changed, not the values.
    const [revision] = await t.db
      .select()
      .from(beneficiaryRevisions)
      .where(eq(beneficiaryRevisions.beneficiaryId, corrected.b.id));
    expect(revision).toMatchObject({ before: { familyName: null }, after: { familyName: null } });

    // Unsettled and recent children are kept as they were.
    for (const c of [unsettled, recent]) {
      const row = await childRow(c.b.id);
      expect(row.pseudonymisedAt).toBeNull();
      expect(row.givenName).toBe('Ronja');
      expect((await t.db.select().from(cards).where(eq(cards.id, c.c.id)))[0]!.status).toBe('active');
    }

    // No personal data of the pseudonymised children anywhere in the audit log (hash chain untouched).
    const auditText = (await t.db.select({ data: auditLog.data }).from(auditLog)).map((r) => JSON.stringify(r.data));
    for (const value of [before.familyName!, before.caseReference!, 'Korrigiert-Nachname', corrected.b.familyName!]) {
      expect(auditText.join('\n')).not.toContain(value);
    }
    const audited = await t.db
      .select()
      .from(auditLog)
      .where(inArray(auditLog.action, ['retention.run', 'beneficiary.pseudonymised']));
    expect(audited.map((a) => a.action).sort()).toEqual([
      'beneficiary.pseudonymised',
      'beneficiary.pseudonymised',
      'retention.run',
    ]);
  });

  it('deletes keys, declines and counters older than their settings and keeps fresh ones', async () => {
    expect((await t.db.select().from(idempotencyKeys)).map((k) => k.key)).toEqual(['fresh']);
    expect((await t.db.select().from(redemptionDeclines)).map((d) => d.id)).toEqual(['dcl_fresh']);
    expect((await t.db.select().from(rateLimits)).map((r) => r.key)).toContain('login-account:fresh');
    expect((await t.db.select().from(rateLimits)).map((r) => r.key)).not.toContain('login-account:old');
    expect((await t.db.select().from(familyAccessFailures)).map((f) => f.key)).toEqual(['fresh']);
    expect((await t.db.select().from(revokedTokens)).map((r) => r.jti)).toEqual(['jti-fresh']);
  });

  it('getBeneficiary shows pseudonymisedAt and no names; search no longer finds the child', async () => {
    const res = await t.call('GET', `/api/v1/beneficiaries/${settled.b.id}`, { token: caseworker.token });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ givenName: null, familyName: null, birthDate: null, caseReference: null });
    expect(body.pseudonymisedAt).toBe(t.clock.now().toISOString());
    expect(body.approvals[0]).toMatchObject({ bookedCents: 1500 });
    expect(body.cards[0]).toMatchObject({ status: 'blocked' });

    for (const q of [settled.b.familyName!, settled.b.caseReference!, settled.c.cardNumber, 'Ronja']) {
      const found = await t.call('GET', `/api/v1/beneficiaries?q=${encodeURIComponent(q)}`, {
        token: caseworker.token,
      });
      expect(found.statusCode).toBe(200);
      expect(found.json().items.map((i: { id: string }) => i.id)).not.toContain(settled.b.id);
    }
    const all = await t.call('GET', '/api/v1/beneficiaries?pageSize=100', { token: caseworker.token });
    expect(all.json().items.map((i: { id: string }) => i.id)).not.toContain(corrected.b.id);
    const kept = await t.call('GET', `/api/v1/beneficiaries?q=${encodeURIComponent(unsettled.b.familyName!)}`, {
      token: caseworker.token,
    });
    expect(kept.json().items.map((i: { id: string }) => i.id)).toEqual([unsettled.b.id]);
  });

  it('a pseudonymised child gets no new approval, card or correction', async () => {
    expectProblem(
      await t.call('POST', `/api/v1/cards/${settled.c.id}/replace`, { token: caseworker.token, body: {} }),
      404,
      'beneficiary_not_found',
    );
    expectProblem(
      await t.call('PATCH', `/api/v1/beneficiaries/${settled.b.id}`, {
        token: caseworker.token,
        body: { givenName: 'Neu' },
      }),
      404,
      'beneficiary_not_found',
    );
  });

  it('a rerun pseudonymises nobody twice', async () => {
    const res = await run();
    expect(res.json()).toMatchObject({ pseudonymisedCount: 0, deactivatedCards: 0 });
    expect(await t.db.$count(auditLog, eq(auditLog.action, 'beneficiary.pseudonymised'))).toBe(2);
    expect(await t.db.$count(retentionRuns)).toBe(3);
  });

  it('verifyInvariants (including the audit hash chain) still passes afterwards', async () => {
    const res = await t.call('GET', '/api/v1/admin/verify', { token: admin.token });
    expect(res.statusCode, res.body).toBe(200);
    expect(
      res.json().checks.filter((c: { violations: number }) => c.violations > 0),
      res.body,
    ).toEqual([]);
    expect(res.json().ok).toBe(true);
    await expectInvariantsHold(t.db);
  });
});

describe('runRetention, concurrently and for a child without approvals', () => {
  it('two runs at once pseudonymise each due child exactly once; a child without approvals counts from its recording', async () => {
    const noApprovals = await makeBeneficiary(t.db, { createdAt: new Date('2023-01-10T10:00:00Z') });
    const freshNoApprovals = await makeBeneficiary(t.db);
    const ended = await child('2021-01-01', '2021-12-31');
    const [a, b] = await Promise.all([run(), run()]);
    expect([a!.statusCode, b!.statusCode]).toEqual([201, 201]);
    expect(a!.json().pseudonymisedCount + b!.json().pseudonymisedCount).toBe(2);
    expect((await childRow(noApprovals.id)).pseudonymisedAt).not.toBeNull();
    expect((await childRow(ended.b.id)).pseudonymisedAt).not.toBeNull();
    expect((await childRow(freshNoApprovals.id)).pseudonymisedAt).toBeNull();
    expect(await t.db.$count(auditLog, eq(auditLog.action, 'beneficiary.pseudonymised'))).toBe(4);
    await expectInvariantsHold(t.db);
  });
});
