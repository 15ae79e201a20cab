import { readFile } from 'node:fs/promises';
import { systemActor } from '@tk/api/lib/audit.ts';
import { runLapse } from '@tk/api/modules/bookings/bookings.service.ts';
import { addDays, berlinDate, isBusinessDay, newId } from '@tk/core';
import { approvals, auditLog, beneficiaries } from '@tk/db';
import type { Browser, Download, Page } from 'playwright-core';
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

/** `2026-11-21` → `21.11.2026`, as the desk shows dates. */
const german = (date: string) => date.split('-').reverse().join('.');

async function downloaded(page: Page, click: () => Promise<void>): Promise<{ download: Download; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const file = await download.path();
  return { download, bytes: await readFile(file) };
}

describe.runIf(runBrowserTests)('accounting desk', () => {
  let server: TestServer;
  let browser: Browser;
  let first: Page; // buchhaltung
  let batchUrl = '';
  let batchNumber = '';
  let today = '';

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    today = berlinDate(server.clock.now());
    first = await newPage(browser, server.url);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a settlement run with cutoff tomorrow settles the demo bookings into batches with totals', async () => {
    const page = first;
    await login(page, 'buchhaltung');
    expect(new URL(page.url()).pathname).toBe('/buchhaltung');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Abrechnungen');
    // The cutoff defaults to today; tomorrow includes everything booked so far (the seed books "now").
    expect(await page.getByLabel('Stichtag').inputValue()).toBe(today);
    await page.getByLabel('Stichtag').fill(addDays(today, 1));
    await page.getByRole('button', { name: 'Abrechnungslauf starten' }).click();

    const done = page.getByRole('status').filter({ hasText: 'Abrechnungslauf abgeschlossen' });
    await expect.poll(() => done.textContent()).toMatch(/neue Abrechnungen? über/);
    const runText = (await done.textContent()) ?? '';
    const runTotal = /über (.+ €)/.exec(runText)?.[1];
    expect(runText).toContain(`Stichtag ${german(addDays(today, 1))}`);

    const rows = page.getByTestId('batches').locator('tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThan(1);
    // Every batch is new and open; the footer sums them to the run's total, in German format.
    expect(await rows.filter({ hasText: 'Offen' }).count()).toBe(await rows.count());
    const sum = (await page.getByTestId('batches-sum').textContent()) ?? '';
    expect(sum).toMatch(/^\d{1,3}(\.\d{3})*,\d{2}\s€$/);
    expect(sum).toBe(runTotal);
    await expect.poll(() => page.getByTestId('batches').locator('caption').textContent()).toContain('Abrechnungen');

    // Filter by status: nothing is certified yet.
    await page.getByLabel('Status').selectOption('certified');
    await expect
      .poll(() => page.getByTestId('batches').locator('tbody').textContent())
      .toContain('Keine Abrechnungen für diese Auswahl');
    await page.getByLabel('Status').selectOption('');
    await expect.poll(() => rows.count()).toBeGreaterThan(1);

    await screenshot(page, 'accounting-batches');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  test('a batch shows its lines; the certifier cannot also release it (four eyes, in German)', async () => {
    const page = first;
    const link = page.getByTestId('batches').locator('tbody tr').first().getByRole('link');
    batchNumber = ((await link.textContent()) ?? '').trim();
    expect(batchNumber).toMatch(/^ABR-\d{4}-\d+$/);
    await link.click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(`Abrechnung ${batchNumber}`);
    batchUrl = new URL(page.url()).pathname;
    // Focus moved to the new page's heading.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('page-title');

    const lines = page.getByTestId('lines').locator('tbody tr');
    await expect.poll(() => lines.count()).toBeGreaterThan(0);
    const firstLine = (await lines.first().textContent()) ?? '';
    expect(firstLine).toMatch(/\d{2}\.\d{2}\.\d{4}/); // service date TT.MM.JJJJ
    expect(firstLine).toMatch(/…\d{4}/); // pseudonymous card reference
    expect(firstLine).toMatch(/SGB|BKGG|AsylbLG/); // legal basis
    expect(firstLine).toMatch(/\d,\d{2}\s€/);

    // The provider's statement (Gutschrift), fetched with the bearer token.
    const pdf = await downloaded(page, () =>
      page.getByRole('button', { name: 'Gutschrift (PDF) herunterladen' }).click(),
    );
    expect(pdf.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.download.suggestedFilename()).toBe(`Gutschrift-${batchNumber}.pdf`);

    await page.getByRole('button', { name: 'Sachlich und rechnerisch richtig' }).click();
    await expect.poll(() => page.getByTestId('certified-by').textContent()).toContain('Ihnen (buchhaltung)');
    expect(await page.getByTestId('certified-by').textContent()).toContain(german(today));

    // The four-eyes rule forbids the certifier to release: the button is disabled, the German reason beside it.
    const release = page.getByRole('button', { name: 'Zahlung anordnen' });
    await expect.poll(() => release.isDisabled()).toBe(true);
    const reason = page.getByTestId('release-refusal');
    expect(await reason.textContent()).toContain(
      'Sie haben diese Abrechnung selbst als sachlich und rechnerisch richtig bestätigt',
    );
    expect(await release.getAttribute('aria-describedby')).toBe(await reason.getAttribute('id'));
    expect(await page.getByTestId('released-by').count()).toBe(0);

    await screenshot(page, 'accounting-batch-detail');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  test('a second accounting user releases, builds a payment file, downloads SEPA XML and CSV, marks it paid', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'buchhaltung2');
    await page.goto(batchUrl);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(`Abrechnung ${batchNumber}`);
    // The certifier by name, not by account id; the other person may release.
    expect(await page.getByTestId('certified-by').textContent()).toMatch(/von buchhaltung am/);
    expect(await page.getByTestId('certified-by').textContent()).not.toContain('Konto');
    expect(await page.getByTestId('release-refusal').count()).toBe(0);
    await page.getByRole('button', { name: 'Zahlung anordnen' }).click();
    await expect.poll(() => page.getByTestId('released-by').textContent()).toContain('Ihnen (buchhaltung2)');

    // Select the released batch for a payment file.
    await page.getByRole('link', { name: '← Alle Abrechnungen' }).click();
    const checkbox = page.getByRole('checkbox', { name: `${batchNumber} für die Zahlungsdatei auswählen` });
    await checkbox.check();
    await expect.poll(() => page.getByTestId('selection-count').textContent()).toBe('1');
    const amount = (await page.getByTestId('selection-sum').textContent()) ?? '';
    // Executed today (a business day), so the bank's value date can be today.
    const executionToday = isBusinessDay(today);
    if (executionToday) await page.getByLabel('Ausführungsdatum').fill(today);
    await page.getByRole('button', { name: 'Zahlungsdatei erstellen' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toMatch(/^Zahlungsdatei \S+/);
    expect(await page.getByTestId('file-total').textContent()).toBe(amount);
    expect(await page.getByTestId('file-batches').textContent()).toContain(batchNumber);

    const sepa = await downloaded(page, () =>
      page.getByRole('button', { name: 'SEPA-Datei (XML) herunterladen' }).click(),
    );
    const xml = sepa.bytes.toString('utf8');
    expect(xml).toContain('pain.001.001.09');
    expect(xml).toContain(batchNumber);
    expect(sepa.download.suggestedFilename()).toMatch(/\.xml$/);

    const csv = await downloaded(page, () =>
      page.getByRole('button', { name: 'Buchungsliste (CSV) herunterladen' }).click(),
    );
    expect([...csv.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.bytes.toString('utf8')).toContain(';');
    expect(csv.download.suggestedFilename()).toMatch(/^Buchungsliste-.+\.csv$/);
    // German names by default; the codes when asked for.
    const CODES = /;(SGB_II|SGB_XII_3|SGB_XII_4|BKGG_KIZ|BKGG_WOGG|ASYLBLG);/;
    expect(csv.bytes.toString('utf8')).toMatch(/;(SGB II|SGB XII \(\d\. Kapitel\)|BKGG \(\w+\)|AsylbLG);/);
    expect(csv.bytes.toString('utf8')).not.toMatch(CODES);
    await page.getByLabel(/Buchungsliste mit Codes/).check();
    const coded = await downloaded(page, () =>
      page.getByRole('button', { name: 'Buchungsliste (CSV) herunterladen' }).click(),
    );
    expect(coded.bytes.toString('utf8')).toMatch(CODES);

    await screenshot(page, 'accounting-payment-file');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Als bezahlt markieren' }).click();
    const dialog = page.getByRole('dialog');
    const valueDate = dialog.getByLabel('Wertstellung laut Kontoauszug');
    // A value date before the execution date is refused in German, and nothing is marked.
    await valueDate.fill(addDays(today, -1));
    await dialog.getByRole('button', { name: 'Als bezahlt markieren' }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('nicht vor dem Ausführungsdatum');
    await screenshot(page, 'accounting-paid-value-date');
    expect(await seriousA11yViolations(page)).toEqual([]);
    if (!executionToday) {
      await page.context().close();
      return; // the file executes on a later day: it cannot be paid today
    }
    await valueDate.fill(today);
    await dialog.getByRole('button', { name: 'Als bezahlt markieren' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'als bezahlt vermerkt' }).count()).toBe(1);
    await expect.poll(() => page.getByTestId('file-batches').textContent()).toContain('Bezahlt');
    // The file list shows it as paid.
    await page.getByRole('link', { name: '← Alle Zahlungsdateien' }).click();
    const fileRow = page.getByTestId('payment-files').locator('tbody tr').first();
    await expect.poll(() => fileRow.textContent()).toContain('Bezahlt');
    expect(await fileRow.textContent()).toContain(amount);
    await page.context().close();
  });

  test('the reports show the paid amount, take-up, spend per provider and lapsed budgets, each downloadable as CSV', async () => {
    const page = first;
    // A trip of a demo child that ended long ago: the lapse run (as the nightly job would) lapses its 61,25 €.
    const db = server.database.db;
    const [child] = await db.select().from(beneficiaries).limit(1);
    const id = newId('approval');
    await db.insert(approvals).values({
      id,
      beneficiaryId: child!.id,
      benefitType: 'trip',
      legalBasis: 'BKGG_KIZ',
      validFrom: '2024-04-01',
      validTo: '2024-04-30',
      budgetCents: 6125,
      remainingCents: 6125,
    });
    await db.insert(auditLog).values({ action: 'approval.created', entityType: 'approval', entityId: id });
    await runLapse(db, { triggeredBy: 'test' }, systemActor(), server.clock);
    await page.getByRole('navigation', { name: 'Buchhaltung' }).getByRole('link', { name: 'Berichte' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Berichte');
    const reimbursement = page.getByTestId('report-reimbursement');
    // Paid today: the reimbursement report (by payment date) has today's row.
    await expect.poll(() => reimbursement.locator('tbody').textContent()).toContain(german(today));
    expect(await reimbursement.locator('tbody').textContent()).toMatch(/\d,\d{2}\s€/);
    await expect.poll(() => page.getByTestId('report-take-up').locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('report-take-up').locator('tbody').textContent()).toMatch(/\d+,\d %/);
    expect(await page.getByTestId('spend-total').textContent()).toMatch(/^[1-9][\d.]*,\d{2}\s€$/);
    const lapsed = page.getByTestId('report-lapsed').locator('tbody');
    expect(await lapsed.textContent()).toContain('Ausflug');
    expect(await lapsed.textContent()).toContain('61,25 €');
    expect(await page.getByTestId('lapsed-total').textContent()).toMatch(/^[1-9][\d.]*,\d{2}\s€$/);
    const lapsedCsv = await downloaded(page, () =>
      page.getByRole('button', { name: 'CSV herunterladen: Verfallene Budgets' }).click(),
    );
    expect(lapsedCsv.bytes.toString('utf8')).toContain('Verfallen');
    expect(lapsedCsv.download.suggestedFilename()).toMatch(/^Verfallene-Budgets-.+\.csv$/);

    const csv = await downloaded(page, () =>
      page.getByRole('button', { name: 'CSV herunterladen: Ausgaben je Anbieter' }).click(),
    );
    expect(csv.bytes.toString('utf8')).toContain(';');
    expect(csv.download.suggestedFilename()).toMatch(/^Ausgaben-je-Anbieter-.+\.csv$/);

    await screenshot(page, 'accounting-reports');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  test('a booking is reversed from the batch detail only with a reason', async () => {
    const page = first;
    await page.getByRole('navigation', { name: 'Buchhaltung' }).getByRole('link', { name: 'Abrechnungen' }).click();
    await page.getByLabel('Status').selectOption('open');
    const link = page.getByTestId('batches').locator('tbody tr').first().getByRole('link');
    await link.click();
    const lines = page.getByTestId('lines').locator('tbody tr');
    await expect.poll(() => lines.count()).toBeGreaterThan(0);

    await lines
      .first()
      .getByRole('button', { name: /Stornieren/ })
      .click();
    const dialog = page.getByRole('dialog', { name: 'Buchung stornieren' });
    await dialog.getByRole('button', { name: 'Stornieren' }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('Bitte einen Grund angeben');
    await dialog.getByLabel('Grund (Pflichtangabe)').fill('Doppelt gebucht laut Anbieter');
    await dialog.getByRole('button', { name: 'Stornieren' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Storniert' }).count()).toBe(1);
    // Settled already: it becomes a correction in the provider's next batch; the line is marked.
    expect(await page.getByRole('status').filter({ hasText: 'Storniert' }).textContent()).toContain('Korrektur');
    await expect.poll(() => lines.first().textContent()).toContain('Storniert');
    expect(
      await lines
        .first()
        .getByRole('button', { name: /Stornieren/ })
        .count(),
    ).toBe(0);
  });
});
