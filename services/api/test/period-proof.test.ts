import { fixedClock, periodProofErrors } from '@tk/core';
import { approvals, auditLog, settlementBatches } from '@tk/db';
import { eq, sql } from 'drizzle-orm';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPeriodProof } from '../src/cli/proof.ts';
import { runSettlement } from '../src/modules/settlement/settlement.run.ts';
import { camtForPain } from './camt-fixtures.ts';
import { makeChildWithCard, makeProvider, makeRedemption, makeReversal } from './factories.ts';
import { createTestContext, expectInvariantsHold, expectProblem, type TestContext } from './support.ts';

let t: TestContext;
type User = { id: string; token: string };
let acc1: User;
let acc2: User;
let approvalId = '';

beforeAll(async () => {
  t = await createTestContext();
  acc1 = await t.user('accounting');
  acc2 = await t.user('accounting');
  // A budget of 100 €, three bookings (12,50 + 30,00 + 20,00), one reversed before settlement, settled, paid.
  const provider = await makeProvider(t.db, { street: 'Vereinsweg 7', postalCode: '59065', town: 'Hamm' });
  const c = await makeChildWithCard(t.db, t.keys, {
    budgetCents: 10_000,
    remainingCents: 10_000 - 1250 - 3000,
    legalBasis: 'BKGG_KIZ',
    costBearer: null,
    createdAt: new Date('2026-10-01T08:00:00+02:00'),
  });
  approvalId = c.approval.id;
  const booking = (amountCents: number, bookedAt: string) =>
    makeRedemption(t.db, {
      providerId: provider.id,
      approvalId: c.approval.id,
      beneficiaryId: c.beneficiary.id,
      cardId: c.card.id,
      amountCents,
      serviceDate: bookedAt.slice(0, 10),
      bookedAt: new Date(bookedAt),
    });
  await booking(1250, '2026-10-15T10:00:00+02:00');
  await booking(3000, '2026-11-10T10:00:00+01:00');
  const reversed = await booking(2000, '2026-11-12T10:00:00+01:00');
  await makeReversal(t.db, reversed, { reversedAt: new Date('2026-11-13T10:00:00+01:00') });
  await runSettlement(t.db, { cutoffDate: '2026-11-20', triggeredBy: 'test' }, fixedClock('2026-11-20T01:00:00Z'));
  const [batch] = await t.db.select().from(settlementBatches).where(eq(settlementBatches.providerId, provider.id));
  await t.call('POST', `/api/v1/settlements/batches/${batch!.id}/certify`, { token: acc1.token });
  await t.call('POST', `/api/v1/settlements/batches/${batch!.id}/release`, { token: acc2.token });
  const file = (
    await t.call('POST', '/api/v1/settlements/payment-files', { token: acc1.token, body: { batchIds: [batch!.id] } })
  ).json();
  const pain = (await t.call('GET', `/api/v1/settlements/payment-files/${file.id}/sepa.xml`, { token: acc1.token }))
    .body;
  const camt = camtForPain(pain, { kind: '054', messageId: 'PROOF-1', valueDate: '2026-11-23' });
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/settlements/bank-statements',
    headers: { authorization: `Bearer ${acc1.token}`, 'content-type': 'application/xml' },
    payload: camt,
  });
  expect(res.json().matchedCount).toBe(1);
});
afterAll(async () => {
  await expectInvariantsHold(t.db);
  await t.close();
});

const proof = async (from: string, to: string, user: User = acc1) =>
  t.call('GET', `/api/v1/reports/period-proof?from=${from}&to=${to}`, { token: user.token });
const jwks = async () => (await t.call('GET', '/.well-known/jwks.json')).json();

