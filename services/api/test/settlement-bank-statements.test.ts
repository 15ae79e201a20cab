import { fixedClock } from '@tk/core';
import { auditLog, bankStatementEntries, settlementBatches } from '@tk/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSettlement } from '../src/modules/settlement/settlement.run.ts';
import { camtForPain } from './camt-fixtures.ts';
import { makeChildWithCard, makeProvider, makeRedemption } from './factories.ts';
import { createTestContext, expectInvariantsHold, expectProblem, type TestContext } from './support.ts';

let t: TestContext;
type User = { id: string; token: string };
let acc1: User;
let acc2: User;
let admin1: User;
let admin2: User;
const cutoff = '2026-11-20';

beforeAll(async () => {
  t = await createTestContext();
  acc1 = await t.user('accounting');
  acc2 = await t.user('accounting');
  admin1 = await t.user('admin');
  admin2 = await t.user('admin');
});
afterAll(async () => {
  await expectInvariantsHold(t.db);
  await t.close();
});

/** A provider with bookings, settled, certified and released: returns its batch. */
async function releasedBatch(amounts: number[]) {
  const provider = await makeProvider(t.db, { street: 'Vereinsweg 7', postalCode: '59065', town: 'Hamm' });
  // Redemptions straight into the table: the approval's remaining budget is set to match them.
  const booked = amounts.reduce((sum, a) => sum + a, 0);
  const c = await makeChildWithCard(t.db, t.keys, { budgetCents: 100_000, remainingCents: 100_000 - booked });
  for (const amountCents of amounts) {
    await makeRedemption(t.db, {
      providerId: provider.id,
      approvalId: c.approval.id,
      beneficiaryId: c.beneficiary.id,
      cardId: c.card.id,
      amountCents,
      serviceDate: '2026-11-16',
      bookedAt: new Date('2026-11-19T10:00:00+01:00'),
    });
  }
  await runSettlement(t.db, { cutoffDate: cutoff, triggeredBy: 'test' }, fixedClock(`${cutoff}T01:00:00Z`));
  const [batch] = await t.db.select().from(settlementBatches).where(eq(settlementBatches.providerId, provider.id));
  expect(
    (await t.call('POST', `/api/v1/settlements/batches/${batch!.id}/certify`, { token: acc1.token })).statusCode,
  ).toBe(200);
  expect(
    (await t.call('POST', `/api/v1/settlements/batches/${batch!.id}/release`, { token: acc2.token })).statusCode,
  ).toBe(200);
  return { provider, batch: batch! };
}

/** A payment file over the given batches and its pain.001 as the bank received it. */
async function paymentFile(batchIds: string[]) {
  const res = await t.call('POST', '/api/v1/settlements/payment-files', { token: acc1.token, body: { batchIds } });
  expect(res.statusCode, res.body).toBe(201);
  const file = res.json();
  const pain = await t.call('GET', `/api/v1/settlements/payment-files/${file.id}/sepa.xml`, { token: acc1.token });
  return { file, pain: pain.body };
}

const upload = (xml: string, user: User = acc1, contentType = 'application/xml') =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/settlements/bank-statements',
    headers: { authorization: `Bearer ${user.token}`, 'content-type': contentType },
    payload: xml,
  });

const batchOf = async (id: string) =>
  (await t.call('GET', `/api/v1/settlements/batches/${id}`, { token: acc1.token })).json();
const auditCount = async () => (await t.db.select({ n: sql<number>`count(*)::int` }).from(auditLog))[0]!.n;

