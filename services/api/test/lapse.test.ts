import { randomUUID } from 'node:crypto';
import { fixedClock, periodProofErrors } from '@tk/core';
import { approvalLapses, approvals, auditLog, lapseRuns, queryRows } from '@tk/db';
import * as ledger from '@tk/db/queries/bookings';
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit, systemActor } from '../src/lib/audit.ts';
import { formatReport, sealAndVerify } from '../src/modules/admin/verify.service.ts';
import { reverse, runLapse } from '../src/modules/bookings/bookings.service.ts';
import { runSettlement } from '../src/modules/settlement/settlement.run.ts';
import { makeChildWithCard, makeProvider, makeRedemption } from './factories.ts';
import { createTestContext, expectInvariantsHold, expectProblem, onServer, type TestContext } from './support.ts';

/**
 * The lapse (Verfall, ADR 0030): remaining budget past the last booking day becomes one ledger entry.
 * The test clock stands at 2026-11-20; the city's grace period is 3 months.
 */
let t: TestContext;
let acc: { token: string };
let admin: { token: string };
let caseworker: { token: string };
let provider: Awaited<ReturnType<typeof makeProvider>>;
let staff: { token: string };

beforeAll(async () => {
  t = await createTestContext();
  acc = await t.user('accounting');
  admin = await t.user('admin');
  caseworker = await t.user('caseworker');
  provider = await makeProvider(t.db, { benefitTypes: ['participation', 'trip'] });
  staff = await t.user('provider_staff', provider.id);
});
afterAll(async () => {
  await expectInvariantsHold(t.db);
  await t.close();
});

/** A child whose approval of 50,00 € ended 2024-06-30, with one booking of 20,00 € (30,00 € left). */
async function endedChildWithBooking() {
  const child = await makeChildWithCard(t.db, t.keys, { validFrom: '2024-01-01', validTo: '2024-06-30' });
  const booked = await makeRedemption(t.db, {
    providerId: provider.id,
    approvalId: child.approval.id,
    beneficiaryId: child.beneficiary.id,
    cardId: child.card.id,
    amountCents: 2000,
    serviceDate: '2024-03-01',
  });
  await t.db.update(approvals).set({ remainingCents: 3000 }).where(eq(approvals.id, child.approval.id));
  return { child, booked };
}

const lapseRun = (asOf?: string, token = acc.token) =>
  t.call('POST', '/api/v1/approvals/lapse-runs', { token, body: asOf ? { asOf } : {} });
const approvalOf = async (id: string) =>
  (await t.call('GET', `/api/v1/approvals/${id}`, { token: caseworker.token })).json();
async function expectVerifyOk() {
  const report = await sealAndVerify(t.db);
  expect(report.ok, formatReport(report)).toBe(true);
}
/** The proof's closing balance over all time equals what the approvals hold, and the lapsed total is the ledger's. */
async function expectProofIdentity() {
  const res = await t.call('GET', '/api/v1/reports/period-proof?from=2020-01-01&to=2030-12-31', { token: acc.token });
  expect(res.statusCode, res.body).toBe(200);
  const { payload } = res.json();
  expect(periodProofErrors(payload)).toEqual([]);
  const [held] = await t.db
    .select({
      remaining: sql<string>`coalesce(sum(${approvals.remainingCents}), 0)::bigint`,
      lapsed: sql<string>`(select coalesce(sum(amount_cents), 0)::bigint from approval_lapses)`,
    })
    .from(approvals)
    .where(sql`${approvals.budgetCents} is not null`);
  expect(payload.closingRemainingCents).toBe(Number(held!.remaining));
  expect(payload.lapsedCents).toBe(Number(held!.lapsed));
  return payload;
}
async function booking(child: Awaited<ReturnType<typeof makeChildWithCard>>, amountCents: number, serviceDate: string) {
  return t.call('POST', '/api/v1/terminal/redemptions', {
    token: staff.token,
    headers: { 'idempotency-key': randomUUID() },
    body: { code: child.card.qrToken, approvalId: child.approval.id, amountCents, serviceDate },
  });
}

