import { readFile } from 'node:fs/promises';
import { addDays, berlinDate } from '@tk/core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  DEMO_PROVIDERS,
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

/** Providers download their own statements (Gutschriften) in the terminal, and see no one else's. */
describe.runIf(runBrowserTests)('provider statements in the terminal', () => {
  let server: TestServer;
  let browser: Browser;
  let batches: { id: string; number: string; providerId: string }[] = [];

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const auth = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'buchhaltung', password: 'Teilhabe-Demo-2026' },
    });
    const token = auth.json().token as string;
    const cutoffDate = addDays(berlinDate(server.clock.now()), 1);
    const run = await server.app.inject({
      method: 'POST',
      url: '/api/v1/settlements/runs',
      headers: { authorization: `Bearer ${token}` },
      payload: { cutoffDate },
    });
    expect(run.statusCode).toBe(201);
    const list = await server.app.inject({
      method: 'GET',
      url: '/api/v1/settlements/batches',
      headers: { authorization: `Bearer ${token}` },
    });
    batches = list.json().items;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the club admin sees only its own batch and downloads its statement as PDF', async () => {
    const own = batches.find((b) => b.providerId === DEMO_PROVIDERS.club.id);
    const foreign = batches.filter((b) => b.providerId !== DEMO_PROVIDERS.club.id);
    expect(own).toBeDefined();
    expect(foreign.length).toBeGreaterThan(0);

    const page = await newPage(browser, server.url, PHONE);
    await login(page, 'verein');
    await page.getByRole('link', { name: 'Abrechnungen' }).click();
    const table = page.getByRole('list', { name: 'Ihre Abrechnungen' });
    await expect.poll(() => table.getByRole('listitem').count()).toBe(1);
    const text = (await table.textContent()) ?? '';
    expect(text).toContain(own!.number);
    for (const other of foreign) expect(text).not.toContain(other.number);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: `Gutschrift ${own!.number} als PDF herunterladen` }).click(),
    ]);
    const bytes = await readFile((await download.path())!);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(download.suggestedFilename()).toContain(own!.number);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'terminal-statements');
  });
});
