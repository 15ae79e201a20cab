import { addDays, fixedClock, newId } from '@tk/core';
import {
  approvals,
  counters,
  LOCK_KEYS,
  queryRows,
  redemptions,
  settlementBatches,
  settlementLines,
  settlementRuns,
} from '@tk/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyInvariants } from '../src/modules/admin/verify.service.ts';
import { runSettlement } from '../src/modules/settlement/settlement.run.ts';
import { makeChildWithCard, makeCorrection, makeProvider, makeRedemption, makeReversal } from './factories.ts';
import { createTestContext, expectProblem, onServer, type TestContext } from './support.ts';

let t: TestContext;
let accounting: { id: string; token: string };

beforeAll(async () => {
  t = await createTestContext();
  accounting = await t.user('accounting');
});
afterAll(() => t.close());

type Provider = Awaited<ReturnType<typeof makeProvider>>;
type Child = Awaited<ReturnType<typeof makeChildWithCard>>;

const child = () => makeChildWithCard(t.db, t.keys, { budgetCents: 1_000_000 });
const book = (provider: Provider, c: Child, amountCents: number, bookedAt: string, serviceDate = '2026-11-02') =>
  makeRedemption(t.db, {
    providerId: provider.id,
    approvalId: c.approval.id,
    beneficiaryId: c.beneficiary.id,
    cardId: c.card.id,
    amountCents,
    serviceDate,
    bookedAt: new Date(bookedAt),
  });
/** A run as the nightly job does it: at 02:00 Berlin on the cutoff date. */
const settle = (cutoffDate: string) =>
  runSettlement(t.db, { cutoffDate, triggeredBy: 'test' }, fixedClock(`${cutoffDate}T01:00:00Z`));

/** The ledger invariants every test ends with. */
async function expectLedgerReconciles() {
  const [state] = await queryRows<Record<string, number>>(
    t.db,
    sql`select
      (select count(*) from (select redemption_id from settlement_lines where redemption_id is not null
         group by redemption_id having count(*) > 1) d)::int as unlined,
      (select count(*) from settlement_lines l where l.redemption_id is not null
         and not exists (select 1 from redemptions r where r.id = l.redemption_id))::int as mismatched,
      (select count(*) from redemptions r join redemption_reversals v on v.redemption_id = r.id
         where v.kind = 'void' and exists (select 1 from settlement_lines l where l.redemption_id = r.id))::int as voided_but_settled,
      (select count(*) from settlement_batches b where b.total_cents <>
         coalesce((select sum(amount_cents) from settlement_lines l where l.batch_id = b.id), 0)
         or b.line_count <> (select count(*) from settlement_lines l where l.batch_id = b.id))::int as bad_totals,
      (select coalesce(sum(r.amount_cents), 0) from redemptions r
         where exists (select 1 from settlement_lines l where l.redemption_id = r.id))::bigint as settled_bookings,
      (select coalesce(sum(amount_cents), 0) from redemption_reversals where kind = 'correction' and batch_id is not null)::bigint as settled_corrections,
      (select coalesce(sum(total_cents), 0) from settlement_batches b where b.status <> 'carried_forward'
         or not exists (select 1 from settlement_lines l where l.carried_from_batch_id = b.id))::bigint as outstanding`,
  );
  expect(state).toMatchObject({ unlined: 0, mismatched: 0, voided_but_settled: 0, bad_totals: 0 });
  // Money balances to the cent: what the batches owe = bookings − corrections (voids were never settled).
  expect(Number(state!.outstanding)).toBe(Number(state!.settled_bookings) - Number(state!.settled_corrections));
}

