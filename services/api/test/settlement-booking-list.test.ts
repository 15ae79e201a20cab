import { fixedClock } from '@tk/core';
import { auditLog, bookingListConfigs, settlementBatches } from '@tk/db';
import { parse } from 'csv-parse/sync';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSettlement } from '../src/modules/settlement/settlement.run.ts';
import { makeChildWithCard, makeProvider, makeRedemption } from './factories.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

/** The booking list's column mapping: set by accounting, versioned and audited, applied to every later file. */

let t: TestContext;
type User = { id: string; username: string; token: string };
let acc1: User;
let acc2: User;

beforeAll(async () => {
  t = await createTestContext();
  acc1 = await t.user('accounting');
  acc2 = await t.user('accounting');
});
afterAll(() => t.close());

const CONFIG = '/api/v1/settlements/booking-list-config';

/** One provider, a SGB II (Jobcenter) and an AsylbLG (Sozialamt) booking, settled, released, in a payment file. */
async function paymentFile(): Promise<{ id: string; totalCents: number }> {
  const provider = await makeProvider(t.db, { bic: 'COBADEFFXXX' });
  const children = [
    await makeChildWithCard(t.db, t.keys, { budgetCents: 50_000, legalBasis: 'SGB_II', costBearer: 'JOBCENTER' }),
    await makeChildWithCard(t.db, t.keys, { budgetCents: 50_000, legalBasis: 'ASYLBLG', costBearer: 'SOZIALAMT' }),
  ];
  for (const [i, c] of children.entries()) {
    await makeRedemption(t.db, {
      providerId: provider.id,
      approvalId: c.approval.id,
      beneficiaryId: c.beneficiary.id,
      cardId: c.card.id,
      amountCents: 1000 * (i + 1),
      serviceDate: '2026-11-16',
      bookedAt: new Date('2026-11-19T10:00:00+01:00'),
    });
  }
  await runSettlement(t.db, { cutoffDate: '2026-11-20', triggeredBy: 'test' }, fixedClock('2026-11-20T01:00:00Z'));
  const [batch] = await t.db.select().from(settlementBatches).where(eq(settlementBatches.providerId, provider.id));
  await t.call('POST', `/api/v1/settlements/batches/${batch!.id}/certify`, { token: acc1.token });
  await t.call('POST', `/api/v1/settlements/batches/${batch!.id}/release`, { token: acc2.token });
  const file = await t.call('POST', '/api/v1/settlements/payment-files', {
    token: acc1.token,
    body: { batchIds: [batch!.id] },
  });
  expect(file.statusCode).toBe(201);
  return file.json();
}

async function bookings(fileId: string, query = '') {
  const res = await t.call('GET', `/api/v1/settlements/payment-files/${fileId}/bookings.csv${query}`, {
    token: acc1.token,
  });
  expect(res.statusCode).toBe(200);
  return {
    body: res.body,
    rows: parse(res.body, { bom: true, delimiter: ';', columns: true }) as Record<string, string>[],
  };
}

