import { fixedClock, isValidCardNumber } from '@tk/core';
import { approvalRevisions, approvals, auditLog, beneficiaries, cards, importJobs } from '@tk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCardToken } from '../src/lib/card-token.ts';
import { startImport } from '../src/modules/imports/imports.service.ts';
import { makeBeneficiary, makeProvider } from './factories.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

let t: TestContext;
let caseworker: { id: string; token: string };
let tutorId: string;
let schoolId: string;

const HEADER =
  'Aktenzeichen;Vorname;Nachname;Geburtsdatum;Leistungsart;Rechtskreis;Kostentraeger;Gueltig_ab;Gueltig_bis;Betrag;Stunden;Stundensatz;Anbieter';

beforeAll(async () => {
  t = await createTestContext();
  caseworker = await t.user('caseworker');
  tutorId = (await makeProvider(t.db, { name: 'Lernstudio Eule', category: 'tutor', benefitTypes: ['tutoring'] })).id;
  schoolId = (await makeProvider(t.db, { name: 'Realschule Ost', category: 'school', benefitTypes: ['trip', 'lunch'] }))
    .id;
});
afterAll(() => t.close());

function post(
  csv: string | Buffer,
  query = 'mode=import',
  contentType = 'text/csv; charset=utf-8',
  token = caseworker.token,
) {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/imports?${query}`,
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    payload: csv,
  });
}

async function counts() {
  return {
    beneficiaries: await t.db.$count(beneficiaries),
    approvals: await t.db.$count(approvals),
    revisions: await t.db.$count(approvalRevisions),
    cards: await t.db.$count(cards),
  };
}

describe('bulk import', () => {
  it('imports children, approvals of every kind and cards; the same file again changes nothing', async () => {
    const csv = [
      `\uFEFF${HEADER}`,
      'IMP-1;Mia;Schneider;14.03.2015;Teilhabe;SGB II;Jobcenter;01.08.2026;31.07.2027;;;;',
      'IMP-1;Mia;Schneider;14.03.2015;Mittagessen;SGB II;JOBCENTER;2026-08-01;2027-07-31;;;;',
      `IMP-2;Leon;Yılmaz;02.02.2012;Lernförderung;BKGG KiZ;;01.09.2026;31.01.2027;;20;18,50;${tutorId}`,
      'IMP-2;Leon;Yılmaz;02.02.2012;Klassenfahrt;BKGG_KIZ;;01.11.2026;30.06.2027;"285,00";;;Realschule Ost',
      'IMP-3;Emma;Krüger;29.02.2008;Schulbedarf;SGB XII 3;Sozialamt der Stadt;01.08.2026;31.07.2027;195;;;',
    ].join('\r\n');
    const before = await counts();
    const res = await post(csv, 'mode=import&issueCards=true&fileName=export.csv');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      mode: 'import',
      status: 'completed',
      fileName: 'export.csv',
      totalRows: 5,
      processedRows: 5,
      validRows: 5,
      invalidRows: 0,
      createdBeneficiaries: 3,
      createdApprovals: 5,
      issuedCards: 3,
      report: [],
    });
    const after = await counts();
    expect(after).toEqual({
      beneficiaries: before.beneficiaries + 3,
      approvals: before.approvals + 5,
      revisions: before.revisions + 5,
      cards: before.cards + 3,
    });
    const [leon] = await t.db.select().from(beneficiaries).where(eq(beneficiaries.caseReference, 'IMP-2'));
    expect(leon).toMatchObject({ givenName: 'Leon', familyName: 'Yılmaz', birthDate: '2012-02-02' });
    const [leonCard] = await t.db.select().from(cards).where(eq(cards.beneficiaryId, leon!.id));
    expect(leonCard!.status).toBe('active');
    expect(isValidCardNumber(leonCard!.cardNumber)).toBe(true);
    expect(await verifyCardToken(t.keys.card, leonCard!.qrToken)).toBe(leonCard!.id);
    const leonApprovals = await t.db.select().from(approvals).where(eq(approvals.beneficiaryId, leon!.id));
    expect(leonApprovals.find((a) => a.benefitType === 'tutoring')).toMatchObject({
      budgetCents: 20 * 1850,
      remainingCents: 20 * 1850,
      providerId: tutorId,
      legalBasis: 'BKGG_KIZ',
      importKey: 'IMP-2|tutoring|2026-09-01|2027-01-31',
    });
    expect(leonApprovals.find((a) => a.benefitType === 'trip')).toMatchObject({
      budgetCents: 28500,
      providerId: schoolId,
    });
    const [mia] = await t.db.select().from(beneficiaries).where(eq(beneficiaries.caseReference, 'IMP-1'));
    const miaApprovals = await t.db.select().from(approvals).where(eq(approvals.beneficiaryId, mia!.id));
    expect(miaApprovals.find((a) => a.benefitType === 'participation')!.budgetCents).toBe(12 * 1500);
    expect(miaApprovals.find((a) => a.benefitType === 'lunch')!.budgetCents).toBeNull();
    const audits = await t.db.select().from(auditLog).where(eq(auditLog.action, 'approval.imported'));
    expect(audits).toHaveLength(5);

    const rowsBefore = await t.db.select().from(approvals).orderBy(approvals.id);
    const again = await post(csv, 'mode=import&issueCards=true');
    expect(again.json()).toMatchObject({
      status: 'completed',
      validRows: 5,
      unchangedRows: 5,
      createdBeneficiaries: 0,
      createdApprovals: 0,
      issuedCards: 0,
    });
    expect(await counts()).toEqual(after);
    expect(await t.db.select().from(approvals).orderBy(approvals.id)).toEqual(rowsBefore);
  });

  it('a dry run reports what would happen and writes nothing but the job', async () => {
    const csv = `${HEADER}\nDRY-1;Paul;Wolf;01.01.2016;Teilhabe;SGB II;;01.08.2026;31.07.2027;;;;\n`;
    const before = await counts();
    const res = await post(csv, 'mode=dry_run&issueCards=true');
    expect(res.json()).toMatchObject({
      mode: 'dry_run',
      status: 'completed',
      validRows: 1,
      createdBeneficiaries: 1,
      createdApprovals: 1,
      issuedCards: 1,
    });
    expect(await counts()).toEqual(before);
    const polled = await t.call('GET', `/api/v1/imports/${res.json().id}`, { token: caseworker.token });
    expect(polled.json()).toEqual(res.json());
  });

  it('a streamed file is checked in batches, and what the file says across batches still counts', async () => {
    // Line 2 and lines after the first batch of 5,000 rows: the duplicate, the overlap and the other
    // name for the same case reference are found although they are read in a later batch.
    const filler = Array.from(
      { length: 5100 },
      (_, i) => `BIG-${i};Kind;Nr${i};01.01.2016;Teilhabe;SGB II;;01.08.2026;31.07.2027;;;;`,
    );
    const csv = [
      HEADER,
      'BIG-X;Lara;Brandt;05.05.2014;Teilhabe;SGB II;;01.08.2026;31.07.2027;;;;',
      ...filler,
      'BIG-X;Lara;Brandt;05.05.2014;Teilhabe;SGB II;;01.08.2026;31.07.2027;;;;',
      'BIG-X;Lara;Brandt;05.05.2014;Teilhabe;SGB II;;01.09.2026;30.06.2027;;;;',
      'BIG-X;Lena;Brandt;05.05.2014;Mittagessen;SGB II;;01.08.2026;31.07.2027;;;;',
    ].join('\n');
    const res = await post(csv, 'mode=dry_run');
    expect(res.statusCode).toBe(201);
    const job = res.json();
    expect(job).toMatchObject({ totalRows: 5104, validRows: 5101, invalidRows: 3, createdBeneficiaries: 5101 });
    const messages = job.report.map((r: { line: number; message: string }) => [r.line, r.message]);
    expect(messages).toEqual([
      [5103, expect.stringContaining('Doppelte Bewilligung')],
      [5104, expect.stringContaining('Zeile 2')],
      [5105, expect.stringContaining('steht in Zeile 2 mit anderem Namen')],
    ]);
  });

  it('a line the check accepted is written although an earlier batch had refused lines of the same stored child', async () => {
    // Line 2 (first batch) and line 5103 (second batch) name the stored child otherwise: both refused;
    // line 5104 agrees with the database and must be written. The writing pass used to carry its own
    // state of the file, saw line 5103 as the child's "first line" and dropped line 5104 unreported.
    await makeBeneficiary(t.db, {
      caseReference: 'SPLIT-DB',
      givenName: 'Anna',
      familyName: 'Alt',
      birthDate: '2014-04-04',
    });
    const lines = [HEADER, 'SPLIT-DB;Anna;Neu;04.04.2014;Teilhabe;SGB II;;01.08.2026;31.07.2027;;;;'];
    for (let i = 0; i < 5100; i++) {
      lines.push(`SPLIT-${i};Kind;Nr${i};01.01.2016;Teilhabe;SGB II;;01.08.2026;31.07.2027;;;;`);
    }
    lines.push('SPLIT-DB;Anna;Falsch;04.04.2014;Teilhabe;SGB II;;01.08.2026;31.07.2027;;;;');
    lines.push('SPLIT-DB;Anna;Alt;04.04.2014;Mittagessen;SGB II;;01.08.2026;31.07.2027;;;;');
    const actor = { userId: caseworker.id, role: 'caseworker', providerId: null, requestId: null };
    const { completion } = await startImport(
      t.db,
      t.keys.card,
      lines.join('\n'),
      { mode: 'import', issueCards: false },
      actor,
      fixedClock('2026-11-20T09:00:00Z'),
    );
    const done = await completion;
    expect(done).toMatchObject({
      status: 'completed',
      totalRows: 5103,
      processedRows: 5103,
      validRows: 5101,
      invalidRows: 2,
      createdBeneficiaries: 5100,
      createdApprovals: 5101,
    });
    expect(done.report.map((r) => [r.line, r.message])).toEqual([
      [2, expect.stringContaining('bereits mit anderem Namen')],
      [5103, expect.stringContaining('bereits mit anderem Namen')],
    ]);
    const [child] = await t.db.select().from(beneficiaries).where(eq(beneficiaries.caseReference, 'SPLIT-DB'));
    const stored = await t.db.select().from(approvals).where(eq(approvals.beneficiaryId, child!.id));
    expect(stored.map((a) => a.benefitType)).toEqual(['lunch']);
  });

  it('bad lines get a German report per line and field; they leave nothing behind, the good lines are imported', async () => {
    await makeBeneficiary(t.db, {
      caseReference: 'BAD-DB',
      givenName: 'Anna',
      familyName: 'Alt',
      birthDate: '2014-04-04',
    });
    const csv = [
      HEADER,
      'BAD-1;Ida;Meyer;31.02.2015;Teilhabe;SGB II;;01.08.2026;31.07.2027;;;;', // line 2: no such date
      'BAD-2;Tom;Fischer;01.01.2015;Schwimmkurs;SGB 9;Mond;01.08.2026;31.07.2027;;;;', // line 3: three bad fields
      'BAD-3;Ben;Koch;01.01.2015;Lernfoerderung;SGB II;;01.09.2026;31.01.2027;;10;20,00;', // line 4: no provider
      'BAD-4;Lea;Wagner;01.01.2015;Ausflug;SGB II;;01.11.2026;30.06.2027;12,5x;;;', // line 5: bad amount
      'BAD-5;Ole;Becker;10.10.2008;Teilhabe;SGB II;;01.11.2026;31.10.2027;;;;', // line 6: 18 before the period
      'BAD-DB;Anna;Neu;04.04.2014;Mittagessen;SGB II;;01.08.2026;31.07.2027;;;;', // line 7: other name than in the database
      'OK-1;Finn;Richter;05.05.2016;Mittagessen;SGB II;;01.08.2026;31.07.2027;;;;', // line 8: fine
      'OK-1;Finn;Richter;05.05.2016;Mittagessen;SGB II;;01.08.2026;31.07.2027;;;;', // line 9: duplicate of line 8
      'OK-1;Fin;Richter;05.05.2016;Teilhabe;SGB II;;01.08.2026;31.07.2027;;;;', // line 10: other name than line 8
      ';;;;;;;;;;;;', // empty line: skipped
      'OK-2;Ella;Hoffmann;05.05.2017;Teilhabe;SGB II;;01.08.2026;31.07.2027;;;;', // line 12: fine
    ].join('\n');
    const before = await counts();
    const res = await post(csv, 'mode=import&issueCards=true');
    expect(res.statusCode).toBe(201);
    const job = res.json();
    expect(job).toMatchObject({
      totalRows: 10,
      validRows: 2,
      invalidRows: 8,
      createdBeneficiaries: 2,
      createdApprovals: 2,
    });
    const byLine = (line: number) => job.report.filter((r: { line: number }) => r.line === line);
    expect(byLine(2)).toEqual([
      {
        line: 2,
        field: 'Geburtsdatum',
        message: 'Kein gültiges Datum: „31.02.2015“ (erwartet TT.MM.JJJJ oder JJJJ-MM-TT).',
      },
    ]);
    expect(byLine(3).map((r: { field: string }) => r.field)).toEqual(['Leistungsart', 'Rechtskreis', 'Kostentraeger']);
    expect(byLine(3)[0].message).toMatch(/^Unbekannte Leistungsart „Schwimmkurs“/);
    expect(byLine(4)).toEqual([
      { line: 4, field: 'Anbieter', message: 'Lernförderung braucht einen benannten Anbieter.' },
    ]);
    expect(byLine(5)).toEqual([{ line: 5, field: 'Betrag', message: 'Kein gültiger Betrag: „12,5x“ (z. B. 123,45).' }]);
    expect(byLine(6)[0]).toMatchObject({ field: 'Gueltig_ab', message: expect.stringMatching(/18\. Geburtstag/) });
    expect(byLine(7)[0]).toMatchObject({
      field: 'Aktenzeichen',
      message: expect.stringMatching(/bereits mit anderem Namen/),
    });
    expect(byLine(9)[0].message).toMatch(/Doppelte Bewilligung.*Zeile 8/);
    expect(byLine(10)[0].message).toMatch(/Zeile 8 mit anderem Namen/);
    expect(byLine(12)).toEqual([]);

    const after = await counts();
    expect(after.beneficiaries - before.beneficiaries).toBe(2);
    expect(after.approvals - before.approvals).toBe(2);
    expect(after.cards - before.cards).toBe(2);
    for (const ref of ['BAD-1', 'BAD-2', 'BAD-3', 'BAD-4', 'BAD-5']) {
      expect(await t.db.$count(beneficiaries, eq(beneficiaries.caseReference, ref))).toBe(0);
    }
    const [anna] = await t.db.select().from(beneficiaries).where(eq(beneficiaries.caseReference, 'BAD-DB'));
    expect(anna!.familyName).toBe('Alt');
    expect(await t.db.$count(approvals, eq(approvals.beneficiaryId, anna!.id))).toBe(0);
  });

  it('Windows-1252 files and comma separators are read; missing columns are refused before any job exists', async () => {
    const latin1 = Buffer.from(
      `Aktenzeichen,Vorname,Nachname,Geburtsdatum,Leistungsart,Rechtskreis,Gültig ab,Gültig bis\nW-1,Jürgen,Größe,2015-01-01,Mittagessen,SGB II,2026-08-01,2027-07-31\n`,
      'latin1',
    );
    const res = await post(latin1, 'mode=import');
    expect(res.json()).toMatchObject({ validRows: 1, createdApprovals: 1 });
    const [j] = await t.db.select().from(beneficiaries).where(eq(beneficiaries.caseReference, 'W-1'));
    expect(j).toMatchObject({ givenName: 'Jürgen', familyName: 'Größe' });

    const jobsBefore = await t.db.$count(importJobs);
    const missing = await post('Aktenzeichen;Vorname\nA;B\n');
    expect(expectProblem(missing, 400, 'missing_columns').missingColumns).toEqual([
      'Nachname',
      'Geburtsdatum',
      'Leistungsart',
      'Rechtskreis',
      'Gueltig_ab',
      'Gueltig_bis',
    ]);
    expectProblem(await post(`${HEADER}\n"unclosed;quote\n`), 400, 'invalid_csv');
    expect(await t.db.$count(importJobs)).toBe(jobsBefore);
  });

  it('401, 403 for other roles, 415 for JSON, 404 for an unknown job', async () => {
    const csv = `${HEADER}\n`;
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/imports',
          headers: { 'content-type': 'text/csv' },
          payload: csv,
        })
      ).statusCode,
    ).toBe(401);
    const accounting = await t.user('accounting');
    expectProblem(await post(csv, 'mode=import', 'text/csv', accounting.token), 403, 'forbidden');
    expectProblem(
      await t.call('POST', '/api/v1/imports', { token: caseworker.token, body: { rows: [] } }),
      415,
      'unsupported_media_type',
    );
    expectProblem(await post(csv, 'mode=everything'), 400, 'validation_failed');
    expectProblem(
      await t.call('GET', '/api/v1/imports/imp_nope', { token: caseworker.token }),
      404,
      'import_not_found',
    );
  });

  it('large files are written in chunks, with progress recorded per chunk; async start answers before the work is done', async () => {
    const lines = [HEADER];
    for (let i = 0; i < 2500; i++) {
      lines.push(`BIG-${i};Kind;Nummer${i};01.01.2015;Teilhabe;SGB II;;01.08.2026;31.07.2027;;;;`);
    }
    const actor = { userId: caseworker.id, role: 'caseworker', providerId: null, requestId: null };
    const { job, completion } = await startImport(
      t.db,
      t.keys.card,
      lines.join('\n'),
      { mode: 'import', issueCards: true, chunkSize: 1000 },
      actor,
      fixedClock('2026-11-20T09:00:00Z'),
    );
    expect(job).toMatchObject({ status: 'running', totalRows: 2500, processedRows: 0 });
    const done = await completion;
    expect(done).toMatchObject({
      status: 'completed',
      processedRows: 2500,
      createdBeneficiaries: 2500,
      createdApprovals: 2500,
      issuedCards: 2500,
    });
    const listed = await t.call('GET', '/api/v1/imports', { token: caseworker.token });
    expect(listed.json().items[0]).toMatchObject({ id: job.id, status: 'completed' });
    expect(listed.json().items[0]).not.toHaveProperty('report');
  });
});

