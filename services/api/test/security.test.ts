import { PassThrough } from 'node:stream';
import { luhnCheckDigit } from '@tk/core';
import { auditLog } from '@tk/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCardToken } from '../src/lib/card-token.ts';
import { generateJwk, keyRingFromJwks } from '../src/lib/keys.ts';
import { makeProvider } from './factories.ts';
import { createTestContext, expectInvariantsHold, expectProblem, type TestContext } from './support.ts';

/**
 * Tenancy, tokens and privacy across the whole flow (proof under fire): provider A against provider B's
 * cards, bookings, batches and statements; tampered, wrong-key and other-card QR tokens; card-number
 * guessing; no personal data in the logs. Everything goes through the HTTP API.
 */
let t: TestContext;
const logLines: string[] = [];
const child = {
  givenName: 'Jolanthe',
  familyName: 'Quasthoff-Brennecke',
  birthDate: '2014-03-17',
  caseReference: 'AZ-SEC-4711',
};
let tokens: { caseworker: string; accounting: string; staffA: string; staffB: string; adminA: string };
let providerA: string;
let providerB: string;
let card: { id: string; cardNumber: string; qrToken: string };
let approvalId: string;
let tutoringId: string;
let redemptionId: string;

beforeAll(async () => {
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => logLines.push(chunk.toString()));
  t = await createTestContext({ config: { logLevel: 'debug' }, logStream, now: '2026-11-20T09:00:00Z' });
  providerA = (await makeProvider(t.db, { benefitTypes: ['participation'] })).id;
  const tutor = await makeProvider(t.db, { category: 'tutor', benefitTypes: ['tutoring'] });
  providerB = (await makeProvider(t.db, { benefitTypes: ['participation'] })).id;
  tokens = {
    caseworker: (await t.user('caseworker')).token,
    accounting: (await t.user('accounting')).token,
    staffA: (await t.user('provider_staff', providerA)).token,
    adminA: (await t.user('provider_admin', providerA)).token,
    staffB: (await t.user('provider_staff', providerB)).token,
  };
  const ben = await t.call('POST', '/api/v1/beneficiaries', { token: tokens.caseworker, body: child });
  expect(ben.statusCode).toBe(201);
  const beneficiaryId = ben.json().id;
  const approval = await t.call('POST', `/api/v1/beneficiaries/${beneficiaryId}/approvals`, {
    token: tokens.caseworker,
    body: {
      benefitType: 'participation',
      legalBasis: 'SGB_II',
      costBearer: 'JOBCENTER',
      validFrom: '2026-08-01',
      validTo: '2027-07-31',
    },
  });
  expect(approval.statusCode).toBe(201);
  approvalId = approval.json().id;
  const tutoring = await t.call('POST', `/api/v1/beneficiaries/${beneficiaryId}/approvals`, {
    token: tokens.caseworker,
    body: {
      benefitType: 'tutoring',
      legalBasis: 'SGB_II',
      validFrom: '2026-08-01',
      validTo: '2027-07-31',
      providerId: tutor.id,
      hours: 20,
      hourlyRateCents: 2500,
    },
  });
  expect(tutoring.statusCode).toBe(201);
  tutoringId = tutoring.json().id;
  const issued = await t.call('POST', `/api/v1/beneficiaries/${beneficiaryId}/cards`, { token: tokens.caseworker });
  expect(issued.statusCode).toBe(201);
  card = issued.json();
  const booked = await t.call('POST', '/api/v1/terminal/redemptions', {
    token: tokens.staffA,
    headers: { 'idempotency-key': 'sec-booking-1' },
    body: { code: card.qrToken, approvalId, amountCents: 1250, serviceDate: '2026-11-19' },
  });
  expect(booked.statusCode).toBe(201);
  redemptionId = booked.json().id;
});
afterAll(async () => {
  await expectInvariantsHold(t.db);
  await t.close();
});

