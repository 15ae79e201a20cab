import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_PASSWORD } from '@tk/api/seed/demo.ts';
import { addDays, berlinDate } from '@tk/core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { camtForPain } from '../../api/test/camt-fixtures.ts';
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

/** Demo data through the API: settled, certified, released (four eyes) and exported to a payment file. */
async function exportedPaymentFile(server: TestServer): Promise<{ pain: string; numbers: string[] }> {
  const call = async (method: string, url: string, token?: string, body?: unknown) => {
    const res = await fetch(`${server.url}${url}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return res.headers.get('content-type')?.includes('json') ? res.json() : res.text();
  };
  const token = async (username: string) =>
    (await call('POST', '/api/v1/auth/login', undefined, { username, password: DEMO_PASSWORD })).token as string;
  const certifier = await token('buchhaltung');
  const releaser = await token('buchhaltung2');
  const today = berlinDate(server.clock.now());
  await call('POST', '/api/v1/settlements/runs', certifier, { cutoffDate: addDays(today, 1) });
  const open = (await call('GET', '/api/v1/settlements/batches?status=open', certifier)).items as {
    id: string;
    totalCents: number;
  }[];
  const payable = open.filter((b) => b.totalCents > 0).slice(0, 3);
  for (const b of payable) {
    await call('POST', `/api/v1/settlements/batches/${b.id}/certify`, certifier);
    await call('POST', `/api/v1/settlements/batches/${b.id}/release`, releaser);
  }
  const file = await call('POST', '/api/v1/settlements/payment-files', certifier, {
    batchIds: payable.map((b) => b.id),
  });
  const pain = (await call('GET', `/api/v1/settlements/payment-files/${file.id}/sepa.xml`, certifier)) as string;
  const numbers = [...pain.matchAll(/<EndToEndId>([^<]+)<\/EndToEndId>/g)].map((m) => m[1]!);
  return { pain, numbers };
}

describe.runIf(runBrowserTests)('accounting desk: bank statements', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const dir = mkdtempSync(path.join(tmpdir(), 'tk-camt-'));

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    page = await newPage(browser, server.url);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('uploading the bank’s camt.054 shows paid, returned and unmatched transfers in German; a re-upload books nothing', async () => {
    const { pain, numbers } = await exportedPaymentFile(server);
    expect(numbers.length).toBeGreaterThan(1);
    const today = berlinDate(server.clock.now());
    const camt = path.join(dir, 'camt054.xml');
    writeFileSync(
      camt,
      camtForPain(pain, {
        kind: '054',
        messageId: 'CAMT054-BROWSER-1',
        valueDate: today,
        returns: { [numbers[0]!]: 'AC04' },
        extra: [{ endToEndId: 'FREMD-4711', amount: '12.34' }],
      }),
    );

    await login(page, 'buchhaltung');
    await page.getByRole('link', { name: 'Kontoauszüge' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Kontoauszüge');
    await page.getByLabel('camt-Datei (XML)').setInputFiles(camt);
    await page.getByRole('button', { name: 'Kontoauszug einlesen' }).click();

    const result = page.getByTestId('statement-result');
    await expect.poll(() => page.getByTestId('matched-count').textContent()).toBe(String(numbers.length));
    expect(await page.getByTestId('statement-returned').textContent()).toContain(`${numbers[0]}AC04 – Konto aufgelöst`);
    const unmatched = (await page.getByTestId('statement-unmatched').textContent()) ?? '';
    expect(unmatched).toContain('FREMD-4711');
    expect(unmatched).toContain('Unbekannte Referenz');
    expect(unmatched).toContain('12,34 €');
    expect(await page.getByTestId('statement-history').textContent()).toContain('CAMT054-BROWSER-1');
    expect(await result.textContent()).not.toContain('schon eingelesen');
    await screenshot(page, 'accounting-bank-statement');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The same file again: the first result, with a note that nothing was booked again.
    await page.getByRole('button', { name: 'Kontoauszug einlesen' }).click();
    await expect.poll(() => result.textContent()).toContain('schon eingelesen');
    expect(await page.getByTestId('matched-count').textContent()).toBe(String(numbers.length));

    // A file that is not a camt document: a German reason, nothing shown as a result.
    const wrong = path.join(dir, 'pain.xml');
    writeFileSync(wrong, pain);
    await page.getByLabel('camt-Datei (XML)').setInputFiles(wrong);
    await page.getByRole('button', { name: 'Kontoauszug einlesen' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('kein lesbarer Kontoauszug');
    expect(await result.count()).toBe(0);
  });

  test('the desk at phone width', async () => {
    const phone = await newPage(browser, server.url, { width: 360, height: 780 });
    await login(phone, 'buchhaltung');
    await phone.goto('/buchhaltung/kontoauszuege');
    await expect.poll(() => phone.getByTestId('statement-history').textContent()).toContain('CAMT054-BROWSER-1');
    await screenshot(phone, 'accounting-bank-statement-phone');
    expect(JSON.stringify(await seriousA11yViolations(phone))).toBe('[]');
  });
});
