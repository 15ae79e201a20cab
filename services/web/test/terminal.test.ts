import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addDays, berlinDate, formatCardNumber } from '@tk/core';
import type { Browser, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeChildWithCard } from '../../api/test/factories.ts';
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

/** A QR image of the card token, as a phone photo of the card would show it. */
function qrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { errorCorrectionLevel: 'M', width: 520, margin: 4 });
}

/** A Y4M video (Chromium's fake camera) showing the card's QR: the real camera path, end to end. */
async function qrVideo(text: string, file: string): Promise<void> {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const [width, height] = [640, 480];
  const scale = Math.floor((height - 40) / (size + 8));
  const left = Math.floor((width - size * scale) / 2);
  const top = Math.floor((height - size * scale) / 2);
  const luma = Buffer.alloc(width * height, 235);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      if (!qr.modules.get(r, c)) continue;
      for (let y = 0; y < scale; y++)
        luma.fill(
          16,
          (top + r * scale + y) * width + left + c * scale,
          (top + r * scale + y) * width + left + (c + 1) * scale,
        );
    }
  }
  const chroma = Buffer.alloc((width * height) / 4, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  await writeFile(file, Buffer.concat([header, ...Array.from({ length: 5 }, () => frame)]));
}

async function typeCardNumber(page: Page, digits: string) {
  const input = page.getByLabel('Kartennummer');
  await input.focus();
  await input.press('End');
  await input.pressSequentially(digits, { delay: 5 });
}

async function statusOf(page: Page) {
  return page.getByTestId('canteen-status').textContent();
}

