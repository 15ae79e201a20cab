import { fixedClock, isBusinessDay, nextBusinessDay } from '@tk/core';
import { approvals, auditLog, providers, redemptions, settlementBatches } from '@tk/db';
import { parse } from 'csv-parse/sync';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSettlement } from '../src/modules/settlement/settlement.run.ts';
import { makeChildWithCard, makeCorrection, makeProvider, makeRedemption } from './factories.ts';
import { createTestContext, expectProblem, onServer, type TestContext } from './support.ts';
import { xsdErrors } from './xsd.ts';

let t: TestContext;
type User = { id: string; token: string };
let acc1: User;
let acc2: User;
let acc3: User;

beforeAll(async () => {
  t = await createTestContext();
  acc1 = await t.user('accounting');
  acc2 = await t.user('accounting');
  acc3 = await t.user('accounting');
});
afterAll(() => t.close());

const settle = (cutoffDate: string) =>
  runSettlement(t.db, { cutoffDate, triggeredBy: 'test' }, fixedClock(`${cutoffDate}T01:00:00Z`));

/** A provider with some bookings, settled: returns its open batch. */
async function providerWithBatch(
  over: Partial<typeof providers.$inferInsert> = {},
  amounts = [1250, 3000],
  approval: Partial<typeof approvals.$inferInsert> = {},
) {
  const provider = await makeProvider(t.db, {
    street: 'Vereinsweg 7',
    postalCode: '59065',
    town: 'Hamm',
    bic: 'COBADEFFXXX',
    ...over,
  });
  const c = await makeChildWithCard(t.db, t.keys, { budgetCents: 100_000, ...approval });
  const rows = [];
  for (const amountCents of amounts) {
    rows.push(
      await makeRedemption(t.db, {
        providerId: provider.id,
        approvalId: c.approval.id,
        beneficiaryId: c.beneficiary.id,
        cardId: c.card.id,
        amountCents,
        serviceDate: '2026-11-16',
        bookedAt: new Date('2026-11-19T10:00:00+01:00'),
      }),
    );
  }
  await settle('2026-11-20');
  const [batch] = await t.db.select().from(settlementBatches).where(eq(settlementBatches.providerId, provider.id));
  return { provider, batch: batch!, child: c, redemptions: rows };
}

const certify = (id: string, u: User) =>
  t.call('POST', `/api/v1/settlements/batches/${id}/certify`, { token: u.token });
const release = (id: string, u: User) =>
  t.call('POST', `/api/v1/settlements/batches/${id}/release`, { token: u.token });

async function releasedBatch(over: Partial<typeof providers.$inferInsert> = {}, amounts?: number[]) {
  const setup = await providerWithBatch(over, amounts);
  expect((await certify(setup.batch.id, acc1)).statusCode).toBe(200);
  expect((await release(setup.batch.id, acc2)).statusCode).toBe(200);
  return setup;
}