describe('runSettlement: exactly once', () => {
  it('interleaved bookings and runs: every redemption lands in exactly one batch and totals reconcile', async () => {
    const a = await makeProvider(t.db);
    const b = await makeProvider(t.db);
    const kids = [await child(), await child(), await child()];
    const early = [
      await book(a, kids[0]!, 1500, '2026-11-18T10:00:00+01:00'),
      await book(a, kids[1]!, 2500, '2026-11-18T23:59:59+01:00'),
      await book(b, kids[2]!, 700, '2026-11-17T08:00:00+01:00'),
    ];
    const notYet = await book(a, kids[0]!, 900, '2026-11-19T00:00:00+01:00');
    const voided = await book(b, kids[1]!, 4000, '2026-11-18T09:00:00+01:00');
    await makeReversal(t.db, voided, { reversedAt: new Date('2026-11-18T09:05:00+01:00') });

    const first = await settle('2026-11-19');
    expect(first.batchCount).toBe(2);
    expect(first.totalCents).toBe(1500 + 2500 + 700);
    const batches = await t.db.select().from(settlementBatches).where(eq(settlementBatches.runId, first.id));
    expect(batches.map((x) => [x.providerId, x.totalCents, x.lineCount, x.status]).sort()).toEqual(
      [
        [a.id, 4000, 2, 'open'],
        [b.id, 700, 1, 'open'],
      ].sort(),
    );
    for (const r of early) {
      const line = await t.db.select().from(settlementLines).where(eq(settlementLines.redemptionId, r.id));
      expect(line).toHaveLength(1);
    }

    // A booking with an old timestamp that commits late is simply settled by the next run.
    const late = await book(b, kids[2]!, 300, '2026-11-18T12:00:00+01:00');
    const again = await settle('2026-11-19');
    expect(again).toMatchObject({ batchCount: 1, totalCents: 300 });
    const third = await settle('2026-11-20');
    expect(third).toMatchObject({ batchCount: 1, totalCents: 900 });

    const lines = await t.db.select().from(settlementLines);
    for (const r of [...early, late, notYet]) {
      expect(lines.filter((l) => l.redemptionId === r.id)).toHaveLength(1);
    }
    expect(lines.filter((l) => l.redemptionId === voided.id)).toHaveLength(0);
    await expectLedgerReconciles();
  });

  it('the same cutoff again creates nothing (the run records 0)', async () => {
    const p = await makeProvider(t.db);
    const c = await child();
    await book(p, c, 1234, '2026-11-10T12:00:00+01:00');
    const first = await settle('2026-11-20');
    expect(first.batchCount).toBeGreaterThanOrEqual(1);
    const before = await t.db.$count(settlementBatches);
    const rerun = await settle('2026-11-20');
    expect(rerun).toMatchObject({ batchCount: 0, totalCents: 0 });
    expect(await t.db.$count(settlementBatches)).toBe(before);
    const [runRow] = await t.db.select().from(settlementRuns).where(eq(settlementRuns.id, rerun.id));
    expect(runRow).toMatchObject({ status: 'completed', batchCount: 0 });
    await expectLedgerReconciles();
  });

  it('batch numbers are readable, unique and gapless per year of the cutoff', async () => {
    const p1 = await makeProvider(t.db);
    const p2 = await makeProvider(t.db);
    const c = await child();
    await book(p1, c, 100, '2027-12-30T10:00:00+01:00');
    await book(p2, c, 100, '2027-12-30T11:00:00+01:00');
    await settle('2027-12-31');
    await book(p1, c, 100, '2028-01-01T10:00:00+01:00');
    await settle('2028-01-02');
    const numbers = (await t.db.select({ n: settlementBatches.number }).from(settlementBatches)).map((r) => r.n);
    expect(numbers).toEqual(expect.arrayContaining(['ABR-2027-000001', 'ABR-2027-000002', 'ABR-2028-000001']));
    const y2026 = numbers.filter((n) => n.startsWith('ABR-2026-')).sort();
    expect(y2026).toEqual(y2026.map((_, i) => `ABR-2026-${String(i + 1).padStart(6, '0')}`));
  });

  it('lines carry redemption id, pseudonymous card reference, service date, benefit, legal basis and cost bearer — no names', async () => {
    const p = await makeProvider(t.db);
    const c = await makeChildWithCard(
      t.db,
      t.keys,
      { budgetCents: 50_000, legalBasis: 'BKGG_KIZ', costBearer: 'SOZIALAMT' },
      { givenName: 'Zoe', familyName: 'Unverwechselbar' },
    );
    const r = await book(p, c, 1800, '2026-11-05T10:00:00+01:00', '2026-11-04');
    const run = await settle('2026-11-20');
    const [line] = await t.db.select().from(settlementLines).where(eq(settlementLines.redemptionId, r.id));
    expect(line).toMatchObject({
      kind: 'redemption',
      cardRef: `…${c.card.cardNumber.slice(-4)}`,
      serviceDate: '2026-11-04',
      benefitType: 'participation',
      legalBasis: 'BKGG_KIZ',
      costBearer: 'SOZIALAMT',
      amountCents: 1800,
    });
    const res = await t.call('GET', `/api/v1/settlements/batches/${line!.batchId}`, { token: accounting.token });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toMatch(/Zoe|Unverwechselbar|\d{16}/);
    expect(run.batchCount).toBeGreaterThan(0);
  });
});

