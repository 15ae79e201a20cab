import { fixedClock } from '@tk/core';
import { settlementBatches } from '@tk/db';
import { parse } from 'csv-parse/sync';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSettlement } from '../src/modules/settlement/settlement.run.ts';
import { makeChildWithCard, makeProvider, makeRedemption } from './factories.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

let t: TestContext;
let acc1: { id: string; token: string };
let acc2: { id: string; token: string };

beforeAll(async () => {
  t = await createTestContext();
  acc1 = await t.user('accounting');
  acc2 = await t.user('accounting');
});
afterAll(() => t.close());

describe('reports without personal data', () => {
  it('reimbursement by payment date × legal basis × cost bearer, take-up per month, spend per provider', async () => {
    const provider = await makeProvider(t.db, { name: 'Sportverein Süd' });
    const sgb2 = await makeChildWithCard(
      t.db,
      t.keys,
      { legalBasis: 'SGB_II', costBearer: 'JOBCENTER' },
      { givenName: 'Geheim' },
    );
    const asyl = await makeChildWithCard(t.db, t.keys, { legalBasis: 'ASYLBLG', costBearer: 'SOZIALAMT' });
    await makeChildWithCard(t.db, t.keys, { legalBasis: 'SGB_II', costBearer: 'JOBCENTER' }); // approved, never books
    const book = (c: typeof sgb2, amountCents: number) =>
      makeRedemption(t.db, {
        providerId: provider.id,
        approvalId: c.approval.id,
        beneficiaryId: c.beneficiary.id,
        cardId: c.card.id,
        amountCents,
        serviceDate: '2026-11-05',
        bookedAt: new Date('2026-11-06T10:00:00+01:00'),
      });
    await book(sgb2, 1500);
    await book(sgb2, 500); // the same child twice: counted once
    await book(asyl, 1200);
    await runSettlement(t.db, { cutoffDate: '2026-11-10', triggeredBy: 'test' }, fixedClock('2026-11-10T01:00:00Z'));
    const [batch] = await t.db.select().from(settlementBatches).where(eq(settlementBatches.providerId, provider.id));
    await t.call('POST', `/api/v1/settlements/batches/${batch!.id}/certify`, { token: acc1.token });
    await t.call('POST', `/api/v1/settlements/batches/${batch!.id}/release`, { token: acc2.token });
    const file = await t.call('POST', '/api/v1/settlements/payment-files', {
      token: acc1.token,
      body: { batchIds: [batch!.id], executionDate: '2026-11-20' },
    });
    expect(file.statusCode).toBe(201);
    // Executed and paid on 2026-11-20 (the pinned clock: 10:00 Berlin).
    await t.call('POST', `/api/v1/settlements/payment-files/${file.json().id}/paid`, { token: acc1.token });

    const refund = await t.call('GET', '/api/v1/reports/reimbursement?from=2026-11-01&to=2026-11-30', {
      token: acc1.token,
    });
    expect(refund.statusCode).toBe(200);
    expect(refund.json().items).toEqual([
      {
        paymentDate: '2026-11-20',
        legalBasis: 'ASYLBLG',
        costBearer: 'SOZIALAMT',
        federalRefund: false,
        amountCents: 1200,
      },
      {
        paymentDate: '2026-11-20',
        legalBasis: 'SGB_II',
        costBearer: 'JOBCENTER',
        federalRefund: true,
        amountCents: 2000,
      },
    ]);
    expect(refund.json()).toMatchObject({ federalRefundCents: 2000, otherCents: 1200 });
    const before = await t.call('GET', '/api/v1/reports/reimbursement?from=2026-11-01&to=2026-11-19', {
      token: acc1.token,
    });
    expect(before.json().items).toEqual([]);

    const takeUp = await t.call('GET', '/api/v1/reports/take-up?from=2026-11-01&to=2026-11-30', { token: acc1.token });
    expect(takeUp.json().items).toEqual([
      {
        month: '2026-11',
        benefitType: 'participation',
        childrenWithBooking: 2,
        childrenWithApproval: 3,
        takeUpPercent: 66.7,
      },
    ]);

    const spend = await t.call('GET', '/api/v1/reports/provider-spend?from=2026-11-01&to=2026-11-30&format=csv', {
      token: acc1.token,
    });
    expect(spend.headers['content-type']).toContain('text/csv');
    const rows = parse(spend.body, { bom: true, delimiter: ';', columns: true });
    expect(rows).toEqual([
      {
        'Anbieter-ID': provider.id,
        Anbieter: 'Sportverein Süd',
        Leistungsart: 'Teilhabe',
        Buchungen: '3',
        Betrag: '32,00',
      },
    ]);
    // German names by default, the codes on request.
    const spendCodes = await t.call(
      'GET',
      '/api/v1/reports/provider-spend?from=2026-11-01&to=2026-11-30&format=csv&codes=true',
      { token: acc1.token },
    );
    expect(
      (parse(spendCodes.body, { bom: true, delimiter: ';', columns: true }) as Record<string, string>[])[0]!
        .Leistungsart,
    ).toBe('participation');
    const refundCsv = await t.call('GET', '/api/v1/reports/reimbursement?from=2026-11-01&to=2026-11-30&format=csv', {
      token: acc1.token,
    });
    expect(parse(refundCsv.body, { bom: true, delimiter: ';', columns: true })).toEqual([
      {
        Zahlungsdatum: '20.11.2026',
        Rechtskreis: 'AsylbLG',
        Kostenträger: 'Sozialamt der Stadt',
        Bundeserstattung: 'nein',
        Betrag: '12,00',
      },
      {
        Zahlungsdatum: '20.11.2026',
        Rechtskreis: 'SGB II',
        Kostenträger: 'Jobcenter',
        Bundeserstattung: 'ja',
        Betrag: '20,00',
      },
    ]);
    const takeUpCsv = await t.call('GET', '/api/v1/reports/take-up?from=2026-11-01&to=2026-11-30&format=csv', {
      token: acc1.token,
    });
    expect(
      (parse(takeUpCsv.body, { bom: true, delimiter: ';', columns: true }) as Record<string, string>[])[0]!
        .Leistungsart,
    ).toBe('Teilhabe');
    for (const res of [refund, takeUp, spend]) expect(res.body).not.toMatch(/Geheim|Muster|AZ-/);
  });

  it('a carried-forward amount counts under the legal bases of its original lines, through two carries', async () => {
    // Batch A (carried forward) is carried into B (carried forward), B into C (paid): C's reimbursement
    // shows C's own line and, by legal basis, the lines of B and of A, not the carry lines' amounts.
    const p = await makeProvider(t.db);
    const run = `run_${p.id}`;
    await t.db.execute(sql`insert into settlement_runs (id, cutoff_date, status, triggered_by, started_at)
      values (${run}, '2025-09-01', 'completed', 'test', now())`);
    const batch = (id: string, status: string, paidOn: string | null) =>
      t.db.execute(sql`insert into settlement_batches (id, number, run_id, provider_id, cutoff_date, total_cents,
          line_count, status, paid_at, paid_on)
        values (${id}, ${`ABR-${id}`}, ${run}, ${p.id}, '2025-09-01', 0, 0, ${status},
          ${paidOn ? sql`${paidOn}::date::timestamptz` : null}, ${paidOn}::date)`);
    const [a, b, c] = [`stl_a_${p.id}`, `stl_b_${p.id}`, `stl_c_${p.id}`];
    await batch(a, 'carried_forward', null);
    await batch(b, 'carried_forward', null);
    await batch(c, 'paid', '2025-09-10');
    // Each line with its batch sum, as the nightly run writes them (ADR 0037); carry-forward lines have none.
    const line = async (
      batchId: string,
      kind: string,
      legalBasis: string | null,
      amountCents: number,
      from?: string,
    ) => {
      await t.db.execute(sql`insert into settlement_lines (batch_id, kind, redemption_id, reversal_id, carried_from_batch_id,
          legal_basis, cost_bearer, benefit_type, amount_cents)
        values (${batchId}, ${kind}, ${kind === 'redemption' ? `rdm_${batchId}_${amountCents}` : null},
          ${kind === 'correction' ? `rev_${batchId}_${amountCents}` : null}, ${from ?? null},
          ${legalBasis}, ${legalBasis ? 'JOBCENTER' : null}, ${legalBasis ? 'participation' : null}, ${amountCents})`);
      if (kind !== 'carry_forward')
        await t.db.execute(sql`insert into settlement_batch_sums (batch_id, kind, legal_basis, cost_bearer, benefit_type,
            line_count, amount_cents) values (${batchId}, ${kind}, ${legalBasis}, 'JOBCENTER', 'participation', 1, ${amountCents})`);
    };
    await line(a, 'redemption', 'BKGG_KIZ', 200);
    await line(a, 'correction', 'SGB_II', -700);
    await line(b, 'correction', 'ASYLBLG', -500);
    await line(b, 'carry_forward', null, -500, a);
    await line(c, 'redemption', 'SGB_II', 3000);
    await line(c, 'carry_forward', null, -1000, b);

    const refund = await t.call('GET', '/api/v1/reports/reimbursement?from=2025-09-01&to=2025-09-30', {
      token: acc1.token,
    });
    expect(refund.statusCode).toBe(200);
    expect(
      refund.json().items.map((i: { legalBasis: string; amountCents: number }) => [i.legalBasis, i.amountCents]),
    ).toEqual([
      ['ASYLBLG', -500],
      ['BKGG_KIZ', 200],
      ['SGB_II', 2300],
    ]);
    expect(refund.json()).toMatchObject({ federalRefundCents: 2500, otherCents: -500 });
  });

  it('400 for a reversed range, 403 for provider users', async () => {
    expectProblem(
      await t.call('GET', '/api/v1/reports/take-up?from=2026-12-01&to=2026-11-01', { token: acc1.token }),
      400,
      'validation_failed',
    );
    const provider = await makeProvider(t.db);
    const staff = await t.user('provider_admin', provider.id);
    expectProblem(
      await t.call('GET', '/api/v1/reports/provider-spend?from=2026-11-01&to=2026-11-30', { token: staff.token }),
      403,
      'forbidden',
    );
  });
});
