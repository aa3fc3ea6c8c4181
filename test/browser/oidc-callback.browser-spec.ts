import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { TEST_SECRET } from '../support/api';
import { startProvider, TestProvider } from '../support/oidc';
import { freePort, ServerProcess, spawnServer } from '../support/server';
import { createMigratedDatabase, TestDatabase } from '../support/test-database';

const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'];
const chromiumMissing = !existsSync(CHROMIUM_PATH);
const describeBrowser = chromiumMissing && process.env.TEST_REQUIRE_BROWSER !== 'true' ? describe.skip : describe;

// The built server (openid-client is ESM), the test provider, and Chromium going through the callback page.
describeBrowser('single sign-on through the callback page, in a real browser', () => {
  let db: TestDatabase | undefined;
  let provider: TestProvider | undefined;
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  let base: string;

  beforeAll(async () => {
    if (chromiumMissing) throw new Error(`TEST_REQUIRE_BROWSER=true but ${CHROMIUM_PATH} is missing.`);
    const serverPort = await freePort();
    base = `http://127.0.0.1:${serverPort}`;
    provider = await startProvider(await freePort(), [`${base}/oauth/testidp/callback`]);
    ({ db } = await createMigratedDatabase('sqlite'));
    const file = join(db.home, 'oauth.yaml');
    writeFileSync(
      file,
      'allow_http_redirect: true\nproviders:\n  - name: testidp\n    client_id: argilla\n    client_secret: argilla-secret\n' +
        `argilla_users:\n  providers:\n    testidp:\n      issuer: ${provider.issuer}\n`,
    );
    server = await spawnServer(
      { ...db.env, ARGILLA_AUTH_OAUTH_CFG: file, ARGILLA_LOCAL_AUTH_SECRET_KEY: TEST_SECRET },
      serverPort,
    );
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    server?.child.kill('SIGTERM');
    await server?.exited;
    await provider?.stop();
    await db?.drop();
  });

  it('signs in, shows the user and a token the API accepts, and drops the code from the address', async () => {
    await provider!.setAccount('browser-user', { preferred_username: 'grace', given_name: 'Grace' });
    const context = await browser!.newContext();
    // Nothing but the server and the provider: the page loads no external asset.
    await context.route(
      (url) => url.hostname !== '127.0.0.1',
      (route) => route.abort(),
    );
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    await page.goto(`${base}/api/v1/oauth2/providers/testidp/authentication`);
    await page.locator('#done').waitFor();
    expect(await page.locator('#title').textContent()).toBe('Signed in');
    expect(await page.locator('#username').textContent()).toBe('grace');
    expect(await page.locator('#role').textContent()).toBe('annotator');
    expect(page.url()).toBe(`${base}/oauth/testidp/callback`);
    const token = await page.locator('#token').inputValue();
    const me = await fetch(`${base}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
    expect([me.status, ((await me.json()) as { username: string }).username]).toEqual([200, 'grace']);
    // The CSP let the page's own script and style run, and nothing went wrong in it.
    expect(problems).toEqual([]);

    // Reloading the page: the code is gone, and the state was used: the page says so.
    await page.goto(`${base}/oauth/testidp/callback`);
    await page.locator('#error').waitFor();
    expect(await page.locator('#error').textContent()).toBe(
      'The sign-in state is missing or has expired: start the sign-in again (400)',
    );
    await context.close();
  });
});
