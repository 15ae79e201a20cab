import { personalDataReads } from '@tk/db';
import { parse } from 'csv-parse/sync';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProvider } from './factories.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

/** Import help: a template whose example rows use every allowed value, and what each import created. */

let t: TestContext;
let caseworker: { token: string };
let tutorId: string;

beforeAll(async () => {
  t = await createTestContext();
  caseworker = await t.user('caseworker');
  tutorId = (await makeProvider(t.db, { name: 'Lernstudio Eule', category: 'tutor', benefitTypes: ['tutoring'] })).id;
});
afterAll(() => t.close());

const post = (csv: string, query: string) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/imports?${query}`,
    headers: { authorization: `Bearer ${caseworker.token}`, 'content-type': 'text/csv; charset=utf-8' },
    payload: csv,
  });

describe('import template', () => {
  it('has the header, one example per benefit type using every legal basis and cost bearer; its dry run is clean', async () => {
    const res = await t.call('GET', '/api/v1/imports/template.csv', { token: caseworker.token });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toContain('teilhabekarte-import-vorlage.csv');
    const rows = parse(res.body, { bom: true, delimiter: ';', columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([
      'Aktenzeichen',
      'Vorname',
      'Nachname',
      'Geburtsdatum',
      'Leistungsart',
      'Rechtskreis',
      'Kostentraeger',
      'Gueltig_ab',
      'Gueltig_bis',
      'Betrag',
      'Stunden',
      'Stundensatz',
      'Anbieter',
      'Fach',
      'Bescheid',
      'Stadtbezirk',
    ]);
    expect(rows.map((r) => r.Leistungsart)).toEqual([
      'Mittagessen',
      'Teilhabe',
      'Lernfoerderung',
      'Ausflug',
      'Schulbedarf',
      'Schuelerbefoerderung',
    ]);
    expect(new Set(rows.map((r) => r.Rechtskreis)).size).toBe(6);
    expect(new Set(rows.map((r) => r.Kostentraeger))).toEqual(new Set(['JOBCENTER', 'KREIS', 'SOZIALAMT']));
    expect(rows.find((r) => r.Leistungsart === 'Lernfoerderung')!.Anbieter).toBe(tutorId);
    expect(rows[0]!.Gueltig_ab).toBe('01.11.2026');

    const dry = await post(res.body, 'mode=dry_run');
    expect(dry.statusCode).toBe(201);
    expect(dry.json()).toMatchObject({ totalRows: 6, validRows: 6, invalidRows: 0, report: [] });
  });

  it('401 without token, 403 for other roles', async () => {
    expect((await t.call('GET', '/api/v1/imports/template.csv')).statusCode).toBe(401);
    const accounting = await t.user('accounting');
    expectProblem(await t.call('GET', '/api/v1/imports/template.csv', { token: accounting.token }), 403, 'forbidden');
  });
});

describe('what an import created', () => {
  it('lists the children the import created with their new cards; a dry run created none; unknown → 404', async () => {
    const csv = [
      'Aktenzeichen;Vorname;Nachname;Geburtsdatum;Leistungsart;Rechtskreis;Gueltig_ab;Gueltig_bis',
      'AZ-IMP-1;Lina;Sonnenberg;01.02.2016;Teilhabe;SGB II;01.11.2026;31.10.2027',
      'AZ-IMP-2;Ömer;Yılmaz;03.04.2015;Mittagessen;AsylbLG;01.11.2026;31.07.2027',
    ].join('\r\n');
    const dry = (await post(csv, 'mode=dry_run')).json();
    expect((await t.call('GET', `/api/v1/imports/${dry.id}/children`, { token: caseworker.token })).json()).toEqual({
      items: [],
    });
    const job = (await post(csv, 'mode=import&issueCards=true')).json();
    expect(job).toMatchObject({ createdBeneficiaries: 2, issuedCards: 2 });
    const res = await t.call('GET', `/api/v1/imports/${job.id}/children`, { token: caseworker.token });
    expect(res.statusCode).toBe(200);
    const items = res.json().items;
    expect(items.map((c: { displayName: string }) => c.displayName)).toEqual(['Sonnenberg, Lina', 'Yılmaz, Ömer']);
    for (const c of items) {
      expect(c.beneficiaryId).toMatch(/^ben_/);
      expect(c.cardId).toMatch(/^card_/);
      expect(c.cardNumber).toMatch(/^\d{16}$/);
    }
    // Read audit: each listed child's access log has the list (one row each).
    const reads = await t.db
      .select()
      .from(personalDataReads)
      .where(
        inArray(
          personalDataReads.beneficiaryId,
          items.map((c: { beneficiaryId: string }) => c.beneficiaryId),
        ),
      );
    expect(reads.map((r) => r.action)).toEqual(['list', 'list']);
    // The same file again creates nobody: that import lists no children.
    const again = (await post(csv, 'mode=import&issueCards=true')).json();
    expect(
      (await t.call('GET', `/api/v1/imports/${again.id}/children`, { token: caseworker.token })).json().items,
    ).toEqual([]);
    expectProblem(
      await t.call('GET', '/api/v1/imports/imp_unknown/children', { token: caseworker.token }),
      404,
      'import_not_found',
    );
  });
});