describe('provider A against provider B', () => {
  it('B does not see, reverse or fetch A’s bookings', async () => {
    const list = await t.call('GET', '/api/v1/terminal/redemptions?from=2026-11-01&to=2026-11-30', {
      token: tokens.staffB,
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toEqual([]);
    expectProblem(
      await t.call('POST', `/api/v1/terminal/redemptions/${redemptionId}/reverse`, { token: tokens.staffB, body: {} }),
      404,
      'redemption_not_found',
    );
    expect(
      (await t.call('GET', `/api/v1/terminal/redemptions/${redemptionId}`, { token: tokens.staffB })).statusCode,
    ).toBe(404);
    const own = await t.call('GET', '/api/v1/terminal/redemptions?from=2026-11-01&to=2026-11-30', {
      token: tokens.staffA,
    });
    expect(own.json().items.map((r: { id: string }) => r.id)).toEqual([redemptionId]);
  });

  it('a lookup shows only what this provider may redeem, and nothing personal beyond the initial', async () => {
    const res = await t.call('POST', '/api/v1/terminal/lookup', {
      token: tokens.staffB,
      body: { code: card.cardNumber },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.holder).toEqual({ displayName: 'Jolanthe Q.' });
    expect(body.entitlements.map((e: { approvalId: string }) => e.approvalId)).toEqual([approvalId]);
    const text = JSON.stringify(body);
    for (const secret of [
      child.familyName,
      child.birthDate,
      child.caseReference,
      'SGB_II',
      'JOBCENTER',
      tutoringId,
      redemptionId,
    ]) {
      expect(text).not.toContain(secret);
    }
    // The tutoring approval names another provider: not redeemable here.
    expectProblem(
      await t.call('POST', '/api/v1/terminal/redemptions', {
        token: tokens.staffB,
        headers: { 'idempotency-key': 'sec-tutoring' },
        body: { code: card.cardNumber, approvalId: tutoringId, minutes: 45 },
      }),
      403,
      'not_redeemable_here',
    );
  });

  it('B never sees A’s settlement batch or statement', async () => {
    const run = await t.call('POST', '/api/v1/settlements/runs', {
      token: tokens.accounting,
      body: { cutoffDate: '2026-11-21' },
    });
    expect(run.statusCode).toBe(201);
    const all = (await t.call('GET', '/api/v1/settlements/batches', { token: tokens.accounting })).json().items as {
      id: string;
      providerId: string;
    }[];
    const batchA = all.find((b) => b.providerId === providerA)!;
    expect(batchA).toBeDefined();
    const listB = await t.call('GET', '/api/v1/settlements/batches', { token: tokens.staffB });
    expect(listB.json().items).toEqual([]);
    const forged = await t.call('GET', `/api/v1/settlements/batches?providerId=${providerA}`, { token: tokens.staffB });
    expect(forged.statusCode === 200 ? forged.json().items : []).toEqual([]);
    expect((await t.call('GET', `/api/v1/settlements/batches/${batchA.id}`, { token: tokens.staffB })).statusCode).toBe(
      404,
    );
    expect(
      (await t.call('GET', `/api/v1/settlements/batches/${batchA.id}/statement.pdf`, { token: tokens.staffB }))
        .statusCode,
    ).toBe(404);
    const statement = await t.call('GET', `/api/v1/settlements/batches/${batchA.id}/statement.pdf`, {
      token: tokens.adminA,
    });
    expect(statement.statusCode).toBe(200);
    expect(statement.rawPayload.subarray(0, 4).toString()).toBe('%PDF');
  });
});

describe('QR tokens', () => {
  it('a tampered token is invalid_code', async () => {
    const [h, p, s] = card.qrToken.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, c: `${payload.c}x` })).toString('base64url')}.${s}`;
    expectProblem(
      await t.call('POST', '/api/v1/terminal/lookup', { token: tokens.staffA, body: { code: tampered } }),
      400,
      'invalid_code',
    );
    const at = s!.length - 2;
    const flipped = `${h}.${p}.${s!.slice(0, at)}${s![at] === 'A' ? 'B' : 'A'}${s!.slice(at + 1)}`;
    expectProblem(
      await t.call('POST', '/api/v1/terminal/lookup', { token: tokens.staffA, body: { code: flipped } }),
      400,
      'invalid_code',
    );
  });

  it('a token signed by a foreign or retired key is invalid_code', async () => {
    const foreign = await keyRingFromJwks([await generateJwk(t.keys.card.signer.kid)]);
    const { token } = await signCardToken(foreign, card.id);
    expectProblem(
      await t.call('POST', '/api/v1/terminal/lookup', { token: tokens.staffA, body: { code: token } }),
      400,
      'invalid_code',
    );
    const retired = await keyRingFromJwks([await generateJwk('card-retired')]);
    const old = await signCardToken(retired, card.id);
    expectProblem(
      await t.call('POST', '/api/v1/terminal/lookup', { token: tokens.staffA, body: { code: old.token } }),
      400,
      'invalid_code',
    );
  });

  it('a genuine token for a card that does not exist is card_not_found; a blocked card’s token is card_blocked', async () => {
    const { token } = await signCardToken(t.keys.card, 'card_00000000000000000000000000');
    expectProblem(
      await t.call('POST', '/api/v1/terminal/lookup', { token: tokens.staffA, body: { code: token } }),
      404,
      'card_not_found',
    );
    const blocked = await t.call('POST', `/api/v1/cards/${card.id}/block`, {
      token: tokens.caseworker,
      body: { reason: 'lost' },
    });
    expect(blocked.statusCode).toBe(200);
    expectProblem(
      await t.call('POST', '/api/v1/terminal/lookup', { token: tokens.staffA, body: { code: card.qrToken } }),
      409,
      'card_blocked',
    );
  });
});

describe('guessing card numbers', () => {
  it('is throttled per user after a few misses, and audited', async () => {
    const guesser = await t.user('provider_staff', providerA);
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) {
      // Valid Luhn, random numbers: what a guesser would type.
      const payload = `4${String(10_000_000_000_000 + i * 7919).padStart(14, '0')}`;
      const number = payload + String(luhnCheckDigit(payload));
      statuses.push(
        (await t.call('POST', '/api/v1/terminal/lookup', { token: guesser.token, body: { code: number } })).statusCode,
      );
    }
    expect(statuses.slice(0, 10).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(11)).toEqual([429, 429, 429]);
    const audits = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, guesser.id), eq(auditLog.action, 'terminal.invalid_code')));
    expect(audits.length).toBeGreaterThanOrEqual(10);
  });
});

describe('logs', () => {
  it('carry no personal data, card numbers, tokens or passwords', () => {
    const text = logLines.join('');
    expect(logLines.length).toBeGreaterThan(20);
    for (const secret of [
      child.givenName,
      child.familyName,
      child.birthDate,
      child.caseReference,
      card.cardNumber,
      card.qrToken,
      tokens.staffA,
      'correct-horse-battery',
    ]) {
      expect(text.includes(secret), `log contains ${secret.slice(0, 12)}…`).toBe(false);
    }
  });
});
