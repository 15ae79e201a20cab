import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { berlinDate, fixedClock, formatGermanDate } from '@tk/core';
import { auditLog, cityLogos, settlementBatches } from '@tk/db';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSettlement } from '../src/modules/settlement/settlement.run.ts';
import { makeApproval, makeBeneficiary, makeCard, makeProvider, makeRedemption } from './factories.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

/**
 * Documents that look finished (issue 11 items 7–9, issue 13 bulk letters): the city logo as a setting
 * on the card, the letter and the Gutschrift; bulk card printing (A4 sheet and ID-1 run) with audit;
 * the Gutschrift with issue date, issuer address, purposes, totals per benefit type and page numbers.
 * PDFs are read back with poppler's pdftotext (per page where it matters).
 */
let t: TestContext;
let admin: { id: string; token: string };
let caseworker: { id: string; token: string };
let accounting: { id: string; token: string };
const dir = process.env.DOCUMENTS_OUT_DIR ?? mkdtempSync(path.join(tmpdir(), 'tk-documents-'));

beforeAll(async () => {
  t = await createTestContext();
  admin = await t.user('admin');
  caseworker = await t.user('caseworker');
  accounting = await t.user('accounting');
});
afterAll(() => t.close());

function png(width: number, height: number, rgb: [number, number, number] = [200, 30, 40]): Buffer {
  const image = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) image.data.set([...rgb, 255], i * 4);
  return PNG.sync.write(image);
}

const upload = (body: Buffer | string, contentType: string, token = admin.token) =>
  t.app.inject({
    method: 'PUT',
    url: '/api/v1/catalogue/settings/logo',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    payload: body,
  });