describe('importBankStatement', () => {
  it('a camt.054 marks matched batches paid on the value date, lists an unknown EndToEndId, and a re-import applies nothing', async () => {
    const a = await releasedBatch([1250, 3000]);
    const b = await releasedBatch([999]);
    const { file, pain } = await paymentFile([a.batch.id, b.batch.id]);
    const xml = camtForPain(pain, {
      kind: '054',
      messageId: 'CAMT-A-0001',
      valueDate: '2026-11-23',
      extra: [{ endToEndId: 'FREMD-4711', amount: '12.34' }],
    });
    const res = await upload(xml);
    expect(res.statusCode, res.body).toBe(201);
    const result = res.json();
    expect(result).toMatchObject({
      messageId: 'CAMT-A-0001',
      format: 'camt.054.001.08',
      matchedCount: 2,
      unmatched: [{ endToEndId: 'FREMD-4711', amountCents: 1234, reason: 'unknown_end_to_end_id' }],
      returned: [],
    });
    expect(await batchOf(a.batch.id)).toMatchObject({ status: 'paid', paidOn: '2026-11-23', paidBy: acc1.id });
    expect(await batchOf(b.batch.id)).toMatchObject({ status: 'paid', paidOn: '2026-11-23' });
    const fileNow = await t.call('GET', `/api/v1/settlements/payment-files/${file.id}`, { token: acc1.token });
    expect(fileNow.json().status).toBe('paid');

    // The federal refund report goes by the bank's value date, not by the day of the upload (20.11.).
    const report = await t.call('GET', '/api/v1/reports/reimbursement?from=2026-11-23&to=2026-11-23', {
      token: acc1.token,
    });
    expect(
      report.json().items.reduce((s: number, i: { amountCents: number }) => s + i.amountCents, 0),
    ).toBeGreaterThanOrEqual(5249);
    expect(report.json().items.every((i: { paymentDate: string }) => i.paymentDate === '2026-11-23')).toBe(true);

    // The same document again (even re-serialised): 200 with the first result, nothing written.
    const before = await auditCount();
    const again = await upload(xml.replaceAll('\n      ', '\n'));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(result);
    expect(await auditCount()).toBe(before);

    // The bank's statement (camt.053) shows the same debits again: already applied, not paid twice.
    const statement = await upload(
      camtForPain(pain, { kind: '053', messageId: 'STMT-A-0001', valueDate: '2026-11-23' }),
    );
    expect(statement.statusCode).toBe(201);
    expect(statement.json()).toMatchObject({ matchedCount: 0, alreadyAppliedCount: 2, unmatched: [] });
    const paidAudits = await t.db.select().from(auditLog).where(eq(auditLog.action, 'settlement.batch_paid'));
    expect(paidAudits.filter((r) => r.entityId === a.batch.id)).toHaveLength(1);
  });

  it('an amount mismatch is listed with the expected amount and leaves the batch exported (camt.053)', async () => {
    const a = await releasedBatch([2000]);
    const b = await releasedBatch([500]);
    const { pain } = await paymentFile([a.batch.id, b.batch.id]);
    const res = await upload(
      camtForPain(pain, {
        kind: '053',
        messageId: 'STMT-B-0001',
        valueDate: '2026-11-24',
        amounts: { [a.batch.number]: '19.99' },
      }),
    );
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      format: 'camt.053.001.08',
      matchedCount: 1,
      unmatched: [
        {
          endToEndId: a.batch.number,
          amountCents: 1999,
          reason: 'amount_mismatch',
          batchId: a.batch.id,
          expectedCents: 2000,
        },
      ],
    });
    expect((await batchOf(a.batch.id)).status).toBe('exported');
    expect(await batchOf(b.batch.id)).toMatchObject({ status: 'paid', paidOn: '2026-11-24' });
  });

  it('a returned transfer (AC04) marks the batch returned; it is paid again only after a four-eyes bank data fix', async () => {
    const a = await releasedBatch([4200]);
    const { file, pain } = await paymentFile([a.batch.id]);
    expect(
      (await upload(camtForPain(pain, { kind: '054', messageId: 'CAMT-C-1', valueDate: '2026-11-23' }))).statusCode,
    ).toBe(201);
    t.clock.set('2026-11-20T09:05:00Z');
    const ret = await upload(
      camtForPain(pain, {
        kind: '054',
        messageId: 'CAMT-C-2',
        valueDate: '2026-11-26',
        returns: { [a.batch.number]: 'AC04' },
      }),
    );
    expect(ret.statusCode, ret.body).toBe(201);
    // The document also repeats the debit (already applied), then the return.
    expect(ret.json()).toMatchObject({
      matchedCount: 0,
      alreadyAppliedCount: 1,
      returned: [{ batchId: a.batch.id, batchNumber: a.batch.number, reasonCode: 'AC04' }],
    });
    expect(await batchOf(a.batch.id)).toMatchObject({
      status: 'returned',
      returnReason: 'AC04',
      paymentFileId: file.id,
    });

    // Not yet: the bank data is unchanged.
    expectProblem(
      await t.call('POST', '/api/v1/settlements/payment-files', {
        token: acc1.token,
        body: { batchIds: [a.batch.id] },
      }),
      409,
      'bank_data_not_corrected',
    );
    // An admin corrects the IBAN; until another admin approves, the provider cannot be paid.
    t.clock.set('2026-11-20T09:10:00Z');
    const patch = await t.call('PATCH', `/api/v1/providers/${a.provider.id}`, {
      token: admin1.token,
      body: { iban: 'DE75512108001245126199' },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    expectProblem(
      await t.call('POST', '/api/v1/settlements/payment-files', {
        token: acc1.token,
        body: { batchIds: [a.batch.id] },
      }),
      409,
      'provider_not_payable',
    );
    expectProblem(
      await t.call('POST', `/api/v1/providers/${a.provider.id}/approve`, { token: admin1.token }),
      409,
      'four_eyes_required',
    );
    expect(
      (await t.call('POST', `/api/v1/providers/${a.provider.id}/approve`, { token: admin2.token })).statusCode,
    ).toBe(200);

    const again = await paymentFile([a.batch.id]);
    expect(again.file.id).not.toBe(file.id);
    expect(again.pain).toContain('DE75512108001245126199');
    expect(await batchOf(a.batch.id)).toMatchObject({
      status: 'exported',
      paymentFileId: again.file.id,
      returnReason: null,
    });

    // Re-importing the old notification now changes nothing (same document), and the new debit pays it.
    expect(
      (await upload(camtForPain(pain, { kind: '054', messageId: 'CAMT-C-1', valueDate: '2026-11-23' }))).statusCode,
    ).toBe(200);
    expect((await batchOf(a.batch.id)).status).toBe('exported');
    const paid = await upload(camtForPain(again.pain, { kind: '054', messageId: 'CAMT-C-3', valueDate: '2026-11-30' }));
    expect(paid.json()).toMatchObject({ matchedCount: 1 });
    expect(await batchOf(a.batch.id)).toMatchObject({ status: 'paid', paidOn: '2026-11-30' });
    const entries = await t.db.select().from(bankStatementEntries).where(eq(bankStatementEntries.batchId, a.batch.id));
    expect(entries.map((e) => e.outcome).sort()).toEqual(['already_applied', 'paid', 'paid', 'returned']);
    await expectInvariantsHold(t.db);
    t.clock.set('2026-11-20T09:00:00Z');
  });

  it('camt.054.001.02 works the same way', async () => {
    const a = await releasedBatch([777]);
    const { pain } = await paymentFile([a.batch.id]);
    const res = await upload(
      camtForPain(pain, { kind: '054', version: '02', messageId: 'V2-1', valueDate: '2026-11-23' }),
    );
    expect(res.json()).toMatchObject({ format: 'camt.054.001.02', matchedCount: 1 });
  });

  it('not XML, not camt, or entities → 400 invalid_bank_statement with a German reason; only accounting may upload', async () => {
    const problem = expectProblem(await upload('hello'), 400, 'invalid_bank_statement');
    expect(problem.detail).toMatch(/kein gültiges XML/);
    const pain =
      '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>';
    expect(expectProblem(await upload(pain), 400, 'invalid_bank_statement').detail).toMatch(/camt\.054\.001\.08/);
    expectProblem(await upload('<!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>'), 400, 'invalid_bank_statement');
    expectProblem(await upload('{}', acc1, 'application/json'), 400, 'invalid_bank_statement');
    expect((await upload('%PDF-1.4', acc1, 'application/pdf')).statusCode).toBe(415);
    expectProblem(await upload('<x/>', admin1), 403, 'forbidden');
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/api/v1/settlements/bank-statements',
      headers: { 'content-type': 'application/xml' },
      payload: '<x/>',
    });
    expect(anonymous.statusCode).toBe(401);
    const list = await t.call('GET', '/api/v1/settlements/bank-statements', { token: acc1.token });
    expect(list.json().items.length).toBeGreaterThan(0);
  });
});
