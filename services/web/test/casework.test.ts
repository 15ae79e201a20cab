import { readFile } from 'node:fs/promises';
import { systemActor } from '@tk/api/lib/audit.ts';
import { runLapse } from '@tk/api/modules/bookings/bookings.service.ts';
import { addDays, berlinDate, newId } from '@tk/core';
import { approvals, auditLog, beneficiaries, citySettings } from '@tk/db';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeApproval, makeCard } from '../../api/test/factories.ts';
import {
  launchBrowser,
  login,
  newPage,
  runBrowserTests,
  screenshot,
  seriousA11yViolations,
  startServer,
  type TestServer,
} from './support.ts';

/** The child page of a demo child, reached through the search like a caseworker would. */
async function openChild(page: Page, query: string, linkName: string) {
  await page.getByLabel('Name oder Aktenzeichen').fill(query);
  await page.getByRole('button', { name: 'Suchen' }).click();
  await page.getByRole('link', { name: linkName }).click();
}

const approvalsTable = (page: Page) => page.getByRole('table', { name: /^Bewilligungen von/ });

describe.runIf(runBrowserTests)('Fallbearbeitung', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a caseworker finds a demo child by name and by case reference and sees approvals with budgets and the card', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'sachbearbeitung');
    await page.getByRole('heading', { level: 1, name: 'Fallbearbeitung' }).waitFor();

    await page.getByLabel('Name oder Aktenzeichen').fill('DEMO-002');
    await page.getByRole('button', { name: 'Suchen' }).click();
    await expect.poll(() => page.getByTestId('search-count').textContent()).toBe('1 Kind gefunden für „DEMO-002“');
    expect(await page.getByRole('link', { name: 'Yilmaz, Leon' }).count()).toBe(1);

    await openChild(page, 'Schneid', 'Schneider, Mia');
    await page.getByRole('heading', { level: 1, name: 'Mia Schneider' }).waitFor();
    const table = approvalsTable(page);
    await table.waitFor();
    const rows = await table.locator('tbody tr').allTextContents();
    const participation = rows.find((r) => r.includes('Teilhabe'));
    // 12 months x 15,00 € from the catalogue; the remaining budget and the status are shown.
    expect(participation).toContain('180,00 €');
    expect(participation).toContain('aktiv');
    expect(rows.some((r) => r.includes('Mittagessen') && r.includes('je Essen'))).toBe(true);
    expect(await page.getByTestId('card-status').textContent()).toBe('aktiv');
    expect(await page.getByTestId('card-number').textContent()).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
    await page.getByRole('img', { name: /QR-Code der Karte/ }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'casework-child');
    await page.context().close();
  });

  test('the child page shows the lapsed amount of an approval whose last booking day has passed ("verfallen")', async () => {
    const db = server.database.db;
    const mia = (await db.select().from(beneficiaries)).find(
      (b) => b.familyName === 'Schneider' && b.givenName === 'Mia',
    );
    const id = newId('approval');
    await db.insert(approvals).values({
      id,
      beneficiaryId: mia!.id,
      benefitType: 'trip',
      legalBasis: 'SGB_II',
      costBearer: 'JOBCENTER',
      reference: 'Klassenfahrt Juist',
      validFrom: '2024-05-01',
      validTo: '2024-05-31',
      budgetCents: 4550,
      remainingCents: 4550,
    });
    await db.insert(auditLog).values({ action: 'approval.created', entityType: 'approval', entityId: id });
    const run = await runLapse(db, { triggeredBy: 'test' }, systemActor(), server.clock);
    expect(run.lapsedCents).toBeGreaterThanOrEqual(4550);

    const page = await newPage(browser, server.url);
    await login(page, 'sachbearbeitung');
    await openChild(page, 'Schneid', 'Schneider, Mia');
    // The approvals arrive with the child page's own load: wait for the row, then read it.
    const tripRow = approvalsTable(page).locator('tbody tr', { hasText: 'Klassenfahrt Juist' }).first();
    await expect.poll(() => tripRow.count()).toBe(1);
    const trip = await tripRow.textContent();
    expect(trip).toContain('45,50 € verfallen');
    expect(trip).toContain('0,00 €');
    await screenshot(page, 'casework-child-lapsed');
    await page.context().close();
  });

  test('a caseworker records a child and a participation approval (budget from the server), issues, prints, blocks and replaces the card', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'sachbearbeitung');
    await page.getByRole('link', { name: 'Kind anlegen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Kind anlegen' }).waitFor();
    await page.getByLabel('Vorname').fill('Lina');
    await page.getByLabel('Nachname').fill('Testmann');
    await page.getByLabel('Geburtsdatum').fill('2016-05-20');
    await page.getByLabel('Aktenzeichen').fill('JC-TEST-100');
    await page.getByRole('button', { name: 'Kind speichern' }).click();
    await page.getByRole('heading', { level: 1, name: 'Lina Testmann' }).waitFor();
    expect(await page.getByText('Das Kind hat noch keine Karte.').count()).toBe(1);

    await page.getByRole('button', { name: 'Neue Bewilligung' }).click();
    const form = page.getByTestId('approval-form');
    expect(await form.getByLabel('Leistungsart').inputValue()).toBe('participation');
    await form.getByLabel('Gültig ab').fill('2026-12-01');
    // The end follows the start (one year) until it is changed by hand.
    expect(await form.getByLabel('Gültig bis').inputValue()).toBe('2027-11-30');
    await form.getByLabel('Kostenträger').selectOption('JOBCENTER');
    await expect
      .poll(() => page.getByTestId('budget-preview').textContent())
      .toContain('12 Monate × 15,00 € = 180,00 €');
    await screenshot(page, 'casework-approval-form');
    await form.getByRole('button', { name: 'Bewilligung speichern' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toBe('Bewilligung Teilhabe (Verein, Kultur, Freizeit) gespeichert: Budget 180,00 €.');
    // The table reloads after the save message: wait for the new row rather than read it at once.
    const firstRow = () => approvalsTable(page).locator('tbody tr').first().textContent();
    await expect.poll(firstRow).toContain('01.12.2026 – 30.11.2027');
    expect(await firstRow()).toContain('180,00 €');

    // Issue
    await page.getByRole('button', { name: 'Karte ausstellen' }).click();
    await expect.poll(() => page.getByTestId('card-status').textContent()).toBe('aktiv');
    const firstNumber = await page.getByTestId('card-number').textContent();

    // Print: the PDF is fetched with the token and opened
    const pdf = page.waitForResponse((r) => r.url().endsWith('/print.pdf'));
    const popup = page.context().waitForEvent('page');
    await page.getByRole('button', { name: 'Karte drucken (PDF)' }).click();
    const response = await pdf;
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toBe('application/pdf');
    // The tab opened shows the same bytes as a blob: read them back in the page.
    const blobUrl = (await popup).url();
    expect(blobUrl).toMatch(/^blob:/);
    expect(await page.getByRole('link', { name: 'PDF erneut öffnen' }).getAttribute('href')).toBe(blobUrl);
    const head = await page.evaluate(async (url) => {
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      return { magic: String.fromCharCode(...bytes.subarray(0, 5)), size: bytes.length };
    }, blobUrl);
    expect(head.magic).toBe('%PDF-');
    expect(head.size).toBeGreaterThan(1000);
    await screenshot(page, 'casework-card');

    // Block with a reason
    await page.getByRole('button', { name: 'Sperren', exact: true }).click();
    const blockDialog = page.getByRole('dialog', { name: 'Karte sperren' });
    await blockDialog.getByLabel('Grund').selectOption({ label: 'gestohlen' });
    await blockDialog.getByRole('button', { name: 'Karte sperren' }).click();
    await expect.poll(() => page.getByTestId('card-status').textContent()).toBe('gesperrt');
    expect(await page.getByTestId('card-panel').textContent()).toContain('gestohlen');

    // Replace: a new active card, the budget stays with the child
    await page.getByRole('button', { name: 'Ersatzkarte ausstellen' }).click();
    await page
      .getByRole('dialog', { name: 'Karte ersetzen' })
      .getByRole('button', { name: 'Ersatzkarte ausstellen' })
      .click();
    await expect.poll(() => page.getByTestId('card-status').textContent()).toBe('aktiv');
    const secondNumber = await page.getByTestId('card-number').textContent();
    expect(secondNumber).not.toBe(firstNumber);
    expect(await approvalsTable(page).locator('tbody tr').first().textContent()).toContain('180,00 €');
    await page.getByText('Frühere Karten (1)').click();
    const history = await page
      .getByRole('table', { name: 'Alle Karten des Kindes' })
      .locator('tbody tr')
      .allTextContents();
    expect(history.some((r) => r.includes(firstNumber ?? '') && r.includes('ersetzt') && r.includes('gestohlen'))).toBe(
      true,
    );
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.context().close();
  });

  test('an approval the server refuses shows the German message at the field, marked invalid and focused', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'sachbearbeitung');
    await openChild(page, 'Krüger', 'Krüger, Emma');
    await page.getByRole('button', { name: 'Neue Bewilligung' }).click();
    const form = page.getByTestId('approval-form');
    await form.getByLabel('Gültig ab').fill('2027-06-01');
    await form.getByLabel('Gültig bis').fill('2027-01-31');
    await form.getByRole('button', { name: 'Bewilligung speichern' }).click();
    const validTo = form.getByLabel('Gültig bis');
    await expect.poll(() => validTo.getAttribute('aria-invalid')).toBe('true');
    expect(await form.locator('.field-error').allTextContents()).toEqual(['Gültig bis liegt vor Gültig ab.']);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('validTo');

    // A client-side check: tutoring needs a named provider, hours and a rate.
    await form.getByLabel('Leistungsart').selectOption('tutoring');
    await form.getByRole('button', { name: 'Bewilligung speichern' }).click();
    await expect
      .poll(() => form.locator('.field-error').allTextContents())
      .toEqual([
        'Lernförderung braucht einen benannten Anbieter.',
        'Bitte die Stunden als ganze Zahl eingeben.',
        'Bitte einen Stundensatz wie 18,50 eingeben.',
      ]);
    await form.getByLabel('Anbieter (Pflicht)').selectOption({ label: 'Lernstudio Kluge' });
    await form.getByLabel('Stunden', { exact: true }).fill('10');
    await form.getByLabel('Stundensatz in Euro').fill('18,50');
    await form.getByLabel('Gültig bis').fill('2027-07-31');
    await expect
      .poll(() => page.getByTestId('budget-preview').textContent())
      .toContain('10 Stunden × 18,50 € = 185,00 €');
    await screenshot(page, 'casework-approval-error');
    await page.context().close();
  });

  test('import: the dry run reports the bad line in German, then the valid rows are imported with cards', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'sachbearbeitung');
    await page.getByRole('link', { name: 'Import (CSV)' }).click();
    await page.getByRole('heading', { level: 1, name: 'Import (CSV)' }).waitFor();
    const csv = [
      'Aktenzeichen;Vorname;Nachname;Geburtsdatum;Leistungsart;Rechtskreis;Kostentraeger;Gueltig_ab;Gueltig_bis;Betrag;Stunden;Stundensatz;Anbieter',
      'IMP-W1;Paul;Importer;12.04.2014;Teilhabe;SGB II;Jobcenter;01.08.2026;31.07.2027;;;;',
      'IMP-W2;Ida;Importer;31.02.2015;Mittagessen;SGB II;Jobcenter;01.08.2026;31.07.2027;;;;',
      'IMP-W3;Jan;Importer;03.03.2013;Klassenfahrt;SGB II;Jobcenter;01.09.2026;30.06.2027;"199,50";;;',
    ].join('\r\n');
    await page
      .getByLabel('CSV-Datei')
      .setInputFiles({ name: 'export.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Datei prüfen' }).click();
    const report = page.getByRole('table', { name: 'Fehlerbericht' });
    await report.waitFor();
    const lines = await report
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.slice(0, 2)).toEqual(['3', 'Geburtsdatum']);
    expect(lines[0]?.[2]).toContain('Kein gültiges Datum');
    expect(await page.getByTestId('import-summary').textContent()).toContain('gültig2');
    await screenshot(page, 'casework-import-report');

    await page.getByRole('button', { name: '2 gültige Zeilen importieren' }).click();
    await page.getByRole('heading', { name: 'Import abgeschlossen' }).waitFor();
    expect(await page.getByLabel(/Zeilen verarbeitet/).getAttribute('value')).toBe('3');
    const summary = await page.getByTestId('import-summary').last().textContent();
    expect(summary).toContain('neue Kinder2');
    expect(summary).toContain('ausgestellte Karten2');
    await screenshot(page, 'casework-import-done');

    // The history shows this import; it opens the children and cards it created, linked to the child pages.
    const history = page.getByRole('table', { name: 'Bisherige Importe' });
    await expect.poll(() => history.locator('tbody tr').first().textContent()).toContain('export.csv');
    expect(await history.locator('tbody tr').first().textContent()).toContain('Import');
    await history.getByRole('button', { name: 'Kinder und Karten (2)' }).click();
    const created = page.getByRole('table', { name: 'Kinder und Karten dieses Imports' });
    await expect.poll(() => created.locator('tbody tr').count()).toBe(2);
    expect(await created.getByRole('link').allTextContents()).toEqual(['Importer, Jan', 'Importer, Paul']);
    expect(await created.locator('tbody tr').first().textContent()).toMatch(/\d{4} \d{4} \d{4} \d{4}/);
    expect(await created.getByRole('button', { name: 'Karte drucken: Importer, Jan (PDF)' }).count()).toBe(1);
    await screenshot(page, 'casework-import-history');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The template: example rows, one per benefit type, in the import's own spellings.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Vorlage mit Beispielen herunterladen' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('teilhabekarte-import-vorlage.csv');
    const template = (await readFile((await download.path()) as string, 'utf8')).split('\r\n').filter(Boolean);
    expect(template[0]).toContain('Aktenzeichen;Vorname;Nachname;Geburtsdatum;Leistungsart;Rechtskreis');
    expect(template.length).toBeGreaterThanOrEqual(6);
    expect(template.slice(1).join('\n')).toMatch(/BEISPIEL-001;Beispiel;Kind 1;.*;Mittagessen;SGB II;/);

    await created.getByRole('link', { name: 'Importer, Jan' }).click();
    const row = await approvalsTable(page).locator('tbody tr').first().textContent();
    expect(row).toContain('199,50 €');
    expect(await page.getByTestId('card-status').textContent()).toBe('aktiv');
    await page.context().close();
  });

  test('an admin gets no Fallbearbeitung: the URL lands on Verwaltung, no child data is shown', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'admin');
    await page.goto(`${server.url}/fallbearbeitung`);
    await page.getByRole('heading', { level: 1, name: 'Verwaltung' }).waitFor();
    expect(await page.getByRole('link', { name: 'Fallbearbeitung' }).count()).toBe(0);
    expect(await page.getByText('Nowak').count()).toBe(0);
    await page.context().close();
  });
  test('district and outreach: a child gets a district, the take-up report suppresses small numbers, the outreach list sends a reminder letter', async () => {
    await server.database.db.update(citySettings).set({ districts: ['Mitte', 'Nord'], outreachWeeks: 2 });
    const page = await newPage(browser, server.url);
    await login(page, 'sachbearbeitung');
    await page.getByRole('link', { name: 'Kind anlegen' }).click();
    await page.getByLabel('Vorname').fill('Ada');
    await page.getByLabel('Nachname').fill('Bezirkskind');
    await page.getByLabel('Geburtsdatum').fill('2015-02-02');
    await page.getByLabel('Aktenzeichen').fill('JC-TEST-DISTRICT');
    await page.getByLabel('Stadtbezirk (freiwillig)').selectOption('Nord');
    await page.getByRole('button', { name: 'Kind speichern' }).click();
    await page.getByRole('heading', { level: 1, name: 'Ada Bezirkskind' }).waitFor();
    expect(await page.getByTestId('child-facts').textContent()).toContain('StadtbezirkNord');

    // An approval that began a month ago and a card, not booked once.
    const childId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
    const today = berlinDate(new Date());
    await makeApproval(server.database.db, {
      beneficiaryId: childId,
      validFrom: addDays(today, -30),
      validTo: addDays(today, 300),
    });
    const card = await makeCard(server.database.db, server.keys, childId);

    await page.getByRole('link', { name: 'Inanspruchnahme' }).click();
    await page.getByRole('heading', { level: 1, name: 'Inanspruchnahme' }).waitFor();
    const report = page.getByRole('table', { name: 'Inanspruchnahme nach Stadtbezirk und Leistung' });
    await report.waitFor();
    const nord = report.locator('tbody tr').filter({ hasText: 'Nord' }).first();
    expect(await nord.textContent()).toContain('< 5');
    const list = page.getByRole('table', { name: 'Kinder ohne Buchung' });
    const row = list.locator('tbody tr').filter({ hasText: 'Bezirkskind, Ada' });
    await row.waitFor();
    expect(await row.textContent()).toContain('Nord');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'casework-outreach');

    const letter = page.waitForResponse((r) => r.url().endsWith(`/cards/${card.id}/letter`));
    const popup = page.context().waitForEvent('page');
    await row.getByRole('button', { name: 'Erinnerungsbrief für Ada Bezirkskind' }).click();
    const response = await letter;
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toBe('application/pdf');
    expect((await popup).url()).toMatch(/^blob:/);
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('Erinnerungsbrief für Ada Bezirkskind erstellt');
    await page.context().close();
  });
});