describe('bulk import failures', () => {
  it('a chunk that fails rolls back whole (no child without its approval); rerunning the file completes it', async () => {
    // A trigger stands in for any database failure in the middle of a chunk (after the children are written).
    await t.database.query(`create function refuse_boom() returns trigger language plpgsql as $$
      begin
        if new.import_key like 'BOOM-%' then raise exception 'simulated failure'; end if;
        return new;
      end $$`);
    await t.database.query(
      'create trigger approvals_refuse_boom before insert on approvals for each row execute function refuse_boom()',
    );
    const csv = [
      HEADER,
      'FAIL-1;Jonas;Lange;01.01.2016;Teilhabe;SGB II;;01.08.2026;31.07.2027;;;;',
      'FAIL-2;Marie;Lange;01.01.2017;Teilhabe;SGB II;;01.08.2026;31.07.2027;;;;',
      'BOOM-3;Karl;Lange;01.01.2018;Teilhabe;SGB II;;01.08.2026;31.07.2027;;;;',
      'FAIL-4;Lina;Lange;01.01.2019;Teilhabe;SGB II;;01.08.2026;31.07.2027;;;;',
    ].join('\n');
    const actor = { userId: caseworker.id, role: 'caseworker', providerId: null, requestId: null };
    const options = { mode: 'import' as const, issueCards: true, chunkSize: 2 };
    const { job, completion } = await startImport(
      t.db,
      t.keys.card,
      csv,
      options,
      actor,
      fixedClock('2026-11-20T09:00:00Z'),
    );
    await expect(completion).rejects.toThrow();
    const [failed] = await t.db.select().from(importJobs).where(eq(importJobs.id, job.id));
    expect(failed).toMatchObject({ status: 'failed', processedRows: 2, createdBeneficiaries: 2, createdApprovals: 2 });
    // The first chunk is committed; of the second chunk nothing is left: no child, no card, no audit row.
    const refs = (await t.db.select().from(beneficiaries)).map((b) => b.caseReference);
    expect(refs).toEqual(expect.arrayContaining(['FAIL-1', 'FAIL-2']));
    expect(refs).not.toContain('BOOM-3');
    expect(refs).not.toContain('FAIL-4');

    await t.database.query('drop trigger approvals_refuse_boom on approvals');
    const { completion: rerun } = await startImport(
      t.db,
      t.keys.card,
      csv,
      options,
      actor,
      fixedClock('2026-11-20T09:00:00Z'),
    );
    expect(await rerun).toMatchObject({
      status: 'completed',
      unchangedRows: 2,
      createdBeneficiaries: 2,
      createdApprovals: 2,
      issuedCards: 2,
    });
    for (const ref of ['FAIL-1', 'FAIL-2', 'BOOM-3', 'FAIL-4']) {
      const [child] = await t.db.select().from(beneficiaries).where(eq(beneficiaries.caseReference, ref));
      expect(await t.db.$count(approvals, eq(approvals.beneficiaryId, child!.id))).toBe(1);
      expect(await t.db.$count(cards, eq(cards.beneficiaryId, child!.id))).toBe(1);
    }
  });
});