describe('corrections and carry forward', () => {
  it('a reversal after settlement is a negative line in the next batch; the settled batch is not edited', async () => {
    const p = await makeProvider(t.db);
    const c = await child();
    const r = await book(p, c, 2000, '2026-11-01T10:00:00+01:00');
    const other = await book(p, c, 500, '2026-11-01T11:00:00+01:00');
    await settle('2026-11-02');
    const [settled] = await t.db.select().from(redemptions).where(eq(redemptions.id, r.id));
    const [settledLine] = await t.db.select().from(settlementLines).where(eq(settlementLines.redemptionId, r.id));
    const [firstBatch] = await t.db
      .select()
      .from(settlementBatches)
      .where(eq(settlementBatches.id, settledLine!.batchId));
    expect(firstBatch!.totalCents).toBe(2500);

    await makeCorrection(t.db, settled!, { reversedAt: new Date('2026-11-03T09:00:00+01:00') });
    await book(p, c, 1000, '2026-11-03T10:00:00+01:00');
    await settle('2026-11-04');
    const [again] = await t.db.select().from(settlementBatches).where(eq(settlementBatches.id, firstBatch!.id));
    expect(again!.totalCents).toBe(2500);
    const next = (await t.db.select().from(settlementBatches).where(eq(settlementBatches.providerId, p.id))).find(
      (b) => b.id !== firstBatch!.id,
    );
    expect(next).toMatchObject({ totalCents: -1000, status: 'carried_forward', lineCount: 2 });
    const lines = await t.db.select().from(settlementLines).where(eq(settlementLines.batchId, next!.id));
    expect(lines.find((l) => l.kind === 'correction')).toMatchObject({ amountCents: -2000, serviceDate: '2026-11-02' });
    expect(other.id).toBeTruthy();

    // Negative net total: carried forward into the provider's next batch, exactly once.
    await book(p, c, 3000, '2026-11-05T10:00:00+01:00');
    await settle('2026-11-06');
    const latest = (await t.db.select().from(settlementBatches).where(eq(settlementBatches.providerId, p.id))).sort(
      (x, y) => x.number.localeCompare(y.number),
    );
    const third = latest.at(-1)!;
    expect(third).toMatchObject({ totalCents: 2000, status: 'open', lineCount: 2 });
    const carry = await t.db.select().from(settlementLines).where(eq(settlementLines.batchId, third.id));
    expect(carry.find((l) => l.kind === 'carry_forward')).toMatchObject({
      carriedFromBatchId: next!.id,
      amountCents: -1000,
    });
    await book(p, c, 100, '2026-11-07T10:00:00+01:00');
    await settle('2026-11-08');
    expect(await t.db.$count(settlementLines, eq(settlementLines.carriedFromBatchId, next!.id))).toBe(1);
    await expectLedgerReconciles();
  });

  it('a provider with only an old carry forward and nothing new gets no batch', async () => {
    const p = await makeProvider(t.db);
    const c = await child();
    const r = await book(p, c, 800, '2026-10-01T10:00:00+02:00');
    await settle('2026-10-02');
    const [settled] = await t.db.select().from(redemptions).where(eq(redemptions.id, r.id));
    await makeCorrection(t.db, settled!, { reversedAt: new Date('2026-10-05T10:00:00+02:00') });
    await settle('2026-10-06');
    const count = await t.db.$count(settlementBatches, eq(settlementBatches.providerId, p.id));
    await settle('2026-10-20');
    expect(await t.db.$count(settlementBatches, eq(settlementBatches.providerId, p.id))).toBe(count);
  });
});

