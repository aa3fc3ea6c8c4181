import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { formatTimestamp } from '@argilla/common';
import { User, UserSession } from '@argilla/database';
import { UserSessionsService } from '@argilla/users';
import { ApiSuite, openApiSuite, seedUser, UNAUTHORIZED } from './support/api';
import { runCli } from './support/cli';
import { freePort, ServerProcess, spawnServer } from './support/server';
import { engines, TestDatabase } from './support/test-database';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
/** FIREFOX as the table shows it: 39 characters and an ellipsis. */
const FIREFOX_SHORT = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.…';
const HTTPX = 'python-httpx/0.27.2';
const notFound = (username: string) => ({
  code: 1,
  stdout: '',
  stderr: `Error: User with username '${username}' not found\n`,
});

describe.each(engines())('argilla-cli users sessions and end-sessions (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;
  let server: ServerProcess;
  let ann: User;
  let cy: User;

  beforeAll(async () => {
    suite = await openApiSuite(engine);
    ({ app, dataSource } = suite);
    ann = (await seedUser(app, { username: 'ann', workspaces: ['team'] })).user;
    await seedUser(app, { username: 'bo' });
    cy = (await seedUser(app, { username: 'cy', role: 'admin' })).user;
    server = await spawnServer(suite.db.env, await freePort());
  });

  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    await suite?.close();
  });

  const cli = (args: string[]) => runCli(args, suite.db.env);
  const base = () => `http://127.0.0.1:${server.port}`;
  const sessionsOf = (user: User) =>
    dataSource.getRepository(UserSession).find({ where: { userId: user.id }, order: { createdAt: 'DESC' } });

  /** Logs in at the server process (POST /api/security/token) with that User-Agent; the bearer JWT. */
  async function login(username: string, userAgent: string): Promise<string> {
    const response = await fetch(`${base()}/api/security/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': userAgent },
      body: new URLSearchParams({ username, password: 'password-1234' }),
    });
    expect(response.status).toBe(200);
    const { access_token } = (await response.json()) as { access_token: string };
    // Sessions are ordered by their creation time, kept to the millisecond.
    await new Promise((resolve) => setTimeout(resolve, 5));
    return access_token;
  }

  /** GET /api/me at the server process with these headers: status and body. */
  async function me(headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${base()}/api/me`, { headers });
    return { status: response.status, body: await response.json() };
  }

  const bearer = (jwt: string) => ({ Authorization: `Bearer ${jwt}` });

  it('says so when a user has no sessions, and ends none', async () => {
    expect(await cli(['users', 'sessions', 'bo'])).toEqual({
      code: 0,
      stdout: "User 'bo' has no sessions.\n",
      stderr: '',
    });
    expect(await cli(['users', 'sessions', 'bo', '--json'])).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
    expect(await cli(['users', 'end-sessions', 'bo'])).toEqual({
      code: 0,
      stdout: "User 'bo' has no sessions: nothing to end.\n",
      stderr: '',
    });
  });

  it('lists the sessions of real logins and single sign-on, newest first, as a table and as JSON', async () => {
    await login('ann', FIREFOX);
    await login('ann', HTTPX);
    // A single sign-on session, started as the OAuth callback starts it.
    const expires = new Date(Date.now() + 3_600_000);
    await app
      .get(UserSessionsService)
      .start(ann, expires, { client: '203.0.113.7', userAgent: 'Keycloak\tbrowser', provider: 'keycloak' });

    const rows = await sessionsOf(ann);
    expect(rows.map((row) => [row.client, row.userAgent, row.provider])).toEqual([
      ['203.0.113.7', 'Keycloak\tbrowser', 'keycloak'],
      ['127.0.0.1', HTTPX, null],
      ['127.0.0.1', FIREFOX, null],
    ]);
    const [sso, httpx, firefox] = rows;
    const times = (row: UserSession) =>
      [row.createdAt, row.lastSeenAt, row.expiresAt].map((at) => formatTimestamp(at)).join('  ');

    expect(await cli(['users', 'sessions', 'ann'])).toEqual({
      code: 0,
      stdout: [
        'ID                                    CREATED                     LAST SEEN                   EXPIRES                     CLIENT       USER AGENT                                SIGN-IN',
        `${sso.id}  ${times(sso)}  203.0.113.7  Keycloak browser                          sso:keycloak`,
        `${httpx.id}  ${times(httpx)}  127.0.0.1    python-httpx/0.27.2                       password`,
        `${firefox.id}  ${times(firefox)}  127.0.0.1    ${FIREFOX_SHORT}  password`,
        '',
      ].join('\n'),
      stderr: '',
    });

    const json = (row: UserSession) => ({
      id: row.id,
      created_at: formatTimestamp(row.createdAt),
      last_seen_at: formatTimestamp(row.lastSeenAt),
      expires_at: formatTimestamp(row.expiresAt),
      client: row.client,
      user_agent: row.userAgent,
      provider: row.provider,
    });
    expect(await cli(['users', 'sessions', 'ann', '--json'])).toEqual({
      code: 0,
      stdout: JSON.stringify(rows.map(json), null, 2) + '\n',
      stderr: '',
    });
    // Listing changes nothing.
    expect(await sessionsOf(ann)).toEqual(rows);
  });

  it("ends every session of a user: their JWTs get 401 from the server, its API key still works, others' stay", async () => {
    const first = await login('cy', FIREFOX);
    const second = await login('cy', HTTPX);
    const annBefore = await sessionsOf(ann);
    expect(annBefore).toHaveLength(3);
    expect((await sessionsOf(cy)).length).toBe(2);
    for (const jwt of [first, second]) expect((await me(bearer(jwt))).status).toBe(200);

    expect(await cli(['users', 'end-sessions', 'cy'])).toEqual({
      code: 0,
      stdout: "Ended 2 sessions of 'cy': their bearer tokens are refused from now on.\n",
      stderr: '',
    });
    expect(await sessionsOf(cy)).toEqual([]);
    expect(await sessionsOf(ann)).toEqual(annBefore);
    for (const jwt of [first, second]) expect(await me(bearer(jwt))).toEqual({ status: 401, body: UNAUTHORIZED });
    expect(await me({ 'X-Argilla-Api-Key': 'cy.apikey' })).toMatchObject({ status: 200, body: { username: 'cy' } });
    expect(await cli(['users', 'sessions', 'cy'])).toEqual({
      code: 0,
      stdout: "User 'cy' has no sessions.\n",
      stderr: '',
    });

    // Signing in again starts a new session; ending it alone says so in the singular.
    const third = await login('cy', HTTPX);
    expect((await me(bearer(third))).status).toBe(200);
    expect(await cli(['users', 'end-sessions', 'cy'])).toEqual({
      code: 0,
      stdout: "Ended 1 session of 'cy': its bearer token is refused from now on.\n",
      stderr: '',
    });
    expect(await me(bearer(third))).toEqual({ status: 401, body: UNAUTHORIZED });
    expect(await sessionsOf(cy)).toEqual([]);

    expect(await cli(['users', 'end-sessions', 'ann'])).toEqual({
      code: 0,
      stdout: "Ended 3 sessions of 'ann': their bearer tokens are refused from now on.\n",
      stderr: '',
    });
    expect(await sessionsOf(ann)).toEqual([]);
    expect(await dataSource.getRepository(UserSession).count()).toBe(0);
  });

  it('exits 1 for an unknown user, as the other user commands do', async () => {
    expect(await cli(['users', 'sessions', 'nobody'])).toEqual(notFound('nobody'));
    expect(await cli(['users', 'sessions', 'nobody', '--json'])).toEqual(notFound('nobody'));
    expect(await cli(['users', 'end-sessions', 'nobody'])).toEqual(notFound('nobody'));
  });
});

describe('argilla-cli sessions help', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create('sqlite');
  });

  afterAll(async () => {
    await db.drop();
  });

  it('describes both commands; end-sessions says that the API key and tokens stay', async () => {
    const sessions = await runCli(['users', 'sessions', '--help'], db.env);
    expect(sessions).toEqual({
      code: 0,
      stdout: [
        'Usage: argilla-cli users sessions [options] <username>',
        '',
        "List a user's sessions (one per login or single sign-on), newest first",
        '',
        'Options:',
        '  --json      Print JSON instead of a table',
        '  -h, --help  display help for command',
        '',
      ].join('\n'),
      stderr: '',
    });
    const endSessions = await runCli(['users', 'end-sessions', '--help'], db.env);
    expect(endSessions.code).toBe(0);
    expect(endSessions.stdout.replace(/\s+/g, ' ')).toBe(
      'Usage: argilla-cli users end-sessions [options] <username> ' +
        'End every session of a user: the bearer JWTs of its logins and single sign-ons are refused from then on. ' +
        'Its API key and personal access tokens stay (see rotate-api-key and revoke-token) ' +
        'Options: -h, --help display help for command ',
    );
  });
});
