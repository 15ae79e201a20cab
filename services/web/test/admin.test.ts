import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
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

async function openVerwaltung(page: Page, username: string) {
  await login(page, username);
  await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Verwaltung' }).click();
}

const usersTable = (page: Page) => page.getByRole('table', { name: /Benutzerkonten|Konten Ihrer Einrichtung/ });

async function userRow(page: Page, username: string) {
  return usersTable(page)
    .locator('tbody tr')
    .filter({ has: page.getByRole('cell', { name: username, exact: false }) })
    .first();
}

describe.runIf(runBrowserTests)('Verwaltung', () => {
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

  test('an admin creates a provider: a bad IBAN is refused in German at the field, a good one creates it; a second admin approves it (four eyes)', async () => {
    const page = await newPage(browser, server.url);
    await openVerwaltung(page, 'admin');
    await page.getByRole('heading', { name: 'Anbieter', exact: true }).waitFor();
    await page.getByRole('table', { name: 'Alle Anbieter' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'admin-providers');

    await page.getByRole('button', { name: 'Anbieter anlegen' }).click();
    const form = page.getByRole('form', { name: 'Anbieter anlegen' });
    await form.getByLabel('Name').fill('Musikschule Tonleiter');
    await form.getByLabel('Teilhabe').check();
    await form.getByLabel('Kontoinhaber').fill('Musikschule Tonleiter e.V.');
    await form.getByLabel('IBAN').fill('DE89 3704 0044 0532 0130 01'); // wrong check digits
    await form.getByLabel('Straße und Hausnummer').fill('Am Markt 3');
    await form.getByLabel('Postleitzahl').fill('59065');
    await form.getByLabel('Ort').fill('Musterstadt');
    // The category is chosen explicitly, never guessed from the benefit types.
    await form.getByRole('button', { name: 'Anbieter anlegen' }).click();
    const category = form.getByLabel('Kategorie');
    await expect.poll(() => category.getAttribute('aria-invalid')).toBe('true');
    expect(await form.locator('.field-error').allTextContents()).toContain('Bitte die Kategorie wählen.');
    await category.selectOption({ label: 'Musikschule' });
    await form.getByRole('button', { name: 'Anbieter anlegen' }).click();
    const iban = form.getByLabel('IBAN');
    await expect.poll(() => iban.getAttribute('aria-invalid')).toBe('true');
    expect(await form.locator('.field-error').allTextContents()).toEqual(['Die IBAN ist ungültig.']);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('iban');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'admin-provider-invalid-iban');

    // The IBAN of the demo club: saved, with a German warning naming (and linking) the other provider.
    await iban.fill('DE89 3704 0044 0532 0130 00');
    await form.getByRole('button', { name: 'Anbieter anlegen' }).click();
    await page.getByRole('heading', { name: 'Musikschule Tonleiter' }).waitFor();
    expect(await page.getByTestId('provider-status').textContent()).toBe('wartet auf Freigabe');
    const warning = page.getByTestId('iban-warning');
    expect(await warning.textContent()).toContain('Diese IBAN ist schon bei einem anderen Anbieter hinterlegt');
    expect(await warning.getByRole('link', { name: DEMO_PROVIDERS.club.name }).getAttribute('href')).toContain(
      DEMO_PROVIDERS.club.id,
    );
    expect(await page.getByText('Musikschule', { exact: true }).count()).toBeGreaterThan(0);
    await screenshot(page, 'admin-provider-iban-warning');
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await page.getByTestId('provider-iban').textContent()).toBe('DE89 3704 0044 0532 0130 00');
    const fourEyes = page.getByTestId('four-eyes');
    expect(await fourEyes.textContent()).toContain('Bankdaten zuletzt geändert von Ihnen');
    expect(await fourEyes.textContent()).toContain('Sie haben die Bankdaten zuletzt geändert.');

    // The admin who entered the bank data may not approve: the button is disabled, the reason beside it.
    const approve = page.getByRole('button', { name: 'Freigeben' });
    expect(await approve.isDisabled()).toBe(true);
    const reason = page.getByTestId('approve-refusal');
    expect(await reason.textContent()).toContain('Vier-Augen-Prinzip: Sie haben die Bankdaten zuletzt geändert.');
    expect(await approve.getAttribute('aria-describedby')).toBe(await reason.getAttribute('id'));
    expect(await page.getByTestId('provider-status').textContent()).toBe('wartet auf Freigabe');
    await screenshot(page, 'admin-four-eyes-refused');
    expect(await seriousA11yViolations(page)).toEqual([]);
    const providerUrl = new URL(page.url()).pathname;

    const second = await newPage(browser, server.url);
    await login(second, 'admin2');
    await second.goto(providerUrl);
    await second.getByRole('heading', { name: 'Musikschule Tonleiter' }).waitFor();
    await expect
      .poll(() => second.getByTestId('four-eyes').textContent())
      .toContain('Bankdaten zuletzt geändert von admin');
    await second.getByRole('button', { name: 'Freigeben' }).click();
    await expect.poll(() => second.getByTestId('provider-status').textContent()).toBe('zugelassen');
    expect(await second.getByTestId('four-eyes').textContent()).toContain('Freigegeben von Ihnen');
    await screenshot(second, 'admin-provider-approved');
    await second.context().close();
    await page.context().close();
  });

  test('an admin creates a staff user for a provider, deactivates it and sets a new password', async () => {
    const page = await newPage(browser, server.url);
    await openVerwaltung(page, 'admin');
    await page.getByRole('link', { name: 'Benutzer' }).click();
    await usersTable(page).waitFor();
    const form = page.getByRole('form', { name: 'Benutzer anlegen' });
    await form.getByLabel('Benutzername').fill('mensa-kasse2');
    await form.getByLabel('Erstes Passwort').fill('Kurz');
    await form.getByLabel('Rolle').selectOption('provider_staff');
    await form.getByRole('button', { name: 'Benutzer anlegen' }).click();
    await expect
      .poll(() => form.locator('.field-error').allTextContents())
      .toEqual(['Mindestens 12 Zeichen.', 'Bitte den Anbieter wählen.']);
    await form.getByLabel('Erstes Passwort').fill('Mensa-Kasse-2026');
    await form.getByLabel('Anbieter', { exact: true }).selectOption(DEMO_PROVIDERS.canteen.id);
    await form.getByRole('button', { name: 'Benutzer anlegen' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toBe('Benutzer mensa-kasse2 (Anbieter (Personal)) angelegt.');
    const row = await userRow(page, 'mensa-kasse2');
    expect(await row.textContent()).toContain(DEMO_PROVIDERS.canteen.name);
    expect(await row.textContent()).toContain('aktiv');

    // The same name again: a German message at the field.
    await form.getByLabel('Benutzername').fill('mensa-kasse2');
    await form.getByLabel('Erstes Passwort').fill('Mensa-Kasse-2026');
    await form.getByRole('button', { name: 'Benutzer anlegen' }).click();
    await expect
      .poll(() => form.locator('.field-error').allTextContents())
      .toEqual(['Dieser Benutzername ist bereits vergeben.']);

    await page.getByRole('button', { name: 'mensa-kasse2 deaktivieren' }).click();
    await expect.poll(async () => (await userRow(page, 'mensa-kasse2')).textContent()).toContain('deaktiviert');
    await page.getByRole('button', { name: 'Passwort von mensa-kasse2 zurücksetzen' }).click();
    const dialog = page.getByRole('dialog', { name: 'Neues Passwort für mensa-kasse2' });
    await dialog.getByLabel('Neues Passwort').fill('Neues-Passwort-2026');
    await dialog.getByRole('button', { name: 'Passwort setzen' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('Neues Passwort für mensa-kasse2');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'admin-users');
    await page.context().close();
  });

  test('settings: grace period and meal price cap, a participation rate from a date; a meal price above the cap is refused in German', async () => {
    const page = await newPage(browser, server.url);
    await openVerwaltung(page, 'admin');
    await page.getByRole('link', { name: 'Einstellungen und Sätze' }).click();
    const settings = page.getByRole('form', { name: 'Einstellungen der Stadt' });
    await settings.getByLabel('Nachfrist in Monaten').fill('6');
    await settings.getByLabel('Obergrenze Essenspreis in Euro').fill('4,50');
    expect(await settings.getByLabel('Konten je Anbieter höchstens').inputValue()).toBe('20');
    await settings.getByLabel('Konten je Anbieter höchstens').fill('12');
    await settings.getByRole('button', { name: 'Einstellungen speichern' }).click();
    await expect
      .poll(() =>
        page.getByRole('form', { name: 'Einstellungen der Stadt' }).getByLabel('Nachfrist in Monaten').inputValue(),
      )
      .toBe('6');
    expect(await settings.getByLabel('Obergrenze Essenspreis in Euro').inputValue()).toBe('4,50');
    expect(await settings.getByLabel('Konten je Anbieter höchstens').inputValue()).toBe('12');

    const rates = page.getByRole('form', { name: 'Neuen Satz hinzufügen' });
    await rates.getByLabel('gültig ab').fill('2027-01-01');
    await rates.getByLabel('Betrag in Euro').fill('20,00');
    await rates.getByRole('button', { name: 'Satz hinzufügen' }).click();
    await expect
      .poll(() => page.getByRole('table', { name: 'Gültige und frühere Sätze' }).locator('tbody tr').allTextContents())
      .toContain('Teilhabe01.01.202720,00 €');
    // Rates are append-only: the same start date again is refused with a German message.
    await rates.getByLabel('gültig ab').fill('2027-01-01');
    await rates.getByLabel('Betrag in Euro').fill('25,00');
    await rates.getByRole('button', { name: 'Satz hinzufügen' }).click();
    await expect
      .poll(() => rates.locator('.field-error').allTextContents())
      .toEqual(['Ein neuer Satz muss nach dem zuletzt gültigen Satz beginnen (Sätze werden nie geändert).']);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'admin-settings');

    // The meal price of the canteen: above the new cap, then within it.
    await page.getByRole('link', { name: 'Anbieter', exact: true }).click();
    await page.getByRole('link', { name: DEMO_PROVIDERS.canteen.name }).click();
    await page.getByRole('button', { name: 'Neuer Preis' }).click();
    const dialog = page.getByRole('dialog', { name: 'Neuer Essenspreis' });
    await dialog.getByLabel('Preis je Essen in Euro').fill('4,80');
    await dialog.getByRole('button', { name: 'Preis speichern' }).click();
    await expect
      .poll(() => dialog.locator('.field-error').allTextContents())
      .toEqual(['Der Essenspreis liegt über der Obergrenze der Stadt.']);
    await dialog.getByLabel('Preis je Essen in Euro').fill('4,20');
    await dialog.getByRole('button', { name: 'Preis speichern' }).click();
    await expect.poll(() => page.getByTestId('meal-price').textContent()).toBe('4,20 €');
    await screenshot(page, 'admin-meal-price');
    await page.context().close();
  });

  test('a provider admin sees only its own staff and creates and deactivates terminal staff', async () => {
    const page = await newPage(browser, server.url);
    await openVerwaltung(page, 'verein');
    await page.getByRole('heading', { name: `Personal von ${DEMO_PROVIDERS.club.name}` }).waitFor();
    expect(await page.getByRole('link', { name: 'Anbieter', exact: true }).count()).toBe(0);
    await expect
      .poll(async () => (await usersTable(page).locator('tbody tr').allTextContents()).map((r) => r.split('seit')[0]))
      .toEqual(['verein', 'verein-kasse']);

    const form = page.getByRole('form', { name: 'Personal anlegen' });
    expect(await form.getByLabel('Rolle').count()).toBe(0);
    await form.getByLabel('Benutzername').fill('verein-kasse2');
    await form.getByLabel('Erstes Passwort').fill('Vereinskasse-2026');
    await form.getByRole('button', { name: 'Personal anlegen' }).click();
    await expect
      .poll(async () => (await userRow(page, 'verein-kasse2')).textContent())
      .toContain('Anbieter (Personal)');
    await page.getByRole('button', { name: 'verein-kasse2 deaktivieren' }).click();
    await expect.poll(async () => (await userRow(page, 'verein-kasse2')).textContent()).toContain('deaktiviert');
    const names = (await usersTable(page).locator('tbody tr').allTextContents()).map((r) => r.split('seit')[0]);
    expect(names).toEqual(['verein', 'verein-kasse', 'verein-kasse2']);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'admin-provider-staff');
    await page.context().close();
  });
  test('Löschfristen: an admin makes a dry run (counts, nothing changed), then starts the run after confirming', async () => {
    const page = await newPage(browser, server.url);
    await openVerwaltung(page, 'admin');
    await page.getByRole('link', { name: 'Löschfristen' }).click();
    await page.getByRole('heading', { name: 'Löschfristen', exact: true }).waitFor();
    const panel = page.getByTestId('retention-panel');
    const start = panel.getByRole('button', { name: 'Löschlauf starten' });
    expect(await start.isDisabled()).toBe(true);
    expect(
      await page.getByRole('form', { name: 'Fristen' }).getByLabel('Löschfrist für Kinder in Monaten').inputValue(),
    ).toBe('24');

    await panel.getByRole('button', { name: 'Probelauf (nur zählen)' }).click();
    const preview = page.getByTestId('retention-preview');
    await preview.waitFor();
    expect(await preview.textContent()).toContain('Es wurde nichts geändert.');
    expect(await preview.getByRole('rowheader').allTextContents()).toEqual([
      'Kinder, die pseudonymisiert werden',
      'Karten, die deaktiviert werden',
      'Wiederholungsschlüssel',
      'Abgelehnte Buchungsversuche',
      'Zähler für Fehlversuche',
      'Abgelaufene Abmeldungen',
    ]);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'admin-retention-dry-run');

    await start.click();
    const dialog = page.getByRole('dialog', { name: 'Löschlauf starten?' });
    await dialog.getByRole('button', { name: 'Jetzt pseudonymisieren und löschen' }).click();
    await expect.poll(() => panel.getByRole('status').first().textContent()).toContain('Löschlauf abgeschlossen');
    expect(await preview.count()).toBe(0);
    await page.context().close();
  });
});