describe('runLapse', () => {
  it('lapses the remainder of every approval past its last booking day as ONE entry; a rerun lapses nothing twice', async () => {
    // Ended 31.07.2026, grace 3 months: last booking day 31.10.2026, before today (20.11.2026).
    const ended = await makeChildWithCard(t.db, t.keys, { validFrom: '2026-01-01', validTo: '2026-07-31' });
    const partly = await makeChildWithCard(t.db, t.keys, { validFrom: '2026-01-01', validTo: '2026-07-31' });
    const spent = await makeChildWithCard(t.db, t.keys, { validFrom: '2026-01-01', validTo: '2026-07-31' });
    const running = await makeChildWithCard(t.db, t.keys, { validFrom: '2026-01-01', validTo: '2026-12-31' });
    // Last booking day 20.11.2026 (= today): not yet lapsed (it must lie *before* asOf).
    const lastDayToday = await makeChildWithCard(t.db, t.keys, { validFrom: '2026-01-01', validTo: '2026-08-20' });
    await t.db.transaction(async (tx) => {
      for (const [child, cents] of [
        [partly, 1200],
        [spent, 5000],
      ] as const) {
        await makeRedemption(tx, {
          providerId: provider.id,
          approvalId: child.approval.id,
          beneficiaryId: child.beneficiary.id,
          cardId: child.card.id,
          amountCents: cents,
          serviceDate: '2026-07-10',
        });
        await tx
          .update(approvals)
          .set({ remainingCents: sql`${approvals.remainingCents} - ${cents}` })
          .where(eq(approvals.id, child.approval.id));
      }
    });

    const res = await lapseRun();
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({ id: expect.stringMatching(/^lps_/), approvalCount: 2, lapsedCents: 5000 + 3800 });
    expect(await approvalOf(ended.approval.id)).toMatchObject({
      remainingCents: 0,
      lapsedCents: 5000,
      bookableCents: 0,
    });
    expect(await approvalOf(partly.approval.id)).toMatchObject({
      remainingCents: 0,
      lapsedCents: 3800,
      bookedCents: 1200,
    });
    expect(await approvalOf(spent.approval.id)).toMatchObject({ remainingCents: 0, lapsedCents: 0 });
    expect(await approvalOf(running.approval.id)).toMatchObject({ remainingCents: 5000, lapsedCents: 0 });
    expect(await approvalOf(lastDayToday.approval.id)).toMatchObject({ remainingCents: 5000, lapsedCents: 0 });
    const audited = await t.db
      .select()
      .from(auditLog)
      .where(inArray(auditLog.entityId, [ended.approval.id, partly.approval.id]));
    expect(audited.filter((a) => a.action === 'approval.lapsed')).toHaveLength(2);

    const again = await lapseRun();
    expect(again.json()).toMatchObject({ approvalCount: 0, lapsedCents: 0 });
    const entries = await t.db
      .select()
      .from(approvalLapses)
      .where(inArray(approvalLapses.approvalId, [ended.approval.id, partly.approval.id]));
    expect(entries.map((e) => e.amountCents).sort()).toEqual([3800, 5000]);
    // The next day the one whose last booking day was today lapses too.
    expect((await lapseRun('2026-11-21')).json()).toMatchObject({ approvalCount: 1, lapsedCents: 5000 });
    await expectVerifyOk();
    await expectProofIdentity();
  });

  it('accounting and admin may run it; a caseworker or a provider may not', async () => {
    expect((await lapseRun(undefined, admin.token)).statusCode).toBe(201);
    expectProblem(await lapseRun(undefined, caseworker.token), 403, 'forbidden');
    expectProblem(await lapseRun(undefined, staff.token), 403, 'forbidden');
    expectProblem(await lapseRun('31.12.2026'), 400, 'validation_failed');
  });

  it('a booking for a service date inside the period that arrives after the lapse is refused (approval_not_active)', async () => {
    // Ended 31.10.2026: in its grace period today, so a service of October still books ...
    const child = await makeChildWithCard(t.db, t.keys, { validFrom: '2026-01-01', validTo: '2026-10-31' });
    expect((await booking(child, 1000, '2026-10-15')).statusCode).toBe(201);
    // ... until the budget has lapsed (here: a lapse run as of 01.02.2027, after the last booking day 31.01.2027).
    expect((await lapseRun('2027-02-01')).json().lapsedCents).toBeGreaterThanOrEqual(4000);
    expectProblem(await booking(child, 1000, '2026-10-15'), 409, 'approval_not_active');
    // The terminal does not offer it any more.
    const lookup = await t.call('POST', '/api/v1/terminal/lookup', {
      token: staff.token,
      body: { code: child.card.qrToken },
    });
    expect(lookup.statusCode, lookup.body).toBe(200);
    expect(lookup.json().entitlements.map((e: { approvalId: string }) => e.approvalId)).not.toContain(
      child.approval.id,
    );
    expect(await approvalOf(child.approval.id)).toMatchObject({
      remainingCents: 0,
      lapsedCents: 4000,
      bookedCents: 1000,
    });
    await expectVerifyOk();
  });

  it('a city reversal of a booking on a lapsed approval lapses the returned amount too: the balance stays 0', async () => {
    const child = await makeChildWithCard(t.db, t.keys, { validFrom: '2026-01-01', validTo: '2026-10-31' });
    const booked = await booking(child, 1500, '2026-10-20');
    expect(booked.statusCode, booked.body).toBe(201);
    await runSettlement(t.db, { cutoffDate: '2026-11-21', triggeredBy: 'test' }, fixedClock('2026-11-21T01:00:00Z'));
    await lapseRun('2027-02-01');
    expect(await approvalOf(child.approval.id)).toMatchObject({ remainingCents: 0, lapsedCents: 3500 });
    const res = await t.call('POST', `/api/v1/settlements/redemptions/${booked.json().id}/reverse`, {
      token: acc.token,
      body: { reason: 'Leistung nicht erbracht' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ kind: 'correction', amountCents: 1500 });
    expect(await approvalOf(child.approval.id)).toMatchObject({ remainingCents: 0, lapsedCents: 5000, bookedCents: 0 });
    const entries = await t.db.select().from(approvalLapses).where(eq(approvalLapses.approvalId, child.approval.id));
    expect(entries.map((e) => [e.kind, e.amountCents]).sort()).toEqual([
      ['remainder', 3500],
      ['reversal', 1500],
    ]);
    // A rerun does not lapse it again.
    await lapseRun('2027-02-01');
    expect((await approvalOf(child.approval.id)).lapsedCents).toBe(5000);
    await expectVerifyOk();
    await expectProofIdentity();
  });

  it('a crash mid-run leaves whole approvals lapsed, never half; the next run completes the rest', async () => {
    const children = [];
    for (let i = 0; i < 7; i++) {
      children.push(await makeChildWithCard(t.db, t.keys, { validFrom: '2025-01-01', validTo: '2025-12-31' }));
    }
    const ids = children.map((c) => c.approval.id);
    const crash = new Error('process killed');
    await expect(
      runLapse(
        t.db,
        {
          asOf: '2026-11-20',
          triggeredBy: 'test',
          chunkSize: 3,
          afterChunk: (n) => {
            if (n === 1) throw crash;
          },
        },
        systemActor(),
        t.clock,
      ),
    ).rejects.toBe(crash);
    const [crashed] = await t.db.select().from(lapseRuns).where(sql`${lapseRuns.finishedAt} is null`);
    expect(crashed).toMatchObject({ approvalCount: 3, lapsedCents: 15_000 });
    const after = await t.db.select().from(approvals).where(inArray(approvals.id, ids));
    expect(after.filter((a) => a.remainingCents === 0)).toHaveLength(3);
    expect(after.filter((a) => a.remainingCents === 5000)).toHaveLength(4);
    await expectVerifyOk();
    await expectProofIdentity();

    const rerun = await lapseRun('2026-11-20');
    expect(rerun.json()).toMatchObject({ approvalCount: 4, lapsedCents: 20_000 });
    const lapsed = await t.db.select().from(approvalLapses).where(inArray(approvalLapses.approvalId, ids));
    expect(lapsed).toHaveLength(7);
    await expectVerifyOk();
  });

  it.runIf(onServer)(
    'concurrent runs (server): every approval lapses exactly once, whichever run takes it',
    async () => {
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        ids.push(
          (await makeChildWithCard(t.db, t.keys, { validFrom: '2024-01-01', validTo: '2024-12-31' })).approval.id,
        );
      }
      const runs = await Promise.all(
        Array.from({ length: 4 }, () =>
          runLapse(t.db, { asOf: '2026-11-20', triggeredBy: 'test', chunkSize: 7 }, systemActor(), t.clock),
        ),
      );
      expect(runs.reduce((s, r) => s + r.approvalCount, 0)).toBe(40);
      expect(runs.reduce((s, r) => s + r.lapsedCents, 0)).toBe(40 * 5000);
      const lapsed = await t.db.select().from(approvalLapses).where(inArray(approvalLapses.approvalId, ids));
      expect(lapsed).toHaveLength(40);
      await expectVerifyOk();
      await expectProofIdentity();
    },
  );

  it.runIf(onServer)(
    'reversals racing a lapse run (server): every returned amount lapses, with the remainder or as a further entry',
    async () => {
      const children = [];
      const booked = [];
      for (let i = 0; i < 20; i++) {
        const made = await endedChildWithBooking();
        children.push(made.child);
        booked.push(made.booked);
      }
      await Promise.all([
        runLapse(t.db, { asOf: '2026-11-20', triggeredBy: 'test', chunkSize: 4 }, systemActor(), t.clock),
        ...booked.map((r) =>
          reverse(t.db, { redemptionId: r.id, by: { kind: 'city', reason: 'race' } }, systemActor(), t.clock.now()),
        ),
      ]);
      const ids = children.map((c) => c.approval.id);
      const rows = await t.db.select().from(approvals).where(inArray(approvals.id, ids));
      expect(rows.every((a) => a.remainingCents === 0)).toBe(true);
      const [sum] = await t.db
        .select({ n: sql<string>`sum(${approvalLapses.amountCents})::bigint` })
        .from(approvalLapses)
        .where(inArray(approvalLapses.approvalId, ids));
      expect(Number(sum!.n)).toBe(20 * 5000);
      await expectVerifyOk();
      await expectProofIdentity();
    },
  );

  it.runIf(onServer)(
    'a reversal in flight when the run locks the approval (server): the run waits and lapses the balance with the returned amount',
    async () => {
      const { child, booked } = await endedChildWithBooking();
      let run: ReturnType<typeof runLapse> | undefined;
      // The reversal's own ledger steps, in a transaction held open until the run waits for its lock.
      await t.db.transaction(async (tx) => {
        const redemption = await ledger.lockRedemption(tx, { redemptionId: booked.id, providerId: null });
        const reversalId = `rev_inflight_${randomUUID()}`;
        await ledger.insertReversal(tx, {
          id: reversalId,
          redemption: redemption!,
          kind: 'void',
          reason: 'race',
          at: t.clock.now(),
          by: 'system',
        });
        await audit(tx, systemActor(), {
          action: 'redemption.reversed_by_city',
          entityType: 'redemption',
          entityId: booked.id,
          data: { reversalId, kind: 'void', amountCents: 2000, approvalId: child.approval.id, providerId: provider.id },
        });
        run = runLapse(t.db, { asOf: '2026-11-20', triggeredBy: 'test' }, systemActor(), t.clock);
        await expect
          .poll(
            async () =>
              (
                await queryRows<{ n: number }>(
                  t.db,
                  sql`select count(*)::int as n from pg_stat_activity
                      where datname = current_database() and wait_event_type = 'Lock'
                        and query like '%for update of a%'`,
                )
              )[0]?.n,
            { timeout: 10_000 },
          )
          .toBe(1);
      });
      const result = await run!;
      expect(result.lapsedCents).toBeGreaterThanOrEqual(5000);
      const [after] = await t.db.select().from(approvals).where(eq(approvals.id, child.approval.id));
      expect(after!.remainingCents).toBe(0);
      const lapses = await t.db.select().from(approvalLapses).where(eq(approvalLapses.approvalId, child.approval.id));
      expect(lapses.map((l) => [l.kind, l.amountCents])).toEqual([['remainder', 5000]]);
      await expectVerifyOk();
      await expectProofIdentity();
    },
  );

  it('a lapsed budget is closed: raising it is refused (approval_not_active), the balance stays 0', async () => {
    const child = await makeChildWithCard(t.db, t.keys, {
      benefitType: 'trip',
      budgetCents: 4000,
      costBearer: 'JOBCENTER',
      validFrom: '2025-05-01',
      validTo: '2025-05-31',
    });
    await lapseRun('2026-11-20');
    const res = await t.call('PATCH', `/api/v1/approvals/${child.approval.id}`, {
      token: caseworker.token,
      body: { amountCents: 9000 },
    });
    expectProblem(res, 409, 'approval_not_active');
    expect(await approvalOf(child.approval.id)).toMatchObject({
      budgetCents: 4000,
      remainingCents: 0,
      lapsedCents: 4000,
    });
    await expectVerifyOk();
  });

  it('verify finds a lapse that is not in the balance', async () => {
    const child = await makeChildWithCard(t.db, t.keys, { validFrom: '2025-01-01', validTo: '2025-06-30' });
    await lapseRun('2026-11-20');
    await t.db.update(approvals).set({ remainingCents: 100 }).where(eq(approvals.id, child.approval.id));
    const report = await sealAndVerify(t.db);
    const failed = report.checks.filter((c) => c.violations > 0).map((c) => c.name);
    expect(failed).toEqual(expect.arrayContaining(['budget_balance', 'lapse_consistency']));
    await t.db.update(approvals).set({ remainingCents: 0 }).where(eq(approvals.id, child.approval.id));
    await expectVerifyOk();
  });

  it('the report shows lapsed budgets per month, benefit type and legal basis (JSON and CSV), from the ledger', async () => {
    await makeChildWithCard(t.db, t.keys, {
      benefitType: 'trip',
      legalBasis: 'BKGG_KIZ',
      costBearer: null,
      budgetCents: 7300,
      validFrom: '2025-03-01',
      validTo: '2025-03-31',
    });
    await lapseRun('2026-11-20');
    const res = await t.call('GET', '/api/v1/reports/lapsed?from=2026-11-01&to=2026-11-30', { token: acc.token });
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json();
    expect(report.items).toContainEqual({
      month: '2026-11',
      benefitType: 'trip',
      legalBasis: 'BKGG_KIZ',
      costBearer: null,
      approvals: 1,
      lapsedCents: 7300,
    });
    const [all] = await t.db
      .select({ n: sql<string>`sum(${approvalLapses.amountCents})::bigint` })
      .from(approvalLapses);
    expect(report.totalCents).toBe(Number(all!.n));
    const csv = await t.call('GET', '/api/v1/reports/lapsed?from=2026-11-01&to=2026-11-30&format=csv', {
      token: acc.token,
    });
    expect(csv.body).toContain('Monat;Leistungsart;Rechtskreis;Kostenträger;Bewilligungen;Verfallen');
    // German names by default (as every report CSV), the codes with codes=true.
    expect(csv.body).toContain('2026-11;Ausflug / Klassenfahrt;BKGG (Kinderzuschlag);;1;73,00');
    const coded = await t.call('GET', '/api/v1/reports/lapsed?from=2026-11-01&to=2026-11-30&format=csv&codes=true', {
      token: acc.token,
    });
    expect(coded.body).toContain('2026-11;trip;BKGG_KIZ;;1;73,00');
    const october = await t.call('GET', '/api/v1/reports/lapsed?from=2026-10-01&to=2026-10-31', { token: acc.token });
    expect(october.json()).toMatchObject({ items: [], totalCents: 0 });
    // The period proof counts the lapse in the period it happened in, per legal basis, from the same entries.
    const proof = async (from: string, to: string) =>
      (await t.call('GET', `/api/v1/reports/period-proof?from=${from}&to=${to}`, { token: acc.token })).json().payload;
    expect((await proof('2026-10-01', '2026-10-31')).lapsedCents).toBe(0);
    const november = await proof('2026-11-01', '2026-11-30');
    expect(periodProofErrors(november)).toEqual([]);
    expect(november.lapsedCents).toBe(report.totalCents);
    const kiz = november.byLegalBasis.find((r: { legalBasis: string }) => r.legalBasis === 'BKGG_KIZ');
    expect(kiz.lapsedCents).toBe(7300);
  });
});