describe('four eyes', () => {
  it('one accounting user certifies, a different one releases; both are recorded and audited', async () => {
    const { batch } = await providerWithBatch();
    const c = await certify(batch.id, acc1);
    expect(c.statusCode).toBe(200);
    expect(c.json()).toMatchObject({ status: 'certified', certifiedBy: acc1.id });
    expect(c.json().certifiedAt).toBeTruthy();
    const r = await release(batch.id, acc2);
    expect(r.json()).toMatchObject({ status: 'released', releasedBy: acc2.id, certifiedBy: acc1.id });
    const audits = await t.db.select().from(auditLog).where(eq(auditLog.entityId, batch.id));
    expect(audits.map((a) => [a.action, a.actorId])).toEqual([
      ['settlement.batch_certified', acc1.id],
      ['settlement.batch_released', acc2.id],
    ]);
  });

  it('the certifier cannot release (409 four_eyes_required)', async () => {
    const { batch } = await providerWithBatch();
    await certify(batch.id, acc1);
    expectProblem(await release(batch.id, acc1), 409, 'four_eyes_required');
  });

  it("whoever changed the provider's bank data since its last payment cannot release it", async () => {
    const { batch, provider } = await providerWithBatch({ bankDataChangedBy: acc2.id, bankDataChangedAt: new Date() });
    await certify(batch.id, acc1);
    expectProblem(await release(batch.id, acc2), 409, 'four_eyes_required');
    expect((await release(batch.id, acc3)).statusCode).toBe(200);
    expect(provider.id).toBeTruthy();
  });

  it('a provider that is not approved cannot be released (409 provider_not_payable)', async () => {
    const { batch, provider } = await providerWithBatch();
    await certify(batch.id, acc1);
    await t.db.update(providers).set({ status: 'suspended' }).where(eq(providers.id, provider.id));
    expectProblem(await release(batch.id, acc2), 409, 'provider_not_payable');
  });

  it('bank data changed by the provider admin block the release until an admin approves them', async () => {
    const { batch, provider } = await providerWithBatch();
    await certify(batch.id, acc1);
    const providerAdmin = await t.user('provider_admin', provider.id);
    const changed = await t.call('PATCH', `/api/v1/providers/${provider.id}`, {
      token: providerAdmin.token,
      body: { iban: 'DE02120300000000202051', accountHolder: 'Neuer Kontoinhaber e.V.' },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ status: 'approved', bankDataApproved: false });
    expectProblem(await release(batch.id, acc2), 409, 'bank_data_unapproved');
    const admin = await t.user('admin');
    const approved = await t.call('POST', `/api/v1/providers/${provider.id}/approve`, { token: admin.token });
    expect(approved.json()).toMatchObject({ status: 'approved', bankDataApproved: true });
    expect((await release(batch.id, acc2)).statusCode).toBe(200);
  });

  it('wrong state → 409 invalid_batch_state; unknown batch → 404', async () => {
    const { batch } = await providerWithBatch();
    expectProblem(await release(batch.id, acc2), 409, 'invalid_batch_state');
    await certify(batch.id, acc1);
    expectProblem(await certify(batch.id, acc2), 409, 'invalid_batch_state');
    expectProblem(
      await t.call('POST', `/api/v1/settlements/batches/${batch.id}/paid`, { token: acc1.token }),
      409,
      'invalid_batch_state',
    );
    expectProblem(await certify('stl_nope', acc1), 404, 'batch_not_found');
    const admin = await t.user('admin');
    expectProblem(await certify(batch.id, admin), 403, 'forbidden');
  });
});

