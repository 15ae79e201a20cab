import { addDays, berlinDate } from '@tk/core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeChildWithCard } from '../../api/test/factories.ts';
import {
  DEMO_PROVIDERS,
  launchBrowser,
  login,
  newPage,
  runBrowserTests,
  screenshot,
  seriousA11yViolations,
  startServer,
  type TestServer,
} from './support.ts';

const PHONE_360 = { width: 360, height: 780 };

describe.runIf(runBrowserTests)('provider self-service', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer({ port: Number(process.env.BROWSER_TEST_PORT ?? 0) });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a club registers itself: German field errors, then pending; an admin approves it; then its admin signs in', async () => {
    const page = await newPage(browser, server.url, PHONE_360);
    await page.goto('/login');
    await page.getByRole('link', { name: 'Als Anbieter registrieren' }).click();
    await page.getByRole('heading', { name: 'Als Anbieter registrieren' }).waitFor();
    expect(await page.getByText('Empfängerüberprüfung').count()).toBeGreaterThan(0);
    expect(await seriousA11yViolations(page)).toEqual([]);

    const form = page.getByRole('form', { name: 'Registrierung als Anbieter' });
    await form.getByLabel('Name der Einrichtung').fill('Schachclub Springer e.V.');
    await form.getByLabel('Mittagessen').check(); // not allowed for a club
    await form.getByLabel('Art der Einrichtung').selectOption('club');
    await form.getByLabel('Ort', { exact: true }).fill('Musterstadt');
    await form.getByLabel('E-Mail').fill('vorstand@springer.example');
    await form.getByLabel('Kontoinhaber').fill('Schachclub Springer e.V.');
    await form.getByLabel('IBAN', { exact: true }).fill('DE89 3704 0044 0532 0130 01'); // wrong check digits
    await form.getByLabel('Benutzername').fill('springer-admin');
    await form.getByLabel('Passwort', { exact: true }).fill('kurz');
    await form.getByRole('button', { name: 'Registrierung absenden' }).click();
    await form.getByText('Das Passwort muss mindestens 12 Zeichen lang sein.').waitFor();

    await form.getByLabel('Passwort', { exact: true }).fill('springer-passwort-2026');
    await form.getByLabel('Passwort wiederholen').fill('springer-passwort-2026');
    await form.getByRole('button', { name: 'Registrierung absenden' }).click();
    await form.getByText(/Diese Leistungsarten passen nicht zur Kategorie. Möglich: Teilhabe/).waitFor();
    await form.getByLabel('Mittagessen').uncheck();
    await form.getByLabel('Teilhabe').check();
    await form.getByRole('button', { name: 'Registrierung absenden' }).click();
    await form.getByText('Die IBAN ist ungültig. Bitte vom Kontoauszug abschreiben.').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'provider-registration-errors');

    await form.getByLabel('IBAN', { exact: true }).fill('DE89 3704 0044 0532 0130 00');
    await form.getByRole('button', { name: 'Registrierung absenden' }).click();
    await page.getByRole('heading', { name: 'Registrierung eingegangen' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'provider-registration-done');

    // Before approval the account cannot sign in.
    await page.goto('/login');
    await page.getByLabel('Benutzername').fill('springer-admin');
    await page.getByLabel('Passwort').fill('springer-passwort-2026');
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByText('Benutzername oder Passwort ist falsch.').waitFor();

    const admin = await newPage(browser, server.url);
    await login(admin, 'admin');
    await admin.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Verwaltung' }).click();
    await admin.getByText('1 neue Registrierung').waitFor();
    const row = admin.getByRole('row').filter({ hasText: 'Schachclub Springer e.V.' });
    await row.getByText('neue Registrierung').waitFor();
    expect(await seriousA11yViolations(admin)).toEqual([]);
    await screenshot(admin, 'admin-provider-registrations');
    await row.getByRole('link', { name: 'Schachclub Springer e.V.' }).click();
    await admin.getByTestId('self-registered').waitFor();
    await admin.getByRole('button', { name: 'Freigeben', exact: true }).click();
    await expect.poll(() => admin.getByTestId('provider-status').textContent()).toBe('zugelassen');
    expect(await seriousA11yViolations(admin)).toEqual([]);
    await screenshot(admin, 'admin-provider-registration-approved');

    await login(page, 'springer-admin', 'springer-passwort-2026');
    await page.getByRole('navigation', { name: 'Hauptnavigation' }).waitFor();
  });

  test('a provider admin changes its own contact and bank data on the terminal and sees that the city must approve them', async () => {
    const page = await newPage(browser, server.url, PHONE_360);
    await login(page, 'schule');
    await page.getByRole('link', { name: 'Unsere Daten' }).click();
    const form = page.getByRole('form', { name: 'Unsere Daten ändern' });
    await form.getByLabel('Telefon').fill('02381 4711');
    await form.getByLabel('IBAN', { exact: true }).fill('DE02 1203 0000 0000 2020 51');
    await form.getByRole('button', { name: 'Speichern' }).click();
    await page.getByTestId('bank-data-pending').waitFor();
    const priceForm = page.getByRole('form', { name: 'Essenspreis vorschlagen' });
    await priceForm.getByLabel('Neuer Preis in Euro').fill('3,60');
    await priceForm.getByRole('button', { name: 'Preis vorschlagen' }).click();
    await page.getByTestId('meal-price-proposals').getByText('wartet auf Bestätigung der Stadt').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'terminal-own-data');

    const admin = await newPage(browser, server.url);
    await login(admin, 'admin');
    await admin.goto(`/verwaltung/anbieter/${DEMO_PROVIDERS.school.id}`);
    await admin.getByTestId('meal-price-proposal').waitFor();
    await admin.getByRole('button', { name: 'Bestätigen' }).click();
    await admin.getByText('Essenspreis bestätigt.').waitFor();
    await admin.getByRole('button', { name: 'Bankdaten freigeben' }).click();
    await admin.getByText('Anbieter freigegeben.', { exact: false }).waitFor();
    expect(await seriousA11yViolations(admin)).toEqual([]);
    await screenshot(admin, 'admin-provider-own-changes-approved');
    await page.reload();
    await page.getByRole('form', { name: 'Unsere Daten ändern' }).waitFor();
    expect(await page.getByTestId('bank-data-pending').count()).toBe(0);
  });

  test('a club books with a purpose; the list shows it and the next booking offers it while typing', async () => {
    const today = berlinDate(new Date());
    const period = { validFrom: addDays(today, -100), validTo: addDays(today, 100) };
    const { card } = await makeChildWithCard(
      server.database.db,
      server.keys,
      { ...period, benefitType: 'participation', budgetCents: 9000 },
      { givenName: 'Frieda' },
    );
    const page = await newPage(browser, server.url, PHONE_360);
    await login(page, 'verein-kasse');
    const input = page.getByLabel('Kartennummer');
    await input.focus();
    await input.pressSequentially(card.cardNumber, { delay: 5 });
    await page.getByRole('button', { name: 'Karte prüfen' }).click();
    await page.getByLabel('Betrag in Euro').fill('15,00');
    await page.getByLabel('Wofür? (optional)').fill('Mitgliedsbeitrag Dezember');
    await page.getByRole('button', { name: 'Betrag buchen' }).click();
    await page.getByTestId('result-booked').waitFor();
    const row = page.getByRole('row', { name: /Frieda [A-Z]\./ });
    await row.getByText('Mitgliedsbeitrag Dezember', { exact: false }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'terminal-booking-purpose');
    const offered = await page.evaluate(() => localStorage.getItem('tk.terminal.purposes'));
    expect(JSON.parse(offered ?? '[]')).toEqual(['Mitgliedsbeitrag Dezember']);

    // A club has no canteen tab; its history shows the range with totals and the purpose.
    const tabs = page.getByRole('navigation', { name: 'Terminal' });
    await tabs.getByRole('link', { name: 'Verlauf' }).waitFor();
    expect(await tabs.getByRole('link', { name: 'Kantine' }).count()).toBe(0);
    await tabs.getByRole('link', { name: 'Verlauf' }).click();
    await page.getByTestId('history-total').waitFor();
    expect(await page.getByTestId('history-total').textContent()).toMatch(/Buchung/);
    await page.getByRole('table').getByText('Mitgliedsbeitrag Dezember', { exact: false }).first().waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Als CSV herunterladen' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^Buchungen-.*\.csv$/);
    const v = await seriousA11yViolations(page);
    expect(v, JSON.stringify(v)).toEqual([]);
    await screenshot(page, 'terminal-history');
  });
});
