import { fixedClock } from '@tk/core';
import { settlementBatches } from '@tk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSettlement } from '../src/modules/settlement/settlement.run.ts';
import { makeChildWithCard, makeProvider, makeRedemption } from './factories.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

/** The accounting desk: names in the four-eyes steps, refusals known beforehand, value dates, paged lines. */

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

/** A provider with `count` bookings of 1–count cents… settled on 2026-11-20: returns the open batch. */
async function batchWith(count: number) {
  const provider = await makeProvider(t.db);
  const c = await makeChildWithCard(t.db, t.keys, { budgetCents: 10_000_000 });
  for (let i = 0; i < count; i++) {
    await makeRedemption(t.db, {
      providerId: provider.id,
      approvalId: c.approval.id,
      beneficiaryId: c.beneficiary.id,
      cardId: c.card.id,
      amountCents: 100 + i,
      serviceDate: '2026-11-16',
      bookedAt: new Date(Date.parse('2026-11-19T08:00:00+01:00') + i * 1000),
    });
  }
  await runSettlement(t.db, { cutoffDate: '2026-11-20', triggeredBy: 'test' }, fixedClock('2026-11-20T01:00:00Z'));
  const [batch] = await t.db.select().from(settlementBatches).where(eq(settlementBatches.providerId, provider.id));
  return batch!;
}

const post = (path: string, u: User, body?: unknown) =>
  t.call('POST', path, { token: u.token, ...(body === undefined ? {} : { body }) });
const get = (path: string, u: User) => t.call('GET', path, { token: u.token });

describe('four eyes on the batch screen', () => {
  it('the steps carry usernames; the certifier is told beforehand that they may not release', async () => {
    const batch = await batchWith(1);
    await post(`/api/v1/settlements/batches/${batch.id}/certify`, acc1);
    const mine = (await get(`/api/v1/settlements/batches/${batch.id}`, acc1)).json();
    expect(mine).toMatchObject({ certifiedBy: acc1.id, certifiedByName: acc1.username });
    expect(mine.releaseRefusal).toBe('certified_by_you');
    // What the screen announced is what the release answers.
    expectProblem(await post(`/api/v1/settlements/batches/${batch.id}/release`, acc1), 409, 'four_eyes_required');
    const theirs = (await get(`/api/v1/settlements/batches/${batch.id}`, acc2)).json();
    expect(theirs.releaseRefusal).toBeNull();
    const released = await post(`/api/v1/settlements/batches/${batch.id}/release`, acc2);
    expect(released.json()).toMatchObject({ releasedByName: acc2.username, certifiedByName: acc1.username });
    const list = (await get('/api/v1/settlements/batches?status=released', acc1)).json();
    expect(list.items.find((b: { id: string }) => b.id === batch.id)).toMatchObject({ releasedByName: acc2.username });
  });

  it('a suspended provider: the refusal is known beforehand and the release answers the same', async () => {
    const batch = await batchWith(1);
    await post(`/api/v1/settlements/batches/${batch.id}/certify`, acc1);
    const admin = await t.user('admin');
    const suspended = await t.call('POST', `/api/v1/providers/${batch.providerId}/suspend`, {
      token: admin.token,
      body: { reason: 'Vertrag ruht' },
    });
    expect(suspended.statusCode).toBe(200);
    expect((await get(`/api/v1/settlements/batches/${batch.id}`, acc2)).json().releaseRefusal).toBe(
      'provider_not_payable',
    );
    expectProblem(await post(`/api/v1/settlements/batches/${batch.id}/release`, acc2), 409, 'provider_not_payable');
  });
});

describe("mark paid on the bank's value date", () => {
  async function exportedBatch() {
    const batch = await batchWith(1);
    await post(`/api/v1/settlements/batches/${batch.id}/certify`, acc1);
    await post(`/api/v1/settlements/batches/${batch.id}/release`, acc2);
    const file = (await post('/api/v1/settlements/payment-files', acc1, { batchIds: [batch.id] })).json();
    return { batch, file };
  }

  it('before the execution date or in the future → 400 paid_on_invalid; the value date is kept', async () => {
    const { batch, file } = await exportedBatch();
    expect(file.executionDate).toBe('2026-11-23');
    // Today (20.11.) lies before the execution date: the default is refused too.
    const early = expectProblem(
      await post(`/api/v1/settlements/batches/${batch.id}/paid`, acc1),
      400,
      'paid_on_invalid',
    );
    expect(early).toMatchObject({ earliest: '2026-11-23', latest: '2026-11-20' });
    t.clock.set('2026-11-26T09:00:00Z');
    // Tokens from 20.11. have expired by now: sign in again.
    const later = await t.user('accounting');
    try {
      expectProblem(
        await post(`/api/v1/settlements/batches/${batch.id}/paid`, later, { paidOn: '2026-11-22' }),
        400,
        'paid_on_invalid',
      );
      expectProblem(
        await post(`/api/v1/settlements/batches/${batch.id}/paid`, later, { paidOn: '2026-11-27' }),
        400,
        'paid_on_invalid',
      );
      expectProblem(
        await post(`/api/v1/settlements/payment-files/${file.id}/paid`, later, { paidOn: '2026-11-27' }),
        400,
        'paid_on_invalid',
      );
      expect((await get(`/api/v1/settlements/batches/${batch.id}`, later)).json().status).toBe('exported');
      const paid = await post(`/api/v1/settlements/batches/${batch.id}/paid`, later, { paidOn: '2026-11-24' });
      expect(paid.statusCode).toBe(200);
      expect(paid.json()).toMatchObject({ status: 'paid', paidOn: '2026-11-24', paidByName: later.username });
    } finally {
      t.clock.set('2026-11-20T09:00:00Z');
    }
  });

  it('a whole payment file on a value date', async () => {
    const { batch, file } = await exportedBatch();
    t.clock.set('2026-11-24T09:00:00Z');
    const later = await t.user('accounting');
    try {
      const res = await post(`/api/v1/settlements/payment-files/${file.id}/paid`, later, { paidOn: '2026-11-23' });
      expect(res.json()).toMatchObject({ status: 'paid' });
      expect((await get(`/api/v1/settlements/batches/${batch.id}`, later)).json().paidOn).toBe('2026-11-23');
    } finally {
      t.clock.set('2026-11-20T09:00:00Z');
    }
  });
});

describe('the lines of a batch in pages', () => {
  it('pages of linesLimit with linesTotal; the pages together are all lines once, in order', async () => {
    const batch = await batchWith(250);
    const all = (await get(`/api/v1/settlements/batches/${batch.id}`, acc1)).json();
    expect(all.lines).toHaveLength(250);
    expect(all.linesTotal).toBe(250);
    const pages = [];
    for (const offset of [0, 100, 200]) {
      const page = (
        await get(`/api/v1/settlements/batches/${batch.id}?linesLimit=100&linesOffset=${offset}`, acc1)
      ).json();
      expect(page.linesTotal).toBe(250);
      pages.push(...page.lines);
    }
    expect(pages.map((l: { redemptionId: string }) => l.redemptionId)).toEqual(
      all.lines.map((l: { redemptionId: string }) => l.redemptionId),
    );
    expectProblem(await get(`/api/v1/settlements/batches/${batch.id}?linesLimit=0`, acc1), 400, 'validation_failed');
    expectProblem(await get(`/api/v1/settlements/batches/${batch.id}?linesLimit=5000`, acc1), 400, 'validation_failed');
  });
});