describe('batch sums (ADR 0037)', () => {
  it("each run writes its batches' sums with their lines, per kind, legal basis, cost bearer and benefit type", async () => {
    const p = await makeProvider(t.db);
    const sgb = await makeChildWithCard(t.db, t.keys, { budgetCents: 1_000_000, legalBasis: 'SGB_II' });
    const kiz = await makeChildWithCard(t.db, t.keys, { budgetCents: 1_000_000, legalBasis: 'BKGG_KIZ' });
    const first = await book(p, sgb, 1200, '2026-09-01T10:00:00+02:00', '2026-09-01');
    await book(p, sgb, 300, '2026-09-01T11:00:00+02:00', '2026-09-01');
    await book(p, kiz, 450, '2026-09-01T12:00:00+02:00', '2026-09-01');
    await settle('2026-09-02');
    const [settled] = await t.db.select().from(redemptions).where(eq(redemptions.id, first.id));
    await makeCorrection(t.db, settled!, { reversedAt: new Date('2026-09-03T09:00:00+02:00') });
    await book(p, kiz, 50, '2026-09-03T10:00:00+02:00', '2026-09-03');
    await settle('2026-09-04');

    const sums = await queryRows<Record<string, unknown>>(
      t.db,
      sql`select b.cutoff_date::text as cutoff, s.kind, s.legal_basis, s.cost_bearer, s.benefit_type,
                 s.line_count::int as lines, s.amount_cents::int as cents
          from settlement_batch_sums s join settlement_batches b on b.id = s.batch_id
          where b.provider_id = ${p.id} order by 1, 2 desc, 3`,
    );
    const group = { cost_bearer: 'JOBCENTER', benefit_type: 'participation' };
    expect(sums).toEqual([
      { cutoff: '2026-09-02', kind: 'redemption', legal_basis: 'BKGG_KIZ', ...group, lines: 1, cents: 450 },
      { cutoff: '2026-09-02', kind: 'redemption', legal_basis: 'SGB_II', ...group, lines: 2, cents: 1500 },
      { cutoff: '2026-09-04', kind: 'redemption', legal_basis: 'BKGG_KIZ', ...group, lines: 1, cents: 50 },
      { cutoff: '2026-09-04', kind: 'correction', legal_basis: 'SGB_II', ...group, lines: 1, cents: -1200 },
    ]);

    // pnpm verify holds them against the lines, and finds one changed behind the run's back.
    const sumViolations = async () =>
      (await verifyInvariants(t.db)).checks.find((c) => c.name === 'batch_sums')!.violations;
    expect(await sumViolations()).toBe(0);
    await t.db.execute(
      sql`update settlement_batch_sums s set amount_cents = amount_cents + 1 from settlement_batches b
          where b.id = s.batch_id and b.provider_id = ${p.id} and s.kind = 'correction'`,
    );
    expect(await sumViolations()).toBe(1);
    await t.db.execute(
      sql`update settlement_batch_sums s set amount_cents = amount_cents - 1 from settlement_batches b
          where b.id = s.batch_id and b.provider_id = ${p.id} and s.kind = 'correction'`,
    );
    expect(await sumViolations()).toBe(0);
  });
});

describe('cutoff at midnight Europe/Berlin across DST', () => {
  it.each([
    ['2026-03-29', '2026-03-28T23:30:00+01:00', '2026-03-29T00:30:00+01:00'],
    ['2026-03-30', '2026-03-29T23:30:00+02:00', '2026-03-30T00:30:00+02:00'],
    ['2026-10-25', '2026-10-24T23:30:00+02:00', '2026-10-25T00:30:00+02:00'],
    ['2026-10-26', '2026-10-25T23:30:00+01:00', '2026-10-26T00:30:00+01:00'],
  ])('cutoff %s: 23:30 local the night before is in, 00:30 local is out', async (cutoff, before, after) => {
    const p = await makeProvider(t.db);
    const c = await child();
    const inside = await book(p, c, 111, before);
    const outside = await book(p, c, 222, after);
    // Only this provider's rows are pending before this cutoff except older test data, which is fine.
    await settle(cutoff);
    expect(await t.db.$count(settlementLines, eq(settlementLines.redemptionId, inside.id))).toBe(1);
    expect(await t.db.$count(settlementLines, eq(settlementLines.redemptionId, outside.id))).toBe(0);
    await settle(addDays(cutoff, 2));
  });
});