describe('getPeriodProof', () => {
  it('the figures are recomputed from the ledger and satisfy the identity to the cent', async () => {
    const res = await proof('2026-11-01', '2026-11-30');
    expect(res.statusCode, res.body).toBe(200);
    const { payload } = res.json();
    const kiz = payload.byLegalBasis.find((r: { legalBasis: string }) => r.legalBasis === 'BKGG_KIZ');
    expect(kiz).toMatchObject({
      costBearer: null,
      openingRemainingCents: 10_000 - 1250,
      approvedCents: 0,
      bookedCents: 5000,
      reversedCents: 2000,
      lapsedCents: 0,
      closingRemainingCents: 10_000 - 1250 - 5000 + 2000,
      settledCents: 4250,
      paidCents: 4250,
    });
    expect(periodProofErrors(payload)).toEqual([]);
    // The closing balance the ledger shows is the cached balance of the approval.
    const [approval] = await t.db.select().from(approvals).where(eq(approvals.id, approvalId));
    expect(kiz.closingRemainingCents).toBe(approval!.remainingCents);
    // October opens at 0, grants 100 €, books 12,50: its closing is November's opening.
    const october = (await proof('2026-10-01', '2026-10-31')).json().payload;
    const kizOctober = october.byLegalBasis.find((r: { legalBasis: string }) => r.legalBasis === 'BKGG_KIZ');
    expect(kizOctober).toMatchObject({ openingRemainingCents: 0, approvedCents: 10_000, bookedCents: 1250 });
    expect(kizOctober.closingRemainingCents).toBe(kiz.openingRemainingCents);
  });

  it('the proof is a compact EdDSA JWS of exactly the payload, verified offline with the published key', async () => {
    const { payload, jws } = (await proof('2026-11-01', '2026-11-30')).json();
    const header = decodeProtectedHeader(jws);
    expect(header).toMatchObject({ alg: 'EdDSA', kid: 'proof-test' });
    expect(decodeJwt(jws)).toEqual(payload);
    const keys = await jwks();
    expect(keys.keys).toEqual([
      expect.objectContaining({ kid: 'proof-test', kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' }),
    ]);
    expect(keys.keys[0].d).toBeUndefined();
    const result = await verifyPeriodProof(JSON.stringify({ payload, jws }), keys);
    expect(result).toMatchObject({ ok: true, errors: [], kid: 'proof-test' });
    // The audit chain head is sealed and current.
    const [head] = await t.db.select({ n: sql<number>`max(${auditLog.chainSeq})::int` }).from(auditLog);
    expect(payload.auditChainHead.chainSeq).toBe(head!.n);
  });

  it('a tampered proof is refused: edited figures, a forged payload, another key', async () => {
    const { payload, jws } = (await proof('2026-11-01', '2026-11-30')).json();
    const keys = await jwks();
    const edited = { payload: { ...payload, bookedCents: payload.bookedCents - 100 }, jws };
    expect((await verifyPeriodProof(JSON.stringify(edited), keys)).errors).toContain(
      'the readable payload differs from the signed one',
    );
    const [h, , s] = jws.split('.');
    const forgedPayload = { ...payload, paidCents: payload.paidCents + 1 };
    const forged = `${h}.${Buffer.from(JSON.stringify(forgedPayload)).toString('base64url')}.${s}`;
    const result = await verifyPeriodProof(forged, keys);
    expect(result.ok).toBe(false);
    expect(result.errors[0]).toMatch(/signature invalid/);
    const other = {
      keys: [{ ...keys.keys[0], x: keys.keys[0].x.replace(/^./, (c: string) => (c === 'A' ? 'B' : 'A')) }],
    };
    expect((await verifyPeriodProof(jws, other)).ok).toBe(false);
    // Arithmetic is checked too: a payload whose identity is off would be refused even if signed.
    expect(periodProofErrors({ ...payload, closingRemainingCents: payload.closingRemainingCents + 1 })).not.toEqual([]);
  });

  it('`pnpm proof verify <file>` accepts the saved proof and refuses an edited one (exit codes)', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(tmpdir(), 'tk-proof-'));
    const body = (await proof('2026-11-01', '2026-11-30')).json();
    writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify(await jwks()));
    writeFileSync(path.join(dir, 'proof.json'), JSON.stringify(body));
    writeFileSync(
      path.join(dir, 'edited.json'),
      JSON.stringify({ ...body, payload: { ...body.payload, paidCents: 1 } }),
    );
    const run = (file: string) =>
      spawnSync('pnpm', ['exec', 'tsx', 'src/cli/proof.ts', 'verify', path.join(dir, file)], {
        cwd: path.resolve(import.meta.dirname, '..'),
        encoding: 'utf8',
      });
    const ok = run('proof.json');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('VALID period proof 2026-11-01 … 2026-11-30');
    const bad = run('edited.json');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('the readable payload differs from the signed one');
  });

  it('a German PDF of the same proof; roles and validation', async () => {
    const pdf = await t.call('GET', '/api/v1/reports/period-proof?from=2026-11-01&to=2026-11-30&format=pdf', {
      token: acc1.token,
    });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    if (process.env.PROOF_PDF_OUT) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(process.env.PROOF_PDF_OUT, pdf.rawPayload);
    }
    const admin = await t.user('admin');
    expect((await proof('2026-11-01', '2026-11-30', admin)).statusCode).toBe(200);
    const caseworker = await t.user('caseworker');
    expectProblem(await proof('2026-11-01', '2026-11-30', caseworker), 403, 'forbidden');
    expectProblem(await proof('2026-11-30', '2026-11-01'), 400, 'validation_failed');
    expect((await t.call('GET', '/api/v1/reports/period-proof?from=2026-11-01&to=2026-11-30')).statusCode).toBe(401);
  });
});
