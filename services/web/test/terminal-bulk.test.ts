import { addDays, berlinDate, formatGermanDate, generateCardNumber } from '@tk/core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeChildWithCard } from '../../api/test/factories.ts';
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

describe.runIf(runBrowserTests)('web terminal: Sammelbuchung (bulk file)', () => {
  let server: TestServer;
  let browser: Browser;
  const today = berlinDate(new Date());
  const period = { validFrom: addDays(today, -200), validTo: addDays(today, 100) };

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the school admin checks a class-trip file (German line report), books it, and sees the result', async () => {
    const kids = await Promise.all(
      [12_000, 12_000, 3000].map((budgetCents, i) =>
        makeChildWithCard(
          server.database.db,
          server.keys,
          { ...period, benefitType: 'trip', budgetCents },
          { givenName: `Kind${i}` },
        ),
      ),
    );
    const day = formatGermanDate(today);
    const csv = [
      'cardNumber;serviceDate;benefitType;amount;minutes;purpose',
      ...kids.map((k) => `${k.card.cardNumber};${day};Klassenfahrt;85,00;;Klassenfahrt Harz`),
      `${generateCardNumber()};${day};Klassenfahrt;85,00;;Klassenfahrt Harz`,
      `${kids[0]!.card.cardNumber};31.13.2026;Klassenfahrt;85,00;;`,
    ].join('\r\n');

    const page = await newPage(browser, server.url);
    await login(page, 'schule');
    await page.getByRole('link', { name: 'Sammelbuchung' }).click();
    await page.getByRole('heading', { name: 'Sammelbuchung' }).waitFor();
    const template = page.getByRole('link', { name: 'Vorlage herunterladen' });
    const href = decodeURIComponent((await template.getAttribute('href')) ?? '');
    expect(href).toContain('cardNumber;serviceDate;benefitType;amount;minutes;purpose');
    expect(href).toContain(';Lernförderung;;45;');

    await page.getByRole('button', { name: 'Datei prüfen' }).click();
    await page.getByText('Bitte zuerst eine CSV-Datei auswählen.').waitFor();

    await page.getByLabel('CSV-Datei').setInputFiles({
      name: 'klassenfahrt-7b.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`\uFEFF${csv}\r\n`, 'utf8'),
    });
    await page.getByRole('button', { name: 'Datei prüfen' }).click();
    const check = page.getByTestId('bulk-check');
    await check.getByText('2 Zeilen können gebucht werden, 3 Zeilen würden abgelehnt.', { exact: false }).waitFor();
    const rows = check.getByRole('row');
    expect(await rows.count()).toBe(4); // header + 3 declined lines
    await check.getByRole('cell', { name: 'Budget reicht nicht', exact: true }).waitFor();
    await check.getByRole('cell', { name: 'Karte unbekannt', exact: true }).waitFor();
    await check.getByText('Kein gültiges Leistungsdatum', { exact: false }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'terminal-bulk-check');
    const { rows: before } = await server.database.query('select id from redemptions where approval_id = $1', [
      kids[0]!.approval.id,
    ]);
    expect(before).toHaveLength(0);

    await page.getByRole('button', { name: 'Buchen (2 Zeilen)' }).click();
    const result = page.getByTestId('bulk-result');
    await result.getByText('2 Buchungen gebucht, 3 Zeilen abgelehnt', { exact: false }).waitFor();
    await screenshot(page, 'terminal-bulk-result');
    const { rows: booked } = await server.database.query<{ amount_cents: number; purpose: string }>(
      'select amount_cents, purpose from redemptions where approval_id = any($1)',
      [kids.map((k) => k.approval.id)],
    );
    expect(booked).toEqual([
      { amount_cents: 8500, purpose: 'Klassenfahrt Harz' },
      { amount_cents: 8500, purpose: 'Klassenfahrt Harz' },
    ]);
  });

  test('staff of the provider see no Sammelbuchung tab', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'verein-kasse');
    await page.getByRole('link', { name: 'Verlauf' }).waitFor();
    expect(await page.getByRole('link', { name: 'Sammelbuchung' }).count()).toBe(0);
  });
});
