import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '@tk/api';
import { generateKeyRings } from '@tk/api/lib/keys.ts';
import { DEMO_PASSWORD, DEMO_PROVIDERS, seedDemo } from '@tk/api/seed/demo.ts';

export { DEMO_PROVIDERS };

import { fixedClock } from '@tk/core';
import { openFromTemplate, type TestDatabase } from '@tk/db/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import type {} from '../../api/test/global-setup.ts';
import { appTestConfig } from '../../api/test/support.ts';

/**
 * Browser tests: a real API server (its own database from the run's template, demo data) serving
 * the built web UI, driven by Debian's Chromium through playwright-core. `playwright install` is
 * never used; without Chromium the tests are skipped, except in CI where they must run.
 */
const WEB_ROOT = fileURLToPath(new URL('..', import.meta.url));
const requireFromWeb = createRequire(path.join(WEB_ROOT, 'package.json'));
const REPO_ROOT = path.resolve(WEB_ROOT, '../..');
/**
 * Screenshots are always taken (so every run can be looked at), but they replace the documented ones in
 * docs/screenshots only with SCREENSHOTS=1; otherwise they go to a temporary folder and the tree stays clean.
 */
export const SCREENSHOT_DIR =
  process.env.SCREENSHOTS === '1'
    ? path.join(REPO_ROOT, 'docs/screenshots')
    : path.join(tmpdir(), 'teilhabekarte-screenshots');

function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH && existsSync(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH;
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (existsSync(candidate)) return candidate;
  }
  const which = spawnSync('which', ['chromium'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
}

export const chromiumPath = findChromium();
export const inCI = process.env.CI === 'true';
/** Browser tests run when Chromium is installed, and always in CI (where a missing browser fails). */
export const runBrowserTests = Boolean(chromiumPath) || inCI;
if (!runBrowserTests) {
  console.warn('Browser tests skipped: Chromium not found (apt-get install chromium, or set CHROMIUM_PATH).');
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the web UI when dist/ is missing or older than its sources, so a clean clone just works. */
export function ensureWebBuilt(): void {
  // A pipeline that has just run `pnpm --filter @tk/web build` may say so and skip the check.
  if (process.env.WEB_BUILT === 'true') return;
  const index = path.join(WEB_ROOT, 'dist/index.html');
  const sources = Math.max(
    newestMtime(path.join(WEB_ROOT, 'src')),
    newestMtime(path.join(WEB_ROOT, 'public')),
    statSync(path.join(WEB_ROOT, 'index.html')).mtimeMs,
    statSync(path.join(WEB_ROOT, 'vite.config.ts')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  // Vite's own CLI through node: no package manager (and its install checks) in between.
  const viteBin = path.join(path.dirname(requireFromWeb.resolve('vite/package.json')), 'bin/vite.js');
  const run = spawnSync(process.execPath, [viteBin, 'build', '--logLevel', 'warn'], {
    cwd: WEB_ROOT,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`vite build failed:\n${run.stdout}\n${run.stderr}`);
}

export interface TestServer {
  url: string;
  app: Awaited<ReturnType<typeof buildApp>>;
  database: TestDatabase;
  keys: Awaited<ReturnType<typeof generateKeyRings>>;
  clock: ReturnType<typeof fixedClock>;
  close(): Promise<void>;
}

/**
 * The API with the web UI on a free port, demo users seeded. The server clock is pinned to the real
 * start time (so the browser's "today" matches) and tests move it to expire tokens.
 */
export async function startServer(options: { port?: number } = {}): Promise<TestServer> {
  ensureWebBuilt();
  const config = appTestConfig({
    serveWeb: true,
    rateLimitPerMinute: 100_000,
    login: { failuresPerAccount: 100, failuresPerAddress: 1_000, windowMinutes: 15 },
  });
  const database = await openFromTemplate(inject('dbTemplate'));
  const keys = await generateKeyRings();
  await seedDemo(database.db, keys);
  const clock = fixedClock(new Date().toISOString());
  const app = await buildApp(config, { database, keys, clock });
  // TEST_WEB_PORT pins the port where a worker is given a port range; 0 takes any free one.
  const url = await app.listen({ port: options.port ?? Number(process.env.TEST_WEB_PORT ?? 0), host: '127.0.0.1' });
  return {
    url,
    app,
    database,
    keys,
    clock,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  if (!chromiumPath) throw new Error('Chromium not found: CI must install it (apt-get install chromium).');
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs],
  });
}

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

/** A fresh browser context (own sessionStorage) with German locale and Berlin time. */
export async function newPage(browser: Browser, baseURL: string, viewport = DESKTOP): Promise<Page> {
  const context = await browser.newContext({
    baseURL,
    viewport,
    locale: 'de-DE',
    timezoneId: 'Europe/Berlin',
    // The app's CSP is 'self'; bypassing it only lets the test inject axe-core.
    bypassCSP: true,
    ...(viewport === PHONE ? { deviceScaleFactor: 2, isMobile: true, hasTouch: true } : {}),
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error('page error:', err));
  return page;
}

export async function login(page: Page, username: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Benutzername').fill(username);
  await page.getByLabel('Passwort').fill(password);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await expect.poll(() => page.getByTestId('username').textContent()).toBe(username);
  // The app sends a signed-in user from /login to the first section in an effect after that render.
  await expect.poll(() => new URL(page.url()).pathname).not.toBe('/login');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core in the page; returns the serious and critical violations. */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_PATH });
  const violations = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected at run time
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations as AxeViolation[];
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
}
