import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Browser, BrowserContext, chromium, Locator, Page } from 'playwright-core';
import { MigrationRunner } from '@argilla/database';
import { seedUser, TEST_SECRET } from '../support/api';
import { freePort, startApp } from '../support/server';
import { TestDatabase } from '../support/test-database';

const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const API_KEY = 'argilla.apikey';
const STEP_TIMEOUT = 15_000;

const chromiumMissing = !existsSync(CHROMIUM_PATH);
const browserRequired = process.env.TEST_REQUIRE_BROWSER === 'true';
const missingMessage = `${CHROMIUM_PATH} is missing (install it with 'apt-get install -y chromium')`;

if (chromiumMissing && !browserRequired) {
  console.warn(
    `Skipping the Swagger UI browser check: ${missingMessage}. Set TEST_REQUIRE_BROWSER=true to fail instead.`,
  );
}

const describeBrowser = chromiumMissing && !browserRequired ? describe.skip : describe;

/** Waits until the cell shows exactly `expected`, and fails with what it does show otherwise. */
async function expectExactText(cell: Locator, expected: string, what: string): Promise<void> {
  const exact = new RegExp(`^\\s*${expected}\\s*$`);
  try {
    await cell.filter({ hasText: exact }).waitFor({ timeout: STEP_TIMEOUT });
  } catch {
    const actual = (await cell.count()) > 0 ? await cell.first().textContent() : '(nothing rendered)';
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, the page shows ${JSON.stringify(actual)}`);
  }
  expect((await cell.textContent())?.trim()).toBe(expected);
}

describeBrowser('Swagger UI in a real browser', () => {
  let db: TestDatabase | undefined;
  let app: NestExpressApplication | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let baseUrl: string;

  beforeAll(async () => {
    if (chromiumMissing) throw new Error(`TEST_REQUIRE_BROWSER=true but ${missingMessage}.`);
    db = await TestDatabase.create('sqlite');
    db.env.ARGILLA_LOCAL_AUTH_SECRET_KEY = TEST_SECRET;
    await new MigrationRunner(await db.connect()).migrate('head');
    app = await startApp(db.settings);
    await seedUser(app, { username: 'argilla', role: 'admin', apiKey: API_KEY, password: '12345678' });
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${port}`;

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
    context = await browser.newContext({ viewport: { width: 1280, height: 1600 } });
    await context.route(
      (url) => url.hostname !== '127.0.0.1',
      (route) => route.abort(),
    );
    page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    page.setDefaultNavigationTimeout(STEP_TIMEOUT);
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await db?.drop();
  });

  it('GET /api/me answers 401 before authorizing and 200 with the user after authorizing with the API key', async () => {
    try {
      await page.goto(`${baseUrl}/api/docs`);

      const operation = page.locator('.opblock.opblock-get').filter({ has: page.locator('[data-path="/api/me"]') });
      await operation.locator('.opblock-summary').click();
      await operation.getByRole('button', { name: 'Try it out' }).click();
      const execute = operation.getByRole('button', { name: 'Execute' });
      const liveStatus = operation.locator('.live-responses-table .response .response-col_status');
      const liveBody = operation.locator('.live-responses-table .response-col_description .highlight-code pre');

      const anonymous = page.waitForRequest((request) => request.url() === `${baseUrl}/api/me`);
      await execute.click();
      expect((await anonymous).headers()['x-argilla-api-key']).toBeUndefined();
      await expectExactText(liveStatus, '401', 'response code before authorizing');
      expect(await liveBody.textContent()).toContain('UnauthorizedError');

      await page.getByRole('button', { name: 'Authorize', exact: true }).click();
      const modal = page.locator('.modal-ux');
      await modal.waitFor();
      const apiKeyScheme = modal.locator('.auth-container').filter({ hasText: 'X-Argilla-Api-Key' });
      await apiKeyScheme.locator('input').fill(API_KEY);
      await apiKeyScheme.getByRole('button', { name: 'Apply credentials' }).click();
      await apiKeyScheme.getByRole('button', { name: 'Remove authorization' }).waitFor();
      await apiKeyScheme.getByRole('button', { name: 'Close', exact: true }).click();
      await modal.waitFor({ state: 'detached' });

      const authorized = page.waitForRequest((request) => request.url() === `${baseUrl}/api/me`);
      await execute.click();
      expect((await authorized).headers()['x-argilla-api-key']).toBe(API_KEY);
      await expectExactText(liveStatus, '200', 'response code after authorizing');
      const body = await liveBody.textContent();
      expect(body).toContain('"username": "argilla"');
      expect(body).toContain('"role": "admin"');
    } finally {
      const screenshot = join(mkdtempSync(join(tmpdir(), 'argilla-swagger-ui-')), 'swagger-ui.png');
      await page?.screenshot({ path: screenshot, fullPage: true }).catch(() => undefined);
      console.log(`Swagger UI screenshot: ${screenshot}`);
    }
  });
});
