import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  DESKTOP,
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

/** What each demo user's navigation must show: exactly the sections its role may use. */
const EXPECTED_SECTIONS: Record<string, string[]> = {
  // Need-to-know: admins run the system and see no children.
  admin: ['Verwaltung'],
  admin2: ['Verwaltung'],
  sachbearbeitung: ['Fallbearbeitung'],
  buchhaltung: ['Buchhaltung'],
  buchhaltung2: ['Buchhaltung'],
  verein: ['Terminal', 'Verwaltung'],
  'verein-kasse': ['Terminal'],
  mensa: ['Terminal'],
  lernstudio: ['Terminal', 'Verwaltung'],
  schule: ['Terminal', 'Verwaltung'],
};
const EXPIRED = 'Sitzung abgelaufen – bitte erneut anmelden';

async function navLabels(page: Page): Promise<string[]> {
  return page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link').allTextContents();
}

describe.runIf(runBrowserTests)('web shell', () => {
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

  for (const [username, sections] of Object.entries(EXPECTED_SECTIONS)) {
    test(`${username} sees exactly the sections ${sections.join(', ')}`, async () => {
      const page = await newPage(browser, server.url);
      await login(page, username);
      expect(await navLabels(page)).toEqual(sections);
      // Lands on its first section, whose heading is shown.
      await expect.poll(() => page.getByRole('link', { name: sections[0] }).getAttribute('aria-current')).toBe('page');
      await page.context().close();
    });
  }

  test('a section of another role cannot be opened by URL: the user lands on an own section', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'mensa');
    await page.goto('/buchhaltung');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/terminal');
    expect(await navLabels(page)).toEqual(['Terminal']);
    await page.context().close();
  });

  test('a wrong password shows a German message and no session', async () => {
    const page = await newPage(browser, server.url);
    await page.goto('/');
    await page.getByLabel('Benutzername').fill('buchhaltung');
    await page.getByLabel('Passwort').fill('falsch-falsch-falsch');
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Benutzername oder Passwort ist falsch.');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.context().close();
  });

  test('the token is kept in sessionStorage, never in localStorage, and logout removes it', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'buchhaltung');
    expect(await page.evaluate(() => sessionStorage.getItem('tk.session'))).toContain('"token"');
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    await page.reload();
    expect(await page.getByTestId('username').textContent()).toBe('buchhaltung');
    await page.getByRole('button', { name: 'Abmelden' }).click();
    await page.getByRole('heading', { name: 'Anmelden' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.evaluate(() => sessionStorage.getItem('tk.session'))).toBeNull();
    await page.context().close();
  });

  test('a token the server no longer accepts (401) sends the user back to the login with a German message', async () => {
    const page = await newPage(browser, server.url, PHONE);
    await login(page, 'mensa');
    await page.getByRole('heading', { name: 'Heutige Buchungen' }).waitFor();
    const start = server.clock.now();
    server.clock.set(new Date(start.getTime() + 31 * 60_000)); // past the 30-minute token lifetime
    try {
      await page.reload(); // the page loads today's bookings: 401
      await page.getByRole('heading', { name: 'Anmelden' }).waitFor();
      await expect.poll(() => page.getByText(EXPIRED).count()).toBe(1);
      expect(await page.evaluate(() => sessionStorage.getItem('tk.session'))).toBeNull();
    } finally {
      server.clock.set(start);
      await page.context().close();
    }
  });

  test('an idle session runs out on the device clock and goes back to the login with a German message', async () => {
    const page = await newPage(browser, server.url);
    await page.clock.install();
    await login(page, 'buchhaltung');
    let refreshed = false;
    page.on('request', (r) => {
      if (r.url().endsWith('/api/v1/auth/refresh')) refreshed = true;
    });
    await page.clock.fastForward('31:00');
    await page.getByRole('heading', { name: 'Anmelden' }).waitFor();
    await expect.poll(() => page.getByText(EXPIRED).count()).toBe(1);
    expect(refreshed).toBe(false);
    await page.context().close();
  });

  test('an active session is refreshed shortly before it expires and stays signed in', async () => {
    const page = await newPage(browser, server.url);
    await page.clock.install();
    await login(page, 'buchhaltung');
    await page.clock.fastForward('20:00');
    await page.getByRole('link', { name: 'Buchhaltung' }).click(); // user activity
    const refresh = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/refresh'));
    await page.clock.fastForward('08:30'); // the refresh is due 2 minutes before expiry
    expect((await refresh).status()).toBe(200);
    await page.clock.fastForward('05:00'); // past the first token's expiry
    expect(await page.getByTestId('username').textContent()).toBe('buchhaltung');
    await page.context().close();
  });

  test('login and section pages have no serious accessibility violations; screenshots', async () => {
    const page = await newPage(browser, server.url, DESKTOP);
    await page.goto('/');
    await page.getByRole('heading', { name: 'Anmelden' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'login');

    for (const [username, name, heading] of [
      ['sachbearbeitung', 'casework', 'Fallbearbeitung'],
      ['buchhaltung', 'accounting', 'Buchhaltung'],
      ['admin', 'admin', 'Verwaltung'],
    ] as const) {
      const p = await newPage(browser, server.url, DESKTOP);
      await login(p, username);
      if (name === 'admin') await p.getByRole('link', { name: 'Verwaltung' }).click();
      // The section's own page (filled in by its area) shows a main heading and is marked current.
      await p.locator('main h1').first().waitFor();
      expect(await p.getByRole('link', { name: heading }).getAttribute('aria-current')).toBe('page');
      expect(await seriousA11yViolations(p)).toEqual([]);
      await screenshot(p, name);
      await p.context().close();
    }
    await page.context().close();
  });
});
