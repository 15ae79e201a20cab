import { addDays, addMonths, berlinDate } from '@tk/core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeApproval, makeChildWithCard } from '../../api/test/factories.ts';
import {
  launchBrowser,
  login,
  newPage,
  PHONE,
  runBrowserTests,
  screenshot,
  seriousA11yViolations,
  startServer,
  type TestServer,
} from './support.ts';

/** Back office of release 2 (issue 11): correcting data, overlaps, bulk work, accounting screens. */
async function openChild(page: Page, query: string, linkName: string) {
  await page.getByLabel('Name oder Aktenzeichen').fill(query);
  await page.getByRole('button', { name: 'Suchen' }).click();
  await page.getByRole('link', { name: linkName }).click();
}

const approvalsTable = (page: Page) => page.getByRole('table', { name: /^Bewilligungen von/ });

describe.runIf(runBrowserTests)('Back office (release 2)', () => {
  let server: TestServer;
  let browser: Browser;
  const today = berlinDate(new Date());

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('an overlapping approval is refused in the form with a link to the existing one; amending shows the budget effect first', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'sachbearbeitung');
    await openChild(page, 'DEMO-001', 'Schneider, Mia');
    await page.getByRole('heading', { level: 1, name: 'Mia Schneider' }).waitFor();
    await page.getByRole('button', { name: 'Neue Bewilligung' }).click();
    const form = page.getByTestId('approval-form');
    await form.getByRole('button', { name: 'Bewilligung speichern' }).click();
    const link = form.getByTestId('overlap-link');
    await link.waitFor();
    expect(await form.getByRole('alert').textContent()).toContain(
      'Für diesen Zeitraum gibt es schon eine Bewilligung dieser Leistungsart.',
    );
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'backoffice-overlap-refused');
    await link.click();
    const target = (await link.getAttribute('href'))!.slice(1);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe(target);
    expect(await page.locator(`#${target}`).textContent()).toContain('Teilhabe');
    await form.getByRole('button', { name: 'Abbrechen' }).click();

    // Amend: shorten the participation period; the effect on budget and rest shows before saving.
    await page.getByRole('button', { name: /Bewilligung Teilhabe.* ändern/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Bewilligung ändern' });
    const validFrom = await dialog.getByLabel('Gültig ab').inputValue();
    // One month (15,00 €) would go below what the demo has booked: the dialog says so before saving.
    await dialog.getByLabel('Gültig bis').fill(`${validFrom.slice(0, 8)}28`);
    await dialog.getByLabel('Grund der Änderung').fill('Bescheid nur für zwei Monate');
    await expect
      .poll(() => dialog.getByTestId('amend-effect').textContent())
      .toMatch(/Budget 180,00 € → 15,00 € \(−165,00 €\) .* so nicht speicherbar\.$/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'backoffice-amend-below-booked');
    // Two months: 30,00 €, the rest moves by the same delta.
    await dialog.getByLabel('Gültig bis').fill(addDays(addMonths(validFrom, 2), -1));
    await expect
      .poll(() => dialog.getByTestId('amend-effect').textContent())
      .toMatch(
        /^Wirkung: Budget 180,00 € → 30,00 € \(−150,00 €\) · Rest 156,00 € → 6,00 € · bereits verbraucht 24,00 €$/,
      );
    await screenshot(page, 'backoffice-amend-effect');
    await dialog.getByRole('button', { name: 'Änderung speichern' }).click();
    await page.getByText('Bewilligung Teilhabe (Verein, Kultur, Freizeit) geändert: Budget 30,00 €.').waitFor();
    const row = approvalsTable(page).locator('tbody tr', { hasText: 'Teilhabe' });
    expect(await row.textContent()).toContain('6,00 €');
    await page.context().close();
  });

  test('a revoked approval shows what is still bookable and what was released', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'sachbearbeitung');
    await openChild(page, 'DEMO-002', 'Yilmaz, Leon');
    await page.getByRole('button', { name: /Bewilligung Teilhabe.* aufheben/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Bewilligung aufheben' });
    const row = approvalsTable(page).locator('tbody tr', { hasText: 'Teilhabe' });
    const period = await row.locator('td').nth(1).textContent();
    const [d, m, y] = period!.slice(0, 10).split('.');
    await dialog.getByLabel('Aufgehoben ab').fill(`${y}-${m}-${d}`);
    await dialog.getByLabel('Grund').fill('Bescheid aufgehoben');
    await dialog.getByRole('button', { name: 'Aufheben' }).click();
    await page
      .getByText(/aufgehoben ab/)
      .first()
      .waitFor();
    await expect.poll(() => row.textContent()).toMatch(/0,00 €noch buchbar165,00 € freigegeben/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'backoffice-revoked-released');
    await page.context().close();
  });

  test('the terminal tells two trips apart by name and period', async () => {
    const period = { validFrom: addDays(today, -30), validTo: addDays(today, 100) };
    const { beneficiary, card } = await makeChildWithCard(
      server.database.db,
      server.keys,
      { ...period, benefitType: 'trip', budgetCents: 28500, reference: 'Klassenfahrt Harz' },
      { givenName: 'Jara' },
    );
    await makeApproval(server.database.db, {
      beneficiaryId: beneficiary.id,
      benefitType: 'trip',
      budgetCents: 4000,
      reference: 'Zoo Tagesausflug',
      validFrom: today,
      validTo: addDays(today, 10),
    });
    const page = await newPage(browser, server.url, PHONE);
    await login(page, 'schule');
    await page.getByLabel('Kartennummer').fill(card.cardNumber);
    await page.getByRole('button', { name: 'Karte prüfen' }).click();
    await page.getByRole('button', { name: /Klassenfahrt Harz.*285,00 € verfügbar/ }).waitFor();
    await page.getByRole('button', { name: /Zoo Tagesausflug.*40,00 € verfügbar/ }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'backoffice-terminal-two-trips');
    await page.context().close();
  });

  test('search finds "Familienname, Vorname", "Vorname Familienname" and the card number with spaces; columns sort', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'sachbearbeitung');
    const search = async (q: string) => {
      await page.getByLabel('Name oder Aktenzeichen').fill(q);
      await page.getByRole('button', { name: 'Suchen' }).click();
      await expect.poll(() => page.getByTestId('search-count').textContent()).toContain(`für „${q}“`);
      return page.getByRole('table', { name: 'Suchergebnis' }).locator('tbody tr').allTextContents();
    };
    expect((await search('Schneider, Mia')).join()).toContain('Schneider, Mia');
    expect((await search('Mia Schneider')).join()).toContain('Schneider, Mia');
    const { rows } = await server.database.query<{ card_number: string }>(
      "select c.card_number from cards c join beneficiaries b on b.id = c.beneficiary_id where b.case_reference = 'DEMO-001'",
    );
    const spaced = rows[0]!.card_number.replace(/(\d{4})(?=\d)/g, '$1 ');
    const found = await search(spaced);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('Schneider, Mia');
    await search('DEMO');
    const table = page.getByRole('table', { name: 'Suchergebnis' });
    await table.getByRole('button', { name: /Geburtsdatum/ }).click();
    await expect.poll(() => table.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('ascending');
    // The column by its header (a caseworker's table starts with the print selection).
    const headers = (await table.locator('thead th').allTextContents()).map((h) => h.trim());
    const birthColumn = headers.findIndex((h) => h.startsWith('Geburtsdatum')) + 1;
    expect(birthColumn).toBeGreaterThan(0);
    const births = async () =>
      (await table.locator(`tbody tr td:nth-child(${birthColumn})`).allTextContents()).map((d) =>
        d.split('.').reverse().join('-'),
      );
    await expect
      .poll(async () => {
        const b = await births();
        return b.length > 1 && b.join() === [...b].sort().join() ? 'sorted' : b.join();
      })
      .toBe('sorted');
    await table.getByRole('button', { name: /Geburtsdatum/ }).click();
    await expect.poll(() => table.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('descending');
    await expect
      .poll(async () => {
        const b = await births();
        return b.length > 1 && b.join() === [...b].sort().reverse().join() ? 'sorted' : b.join();
      })
      .toBe('sorted');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'backoffice-search-sorted');
    await page.context().close();
  });

  test('a possible duplicate is saved with a warning and a link; a taken case reference links to its child', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'sachbearbeitung');
    const record = async (caseReference: string) => {
      await page.getByRole('link', { name: 'Kind anlegen' }).first().click();
      await page.getByLabel('Vorname').fill('Mia');
      await page.getByLabel('Nachname').fill('Schneider');
      await page.getByLabel('Geburtsdatum').fill('2015-03-14');
      await page.getByLabel('Aktenzeichen').fill(caseReference);
      await page.getByRole('button', { name: 'Kind speichern' }).click();
    };
    await record('DEMO-002');
    const holder = page.getByTestId('case-reference-holder');
    await holder.waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'backoffice-case-reference-taken');
    await holder.click();
    await page.getByRole('heading', { level: 1, name: 'Leon Yilmaz' }).waitFor();

    await record('JC-DUP-77');
    await page.getByRole('heading', { level: 1, name: 'Mia Schneider' }).waitFor();
    const link = page.getByTestId('duplicate-link');
    await link.waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'backoffice-possible-duplicate');
    await link.click();
    await expect.poll(() => page.getByTestId('child-facts').textContent()).toContain('DEMO-001');
    await page.context().close();
  });

  test('master data are corrected in a dialog; the history shows what changed', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'sachbearbeitung');
    await openChild(page, 'DEMO-002', 'Yilmaz, Leon');
    await page.getByRole('button', { name: 'Stammdaten ändern' }).click();
    const dialog = page.getByRole('dialog', { name: 'Stammdaten ändern' });
    await dialog.getByLabel('Nachname').fill('Yılmaz');
    await dialog.getByRole('button', { name: 'Stammdaten speichern' }).click();
    await page.getByText('Stammdaten gespeichert.').waitFor();
    await page.getByRole('heading', { level: 1, name: 'Leon Yılmaz' }).waitFor();
    const history = page.getByTestId('master-data-history');
    await history.locator('summary').click();
    expect(await history.textContent()).toContain('sachbearbeitung: Nachname „Yilmaz“ → „Yılmaz“');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'backoffice-master-data-history');
    await page.context().close();
  });
});
