import { PassThrough } from 'node:stream';
import { fixedClock } from '@tk/core';
import { settlementBatches } from '@tk/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSettlement } from '../src/modules/settlement/settlement.run.ts';
import { makeProvider } from './factories.ts';
import { createTestContext, type TestContext } from './support.ts';

/**
 * No personal data in the logs (issue 10, finding 3): a whole scenario, failures included, with debug
 * logging captured; then the log is searched for every name, birth date, case reference, card number,
 * IBAN and account holder used.
 */
let t: TestContext;
const lines: string[] = [];
const child = {
  givenName: 'Wenzeslaus',
  familyName: 'Pfefferkorn-Zabel',
  birthDate: '2013-06-29',
  caseReference: 'AZ-LOG-98127',
};
const holder = 'Turnverein Quappendorf e.V.';
const iban = 'DE02120300000000202051';
const secrets: string[] = [...Object.values(child), holder, iban];
const statuses: number[] = [];

beforeAll(async () => {
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
  t = await createTestContext({ config: { logLevel: 'debug' }, logStream });
});
afterAll(() => t.close());

async function call(...args: Parameters<TestContext['call']>) {
  const res = await t.call(...args);
  statuses.push(res.statusCode);
  return res;
}

describe('a scenario with debug logging', () => {
  it('books, searches and fails without writing anything personal to the log', async () => {
    const caseworker = (await t.user('caseworker')).token;
    const [acc1, acc2] = [(await t.user('accounting')).token, (await t.user('accounting')).token];
    // A provider whose account holder carries a control character (data from before validation existed).
    const provider = await makeProvider(t.db, { accountHolder: `${holder}\u0007`, iban, bic: 'BYLADEM1001' });
    const staff = (await t.user('provider_staff', provider.id)).token;

    const ben = await call('POST', '/api/v1/beneficiaries', { token: caseworker, body: child });
    expect(ben.statusCode).toBe(201);
    const beneficiaryId = ben.json().id;
    const approval = await call('POST', `/api/v1/beneficiaries/${beneficiaryId}/approvals`, {
      token: caseworker,
      body: {
        benefitType: 'participation',
        legalBasis: 'SGB_II',
        costBearer: 'JOBCENTER',
        validFrom: '2026-08-01',
        validTo: '2027-07-31',
      },
    });
    const card = (await call('POST', `/api/v1/beneficiaries/${beneficiaryId}/cards`, { token: caseworker })).json();
    secrets.push(card.cardNumber);

    // Searches by name and card number: the query string must not be logged with the URL.
    for (const q of [child.familyName, card.cardNumber, child.caseReference]) {
      expect(
        (await call('GET', `/api/v1/beneficiaries?q=${encodeURIComponent(q)}`, { token: caseworker })).statusCode,
      ).toBe(200);
    }
    await call('POST', '/api/v1/terminal/lookup', { token: staff, body: { code: card.cardNumber } });
    const booked = await call('POST', '/api/v1/terminal/redemptions', {
      token: staff,
      headers: { 'idempotency-key': 'log-booking-1' },
      body: { code: card.cardNumber, approvalId: approval.json().id, amountCents: 1500, serviceDate: '2026-11-19' },
    });
    expect(booked.statusCode).toBe(201);

    // Failures: a year-0000 birth date, a name with a bidi override, a wrong card number, a payment file
    // over the provider with the control character in its account holder.
    await call('POST', '/api/v1/beneficiaries', { token: caseworker, body: { ...child, birthDate: '0000-01-01' } });
    await call('POST', '/api/v1/beneficiaries', {
      token: caseworker,
      body: { ...child, givenName: `${child.givenName}\u202E` },
    });
    await call('POST', '/api/v1/terminal/lookup', { token: staff, body: { code: `${card.cardNumber.slice(0, -1)}0` } });
    await runSettlement(t.db, { cutoffDate: '2026-11-21', triggeredBy: 'test' }, fixedClock('2026-11-21T01:00:00Z'));
    const [batch] = await t.db.select().from(settlementBatches).where(eq(settlementBatches.providerId, provider.id));
    await call('POST', `/api/v1/settlements/batches/${batch!.id}/certify`, { token: acc1 });
    await call('POST', `/api/v1/settlements/batches/${batch!.id}/release`, { token: acc2 });
    await call('POST', '/api/v1/settlements/payment-files', { token: acc1, body: { batchIds: [batch!.id] } });

    // A database error whose bound values are personal data, logged the way the error handler logs it.
    const failed = await t.db.execute(sql`select ${child.familyName}::date`).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(Error);
    t.app.log.error({ err: failed }, 'request failed');

    const text = lines.join('');
    expect(lines.length).toBeGreaterThan(15); // one access line per request (17 requests), besides the rest
    expect(text).toContain('database error');
    expect(text).toContain('"sqlState":"22007"');
    for (const secret of secrets) {
      expect(text.includes(secret), `log contains ${secret}`).toBe(false);
      expect(text.includes(encodeURIComponent(secret)), `log contains ${encodeURIComponent(secret)}`).toBe(false);
    }
  });
});