describe('crash safety', () => {
  it('a failure at the last step leaves no half-built batch; the rerun equals an uninterrupted run', async () => {
    const p1 = await makeProvider(t.db);
    const p2 = await makeProvider(t.db);
    const c = await child();
    await book(p1, c, 1111, '2026-11-25T10:00:00+01:00');
    await book(p2, c, 2222, '2026-11-25T11:00:00+01:00');
    const snapshot = async () => ({
      batches: await t.db.$count(settlementBatches),
      lines: await t.db.$count(settlementLines),
      runs: await t.db.$count(settlementRuns),
      unsettled: await t.db.$count(
        redemptions,
        sql`not exists (select 1 from settlement_lines l where l.redemption_id = ${redemptions.id})`,
      ),
      counters: await t.db.select().from(counters),
    });
    const before = await snapshot();
    // A deliberately failing statement: completing the run row raises, after batches and lines exist.
    await t.database.query(`create or replace function tk_test_fail() returns trigger language plpgsql as $$
      begin raise exception 'injected failure'; end $$`);
    await t.database.query(
      `create trigger tk_test_fail before update on settlement_runs for each row execute function tk_test_fail()`,
    );
    await expect(settle('2026-11-26')).rejects.toThrow();
    expect(await snapshot()).toEqual(before);

    await t.database.query('drop trigger tk_test_fail on settlement_runs');
    const rerun = await settle('2026-11-26');
    expect(rerun.batchCount).toBe(2);
    expect(rerun.totalCents).toBe(3333);
    const numbers = (await t.db.select().from(settlementBatches).where(eq(settlementBatches.runId, rerun.id)))
      .map((b) => Number(b.number.slice(-6)))
      .sort((a, b) => a - b);
    const lastBefore = before.counters.find((x) => x.name === 'settlement_batch:2026')?.value ?? 0;
    expect(numbers).toEqual([lastBefore + 1, lastBefore + 2]);
    await expectLedgerReconciles();
  });
});

describe.runIf(onServer)('concurrent runs (PostgreSQL server)', () => {
  it('two runs started at once produce one set of batches', async () => {
    const providers = await Promise.all([makeProvider(t.db), makeProvider(t.db), makeProvider(t.db)]);
    const c = await child();
    for (const [i, p] of providers.entries()) {
      for (let k = 0; k < 20; k++) await book(p, c, 100 + i, '2026-12-01T10:00:00+01:00');
    }
    const [x, y] = await Promise.all([settle('2026-12-02'), settle('2026-12-02')]);
    expect([x.batchCount, y.batchCount].sort()).toEqual([0, 3]);
    expect(x.totalCents + y.totalCents).toBe(20 * (100 + 101 + 102));
    await expectLedgerReconciles();
  });
});

describe.runIf(onServer)('the run window (PostgreSQL server, ADR 0031)', () => {
  it('a booking whose transaction is still open while a run claims is settled by the next run', async () => {
    const p = await makeProvider(t.db);
    const c = await child();
    await book(p, c, 100, '2026-12-03T10:00:00+01:00');
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let wrote!: () => void;
    const written = new Promise<void>((r) => {
      wrote = r;
    });
    // Booked before the cutoff, committed only after the first run: that run cannot see it.
    const open = t.db.transaction(async (tx) => {
      await makeRedemption(tx, {
        providerId: p.id,
        approvalId: c.approval.id,
        beneficiaryId: c.beneficiary.id,
        cardId: c.card.id,
        amountCents: 250,
        serviceDate: '2026-12-03',
        bookedAt: new Date('2026-12-03T11:00:00+01:00'),
      });
      wrote();
      await gate;
    });
    await written;
    const first = await settle('2026-12-04');
    expect(first.totalCents).toBe(100);
    release();
    await open;
    const second = await settle('2026-12-04');
    expect(second).toMatchObject({ batchCount: 1, totalCents: 250 });
    expect(await settle('2026-12-04')).toMatchObject({ batchCount: 0 });
    await expectLedgerReconciles();
  });
});