describe.runIf(runBrowserTests)('web terminal', () => {
  let server: TestServer;
  let browser: Browser;
  const today = berlinDate(new Date());
  const period = { validFrom: addDays(today, -200), validTo: addDays(today, 100) };

  async function child(approval: Record<string, unknown>, givenName: string) {
    return makeChildWithCard(server.database.db, server.keys, { ...period, ...approval }, { givenName });
  }
  async function redemptionsOf(approvalId: string) {
    const { rows } = await server.database.query<{ status: string; amount_cents: number }>(
      'select status, amount_cents from redemptions where approval_id = $1 order by booked_at',
      [approvalId],
    );
    return rows;
  }
  async function remainingOf(approvalId: string) {
    const { rows } = await server.database.query<{ remaining_cents: number }>(
      'select remaining_cents from approvals where id = $1',
      [approvalId],
    );
    return rows[0]?.remaining_cents;
  }

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    // The demo canteen needs a meal price in force (the back-office seed may already have one).
    await server.database.query(
      `insert into provider_meal_prices (id, provider_id, valid_from, price_cents)
       select 'mp_browser_test', $1, '2000-01-01', 350
       where not exists (select 1 from provider_meal_prices where provider_id = $1)`,
      [DEMO_PROVIDERS.canteen.id],
    );
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('typed card number: groups of four, check digit feedback, lookup, booking with the remaining balance', async () => {
    const { card, approval } = await child({ benefitType: 'participation', budgetCents: 9000 }, 'Jonte');
    const page = await newPage(browser, server.url, PHONE);
    await login(page, 'verein-kasse');
    await page.getByRole('heading', { name: 'Karte lesen' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    // A wrong check digit is caught while typing.
    const wrong = card.cardNumber.slice(0, 15) + String((Number(card.cardNumber[15]) + 1) % 10);
    await typeCardNumber(page, wrong);
    expect(await page.getByLabel('Kartennummer').inputValue()).toBe(formatCardNumber(wrong));
    await page.getByText('Prüfziffer stimmt nicht').waitFor();
    expect(await page.getByRole('button', { name: 'Karte prüfen' }).isDisabled()).toBe(true);

    await page.getByLabel('Kartennummer').fill('');
    await typeCardNumber(page, card.cardNumber.slice(0, 10));
    await page.getByText('Noch 6 Ziffern').waitFor();
    await typeCardNumber(page, card.cardNumber.slice(10));
    await page.getByText('✓ Kartennummer gültig').waitFor();
    await page.getByRole('button', { name: 'Karte prüfen' }).click();

    expect(await page.getByTestId('holder-name').textContent()).toMatch(/^Jonte [A-Z]\.$/);
    await page.getByRole('button', { name: /Teilhabe.*90,00 € verfügbar/ }).waitFor();
    await page.getByLabel('Betrag in Euro').fill('12,50');
    await page.getByText('= 12,50 €').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'terminal-lookup');

    await page.getByRole('button', { name: 'Betrag buchen' }).click();
    const result = page.getByTestId('result-booked');
    await result.waitFor();
    expect(await result.textContent()).toContain('Restguthaben: 77,50 €');
    const row = page.getByRole('row', { name: /Jonte [A-Z]\./ });
    await row.waitFor();
    expect(await row.textContent()).toContain('12,50 €');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'terminal-booked');
    expect(await redemptionsOf(approval.id)).toEqual([{ status: 'booked', amount_cents: 1250 }]);
    await page.context().close();
  });

  test('a booking above the balance is declined on a red screen with the German reason and books nothing', async () => {
    const { card, approval } = await child({ benefitType: 'participation', budgetCents: 2000 }, 'Smilla');
    const page = await newPage(browser, server.url, PHONE);
    await login(page, 'verein-kasse');
    await typeCardNumber(page, card.cardNumber);
    await page.getByRole('button', { name: 'Karte prüfen' }).click();
    await page.getByLabel('Betrag in Euro').fill('25,00');
    await page.getByText('Mehr als das verfügbare Guthaben (20,00 €).').waitFor();
    await page.getByRole('button', { name: 'Betrag buchen' }).click();
    const declined = page.getByTestId('result-declined');
    await declined.waitFor();
    const text = await declined.textContent();
    expect(text).toContain('Abgelehnt');
    expect(text).toContain('Das Guthaben reicht für diesen Betrag nicht aus.');
    expect(text).toContain('Verfügbar: 20,00 €');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'terminal-declined');
    expect(await redemptionsOf(approval.id)).toEqual([]);
    expect(await remainingOf(approval.id)).toBe(2000);
    await page.context().close();
  });

  test('a photo of the QR code ("Bild wählen") looks the card up; a blocked card is declined', async () => {
    const { card } = await child({ benefitType: 'participation', budgetCents: 3000 }, 'Fiete');
    const page = await newPage(browser, server.url, PHONE);
    await login(page, 'verein-kasse');
    await page.locator('input[type=file]').setInputFiles({
      name: 'karte.png',
      mimeType: 'image/png',
      buffer: await qrPng(card.qrToken),
    });
    await page.getByTestId('holder-name').waitFor();
    expect(await page.getByTestId('holder-name').textContent()).toMatch(/^Fiete [A-Z]\.$/);
    await page.getByRole('button', { name: 'Abbrechen – andere Karte' }).click();

    await server.database.query(`update cards set status = 'blocked' where id = $1`, [card.id]);
    await page.locator('input[type=file]').setInputFiles({
      name: 'karte.png',
      mimeType: 'image/png',
      buffer: await qrPng(card.qrToken),
    });
    await page.getByTestId('result-declined').waitFor();
    expect(await page.getByTestId('result-declined').textContent()).toContain('Die Karte ist gesperrt.');
    await page.context().close();
  });

  test('tutoring is booked in minutes at the approved hourly rate', async () => {
    const { card, approval } = await child(
      {
        benefitType: 'tutoring',
        budgetCents: 30_000,
        hours: 10,
        hourlyRateCents: 3000,
        providerId: DEMO_PROVIDERS.tutor.id,
      },
      'Wiebke',
    );
    const page = await newPage(browser, server.url, PHONE);
    await login(page, 'lernstudio');
    await typeCardNumber(page, card.cardNumber);
    await page.getByRole('button', { name: 'Karte prüfen' }).click();
    await page.getByRole('button', { name: '45 Min.' }).click();
    expect(await page.getByLabel('Dauer in Minuten').inputValue()).toBe('45');
    await page.getByRole('button', { name: 'Stunde buchen' }).click();
    await page.getByTestId('result-booked').waitFor();
    const text = await page.getByTestId('result-booked').textContent();
    expect(text).toContain('22,50 € (45 Minuten)');
    expect(text).toContain('Restguthaben: 277,50 €');
    expect(await redemptionsOf(approval.id)).toEqual([{ status: 'booked', amount_cents: 2250 }]);
    await page.context().close();
  });

  test("a booking is reversed from today's list after confirming, and the balance comes back", async () => {
    const { card, approval } = await child({ benefitType: 'participation', budgetCents: 5000 }, 'Hanno');
    const page = await newPage(browser, server.url, PHONE);
    await login(page, 'verein-kasse');
    await typeCardNumber(page, card.cardNumber);
    await page.getByRole('button', { name: 'Karte prüfen' }).click();
    await page.getByLabel('Betrag in Euro').fill('7,00');
    await page.getByRole('button', { name: 'Betrag buchen' }).click();
    await page.getByTestId('result-booked').waitFor();
    expect(await remainingOf(approval.id)).toBe(4300);

    const reverse = page.getByRole('button', { name: /Buchung Hanno [A-Z]\. 7,00 € stornieren/ });
    await reverse.click();
    const dialog = page.getByRole('dialog', { name: 'Buchung stornieren?' });
    await dialog.waitFor();
    // Cancelling the dialog changes nothing.
    await dialog.getByRole('button', { name: 'Abbrechen' }).click();
    expect(await redemptionsOf(approval.id)).toEqual([{ status: 'booked', amount_cents: 700 }]);
    await reverse.click();
    await dialog.getByRole('button', { name: 'Ja, stornieren' }).click();
    await page.getByText(/Buchung für Hanno [A-Z]\. \(7,00 €\) wurde storniert\./).waitFor();
    await page.getByText('storniert', { exact: true }).waitFor();
    expect(await redemptionsOf(approval.id)).toEqual([{ status: 'reversed', amount_cents: 700 }]);
    expect(await remainingOf(approval.id)).toBe(5000);
    await page.context().close();
  });

  test('when the answer to a booking is lost, the terminal retries with the same Idempotency-Key and books once', async () => {
    const { card, approval } = await child({ benefitType: 'participation', budgetCents: 5000 }, 'Tjark');
    const page = await newPage(browser, server.url, PHONE);
    await login(page, 'verein-kasse');
    const keys: string[] = [];
    await page.route('**/api/v1/terminal/redemptions', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      if (keys.length === 1) {
        await route.fetch(); // the server books ...
        return route.abort('connectionreset'); // ... but the answer never arrives
      }
      return route.continue();
    });
    await typeCardNumber(page, card.cardNumber);
    await page.getByRole('button', { name: 'Karte prüfen' }).click();
    await page.getByLabel('Betrag in Euro').fill('5');
    await page.getByRole('button', { name: 'Betrag buchen' }).click();
    await page.getByTestId('result-booked').waitFor();
    expect(await page.getByTestId('result-booked').textContent()).toContain('Restguthaben: 45,00 €');
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(await redemptionsOf(approval.id)).toEqual([{ status: 'booked', amount_cents: 500 }]);
    await page.context().close();
  });

  test('canteen mode books one lunch per scan, declines a second lunch the same day, and is ready for the next child', async () => {
    const a = await child({ benefitType: 'lunch' }, 'Ida');
    const b = await child({ benefitType: 'lunch' }, 'Mats');
    const page = await newPage(browser, server.url, PHONE);
    await login(page, 'mensa');
    await page.getByRole('link', { name: 'Kantine', exact: true }).click();
    await page.getByRole('button', { name: 'Kantinenmodus starten' }).click();
    // No camera in this browser: the scanner says so, and photos and typing still work.
    await page
      .getByText(/Kamera/)
      .first()
      .waitFor();

    const scanPhoto = async (token: string) =>
      page
        .locator('input[type=file]')
        .setInputFiles({ name: 'k.png', mimeType: 'image/png', buffer: await qrPng(token) });

    const started = Date.now();
    await scanPhoto(a.card.qrToken);
    await expect.poll(() => statusOf(page)).toMatch(/✓ Gebucht.*Ida [A-Z]\..*Mittagessen 3,50 €/);
    console.log(`canteen: photo scan to "Gebucht" in ${Date.now() - started} ms (includes QR decoding)`);
    expect(await page.getByTestId('canteen-count').textContent()).toBe('1 Essen gebucht');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'terminal-canteen');

    await scanPhoto(b.card.qrToken);
    await expect.poll(() => statusOf(page)).toMatch(/✓ Gebucht.*Mats [A-Z]\./);
    expect(await page.getByTestId('canteen-count').textContent()).toBe('2 Essen gebucht');

    // Ida comes back: the second lunch of the day is declined (typed number this time).
    await typeCardNumber(page, a.card.cardNumber);
    await page.getByRole('button', { name: 'Mittagessen buchen' }).click();
    await expect.poll(() => statusOf(page)).toMatch(/✗ Abgelehnt.*Ida [A-Z]\..*heute schon ein Mittagessen/);
    await screenshot(page, 'terminal-canteen-declined');
    expect(await page.getByTestId('canteen-count').textContent()).toBe('2 Essen gebucht');
    await expect.poll(() => statusOf(page), { timeout: 10_000 }).toBe('Bereit – nächste Karte scannen');
    expect(await redemptionsOf(a.approval.id)).toEqual([{ status: 'booked', amount_cents: 350 }]);
    expect(await redemptionsOf(b.approval.id)).toEqual([{ status: 'booked', amount_cents: 350 }]);
    await page.context().close();
  });

  test('canteen mode with the camera: a card held up to the camera is booked exactly once', async () => {
    const c = await child({ benefitType: 'lunch' }, 'Lene');
    const video = path.join(tmpdir(), `tk-qr-${process.pid}.y4m`);
    await qrVideo(c.card.qrToken, video);
    const cameraBrowser = await launchBrowser([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ]);
    try {
      const page = await newPage(cameraBrowser, server.url, PHONE);
      await page.context().grantPermissions(['camera'], { origin: server.url });
      await login(page, 'mensa');
      await page.getByRole('link', { name: 'Kantine', exact: true }).click();
      await page.getByRole('button', { name: 'Kantinenmodus starten' }).click();
      await expect.poll(() => statusOf(page), { timeout: 15_000 }).toMatch(/✓ Gebucht.*Lene [A-Z]\./);
      // The card stays in view while the result shows and the display returns to "ready":
      // dozens of frames see it, none books again or declines.
      await expect.poll(() => statusOf(page), { timeout: 10_000 }).toBe('Bereit – nächste Karte scannen');
      expect(await page.getByTestId('canteen-count').textContent()).toBe('1 Essen gebucht');
      expect(await redemptionsOf(c.approval.id)).toEqual([{ status: 'booked', amount_cents: 350 }]);
      const { rows } = await server.database.query('select 1 from redemption_declines where approval_id = $1', [
        c.approval.id,
      ]);
      expect(rows).toHaveLength(0);
    } finally {
      await cameraBrowser.close();
    }
  });
});
