import { fixedClock } from '@tk/core';
import { type providers, settlementBatches } from '@tk/db';
import { eq } from 'drizzle-orm';
import { runSettlement } from '../src/modules/settlement/settlement.run.ts';
import { makeChildWithCard, makeProvider, makeRedemption } from './factories.ts';
import type { TestContext } from './support.ts';

/**
 * A provider (with the given fields) with one booking of `amountCents`, settled on 2026-11-20, certified by
 * `certifier` and released by `releaser` through the API: returns the released batch's id.
 */
export async function releasedBatchOf(
  t: TestContext,
  over: Partial<typeof providers.$inferInsert>,
  tokens: { certifier: string; releaser: string },
  amountCents = 1500,
): Promise<string> {
  const provider = await makeProvider(t.db, over);
  const c = await makeChildWithCard(t.db, t.keys, { budgetCents: 10_000 });
  await makeRedemption(t.db, {
    providerId: provider.id,
    approvalId: c.approval.id,
    beneficiaryId: c.beneficiary.id,
    cardId: c.card.id,
    amountCents,
    serviceDate: '2026-11-16',
    bookedAt: new Date('2026-11-19T10:00:00+01:00'),
  });
  await runSettlement(t.db, { cutoffDate: '2026-11-20', triggeredBy: 'test' }, fixedClock('2026-11-20T01:00:00Z'));
  const [batch] = await t.db.select().from(settlementBatches).where(eq(settlementBatches.providerId, provider.id));
  await t.call('POST', `/api/v1/settlements/batches/${batch!.id}/certify`, { token: tokens.certifier });
  await t.call('POST', `/api/v1/settlements/batches/${batch!.id}/release`, { token: tokens.releaser });
  return batch!.id;
}
