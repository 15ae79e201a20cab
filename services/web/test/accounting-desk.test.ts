import { newId } from '@tk/core';
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

/**
 * The accounting desk's settings and large data: a batch of 5,000 lines opens with one page of 100
 * and a pager, never as one table; the booking list layout is set in the UI and stored as a version.
 */
describe.runIf(runBrowserTests)('accounting desk: paging and the booking list layout', () => {
  let server: TestServer;
  let browser: Browser;
  let batchId = '';

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    // A large batch as a settlement run of a big caterer leaves it: 5,000 lunch lines of 3,50 €.
    const db = server.database;
    const { rows } = await db.query<{ id: string }>("select id from providers where status = 'approved' limit 1");
    const providerId = rows[0]!.id;
    const runId = newId('run');
    batchId = newId('batch');
    await db.query(
      `insert into settlement_runs (id, cutoff_date, status, triggered_by, batch_count, total_cents)
          values ('${runId}', '2026-11-20', 'completed', 'test', 1, 1750000)`,
    );
    await db.query(
      `insert into settlement_batches (id, number, run_id, provider_id, cutoff_date, period_from, period_to, total_cents, line_count)
          values ('${batchId}', 'ABR-2026-900001', '${runId}', '${providerId}', '2026-11-20', '2026-11-02', '2026-11-19', 1750000, 5000)`,
    );
    await db.query(
      `insert into settlement_lines (batch_id, kind, redemption_id, card_ref, service_date, booked_at, benefit_type, legal_basis, amount_cents)
          select '${batchId}', 'redemption', 'rdm_paging_' || n, lpad((n % 10000)::text, 4, '0'),
                 date '2026-11-02' + (n % 18), timestamptz '2026-11-02 12:00+01' + n * interval '1 minute',
                 'lunch', 'SGB_II', 350
          from generate_series(1, 5000) n`,
    );
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('100 lines per page, the range and the total said in German; next and previous page', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'buchhaltung');
    await page.goto(`/buchhaltung/abrechnungen/${batchId}`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Abrechnung ABR-2026-900001');
    const rows = page.getByTestId('lines').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(100);
    const range = page.getByTestId('lines-range');
    expect(await range.textContent()).toBe('Buchungen 1–100 von 5.000 (Seite 1 von 50)');
    const pager = page.getByRole('navigation', { name: 'Seiten der Buchungen' });
    expect(await pager.getByRole('button', { name: 'Zurück' }).isDisabled()).toBe(true);
    const firstOfPage1 = await rows.first().textContent();
    // The footer sums the whole batch, not the page.
    expect(await page.getByTestId('lines').locator('tfoot').textContent()).toContain('Summe aller Buchungen17.500,00');

    await pager.getByRole('button', { name: 'Weiter' }).click();
    await expect.poll(() => range.textContent()).toBe('Buchungen 101–200 von 5.000 (Seite 2 von 50)');
    expect(await rows.count()).toBe(100);
    expect(await rows.first().textContent()).not.toBe(firstOfPage1);
    await screenshot(page, 'accounting-batch-lines-paged');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await pager.getByRole('button', { name: 'Zurück' }).click();
    await expect.poll(() => range.textContent()).toContain('Buchungen 1–100');
    expect(await rows.first().textContent()).toBe(firstOfPage1);
    await page.context().close();
  });

  test('accounting sets the booking list columns and accounts; saved as version 1, refused input said in German', async () => {
    const page = await newPage(browser, server.url);
    await login(page, 'buchhaltung');
    await page.getByRole('navigation', { name: 'Buchhaltung' }).getByRole('link', { name: 'Buchungsliste' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Buchungsliste');
    expect(await page.getByTestId('booking-list-version').textContent()).toContain('Standardeinstellung');
    const columns = page.getByTestId('booking-columns').locator('tbody tr');
    await expect.poll(() => columns.count()).toBe(13);

    await page.getByLabel('Überschrift der Spalte Betrag').fill('Betrag EUR');
    await page.getByRole('button', { name: 'Anbieter-ID entfernen' }).click();
    await page.getByRole('button', { name: 'Kostenstelle nach oben' }).click();
    await page.getByLabel('Weitere Spalte').selectOption({ label: 'Rechtskreis-Code' });
    await page.getByRole('button', { name: 'Spalte hinzufügen' }).click();
    expect(await columns.count()).toBe(13);
    expect(await columns.nth(6).textContent()).toContain('Kostenstelle');
    await page.getByLabel('Kostenstelle, Zeile 1').fill('99999');

    // An empty account row is refused by the server; the page says what to check, in German.
    await page.getByRole('button', { name: 'Zeile hinzufügen' }).click();
    await page.getByRole('button', { name: 'Einstellung speichern' }).click();
    await expect
      .poll(() => page.getByRole('alert').filter({ hasText: 'Nicht gespeichert' }).textContent())
      .toContain('Kostenstelle und Sachkonto in jeder Zeile ausgefüllt');
    const rows = page.getByTestId('booking-accounts').locator('tbody tr');
    const count = await rows.count();
    await page.getByRole('button', { name: `Zeile ${count} entfernen` }).click();
    await page.getByRole('button', { name: 'Einstellung speichern' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Gespeichert als Version 1' }).count()).toBe(1);
    expect(await page.getByTestId('booking-list-version').textContent()).toContain(
      'Version 1, gespeichert von buchhaltung',
    );
    await screenshot(page, 'accounting-booking-list');
    expect(await seriousA11yViolations(page)).toEqual([]);

    const saved = await server.database.query<{ version: number; columns: { key: string; header: string }[] }>(
      'select version, columns from booking_list_configs order by version',
    );
    expect(saved.rows).toHaveLength(1);
    const stored = saved.rows[0]!.columns;
    expect(stored.map((c) => c.key)).not.toContain('providerId');
    expect(stored.at(-1)).toEqual({ key: 'legalBasisCode', header: 'Rechtskreis-Code' });
    expect(stored.find((c) => c.key === 'amount')!.header).toBe('Betrag EUR');
    const accounts = await server.database.query<{ cost_centre: string }>(
      "select cost_centre from booking_accounts where cost_centre = '99999'",
    );
    expect(accounts.rows).toHaveLength(1);
    await page.context().close();
  });
});