describe('tenancy', () => {
  it('a provider sees only its own batches and statements; another provider’s are 404', async () => {
    const mine = await providerWithBatch();
    const theirs = await providerWithBatch();
    const staff = await t.user('provider_staff', mine.provider.id);
    const list = await t.call('GET', `/api/v1/settlements/batches?providerId=${theirs.provider.id}`, {
      token: staff.token,
    });
    expect(list.statusCode).toBe(200);
    const items = list.json().items as { providerId: string }[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((b) => b.providerId === mine.provider.id)).toBe(true);
    const own = await t.call('GET', `/api/v1/settlements/batches/${mine.batch.id}`, { token: staff.token });
    expect(own.statusCode).toBe(200);
    expect(own.json().lines.every((l: { legalBasis: unknown }) => l.legalBasis === null)).toBe(true);
    expectProblem(
      await t.call('GET', `/api/v1/settlements/batches/${theirs.batch.id}`, { token: staff.token }),
      404,
      'batch_not_found',
    );
    expectProblem(
      await t.call('GET', `/api/v1/settlements/batches/${theirs.batch.id}/statement.pdf`, { token: staff.token }),
      404,
      'batch_not_found',
    );
    const pdf = await t.call('GET', `/api/v1/settlements/batches/${mine.batch.id}/statement.pdf`, {
      token: staff.token,
    });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('accounting lists all batches with filters; getBatch returns the lines with legal basis', async () => {
    const { batch, provider } = await providerWithBatch({}, [100, 200, 300]);
    const res = await t.call('GET', `/api/v1/settlements/batches?providerId=${provider.id}&status=open`, {
      token: acc1.token,
    });
    expect(res.json().items).toEqual([
      expect.objectContaining({ id: batch.id, number: batch.number, totalCents: 600, lineCount: 3, status: 'open' }),
    ]);
    const one = await t.call('GET', `/api/v1/settlements/batches/${batch.id}`, { token: acc1.token });
    expect(one.json().lines).toHaveLength(3);
    expect(one.json().lines[0]).toMatchObject({ kind: 'redemption', legalBasis: 'SGB_II', costBearer: 'JOBCENTER' });
    expectProblem(
      await t.call('GET', '/api/v1/settlements/batches?status=bogus', { token: acc1.token }),
      400,
      'validation_failed',
    );
  });
});

describe('SEPA payment file', () => {
  it('pain.001.001.09 from released batches validates against the ISO and EPC schemas; batches become exported', async () => {
    const a = await releasedBatch({ accountHolder: 'Turnverein Grün-Weiß Hamm e.V.' }, [1250, 3000, 5]);
    const b = await releasedBatch({ bic: null, street: null, postalCode: null }, [9999]);
    const res = await t.call('POST', '/api/v1/settlements/payment-files', {
      token: acc1.token,
      body: { batchIds: [a.batch.id, b.batch.id] },
    });
    expect(res.statusCode).toBe(201);
    const file = res.json();
    expect(file).toMatchObject({
      batchCount: 2,
      totalCents: 4255 + 9999,
      executionDate: nextBusinessDay('2026-11-20'),
    });
    expect(file.executionDate).toBe('2026-11-23');

    const xmlRes = await t.call('GET', `/api/v1/settlements/payment-files/${file.id}/sepa.xml`, { token: acc1.token });
    expect(xmlRes.statusCode).toBe(200);
    const xml = xmlRes.body;
    expect(xml).toContain('urn:iso:std:iso:20022:tech:xsd:pain.001.001.09');
    expect(xml.match(/<NbOfTxs>2<\/NbOfTxs>/g)).toHaveLength(2);
    expect(xml.match(/<CtrlSum>142.54<\/CtrlSum>/g)).toHaveLength(2);
    expect(xml).toContain(`<EndToEndId>${a.batch.number}</EndToEndId>`);
    expect(xml).toContain(`<Ustrd>Gutschrift ${a.batch.number} Teilhabekarte Musterstadt</Ustrd>`);
    expect(xml).toContain('<InstdAmt Ccy="EUR">42.55</InstdAmt>');
    expect(xml).toContain('<StrtNm>Vereinsweg 7</StrtNm><PstCd>59065</PstCd><TwnNm>Hamm</TwnNm><Ctry>DE</Ctry>');
    expect(xml).toContain('<ReqdExctnDt><Dt>2026-11-23</Dt></ReqdExctnDt>');
    expect(xml).toContain('<Nm>Stadtkasse Musterstadt</Nm>');
    expect(xml).toContain('Grün-Weiß');

    // The published ISO 20022 schema and its EPC (SEPA) restriction, both kept in the repository.
    expect(await xsdErrors(xml, 'pain.001.001.09.xsd')).toEqual([]);
    expect(await xsdErrors(xml, 'pain.001.001.09.epc.xsd')).toEqual([]);
    // …and the check can fail: a transfer without its EndToEndId is refused by both.
    const broken = xml.replace(/<EndToEndId>[^<]*<\/EndToEndId>/, '');
    expect(await xsdErrors(broken, 'pain.001.001.09.xsd')).not.toEqual([]);
    expect(await xsdErrors(broken, 'pain.001.001.09.epc.xsd')).not.toEqual([]);

    const after = await t.call('GET', `/api/v1/settlements/batches/${a.batch.id}`, { token: acc1.token });
    expect(after.json()).toMatchObject({ status: 'exported', paymentFileId: file.id });
  });

  it('a batch is never in two payment files; only released batches are accepted', async () => {
    const a = await releasedBatch();
    const first = await t.call('POST', '/api/v1/settlements/payment-files', {
      token: acc1.token,
      body: { batchIds: [a.batch.id] },
    });
    expect(first.statusCode).toBe(201);
    expectProblem(
      await t.call('POST', '/api/v1/settlements/payment-files', {
        token: acc2.token,
        body: { batchIds: [a.batch.id] },
      }),
      409,
      'invalid_batch_state',
    );
    const open = await providerWithBatch();
    expectProblem(
      await t.call('POST', '/api/v1/settlements/payment-files', {
        token: acc1.token,
        body: { batchIds: [open.batch.id] },
      }),
      409,
      'invalid_batch_state',
    );
    expectProblem(
      await t.call('POST', '/api/v1/settlements/payment-files', { token: acc1.token, body: { batchIds: ['stl_x'] } }),
      404,
      'batch_not_found',
    );
    expectProblem(
      await t.call('POST', '/api/v1/settlements/payment-files', {
        token: acc1.token,
        body: { batchIds: [open.batch.id], executionDate: '2026-11-21' },
      }),
      422,
      'execution_date_invalid',
    );
  });

  it.runIf(onServer)('two payment files for the same batch at once: exactly one succeeds', async () => {
    const a = await releasedBatch();
    const results = await Promise.all(
      [acc1, acc2].map((u) =>
        t.call('POST', '/api/v1/settlements/payment-files', { token: u.token, body: { batchIds: [a.batch.id] } }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
  });

  it('marking paid: per batch and per payment file', async () => {
    const a = await releasedBatch();
    const b = await releasedBatch();
    const file = (
      await t.call('POST', '/api/v1/settlements/payment-files', {
        token: acc1.token,
        body: { batchIds: [a.batch.id, b.batch.id] },
      })
    ).json();
    // Paid on the bank's value date: on or after the execution date, not in the future.
    t.clock.set('2026-11-25T09:00:00Z');
    const payer = await t.user('accounting');
    const one = await t.call('POST', `/api/v1/settlements/batches/${a.batch.id}/paid`, {
      token: payer.token,
      body: { paidOn: file.executionDate },
    });
    expect(one.json()).toMatchObject({ status: 'paid', paidBy: payer.id, paidOn: file.executionDate });
    const all = await t.call('POST', `/api/v1/settlements/payment-files/${file.id}/paid`, { token: payer.token });
    t.clock.set('2026-11-20T09:00:00Z');
    expect(all.json()).toMatchObject({ status: 'paid', batchCount: 2 });
    const list = await t.call('GET', '/api/v1/settlements/payment-files', { token: acc1.token });
    expect(list.json().items.find((f: { id: string }) => f.id === file.id).status).toBe('paid');
  });

  it('next business day skips weekends and TARGET holidays', () => {
    expect(nextBusinessDay('2026-11-20')).toBe('2026-11-23');
    expect(nextBusinessDay('2026-12-24')).toBe('2026-12-28');
    expect(nextBusinessDay('2026-04-02')).toBe('2026-04-07');
    expect(isBusinessDay('2026-05-01')).toBe(false);
  });
});

describe('booking list CSV', () => {
  it('one row per batch × legal basis × cost bearer × benefit type; parsed back, it sums to the payment file total', async () => {
    const a = await providerWithBatch({}, [1000, 2000], { legalBasis: 'SGB_II', costBearer: 'JOBCENTER' });
    const extra = await makeChildWithCard(t.db, t.keys, {
      budgetCents: 50_000,
      legalBasis: 'ASYLBLG',
      costBearer: 'SOZIALAMT',
    });
    // A correction of an earlier settled booking of the same provider goes into its next batch.
    await makeCorrection(
      t.db,
      (await t.db.select().from(redemptions).where(eq(redemptions.id, a.redemptions[0]!.id)))[0]!,
      {
        reversedAt: new Date('2026-11-21T09:00:00+01:00'),
      },
    );
    await makeRedemption(t.db, {
      providerId: a.provider.id,
      approvalId: extra.approval.id,
      beneficiaryId: extra.beneficiary.id,
      cardId: extra.card.id,
      amountCents: 4321,
      serviceDate: '2026-11-20',
      bookedAt: new Date('2026-11-21T10:00:00+01:00'),
    });
    await runSettlement(t.db, { cutoffDate: '2026-11-22', triggeredBy: 'test' }, fixedClock('2026-11-22T01:00:00Z'));
    const [second] = (
      await t.db.select().from(settlementBatches).where(eq(settlementBatches.providerId, a.provider.id))
    ).filter((b) => b.id !== a.batch.id);
    expect(second!.totalCents).toBe(4321 - 1000);
    for (const id of [a.batch.id, second!.id]) {
      await certify(id, acc1);
      await release(id, acc2);
    }
    const file = (
      await t.call('POST', '/api/v1/settlements/payment-files', {
        token: acc1.token,
        body: { batchIds: [a.batch.id, second!.id] },
      })
    ).json();
    const res = await t.call('GET', `/api/v1/settlements/payment-files/${file.id}/bookings.csv`, { token: acc1.token });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const rows = parse(res.body, { bom: true, delimiter: ';', columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(3);
    const cents = (v: string) => Math.round(Number(v.replace(',', '.')) * 100);
    expect(rows.reduce((s, r) => s + cents(r.Betrag!), 0)).toBe(file.totalCents);
    // German names by default (codes with ?codes=true, see settlement-booking-list.test.ts).
    expect(rows.find((r) => r.Rechtskreis === 'AsylbLG')).toMatchObject({
      Kostenträger: 'Sozialamt der Stadt',
      Leistungsart: 'Teilhabe',
      Kostenstelle: '31300',
      Sachkonto: '533400',
      Betrag: '43,21',
      'Zeitraum von': '20.11.2026',
      Abrechnung: second!.number,
    });
    expect(rows.find((r) => r.Abrechnung === second!.number && r.Rechtskreis === 'SGB II')!.Betrag).toBe('-10,00');

    const comma = await t.call(
      'GET',
      `/api/v1/settlements/payment-files/${file.id}/bookings.csv?delimiter=,&bom=false`,
      {
        token: acc1.token,
      },
    );
    expect(comma.rawPayload[0]).not.toBe(0xef);
    expect(parse(comma.body, { delimiter: ',', columns: true })).toHaveLength(3);
  });
});

describe('city-side reversal', () => {
  it('needs a reason; before settlement it voids, after settlement it becomes a correction; twice → 409', async () => {
    const {
      redemptions: [settled],
      child,
    } = await providerWithBatch({}, [700]);
    // The factory books without debiting; debit as the terminal would have.
    await t.db
      .update(approvals)
      .set({ remainingCents: 100_000 - 700 })
      .where(eq(approvals.id, child.approval.id));
    const [before] = await t.db.select().from(approvals).where(eq(approvals.id, child.approval.id));
    expectProblem(
      await t.call('POST', `/api/v1/settlements/redemptions/${settled!.id}/reverse`, { token: acc1.token, body: {} }),
      400,
      'validation_failed',
    );
    const res = await t.call('POST', `/api/v1/settlements/redemptions/${settled!.id}/reverse`, {
      token: acc1.token,
      body: { reason: 'Doppelt gebucht laut Anbieter' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'reversed', kind: 'correction', amountCents: 700 });
    const [after] = await t.db.select().from(approvals).where(eq(approvals.id, child.approval.id));
    expect(after!.remainingCents).toBe(before!.remainingCents! + 700);
    expectProblem(
      await t.call('POST', `/api/v1/settlements/redemptions/${settled!.id}/reverse`, {
        token: acc1.token,
        body: { reason: 'nochmal' },
      }),
      409,
      'already_reversed',
    );
    const provider = await makeProvider(t.db);
    const unsettled = await makeRedemption(t.db, {
      providerId: provider.id,
      approvalId: child.approval.id,
      beneficiaryId: child.beneficiary.id,
      cardId: child.card.id,
      amountCents: 300,
    });
    await t.db
      .update(approvals)
      .set({ remainingCents: 100_000 - 300 })
      .where(eq(approvals.id, child.approval.id));
    const voided = await t.call('POST', `/api/v1/settlements/redemptions/${unsettled.id}/reverse`, {
      token: acc1.token,
      body: { reason: 'Leistung nicht erbracht' },
    });
    expect(voided.json().kind).toBe('void');
    expectProblem(
      await t.call('POST', '/api/v1/settlements/redemptions/rdm_nope/reverse', {
        token: acc1.token,
        body: { reason: 'gibt es nicht' },
      }),
      404,
      'redemption_not_found',
    );
  });
});
