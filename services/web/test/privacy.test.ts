import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
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

/** The child page's data protection section: the access log (Zugriffsprotokoll) and the Art. 15 export. */
describe.runIf(runBrowserTests)('Datenschutz auf der Kinderseite', () => {
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

  test('the access log shows the search and the page view by this caseworker; the Art. 15 PDF downloads and is logged too', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'sachbearbeitung');
    await page.getByLabel('Name oder Aktenzeichen').fill('Schneid');
    await page.getByRole('button', { name: 'Suchen' }).click();
    await page.getByRole('link', { name: 'Schneider, Mia' }).click();
    await page.getByRole('heading', { level: 1, name: 'Mia Schneider' }).waitFor();

    const section = page.getByTestId('access-log');
    await section.getByRole('heading', { name: 'Zugriffsprotokoll' }).waitFor();
    const log = section.getByRole('table', { name: /^Zugriffe auf die Daten von Mia Schneider/ });
    await expect.poll(() => log.locator('tbody tr').first().textContent()).toContain('Kinderseite geöffnet');
    const rows = await log.locator('tbody tr').allTextContents();
    expect(rows[0]).toContain('sachbearbeitung');
    // Every search that showed the child (while typing and on submit) is in the log, by this user.
    const searches = rows.slice(1);
    expect(searches.length).toBeGreaterThan(0);
    for (const row of searches) expect(row).toMatch(/sachbearbeitung.*in einer Suche gefunden/);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      section.getByRole('button', { name: 'Auskunft nach Art. 15 DSGVO (PDF)' }).click(),
    ]);
    const bytes = await readFile((await download.path())!);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(download.suggestedFilename()).toMatch(/^auskunft-.*\.pdf$/);
    // The export is itself a read: the log shows it at once.
    await expect
      .poll(() => log.locator('tbody tr').first().textContent())
      .toContain('Auskunft (Art. 15 DSGVO) erstellt');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await section.scrollIntoViewIfNeeded();
    await screenshot(page, 'casework-access-log');
    await page.context().close();
  });
});
