import { paymentFiles, providers } from '@tk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasedBatchOf } from './released-batch.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

/**
 * Input the database chokes on (issue 10, finding 5): dates outside 1900…2100, control and bidi
 * characters in text → 400 `validation_failed`; SEPA text is transliterated when the file is written.
 */
let t: TestContext;
let caseworker: string;
let admin: string;
beforeAll(async () => {
  t = await createTestContext();
  caseworker = (await t.user('caseworker')).token;
  admin = (await t.user('admin')).token;
});
afterAll(() => t.close());

const child = { givenName: 'Mira', familyName: 'Okafor', birthDate: '2015-04-02', caseReference: 'AZ-VAL-1' };

describe('dates', () => {
  it.each(['0000-01-01', '0001-12-31', '1899-12-31', '2101-01-01', '9999-12-31'])(
    '%s → 400 validation_failed',
    async (birthDate) => {
      const body = expectProblem(
        await t.call('POST', '/api/v1/beneficiaries', { token: caseworker, body: { ...child, birthDate } }),
        400,
        'validation_failed',
      );
      expect(body.errors).toEqual([expect.objectContaining({ pointer: '/birthDate' })]);
    },
  );

  it('in a query string too; the edges 1900-01-01 and 2100-12-31 pass', async () => {
    expectProblem(
      await t.call('GET', '/api/v1/reports/provider-spend?from=0000-01-01&to=2026-11-30', { token: admin }),
      400,
      'validation_failed',
    );
    const edge = await t.call('GET', '/api/v1/reports/provider-spend?from=1900-01-01&to=2100-12-31', { token: admin });
    expect(edge.statusCode).toBe(200);
    const old = await t.call('POST', '/api/v1/beneficiaries', {
      token: caseworker,
      body: { ...child, birthDate: '1900-01-01', caseReference: 'AZ-VAL-EDGE' },
    });
    expect(old.statusCode).toBe(201);
  });
});

describe('text', () => {
  it.each([
    ['NUL', 'Mi\u0000ra'],
    ['bell', 'Mira\u0007'],
    ['line break', 'Mi\nra'],
    ['tab', 'Mi\tra'],
    ['DEL', 'Mira\u007F'],
    ['C1 control', 'Mira\u0085'],
    ['right-to-left override', 'Mira\u202Eroka'],
    ['left-to-right isolate', '\u2066Mira'],
  ])('a name with a %s → 400 validation_failed naming the field', async (_label, givenName) => {
    const body = expectProblem(
      await t.call('POST', '/api/v1/beneficiaries', { token: caseworker, body: { ...child, givenName } }),
      400,
      'validation_failed',
    );
    expect(body.errors).toEqual([expect.objectContaining({ pointer: '/givenName' })]);
  });

  it('an account holder with a control character → 400; umlauts, ß, accents and & are fine', async () => {
    const provider = {
      name: 'Förderverein Grün & Söhne',
      accountHolder: 'Förderverein Grün\u0001',
      iban: 'DE89370400440532013000',
      address: { town: 'Hamm', country: 'DE' },
      benefitTypes: ['participation'],
    };
    const bad = expectProblem(
      await t.call('POST', '/api/v1/providers', { token: admin, body: provider }),
      400,
      'validation_failed',
    );
    expect(bad.errors).toEqual([expect.objectContaining({ pointer: '/accountHolder' })]);
    const ok = await t.call('POST', '/api/v1/providers', {
      token: admin,
      body: { ...provider, accountHolder: 'Förderverein Grün & Söhne – Café Zoë' },
    });
    expect(ok.statusCode, ok.body).toBe(201);
  });
});

describe('SEPA text', () => {
  it('is transliterated in the payment file; the original stays in the database; one provider’s data never fails the file', async () => {
    const [acc1, acc2] = [await t.user('accounting'), await t.user('accounting')];
    const holders = [
      'Förderverein Grün & Söhne – Café Zoë',
      // Stored before validation existed: a control character and a bidi override.
      'Turnverein\u0007 Nord\u202E e.V.',
    ];
    const batchIds: string[] = [];
    for (const accountHolder of holders) {
      batchIds.push(
        await releasedBatchOf(
          t,
          { accountHolder, town: 'Münster', street: 'Straße des 17. Juni 1' },
          { certifier: acc1.token, releaser: acc2.token },
          2000,
        ),
      );
    }
    const res = await t.call('POST', '/api/v1/settlements/payment-files', { token: acc1.token, body: { batchIds } });
    expect(res.statusCode).toBe(201);
    const [file] = await t.db.select().from(paymentFiles).where(eq(paymentFiles.id, res.json().id));
    const names = [...file!.xml.matchAll(/<Cdtr><Nm>([^<]*)<\/Nm>/g)].map((m) => m[1]).sort();
    expect(names).toEqual(['Förderverein Grün &amp; Söhne Cafe Zoe', 'Turnverein Nord e.V.']);
    expect(file!.xml).toContain('<TwnNm>Münster</TwnNm>');
    expect(file!.xml).toContain('<StrtNm>Straße des 17. Juni 1</StrtNm>');
    // Only the German banks' SEPA character set in every text node (`&` arrives escaped).
    for (const m of file!.xml.matchAll(/>([^<>]+)</g)) {
      expect(m[1]!.replace(/&amp;/g, '&')).toMatch(/^[A-Za-z0-9/\-?:().,'+ ÄÖÜäöüß&*$%]+$/);
    }
    const stored = await t.db.select({ h: providers.accountHolder }).from(providers);
    expect(stored.map((r) => r.h)).toContain(holders[0]);
  });
});