describe('booking list layout', () => {
  it('before anything is saved: the built-in layout (version 0) with German names, codes on request', async () => {
    const config = await t.call('GET', CONFIG, { token: acc1.token });
    expect(config.statusCode).toBe(200);
    expect(config.json()).toMatchObject({ version: 0, savedAt: null });
    expect(config.json().columns.map((c: { header: string }) => c.header)).toEqual([
      'Zahllauf',
      'Ausführungsdatum',
      'Abrechnung',
      'Anbieter-ID',
      'Anbieter',
      'Rechtskreis',
      'Kostenträger',
      'Leistungsart',
      'Kostenstelle',
      'Sachkonto',
      'Zeitraum von',
      'Zeitraum bis',
      'Betrag',
    ]);
    expect(config.json().accounts).toContainEqual({
      legalBasis: 'SGB_II',
      costBearer: '*',
      benefitType: '*',
      costCentre: '31210',
      account: '533100',
    });
    const file = await paymentFile();
    const named = (await bookings(file.id)).rows;
    expect(named.map((r) => [r.Rechtskreis, r.Kostenträger, r.Leistungsart])).toEqual([
      ['AsylbLG', 'Sozialamt der Stadt', 'Teilhabe'],
      ['SGB II', 'Jobcenter', 'Teilhabe'],
    ]);
    const coded = (await bookings(file.id, '?codes=true')).rows;
    expect(coded.map((r) => [r.Rechtskreis, r.Kostenträger, r.Leistungsart])).toEqual([
      ['ASYLBLG', 'SOZIALAMT', 'participation'],
      ['SGB_II', 'JOBCENTER', 'participation'],
    ]);
  });

  it('unknown or repeated columns, unknown cost bearers and repeated mapping rows → 400 problem+json; other roles 403', async () => {
    const accounts = [{ legalBasis: 'SGB_II', costBearer: '*', benefitType: '*', costCentre: '1', account: '2' }];
    const unknown = expectProblem(
      await t.call('PUT', CONFIG, { token: acc1.token, body: { columns: [{ key: 'childName' }], accounts } }),
      400,
      'validation_failed',
    );
    expect(JSON.stringify(unknown.errors)).toContain('/columns/0/key');
    expectProblem(
      await t.call('PUT', CONFIG, {
        token: acc1.token,
        body: { columns: [{ key: 'amount' }, { key: 'amount', header: 'Nochmal' }], accounts },
      }),
      400,
      'validation_failed',
    );
    expectProblem(
      await t.call('PUT', CONFIG, { token: acc1.token, body: { columns: [], accounts } }),
      400,
      'validation_failed',
    );
    const bearer = expectProblem(
      await t.call('PUT', CONFIG, {
        token: acc1.token,
        body: { columns: [{ key: 'amount' }], accounts: [{ ...accounts[0], costBearer: 'NIEMAND' }] },
      }),
      400,
      'validation_failed',
    );
    expect(bearer.errors).toEqual([{ pointer: '/accounts/0/costBearer', detail: 'unknown cost bearer NIEMAND' }]);
    expectProblem(
      await t.call('PUT', CONFIG, {
        token: acc1.token,
        body: { columns: [{ key: 'amount' }], accounts: [accounts[0], { ...accounts[0], costCentre: '9' }] },
      }),
      400,
      'validation_failed',
    );
    const admin = await t.user('admin');
    expectProblem(
      await t.call('PUT', CONFIG, { token: admin.token, body: { columns: [{ key: 'amount' }], accounts } }),
      403,
      'forbidden',
    );
    expectProblem(await t.call('GET', CONFIG, { token: admin.token }), 403, 'forbidden');
    expect((await t.call('GET', CONFIG)).statusCode).toBe(401);
    // Nothing was saved.
    expect((await t.call('GET', CONFIG, { token: acc1.token })).json().version).toBe(0);
  });

  it('a saved layout (columns, order, headers, accounts) applies to every later file; versions are kept and audited', async () => {
    const body = {
      columns: [
        { key: 'costCentre', header: 'KST' },
        { key: 'account', header: 'Sachkonto' },
        { key: 'legalBasisCode' },
        { key: 'costBearer', header: 'Träger' },
        { key: 'benefitType', header: '=Leistung' },
        { key: 'amount', header: 'Betrag EUR' },
      ],
      accounts: [
        { legalBasis: 'SGB_II', costBearer: '*', benefitType: '*', costCentre: '1000', account: '4000' },
        {
          legalBasis: 'SGB_II',
          costBearer: 'JOBCENTER',
          benefitType: 'participation',
          costCentre: '1001',
          account: '4001',
        },
        { legalBasis: 'ASYLBLG', costBearer: '*', benefitType: '*', costCentre: '3000', account: '4300' },
      ],
    };
    const saved = await t.call('PUT', CONFIG, { token: acc1.token, body });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ version: 1, savedBy: acc1.id, savedByName: acc1.username });
    expect(saved.json().columns[2]).toEqual({ key: 'legalBasisCode', header: 'Rechtskreis-Code' });

    const file = await paymentFile();
    const { body: csv, rows } = await bookings(file.id);
    // The header row is exactly the saved layout; a header that looks like a formula is neutralised.
    expect(csv.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe(
      "KST;Sachkonto;Rechtskreis-Code;Träger;'=Leistung;Betrag EUR",
    );
    expect(rows).toEqual([
      {
        KST: '3000',
        Sachkonto: '4300',
        'Rechtskreis-Code': 'ASYLBLG',
        Träger: 'Sozialamt der Stadt',
        "'=Leistung": 'Teilhabe',
        'Betrag EUR': '20,00',
      },
      {
        KST: '1001',
        Sachkonto: '4001',
        'Rechtskreis-Code': 'SGB_II',
        Träger: 'Jobcenter',
        "'=Leistung": 'Teilhabe',
        'Betrag EUR': '10,00',
      },
    ]);
    const cents = (v: string) => Math.round(Number(v.replace(',', '.')) * 100);
    expect(rows.reduce((s, r) => s + cents(r['Betrag EUR']!), 0)).toBe(file.totalCents);

    // A second version by another user; both stay, the audit log names the change.
    const second = await t.call('PUT', CONFIG, {
      token: acc2.token,
      body: { columns: [{ key: 'batchNumber' }, { key: 'amount' }], accounts: body.accounts.slice(0, 1) },
    });
    expect(second.json()).toMatchObject({ version: 2, savedByName: acc2.username });
    expect((await bookings(file.id)).rows[0]).toEqual({ Abrechnung: expect.any(String), Betrag: '20,00' });
    const versions = await t.db.select().from(bookingListConfigs).orderBy(bookingListConfigs.version);
    expect(versions.map((v) => [v.version, v.createdBy])).toEqual([
      [1, acc1.id],
      [2, acc2.id],
    ]);
    const audits = await t.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'settlement.booking_list_config_saved'))
      .orderBy(auditLog.id);
    expect(audits.map((a) => a.actorId)).toEqual([acc1.id, acc2.id]);
    expect((audits[1]!.data as { previous: { version: number } }).previous.version).toBe(1);
    // History is append-only.
    await expect(
      t.db.execute(sql`update booking_list_configs set created_by = 'x' where version = 1`),
    ).rejects.toThrow();
  });
});