/** pdftotext of the whole file or of one page. */
function pdfPages(pdf: Buffer, page?: number): string {
  const file = path.join(dir, `doc-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, pdf);
  const range = page ? ['-f', String(page), '-l', String(page)] : [];
  return execFileSync('pdftotext', ['-layout', ...range, file, '-'], { encoding: 'utf8' });
}
const pageCount = (pdf: Buffer) => pdf.toString('latin1').match(/\/Type \/Page\n/g)?.length ?? 0;
const hasImage = (pdf: Buffer) => /\/Subtype \/Image/.test(pdf.toString('latin1'));

const SVG_LOGO =
  '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100" viewBox="0 0 300 100"><rect width="300" height="100" fill="#0a5"/><text x="20" y="65" font-family="Noto Sans" font-size="40" fill="#fff">Stadt</text></svg>';

describe('city logo (uploadCityLogo, getCityLogo, deleteCityLogo)', () => {
  it('a PNG is stored as uploaded, audited, and printed on the card instead of the initial', async () => {
    await t.db.delete(cityLogos);
    const child = await makeBeneficiary(t.db);
    const card = await makeCard(t.db, t.keys, child.id);
    const before = await t.call('GET', `/api/v1/cards/${card.id}/print.pdf`, { token: caseworker.token });
    expect(hasImage(before.rawPayload)).toBe(false);

    const file = png(400, 160);
    const res = await upload(file, 'image/png');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ contentType: 'image/png', widthPx: 400, heightPx: 160, bytes: file.length });
    const got = await t.call('GET', '/api/v1/catalogue/settings/logo', { token: caseworker.token });
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.rawPayload.equals(file)).toBe(true);
    const [entry] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'city_logo.updated'), eq(auditLog.actorId, admin.id)));
    expect(entry?.data).toMatchObject({ contentType: 'image/png', widthPx: 400 });

    const after = await t.call('GET', `/api/v1/cards/${card.id}/print.pdf`, { token: caseworker.token });
    expect(after.statusCode).toBe(200);
    expect(hasImage(after.rawPayload)).toBe(true);
    expect(pdfPages(after.rawPayload)).toContain('Stadt Musterstadt');
    expect(pdfPages(after.rawPayload)).toContain('Kinder- und Jugendkarte');
    writeFileSync(path.join(dir, 'card-with-logo.pdf'), after.rawPayload);
  });

  it('an SVG is checked, rendered to PNG for the PDFs, and served as uploaded with a locking CSP', async () => {
    const res = await upload(SVG_LOGO, 'image/svg+xml');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ contentType: 'image/svg+xml', widthPx: 300, heightPx: 100 });
    const [row] = await t.db.select().from(cityLogos);
    expect(row!.png.subarray(1, 4).toString()).toBe('PNG');
    expect(row!.png.equals(row!.original)).toBe(false);
    const got = await t.call('GET', '/api/v1/catalogue/settings/logo', { token: admin.token });
    expect(got.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(got.headers['content-security-policy']).toContain("default-src 'none'");
    expect(got.body).toBe(SVG_LOGO);
  });

  it('a wrong type, an unreadable PNG and active or external SVG content → 400 logo_unsupported; nothing changes', async () => {
    await upload(png(100, 100), 'image/png');
    const [before] = await t.db.select().from(cityLogos);
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0]);
    expectProblem(await upload(jpeg, 'image/jpeg'), 400, 'logo_unsupported');
    expectProblem(await upload('just text', 'text/plain'), 400, 'logo_unsupported');
    expectProblem(await upload(Buffer.alloc(0), 'image/png'), 400, 'logo_unsupported');
    expectProblem(await upload(png(100, 100).subarray(0, 40), 'image/png'), 400, 'logo_unsupported');
    const svgs = [
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><script>alert(1)</script></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" onload="alert(1)"><rect width="9" height="9"/></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100"><use xlink:href="https://evil.example/x.svg#a"/></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><image href="/etc/hostname" width="9" height="9"/></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><foreignObject><p>x</p></foreignObject></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect style="fill:url(https://evil.example/)" width="9" height="9"/></svg>',
      '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">&x;</svg>',
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect width="9"></svg>',
    ];
    for (const svg of svgs) expectProblem(await upload(svg, 'image/svg+xml'), 400, 'logo_unsupported');
    const [after] = await t.db.select().from(cityLogos);
    expect(after!.original.equals(before!.original)).toBe(true);
  });

  it('more than 512 KiB or more than 4000 pixels on a side → 400 logo_too_large', async () => {
    const big = Buffer.concat([png(100, 100), Buffer.alloc(600 * 1024)]);
    const tooBig = expectProblem(await upload(big, 'image/png'), 400, 'logo_too_large');
    expect(tooBig.detail).toMatch(/KiB/);
    const wide = expectProblem(await upload(png(4001, 20), 'image/png'), 400, 'logo_too_large');
    expect(wide.detail).toMatch(/4001 × 20/);
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="5000" height="100"><rect width="10" height="10"/></svg>';
    expectProblem(await upload(svg, 'image/svg+xml'), 400, 'logo_too_large');
  });

  it('only an admin uploads or removes it (401 without token, 403 for a caseworker); removing falls back to the initial', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/catalogue/settings/logo',
      headers: { 'content-type': 'image/png' },
      payload: png(50, 50),
    });
    expectProblem(res, 401, 'unauthenticated');
    expectProblem(await upload(png(50, 50), 'image/png', caseworker.token), 403, 'forbidden');
    expectProblem(
      await t.call('DELETE', '/api/v1/catalogue/settings/logo', { token: caseworker.token }),
      403,
      'forbidden',
    );
    expect((await t.call('DELETE', '/api/v1/catalogue/settings/logo', { token: admin.token })).statusCode).toBe(204);
    expectProblem(await t.call('GET', '/api/v1/catalogue/settings/logo', { token: admin.token }), 404, 'not_found');
    const child = await makeBeneficiary(t.db);
    const card = await makeCard(t.db, t.keys, child.id);
    const pdf = await t.call('GET', `/api/v1/cards/${card.id}/print.pdf`, { token: caseworker.token });
    expect(hasImage(pdf.rawPayload)).toBe(false);
  });
});

describe('bulk card printing (printCardSheet, printCardsId1) and bulk letters', () => {
  it('the ID-1 run has one card per page of 85.6 × 54 mm, in the order asked, and every print is audited', async () => {
    await upload(png(300, 120, [20, 90, 160]), 'image/png');
    const names = ['Łukasz', 'Nguyễn', 'Zoë'];
    const ids: string[] = [];
    for (const givenName of names) {
      const child = await makeBeneficiary(t.db, { givenName, familyName: 'Bulkdruck' });
      ids.push((await makeCard(t.db, t.keys, child.id)).id);
    }
    const res = await t.call('POST', '/api/v1/cards/print-id1', { token: caseworker.token, body: { cardIds: ids } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const pdf = res.rawPayload;
    expect(pageCount(pdf)).toBe(3);
    expect(pdf.toString('latin1').match(/\/MediaBox \[0 0 242\.6\d* 153\.0\d*\]/g)).toHaveLength(3);
    // One embedded copy of the logo for all cards.
    expect(pdf.toString('latin1').match(/\/Subtype \/Image/g)?.length).toBeLessThanOrEqual(2);
    names.forEach((name, i) => {
      const page = pdfPages(pdf, i + 1);
      expect(page).toContain(name);
      for (const other of names.filter((n) => n !== name)) expect(page).not.toContain(other);
    });
    writeFileSync(path.join(dir, 'bulk-id1.pdf'), pdf);
    const entries = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'card.printed'), inArray(auditLog.entityId, ids)));
    expect(entries).toHaveLength(3);
    for (const e of entries) {
      expect(e.actorId).toBe(caseworker.id);
      expect(e.data).toEqual({ format: 'id1', count: 3 });
    }
  });

  it('the A4 sheet is audited as a4; a blocked card stops the whole print (409) and nothing is audited', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await makeCard(t.db, t.keys, (await makeBeneficiary(t.db)).id)).id);
    const sheet = await t.call('POST', '/api/v1/cards/print-sheet', {
      token: caseworker.token,
      body: { cardIds: ids },
    });
    expect(sheet.statusCode).toBe(200);
    const printed = await t.db.select().from(auditLog).where(inArray(auditLog.entityId, ids));
    expect(printed.filter((e) => e.action === 'card.printed').map((e) => e.data)).toEqual(
      Array(3).fill({ format: 'a4', count: 3 }),
    );
    await t.call('POST', `/api/v1/cards/${ids[1]}/block`, { token: caseworker.token, body: { reason: 'lost' } });
    const fresh = (await makeCard(t.db, t.keys, (await makeBeneficiary(t.db)).id)).id;
    expectProblem(
      await t.call('POST', '/api/v1/cards/print-id1', { token: caseworker.token, body: { cardIds: [fresh, ids[1]] } }),
      409,
      'card_not_active',
    );
    expect(
      await t.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'card.printed'), eq(auditLog.entityId, fresh))),
    ).toHaveLength(0);
    expectProblem(
      await t.call('POST', '/api/v1/cards/print-id1', { token: admin.token, body: { cardIds: [fresh] } }),
      403,
      'forbidden',
    );
    expectProblem(
      await t.call('POST', '/api/v1/cards/print-id1', { body: { cardIds: [fresh] } }),
      401,
      'unauthenticated',
    );
  });

  it('"all new cards of an import": the sheet, the ID-1 run and the letters take the import id', async () => {
    const header =
      'Aktenzeichen;Vorname;Nachname;Geburtsdatum;Leistungsart;Rechtskreis;Kostentraeger;Gueltig_ab;Gueltig_bis;Betrag;Stunden;Stundensatz;Anbieter';
    const csv = [
      header,
      'DOC-1;Łukasz;Importiert;14.03.2015;Teilhabe;SGB II;Jobcenter;01.08.2026;31.07.2027;;;;',
      'DOC-2;Zoë;Importiert;02.02.2012;Teilhabe;SGB II;Jobcenter;01.08.2026;31.07.2027;;;;',
      'DOC-3;Ğül;Importiert;02.02.2013;Teilhabe;SGB II;Jobcenter;01.08.2026;31.07.2027;;;;',
    ].join('\n');
    const job = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports?mode=import&issueCards=true',
      headers: { authorization: `Bearer ${caseworker.token}`, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(job.statusCode, job.body).toBe(201);
    expect(job.json().issuedCards).toBe(3);
    const importJobId = job.json().id as string;
    // A card of the import that was blocked since is left out; the others print in import order.
    const issued = await t.db
      .select({ id: auditLog.entityId })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'card.issued'), sql`${auditLog.data} ->> 'importJobId' = ${importJobId}`))
      .orderBy(auditLog.id);
    await t.call('POST', `/api/v1/cards/${issued[1]!.id}/block`, { token: caseworker.token, body: { reason: 'lost' } });

    const id1 = await t.call('POST', '/api/v1/cards/print-id1', { token: caseworker.token, body: { importJobId } });
    expect(id1.statusCode, id1.body).toBe(200);
    expect(pageCount(id1.rawPayload)).toBe(2);
    expect(pdfPages(id1.rawPayload, 1)).toContain('Łukasz');
    expect(pdfPages(id1.rawPayload, 2)).toContain('Ğül');
    const sheet = await t.call('POST', '/api/v1/cards/print-sheet', { token: caseworker.token, body: { importJobId } });
    expect(pageCount(sheet.rawPayload)).toBe(1);
    const letters = await t.call('POST', '/api/v1/cards/letters', {
      token: caseworker.token,
      body: { importJobId, lang: 'en' },
    });
    expect(letters.statusCode, letters.body).toBe(200);
    const text = pdfPages(letters.rawPayload);
    expect(text).toContain('Łukasz');
    expect(text).toContain('Ğül');
    expect(text).not.toContain('Zoë');

    expectProblem(
      await t.call('POST', '/api/v1/cards/print-id1', {
        token: caseworker.token,
        body: { importJobId: 'imp_unknown' },
      }),
      404,
      'import_not_found',
    );
    expectProblem(
      await t.call('POST', '/api/v1/cards/print-id1', {
        token: caseworker.token,
        body: { importJobId, cardIds: [issued[0]!.id!] },
      }),
      400,
      'validation_failed',
    );
    expectProblem(
      await t.call('POST', '/api/v1/cards/print-id1', { token: caseworker.token, body: {} }),
      400,
      'validation_failed',
    );
  });

  it('bulk letters: one PDF with every letter in the chosen language, each with the logo', async () => {
    const ids: string[] = [];
    for (const givenName of ['Ayşe', 'Mehmet']) {
      const child = await makeBeneficiary(t.db, { givenName, familyName: 'Brief' });
      await makeApproval(t.db, { beneficiaryId: child.id });
      ids.push((await makeCard(t.db, t.keys, child.id)).id);
    }
    const res = await t.call('POST', '/api/v1/cards/letters', {
      token: caseworker.token,
      body: { cardIds: ids, lang: 'tr' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const text = pdfPages(res.rawPayload);
    expect(text).toContain('Ayşe');
    expect(text).toContain('Mehmet');
    expect(hasImage(res.rawPayload)).toBe(true);
  });
});

describe('the Gutschrift (getBatchStatement)', () => {
  it('has issuer address, issue date, purposes, totals per benefit type and "Seite n von m" on each of its pages', async () => {
    const settings = await t.call('PATCH', '/api/v1/catalogue/settings', {
      token: admin.token,
      body: {
        address: { office: 'Amt für Soziales', street: 'Rathausplatz 1', postalCode: '12345', town: 'Musterstadt' },
      },
    });
    expect(settings.statusCode, settings.body).toBe(200);
    expect(settings.json().address).toEqual({
      office: 'Amt für Soziales',
      street: 'Rathausplatz 1',
      postalCode: '12345',
      town: 'Musterstadt',
    });
    const provider = await makeProvider(t.db, {
      name: 'Sportverein Grün-Weiß',
      street: 'Am Sportplatz 3',
      postalCode: '12346',
      benefitTypes: ['participation', 'tutoring'],
    });
    const child = await makeBeneficiary(t.db);
    const card = await makeCard(t.db, t.keys, child.id);
    const participation = await makeApproval(t.db, { beneficiaryId: child.id, budgetCents: 1_000_000 });
    const tutoring = await makeApproval(t.db, {
      beneficiaryId: child.id,
      benefitType: 'tutoring',
      budgetCents: 1_000_000,
    });
    const bookedAt = new Date('2026-11-15T10:00:00Z');
    const common = { providerId: provider.id, beneficiaryId: child.id, cardId: card.id, bookedAt };
    for (let i = 0; i < 150; i++) {
      await makeRedemption(t.db, {
        ...common,
        approvalId: participation.id,
        amountCents: 1000,
        purpose: `Beitrag ${i + 1}`,
      });
    }
    for (let i = 0; i < 60; i++) {
      await makeRedemption(t.db, {
        ...common,
        approvalId: tutoring.id,
        benefitType: 'tutoring',
        amountCents: 2500,
        purpose: i === 59 ? 'Nachhilfe Mathematik, letzte Stunde' : null,
      });
    }
    await runSettlement(t.db, { cutoffDate: '2026-11-21', triggeredBy: 'test' }, fixedClock('2026-11-21T01:00:00Z'));
    const [batch] = await t.db.select().from(settlementBatches).where(eq(settlementBatches.providerId, provider.id));
    const res = await t.call('GET', `/api/v1/settlements/batches/${batch!.id}/statement.pdf`, {
      token: accounting.token,
    });
    expect(res.statusCode, res.body).toBe(200);
    const pdf = res.rawPayload;
    writeFileSync(path.join(dir, 'statement.pdf'), pdf);
    const pages = pageCount(pdf);
    expect(pages).toBeGreaterThanOrEqual(4);

    const first = pdfPages(pdf, 1);
    expect(first).toContain('Amt für Soziales');
    expect(first).toContain('Rathausplatz 1');
    expect(first).toContain('12345 Musterstadt');
    expect(first).toContain('Sportverein Grün-Weiß');
    expect(first).toContain('Am Sportplatz 3');
    // The day the batch was made (a reprint keeps it): here the database's clock.
    expect(first).toMatch(
      new RegExp(`Ausstellungsdatum\\s+${formatGermanDate(berlinDate(batch!.createdAt)).replaceAll('.', '\\.')}`),
    );
    expect(first).toContain(`Gutschrift ${batch!.number}`);
    expect(first).toContain('Zweck: Beitrag 1');
    expect(first).toContain(`Seite 1 von ${pages}`);
    expect(first).not.toMatch(/Mia|Muster\d/);

    const second = pdfPages(pdf, 2);
    expect(second).toContain(`Seite 2 von ${pages}`);
    expect(second).toContain('Leistung und Zweck');
    expect(second).toMatch(/Zweck: Beitrag \d+/);

    const last = pdfPages(pdf, pages);
    expect(last).toContain(`Seite ${pages} von ${pages}`);
    expect(last).toContain('Summen je Leistungsart');
    expect(last).toMatch(/Soziale und kulturelle Teilhabe\s+150 Pos\.\s+1\.500,00 €/);
    expect(last).toMatch(/Lernförderung\s+60 Pos\.\s+1\.500,00 €/);
    expect(last).toMatch(/Gutschriftbetrag \(210 Positionen\)\s+3\.000,00 €/);
    expect(pdfPages(pdf)).toContain('Nachhilfe Mathematik, letzte Stunde');
    // The fonts are embedded (no standard Helvetica any more).
    expect(pdf.toString('latin1')).toMatch(/\/FontFile2 \d+ 0 R/);
    expect(pdf.toString('latin1')).not.toMatch(/\/BaseFont \/Helvetica/);
  });

  it('the card title is a setting: printed on the card; empty or over 40 characters → 400', async () => {
    const set = await t.call('PATCH', '/api/v1/catalogue/settings', {
      token: admin.token,
      body: { cardTitle: 'Familienpass' },
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().cardTitle).toBe('Familienpass');
    const card = await makeCard(t.db, t.keys, (await makeBeneficiary(t.db)).id);
    const pdf = await t.call('GET', `/api/v1/cards/${card.id}/print.pdf`, { token: caseworker.token });
    expect(pdfPages(pdf.rawPayload)).toContain('Familienpass');
    for (const cardTitle of ['', 'x'.repeat(41)]) {
      expectProblem(
        await t.call('PATCH', '/api/v1/catalogue/settings', { token: admin.token, body: { cardTitle } }),
        400,
        'validation_failed',
      );
    }
    await t.call('PATCH', '/api/v1/catalogue/settings', {
      token: admin.token,
      body: { cardTitle: 'Kinder- und Jugendkarte' },
    });
  });

  it('an address with a postal code that is not five digits → 400 validation_failed', async () => {
    expectProblem(
      await t.call('PATCH', '/api/v1/catalogue/settings', {
        token: admin.token,
        body: { address: { postalCode: '1234' } },
      }),
      400,
      'validation_failed',
    );
  });
});
