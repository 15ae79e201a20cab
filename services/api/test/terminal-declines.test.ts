import { approvals, auditLog } from '@tk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProvider } from './factories.ts';
import { createTestContext, expectInvariantsHold, expectProblem, type TestContext } from './support.ts';

/**
 * The decline oracle (issue 10, finding 8): declines of one card at one provider are throttled (10 a day,
 * then 429, audited), and decline details carry no dates of the child.
 */
let t: TestContext;
let staffA: string;
let staffB: string;
let card: { cardNumber: string; qrToken: string };
let approvalId: string;
const birthDate = '2014-03-17';

beforeAll(async () => {
  t = await createTestContext({ now: '2026-11-20T09:00:00Z' });
  const caseworker = (await t.user('caseworker')).token;
  const a = await makeProvider(t.db, { benefitTypes: ['participation'] });
  const b = await makeProvider(t.db, { benefitTypes: ['participation'] });
  staffA = (await t.user('provider_staff', a.id)).token;
  staffB = (await t.user('provider_staff', b.id)).token;
  const ben = await t.call('POST', '/api/v1/beneficiaries', {
    token: caseworker,
    body: { givenName: 'Ilka', familyName: 'Dornbusch', birthDate, caseReference: 'AZ-DECL-1' },
  });
  const approval = await t.call('POST', `/api/v1/beneficiaries/${ben.json().id}/approvals`, {
    token: caseworker,
    body: {
      benefitType: 'participation',
      legalBasis: 'SGB_II',
      costBearer: 'JOBCENTER',
      validFrom: '2026-08-01',
      validTo: '2027-07-31',
    },
  });
  approvalId = approval.json().id;
  card = (await t.call('POST', `/api/v1/beneficiaries/${ben.json().id}/cards`, { token: caseworker })).json();
});
afterAll(async () => {
  await expectInvariantsHold(t.db);
  await t.close();
});

let key = 0;
const redeem = (token: string, code: string, amountCents: number, serviceDate = '2026-11-19') =>
  t.call('POST', '/api/v1/terminal/redemptions', {
    token,
    headers: { 'idempotency-key': `decl-${++key}` },
    body: { code, approvalId, amountCents, serviceDate },
  });

describe('decline throttle per card and provider', () => {
  it('after 10 declines (by number or QR) the 11th is 429 without a reason, audited once; another provider is unaffected', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await redeem(staffA, i % 2 === 0 ? card.cardNumber : card.qrToken, 9_999_999, `2026-11-${10 + i}`);
      codes.push(res.json().code);
    }
    expect(codes).toEqual(Array(10).fill('insufficient_budget'));
    for (let i = 0; i < 3; i++) {
      const res = expectProblem(await redeem(staffA, card.cardNumber, 9_999_999), 429, 'rate_limited');
      expect(res.detail).not.toContain('budget');
    }
    const tripped = await t.db.select().from(auditLog).where(eq(auditLog.action, 'terminal.declines_throttled'));
    expect(tripped).toHaveLength(1);
    expectProblem(await redeem(staffB, card.cardNumber, 9_999_999), 409, 'insufficient_budget');
  });

  it('a revocation decline names no date of the child', async () => {
    await t.db.update(approvals).set({ revokedFrom: '2026-11-05' }).where(eq(approvals.id, approvalId));
    const body = expectProblem(await redeem(staffB, card.qrToken, 100, '2026-11-18'), 409, 'approval_not_active');
    expect(String(body.detail)).not.toMatch(/2026-11-05|05\.11\.2026/);
    expect(JSON.stringify(body)).not.toContain(birthDate);
  });
});