describe.runIf(onServer)('reversals during a run (PostgreSQL server, ADR 0031)', () => {
  it('a reversal while a run holds its lock waits, then sees the line and becomes a correction', async () => {
    const p = await makeProvider(t.db);
    const c = await child();
    const r = await book(p, c, 700, '2026-12-05T10:00:00+01:00');
    // (the factory writes the redemption only; the booking path also debits the approval)
    await t.db
      .update(approvals)
      .set({ remainingCents: sql`${approvals.remainingCents} - 700` })
      .where(eq(approvals.id, c.approval.id));
    let release!: () => void;
    const gate = new Promise<void>((res) => {
      release = res;
    });
    let locked!: () => void;
    const holding = new Promise<void>((res) => {
      locked = res;
    });
    // A run caught in the middle: it holds the run lock and has written the line, not yet committed.
    const run = t.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${LOCK_KEYS.settlementRun})`);
      const runId = newId('run');
      await tx.insert(settlementRuns).values({ id: runId, cutoffDate: '2026-12-06', triggeredBy: 'test' });
      const batchId = newId('batch');
      await tx.insert(settlementBatches).values({
        id: batchId,
        number: batchId,
        runId,
        providerId: p.id,
        cutoffDate: '2026-12-06',
        totalCents: 700,
        lineCount: 1,
      });
      await tx.insert(settlementLines).values({ batchId, kind: 'redemption', redemptionId: r.id, amountCents: 700 });
      locked();
      await gate;
    });
    await holding;
    let answered = false;
    const reversal = t
      .call('POST', `/api/v1/settlements/redemptions/${r.id}/reverse`, {
        token: accounting.token,
        body: { reason: 'Doppelt abgerechnet' },
      })
      .then((res) => {
        answered = true;
        return res;
      });
    await new Promise((res) => setTimeout(res, 400));
    expect(answered).toBe(false);
    release();
    await run;
    const res = await reversal;
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ kind: 'correction' });
  });
});

describe('POST /settlements/runs', () => {
  it('accounting runs a settlement; default cutoff is today in Berlin', async () => {
    const p = await makeProvider(t.db);
    const c = await child();
    await book(p, c, 4200, '2026-11-19T22:00:00+01:00');
    const res = await t.call('POST', '/api/v1/settlements/runs', { token: accounting.token, body: {} });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ cutoffDate: '2026-11-20', status: 'completed' });
    expect(res.json().id).toMatch(/^run_/);
    const list = await t.call('GET', '/api/v1/settlements/runs', { token: accounting.token });
    expect(list.json().items[0].id).toBe(res.json().id);
  });

  it('422 for a cutoff after tomorrow, 400 for a malformed date, 401 and 403', async () => {
    expectProblem(
      await t.call('POST', '/api/v1/settlements/runs', { token: accounting.token, body: { cutoffDate: '2026-11-22' } }),
      422,
      'cutoff_date_invalid',
    );
    const ok = await t.call('POST', '/api/v1/settlements/runs', {
      token: accounting.token,
      body: { cutoffDate: '2026-11-21' },
    });
    expect(ok.statusCode).toBe(201);
    expectProblem(
      await t.call('POST', '/api/v1/settlements/runs', { token: accounting.token, body: { cutoffDate: '21.11.2026' } }),
      400,
      'validation_failed',
    );
    expectProblem(await t.call('POST', '/api/v1/settlements/runs', { body: {} }), 401, 'unauthenticated');
    const caseworker = await t.user('caseworker');
    expectProblem(
      await t.call('POST', '/api/v1/settlements/runs', { token: caseworker.token, body: {} }),
      403,
      'forbidden',
    );
  });
});
