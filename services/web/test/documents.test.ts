import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
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

/** The PDFs the browser received, kept for a look (pdftoppm) and read back with pdftotext. */
const OUT = process.env.DOCUMENTS_OUT_DIR ?? mkdtempSync(path.join(tmpdir(), 'tk-web-documents-'));
function pdfText(pdf: Buffer, name: string, page?: number): string {
  const file = path.join(OUT, name);
  writeFileSync(file, pdf);
  const range = page ? ['-f', String(page), '-l', String(page)] : [];
  return execFileSync('pdftotext', ['-layout', ...range, file, '-'], { encoding: 'utf8' });
}

const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="420" height="120" viewBox="0 0 420 120">
<rect width="420" height="120" rx="14" fill="#ffffff"/>
<path d="M20 100 L60 20 L100 100 Z" fill="#c8102e"/><circle cx="60" cy="72" r="14" fill="#ffffff"/>
<text x="120" y="78" font-family="Noto Sans" font-size="40" font-weight="700" fill="#1f5f8b">Musterstadt</text>
</svg>`;

const IMPORT_CSV = [
  'Aktenzeichen;Vorname;Nachname;Geburtsdatum;Leistungsart;Rechtskreis;Kostentraeger;Gueltig_ab;Gueltig_bis;Betrag;Stunden;Stundensatz;Anbieter',
  'DRK-W1;Łukasz;Druckprobe;12.04.2014;Teilhabe;SGB II;Jobcenter;01.08.2026;31.07.2027;;;;',
  'DRK-W2;Zoë;Druckprobe;03.03.2013;Teilhabe;SGB II;Jobcenter;01.08.2026;31.07.2027;;;;',
  'DRK-W3;Ğül;Druckprobe;05.05.2015;Teilhabe;SGB II;Jobcenter;01.08.2026;31.07.2027;;;;',
].join('\r\n');

/** Clicks a print button, waits for the PDF answer of `pathEnd` and the tab it opens; returns the bytes. */
async function printVia(page: Page, pathEnd: string, click: () => Promise<void>): Promise<Buffer> {
  const response = page.waitForResponse((r) => r.url().endsWith(pathEnd) && r.request().method() === 'POST');
  const popup = page.context().waitForEvent('page');
  await click();
  const res = await response;
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toBe('application/pdf');
  // The tab shows the PDF from an object URL; its bytes are read back in the page.
  const blobUrl = (await popup).url();
  expect(blobUrl).toMatch(/^blob:/);
  const base64 = await page.evaluate(async (url) => {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    let binary = '';
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return btoa(binary);
  }, blobUrl);
  return Buffer.from(base64, 'base64');
}

describe.runIf(runBrowserTests)('documents: logo, bulk printing', () => {
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

  test('an admin uploads the city logo with a preview; a wrong file is refused in German; the address is saved', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'admin');
    await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Verwaltung' }).click();
    await page.getByRole('link', { name: 'Einstellungen und Sätze' }).click();
    const card = page.getByTestId('logo-card');
    await card.getByText('Noch kein Logo hinterlegt.').waitFor();

    // A text file named .png: the API refuses it (400 problem), the page says so in German.
    await card
      .getByLabel('Logo-Datei (PNG oder SVG)')
      .setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('kein Bild') });
    await card.getByRole('button', { name: 'Logo hochladen' }).click();
    await card.getByText(/Das Logo wurde nicht angenommen: bitte eine PNG- oder SVG-Datei/).waitFor();
    // An SVG with a script is refused as well.
    await card.getByLabel('Logo-Datei (PNG oder SVG)').setInputFiles({
      name: 'logo.svg',
      mimeType: 'image/svg+xml',
      buffer: Buffer.from(LOGO_SVG.replace('</svg>', '<script>alert(1)</script></svg>')),
    });
    await card.getByRole('button', { name: 'Logo hochladen' }).click();
    await card.getByText(/Das Logo wurde nicht angenommen/).waitFor();

    await card
      .getByLabel('Logo-Datei (PNG oder SVG)')
      .setInputFiles({ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(LOGO_SVG) });
    await card.getByRole('img', { name: 'Vorschau des gewählten Logos' }).waitFor();
    await card.getByText('Vorschau – noch nicht gespeichert.').waitFor();
    await screenshot(page, 'admin-logo-preview');
    await card.getByRole('button', { name: 'Logo hochladen' }).click();
    await card.getByText(/Logo gespeichert \(SVG, 420 × 120 Pixel\)/).waitFor();
    await card.getByRole('img', { name: 'Gespeichertes Logo der Stadt' }).waitFor();
    expect(
      await card
        .getByRole('img', { name: 'Gespeichertes Logo der Stadt' })
        .evaluate((img) => (img as HTMLImageElement).naturalWidth),
    ).toBeGreaterThan(0);

    const settings = page.getByRole('form', { name: 'Einstellungen der Stadt' });
    await settings.getByLabel('Titel auf der Karte').fill('Familienkarte');
    await settings.getByLabel('Amt / Dienststelle').fill('Amt für Soziales');
    await settings.getByLabel('Straße und Hausnummer').fill('Rathausplatz 1');
    await settings.getByLabel('Postleitzahl').fill('1234');
    await settings.getByRole('button', { name: 'Einstellungen speichern' }).click();
    await settings.getByText('Bitte eine Postleitzahl mit fünf Ziffern eingeben oder leer lassen.').waitFor();
    await settings.getByLabel('Postleitzahl').fill('59065');
    await settings.getByLabel('Ort').fill('Musterstadt');
    await settings.getByRole('button', { name: 'Einstellungen speichern' }).click();
    await expect
      .poll(() => page.getByRole('form', { name: 'Einstellungen der Stadt' }).getByLabel('Postleitzahl').inputValue())
      .toBe('59065');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'admin-logo');
    await page.context().close();
  });

  test('after an import, all new cards print at once: ID-1 run (one card per page), A4 sheet and the letters in a chosen language', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'sachbearbeitung');
    await page.getByRole('link', { name: 'Import (CSV)' }).click();
    await page
      .getByLabel('CSV-Datei')
      .setInputFiles({ name: 'export.csv', mimeType: 'text/csv', buffer: Buffer.from(IMPORT_CSV) });
    await page.getByRole('button', { name: 'Datei prüfen' }).click();
    await page.getByRole('button', { name: '3 gültige Zeilen importieren' }).click();
    await page.getByRole('heading', { name: 'Alle neuen Karten drucken' }).waitFor();
    const bulk = page.getByTestId('import-bulk-print');

    const id1 = await printVia(page, '/cards/print-id1', () =>
      bulk.getByRole('button', { name: 'Kartendrucker (eine Karte je Seite)' }).click(),
    );
    expect(id1.toString('latin1').match(/\/MediaBox \[0 0 242\.6\d* 153\.0\d*\]/g)).toHaveLength(3);
    const second = pdfText(id1, 'import-id1.pdf', 2);
    expect(second).toContain('Zoë');
    // The title set by the admin in the first test.
    expect(second).toContain('Familienkarte');
    expect(/\/Subtype \/Image/.test(id1.toString('latin1'))).toBe(true);

    const sheet = await printVia(page, '/cards/print-sheet', () =>
      bulk.getByRole('button', { name: 'Karten drucken (A4-Bogen)' }).click(),
    );
    const sheetText = pdfText(sheet, 'import-a4.pdf');
    for (const name of ['Łukasz', 'Zoë', 'Ğül']) expect(sheetText).toContain(name);

    await bulk.getByLabel('Sprache der Briefe').selectOption('en');
    const letters = await printVia(page, '/cards/letters', () =>
      bulk.getByRole('button', { name: 'Briefe an die Familien' }).click(),
    );
    const lettersText = pdfText(letters, 'import-letters-en.pdf');
    for (const name of ['Łukasz', 'Zoë', 'Ğül']) expect(lettersText).toContain(name);
    await bulk.getByText(/Briefe für 3 Karten erstellt; jeder Brief enthält einen neuen Zugangscode/).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'casework-import-print');
    await page.context().close();
  });

  test('in the search, chosen children’s cards print together; the choice survives paging and can be cleared', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'sachbearbeitung');
    await page.getByLabel('Name oder Aktenzeichen').fill('Druckprobe');
    await page.getByRole('button', { name: 'Suchen' }).click();
    await expect.poll(() => page.getByTestId('search-count').textContent()).toContain('3 Kinder gefunden');
    await page.getByRole('checkbox', { name: 'Karte von Zoë Druckprobe zum Drucken auswählen' }).check();
    await page.getByRole('checkbox', { name: 'Karte von Łukasz Druckprobe zum Drucken auswählen' }).check();
    await expect.poll(() => page.getByTestId('selection-count').textContent()).toBe('2 Karten ausgewählt');
    const bulk = page.getByTestId('search-bulk-print');
    const request = page.waitForRequest((r) => r.url().endsWith('/cards/print-id1'));
    const id1 = await printVia(page, '/cards/print-id1', () =>
      bulk.getByRole('button', { name: 'Kartendrucker (eine Karte je Seite)' }).click(),
    );
    expect(JSON.parse((await request).postData() ?? '{}').cardIds).toHaveLength(2);
    expect(id1.toString('latin1').match(/\/Type \/Page\n/g)).toHaveLength(2);
    const first = pdfText(id1, 'search-id1.pdf', 1);
    const second = pdfText(id1, 'search-id1.pdf', 2);
    expect(first).toContain('Zoë');
    expect(second).toContain('Łukasz');
    const sheet = await printVia(page, '/cards/print-sheet', () =>
      bulk.getByRole('button', { name: 'Karten drucken (A4-Bogen)' }).click(),
    );
    expect(pdfText(sheet, 'search-a4.pdf')).not.toContain('Ğül');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'casework-search-print');

    await page.getByRole('button', { name: 'Auswahl aufheben' }).click();
    await expect.poll(() => page.getByTestId('selection-count').textContent()).toBe('0 Karten ausgewählt');
    expect(await page.getByTestId('search-bulk-print').count()).toBe(0);
    await page.getByLabel('Alle Karten dieser Seite auswählen').check();
    await expect.poll(() => page.getByTestId('selection-count').textContent()).toBe('3 Karten ausgewählt');
    await page.context().close();
  });
});
