import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { api, envelope, openApiSuite, TEST_SECRET, UNAUTHORIZED } from './support/api';
import { runCli } from './support/cli';
import { authorizeAt, exchangeCode, signIn, startSignIn, TestProvider, startProvider } from './support/oidc';
import { freePort, ServerProcess, spawnServer } from './support/server';
import { createMigratedDatabase, engines, TestDatabase } from './support/test-database';

// The server runs as the built process: openid-client is ESM, which jest's CommonJS runtime cannot load.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
type Json = any;

const ADMIN = { 'X-Argilla-Api-Key': 'argilla.apikey' };
const badRequest = (detail: string) => envelope('BadRequestError', { detail });
const NO_STATE = badRequest('The sign-in state is missing or has expired: start the sign-in again');

/** Clients whose ID tokens the test provider changes, what it changes, and the reason openid-client gives. */
const TAMPERED: [string, string, string][] = [
  ['wrong-aud', 'an ID token for another audience', 'unexpected JWT "aud" (audience) claim value'],
  ['wrong-nonce', 'an ID token with another nonce', 'unexpected ID Token "nonce" claim value'],
  [
    'expired',
    'an expired ID token',
    'unexpected JWT "exp" (expiration time) claim value, expiration is past current timestamp',
  ],
  ['unsigned', 'an unsigned ID token (alg none)', 'unexpected JWT "alg" header parameter'],
];

/** The providers of the test file: each a client of the one test provider. */
const PROVIDERS = ['testidp', 'linkmail', 'linkname', 'wrong-aud', 'wrong-nonce', 'expired', 'unsigned'];

function oauthFile(issuer: string): string {
  const client = (name: string, clientId: string) =>
    `  - name: ${name}\n    client_id: ${clientId}\n    scope: openid profile email groups roles\n` +
    // testidp's secret comes from OAUTH2_TESTIDP_CLIENT_SECRET.
    (name === 'testidp' ? '' : '    client_secret: argilla-secret\n');
  return [
    'allow_http_redirect: true',
    'providers:',
    client('testidp', 'argilla') +
      client('linkmail', 'argilla') +
      client('linkname', 'argilla') +
      client('wrong-aud', 'wrong-aud') +
      client('wrong-nonce', 'wrong-nonce') +
      client('expired', 'expired') +
      client('unsigned', 'unsigned'),
    'allowed_workspaces:',
    '  - name: everyone',
    '  - name: not-created',
    'argilla_users:',
    '  providers:',
    '    testidp:',
    `      issuer: ${issuer}`,
    '      admin_claim: roles',
    '      admin_values: [argilla-admin]',
    '      workspaces_claim: groups',
    '    linkmail:',
    `      issuer: ${issuer}`,
    '      link_existing: verified_email',
    '      link_email_domains: [example.com]',
    '    linkname:',
    `      issuer: ${issuer}`,
    '      link_existing: username',
    ...['wrong-aud', 'wrong-nonce', 'expired', 'unsigned'].flatMap((name) => [
      `    ${name}:`,
      `      issuer: ${issuer}`,
    ]),
    '',
  ].join('\n');
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

describe.each(engines())('single sign-on through OpenID Connect (%s)', (engine) => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let provider: TestProvider;
  let server: ServerProcess;
  let base: string;

  const get = async (
    path: string,
    headers: Record<string, string> = ADMIN,
  ): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${base}${path}`, { headers });
    return { status: response.status, body: await response.json() };
  };
  const send = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...ADMIN, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const me = (token: string) => get('/api/me', { Authorization: `Bearer ${token}` });
  const userId = async (username: string): Promise<string> =>
    (await get('/api/users')).body.find((user: { username: string }) => user.username === username).id;
  const workspaceId = async (name: string): Promise<string> =>
    (await get('/api/workspaces')).body.find((workspace: { name: string }) => workspace.name === name).id;
  const identities = (): Promise<{ provider: string; subject: string; username: string; email: string | null }[]> =>
    dataSource.query(
      'SELECT i.provider AS provider, i.subject AS subject, u.username AS username, i.email AS email ' +
        'FROM oauth_identities i INNER JOIN users u ON u.id = i.user_id ORDER BY u.username, i.provider',
    );
  /** The user's memberships by workspace name (admins' /api/me lists every workspace, not their memberships). */
  const memberships = async (username: string): Promise<string[]> =>
    (
      (await dataSource.query(
        'SELECT w.name AS name FROM workspaces_users wu INNER JOIN workspaces w ON w.id = wu.workspace_id ' +
          `INNER JOIN users u ON u.id = wu.user_id WHERE u.username = ${engine === 'postgres' ? '$1' : '?'} ORDER BY w.name`,
        [username],
      )) as { name: string }[]
    ).map((row) => row.name);
  /** The messages the server logged (JSON lines). */
  const logMessages = (): string[] =>
    server
      .output()
      .split('\n')
      .flatMap((line) => {
        try {
          return [(JSON.parse(line) as { msg: string }).msg];
        } catch {
          return [];
        }
      });
  const usernames = async (): Promise<string[]> =>
    ((await dataSource.query('SELECT username FROM users ORDER BY username')) as { username: string }[]).map(
      (row) => row.username,
    );

  beforeAll(async () => {
    const serverPort = await freePort();
    const providerPort = await freePort();
    base = `http://127.0.0.1:${serverPort}`;
    provider = await startProvider(
      providerPort,
      PROVIDERS.map((name) => `${base}/oauth/${name}/callback`),
    );
    ({ db, dataSource } = await createMigratedDatabase(engine));
    const file = join(db.home, 'oauth.yaml');
    writeFileSync(file, oauthFile(provider.issuer));
    server = await spawnServer(
      {
        ...db.env,
        DEFAULT_USER_ENABLED: 'true',
        ARGILLA_AUTH_OAUTH_CFG: file,
        ARGILLA_LOCAL_AUTH_SECRET_KEY: TEST_SECRET,
        ARGILLA_TRUSTED_PROXIES: 'loopback',
        OAUTH2_TESTIDP_CLIENT_SECRET: 'argilla-secret',
      },
      serverPort,
    );
    for (const name of ['everyone', 'annotators', 'reviewers', 'manual']) {
      expect((await send('POST', '/api/workspaces', { name })).status).toBe(200);
    }
  });

  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    await provider?.stop();
    await db?.drop();
  });

  it('lists the configured providers', async () => {
    expect(await get('/api/v1/oauth2/providers', {})).toEqual({
      status: 200,
      body: { items: PROVIDERS.map((name) => ({ name })) },
    });
  });

  it('redirects (303) to the provider with PKCE S256, state and nonce, bound to an HttpOnly SameSite=Lax cookie', async () => {
    const started = await startSignIn(base, 'testidp');
    expect(started.status).toBe(303);
    const location = new URL(started.location);
    expect(`${location.origin}${location.pathname}`).toBe(`${provider.issuer}/auth`);
    const params = Object.fromEntries(location.searchParams);
    expect(params).toEqual({
      client_id: 'argilla',
      response_type: 'code',
      redirect_uri: `${base}/oauth/testidp/callback`,
      scope: 'openid profile email groups roles',
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: 'S256',
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(started.setCookie).toMatch(
      /^testidp_oauth2_state=[A-Za-z0-9_.-]+; Max-Age=600; Path=\/api\/v1\/oauth2\/providers\/testidp; Expires=[^;]+; HttpOnly; SameSite=Lax$/,
    );
    // Two sign-ins never share a state, a nonce or a verifier.
    const again = new URL((await startSignIn(base, 'testidp')).location).searchParams;
    expect([again.get('state'), again.get('nonce'), again.get('code_challenge')]).not.toContain(params.state);
    expect(again.get('nonce')).not.toBe(params.nonce);
    expect(again.get('code_challenge')).not.toBe(params.code_challenge);
  });

  it('marks the cookie Secure, and the redirect URI https, when the request came over HTTPS (trusted proxy)', async () => {
    const response = await fetch(`${base}/api/v1/oauth2/providers/testidp/authentication`, {
      redirect: 'manual',
      headers: { 'X-Forwarded-Proto': 'https' },
    });
    expect(response.status).toBe(303);
    expect(response.headers.getSetCookie()[0]).toMatch(/; HttpOnly; Secure; SameSite=Lax$/);
    expect(new URL(response.headers.get('location')!).searchParams.get('redirect_uri')).toBe(
      `https://127.0.0.1:${server.port}/oauth/testidp/callback`,
    );
  });

  it('signs a new user in: created as annotator, in the allowed workspaces that exist, linked by (provider, sub)', async () => {
    await provider.setAccount('sub-ada', {
      preferred_username: 'Ada.L',
      email: 'ada@example.com',
      email_verified: true,
      given_name: 'Ada',
      family_name: 'Lovelace',
    });
    const result = await signIn(base, 'testidp', 'sub-ada');
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ access_token: expect.any(String), token_type: 'bearer' });
    // Single use: the answer drops the state cookie.
    expect(result.setCookie).toEqual([
      'testidp_oauth2_state=; Path=/api/v1/oauth2/providers/testidp; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax',
    ]);
    const token = (result.body as { access_token: string }).access_token;
    const id = await userId('ada-l');
    const claims = claimsOf(token);
    expect(Object.keys(claims).sort()).toEqual(['exp', 'iat', 'sid', 'sub', 'uid', 'ver']);
    expect([claims.sub, claims.uid, (claims.exp as number) - (claims.iat as number)]).toEqual(['ada-l', id, 86_400]);
    // A session, marked with the provider (ended by POST /api/v1/me/logout as a password login's is).
    const sessions = await get('/api/v1/me/sessions', { Authorization: `Bearer ${token}` });
    const [session] = sessions.body.items as { id: string; provider: string }[];
    expect([sessions.status, sessions.body.total, session.id, session.provider]).toEqual([
      200,
      1,
      claims.sid,
      'testidp',
    ]);
    const answer = await me(token);
    expect([
      answer.status,
      answer.body.username,
      answer.body.first_name,
      answer.body.last_name,
      answer.body.role,
    ]).toEqual([200, 'ada-l', 'Ada', 'Lovelace', 'annotator']);
    expect(answer.body.workspaces).toEqual(['everyone']);
    // Its creation is in the audit log, with the allowed workspaces it joined.
    const created: { target_name: string; details: string }[] = await dataSource.query(
      "SELECT target_name, details FROM audit_events WHERE action = 'user.created'",
    );
    expect(created.map((event) => [event.target_name, JSON.parse(event.details)])).toEqual([
      ['ada-l', { role: 'annotator', workspaces: ['everyone'] }],
    ]);
    expect(await identities()).toEqual([
      { provider: 'testidp', subject: 'sub-ada', username: 'ada-l', email: 'ada@example.com' },
    ]);

    // Again: the same user, found by its identity even though the provider now gives another username.
    await provider.setAccount('sub-ada', { preferred_username: 'ada.renamed', email: 'ada@example.com' });
    const second = await signIn(base, 'testidp', 'sub-ada');
    expect(second.status).toBe(200);
    expect(claimsOf((second.body as { access_token: string }).access_token).uid).toBe(id);
    expect(await usernames()).toEqual(['ada-l', 'argilla']);
  });

  it('refuses a state that does not match the cookie (400), and a callback without the cookie (400)', async () => {
    await provider.setAccount('sub-state', { preferred_username: 'state-user' });
    const started = await startSignIn(base, 'testidp');
    const callback = await authorizeAt(started.location, 'sub-state');
    const wrong = new URLSearchParams(callback.searchParams);
    wrong.set('state', 'not-the-state');
    expect(await exchangeCode(base, 'testidp', wrong, started.cookie)).toMatchObject({
      status: 400,
      body: badRequest("The 'state' parameter does not match"),
    });
    expect(await exchangeCode(base, 'testidp', callback.searchParams, undefined)).toMatchObject({
      status: 400,
      body: NO_STATE,
    });
    // Another provider's cookie, or a changed one, is no state either.
    const tampered = started.cookie.replace(/=(.)/, (_m, c: string) => `=${c === 'A' ? 'B' : 'A'}`);
    expect(await exchangeCode(base, 'testidp', callback.searchParams, tampered)).toMatchObject({
      status: 400,
      body: NO_STATE,
    });
    expect(await usernames()).not.toContain('state-user');
  });

  it('refuses a replayed state cookie (400) and a replayed code with a fresh state (401)', async () => {
    await provider.setAccount('sub-replay', { preferred_username: 'replay' });
    const started = await startSignIn(base, 'testidp');
    const callback = await authorizeAt(started.location, 'sub-replay');
    expect((await exchangeCode(base, 'testidp', callback.searchParams, started.cookie)).status).toBe(200);
    expect(await exchangeCode(base, 'testidp', callback.searchParams, started.cookie)).toMatchObject({
      status: 400,
      body: badRequest('This sign-in state has already been used'),
    });
    const fresh = await startSignIn(base, 'testidp');
    const replayed = new URLSearchParams(callback.searchParams);
    replayed.set('state', new URL(fresh.location).searchParams.get('state')!);
    expect(await exchangeCode(base, 'testidp', replayed, fresh.cookie)).toMatchObject({
      status: 401,
      body: UNAUTHORIZED,
    });
  });

  it.each(TAMPERED)('refuses %s: %s (401), creating nobody', async (name) => {
    await provider.setAccount(`sub-${name}`, { preferred_username: `user-${name}` });
    const before = await usernames();
    expect(await signIn(base, name, `sub-${name}`)).toMatchObject({ status: 401, body: UNAUTHORIZED });
    expect(await usernames()).toEqual(before);
    expect((await identities()).filter((row) => row.provider === name)).toEqual([]);
  });

  it('refuses a disabled user (401)', async () => {
    await provider.setAccount('sub-bob', { preferred_username: 'bob' });
    expect((await signIn(base, 'testidp', 'sub-bob')).status).toBe(200);
    expect((await send('PATCH', `/api/v1/users/${await userId('bob')}`, { disabled: true })).status).toBe(200);
    expect(await signIn(base, 'testidp', 'sub-bob')).toMatchObject({ status: 401, body: UNAUTHORIZED });
  });

  it('refuses a first sign-in whose username belongs to a local account, unless a linking rule allows it', async () => {
    for (const username of ['carol', 'dave', 'erin']) {
      const created = await send('POST', '/api/users', { first_name: username, username, password: 'password-1234' });
      expect(created.status).toBe(200);
    }
    // No rule: refused, nothing linked.
    await provider.setAccount('sub-carol', {
      preferred_username: 'carol',
      email: 'carol@example.com',
      email_verified: true,
    });
    expect(await signIn(base, 'testidp', 'sub-carol')).toMatchObject({ status: 401, body: UNAUTHORIZED });
    // verified_email: an unverified address, or one of another domain, is refused…
    await provider.setAccount('sub-dave', { email: 'dave@example.com', email_verified: false });
    expect(await signIn(base, 'linkmail', 'sub-dave')).toMatchObject({ status: 401, body: UNAUTHORIZED });
    await provider.setAccount('sub-dave2', { email: 'dave@elsewhere.example', email_verified: true });
    expect(await signIn(base, 'linkmail', 'sub-dave2')).toMatchObject({ status: 401, body: UNAUTHORIZED });
    // …a verified address of a trusted domain links.
    expect((await signIn(base, 'linkmail', 'sub-carol')).status).toBe(200);
    // username: the provider's username is trusted.
    await provider.setAccount('sub-erin', { preferred_username: 'erin' });
    const erin = await signIn(base, 'linkname', 'sub-erin');
    expect(erin.status).toBe(200);
    expect(claimsOf((erin.body as { access_token: string }).access_token).uid).toBe(await userId('erin'));
    // A second identity of the same provider does not take an account that provider already linked.
    await provider.setAccount('sub-erin-2', { preferred_username: 'erin' });
    expect(await signIn(base, 'linkname', 'sub-erin-2')).toMatchObject({ status: 401, body: UNAUTHORIZED });

    // A disabled local account is neither signed in nor linked, whatever the rule.
    const frank = await send('POST', '/api/users', {
      first_name: 'Frank',
      username: 'frank',
      password: 'password-1234',
    });
    expect((await send('PATCH', `/api/v1/users/${frank.body.id}`, { disabled: true })).status).toBe(200);
    await provider.setAccount('sub-frank', { preferred_username: 'frank' });
    expect(await signIn(base, 'linkname', 'sub-frank')).toMatchObject({ status: 401, body: UNAUTHORIZED });

    expect((await identities()).filter((row) => ['carol', 'dave', 'erin', 'frank'].includes(row.username))).toEqual([
      { provider: 'linkmail', subject: 'sub-carol', username: 'carol', email: 'carol@example.com' },
      { provider: 'linkname', subject: 'sub-erin', username: 'erin', email: null },
    ]);
  });

  it("applies the role and the provider's workspaces at every sign-in, leaving hand-granted memberships alone", async () => {
    await provider.setAccount('sub-max', {
      preferred_username: 'max',
      roles: ['argilla-admin'],
      groups: ['/annotators', 'reviewers', 'no-such-workspace'],
    });
    const first = await signIn(base, 'testidp', 'sub-max');
    expect(first.status).toBe(200);
    const token = (first.body as { access_token: string }).access_token;
    expect((await me(token)).body.role).toBe('admin');
    expect(await memberships('max')).toEqual(['annotators', 'everyone', 'reviewers']);
    const max = await userId('max');
    // By hand: joins `manual`; `reviewers` removed and granted again, so now it is the admin's.
    expect((await send('POST', `/api/workspaces/${await workspaceId('manual')}/users/${max}`)).status).toBe(200);
    expect((await send('DELETE', `/api/workspaces/${await workspaceId('reviewers')}/users/${max}`)).status).toBe(200);
    expect((await send('POST', `/api/workspaces/${await workspaceId('reviewers')}/users/${max}`)).status).toBe(200);

    await provider.setAccount('sub-max', { preferred_username: 'max', roles: ['other'], groups: [] });
    const second = await signIn(base, 'testidp', 'sub-max');
    expect(second.status).toBe(200);
    expect((await me((second.body as { access_token: string }).access_token)).body.role).toBe('annotator');
    expect(await memberships('max')).toEqual(['everyone', 'manual', 'reviewers']);

    await provider.setAccount('sub-max', {
      preferred_username: 'max',
      roles: ['argilla-admin'],
      groups: ['annotators'],
    });
    const third = await signIn(base, 'testidp', 'sub-max');
    expect((await me((third.body as { access_token: string }).access_token)).body.role).toBe('admin');
    expect(await memberships('max')).toEqual(['annotators', 'everyone', 'manual', 'reviewers']);
    const marks: { name: string; provider: string }[] = await dataSource.query(
      'SELECT w.name AS name, m.provider AS provider FROM oauth_memberships m ' +
        'INNER JOIN workspaces_users wu ON wu.id = m.membership_id INNER JOIN workspaces w ON w.id = wu.workspace_id ' +
        'INNER JOIN users u ON u.id = wu.user_id WHERE u.username = $1 ORDER BY w.name'.replace(
          '$1',
          engine === 'postgres' ? '$1' : '?',
        ),
      ['max'],
    );
    expect(marks).toEqual([{ name: 'annotators', provider: 'testidp' }]);
    // Every membership change is in the audit log: the provider's with its name, the admin's without.
    const changes: { action: string; target_name: string; details: string }[] = await dataSource.query(
      "SELECT action, target_name, details FROM audit_events WHERE action LIKE 'workspace.member_%' ORDER BY id",
    );
    const ofMax = changes
      .map((event) => ({ ...event, details: JSON.parse(event.details) as { username: string; provider?: string } }))
      .filter((event) => event.details.username === 'max')
      .map((event) => `${event.action} ${event.target_name} ${event.details.provider ?? 'by hand'}`);
    expect([...ofMax.slice(0, 2)].sort()).toEqual([
      'workspace.member_added annotators testidp',
      'workspace.member_added reviewers testidp',
    ]);
    expect(ofMax.slice(2)).toEqual([
      'workspace.member_added manual by hand',
      'workspace.member_removed reviewers by hand',
      'workspace.member_added reviewers by hand',
      'workspace.member_removed annotators testidp',
      'workspace.member_added annotators testidp',
    ]);
  });

  // Read last, once every earlier answer's log line has long been written.
  it("logged each refusal with its reason (openid-client's), and each link of a local account", () => {
    const messages = logMessages();
    for (const [name, , reason] of TAMPERED) {
      expect(messages).toContainEqual(
        expect.stringMatching(new RegExp(`^Sign-in through ${name} refused: .*${escape(reason)}$`)),
      );
    }
    expect(messages).toContain(
      "Linked the local account 'carol' to linkmail (sub 'sub-carol', email 'carol@example.com') under link_existing: verified_email",
    );
    expect(messages).toContainEqual(
      expect.stringMatching(
        /^Refused first sign-in through testidp \(sub 'sub-carol'\): the username 'carol' belongs to a local account not linked to this identity \(link_existing: none\)$/,
      ),
    );
  });

  it('serves the callback page at the default redirect URI: inline, under a CSP that allows nothing else', async () => {
    const response = await fetch(`${base}/oauth/testidp/callback?code=a&state=b`);
    expect([response.status, response.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    const csp = response.headers.get('content-security-policy')!;
    const nonce = /script-src 'nonce-([A-Za-z0-9+/=]{24})'/.exec(csp)?.[1];
    expect(csp).toBe(
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; ` +
        "img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    const html = await response.text();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain('var config = {"provider":"testidp","baseUrl":"/"};');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
    // Another request, another nonce.
    const again = (await fetch(`${base}/oauth/testidp/callback`)).headers.get('content-security-policy');
    expect(again).not.toContain(nonce);
    expect(await get('/oauth/nope/callback', {})).toEqual({
      status: 404,
      body: envelope('NotFoundError', { detail: "OAuth2 provider 'nope' not found" }),
    });
  });

  it("links each provider's sign-in from the Swagger UI's description", async () => {
    const spec = await get('/api/docs/spec.json', {});
    expect(spec.body.info.description).toBe(
      'Users, workspaces and authentication, compatible with the Argilla 1.8 API.\n\nSign in through ' +
        PROVIDERS.map((name) => `[${name}](/api/v1/oauth2/providers/${name}/authentication)`).join(', ') +
        ', then paste the token the page shows into "Authorize" (bearer).',
    );
  });

  it('answers 404 for an unknown provider', async () => {
    const notFound = { status: 404, body: envelope('NotFoundError', { detail: "OAuth2 provider 'nope' not found" }) };
    expect(await get('/api/v1/oauth2/providers/nope/authentication', {})).toEqual(notFound);
    expect(await get('/api/v1/oauth2/providers/nope/access-token?code=a&state=b', {})).toEqual(notFound);
  });

  it('lists and unlinks identities with argilla-cli', async () => {
    const TIME = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}';
    const table = await runCli(['users', 'identities', 'carol'], db.env);
    expect([table.code, table.stderr]).toEqual([0, '']);
    expect(table.stdout).toMatch(
      new RegExp(
        `^PROVIDER  SUBJECT    EMAIL              LINKED +LAST SIGN-IN\\n` +
          `linkmail  sub-carol  carol@example\\.com  ${TIME}  ${TIME}\\n$`,
      ),
    );
    const json = await runCli(['users', 'identities', 'erin', '--json'], db.env);
    expect(JSON.parse(json.stdout)).toEqual([
      {
        provider: 'linkname',
        subject: 'sub-erin',
        email: null,
        linked_at: expect.stringMatching(new RegExp(`^${TIME}$`)),
        last_sign_in_at: expect.stringMatching(new RegExp(`^${TIME}$`)),
      },
    ]);

    expect(await runCli(['users', 'unlink', 'erin', 'linkname'], db.env)).toEqual({
      code: 0,
      stdout: "Unlinked 'linkname' identity 'sub-erin' from user 'erin'.\n",
      stderr: '',
    });
    expect((await runCli(['users', 'identities', 'erin'], db.env)).stdout).toBe(
      "User 'erin' has no linked identities.\n",
    );
    expect(await runCli(['users', 'unlink', 'erin', 'linkname'], db.env)).toEqual({
      code: 1,
      stdout: '',
      stderr: "Error: User 'erin' has no identity at 'linkname'\n",
    });
    // Unlinked: erin's next sign-in there is a first one, and linkname's rule links it again.
    const again = await signIn(base, 'linkname', 'sub-erin');
    expect(again.status).toBe(200);
    expect(await runCli(['users', 'unlink', 'erin', 'linkname', 'sub-erin'], db.env)).toMatchObject({ code: 0 });
  });

  it('shows identities in users list and export; users migrate links them, and their provider memberships, again', async () => {
    const listed = await runCli(['users', 'list', '--json'], db.env);
    const carol = (JSON.parse(listed.stdout) as Json[]).find((user) => user.username === 'carol');
    expect(carol.identities).toEqual([
      {
        provider: 'linkmail',
        subject: 'sub-carol',
        email: 'carol@example.com',
        linked_at: expect.any(String),
        last_sign_in_at: expect.any(String),
      },
    ]);
    const table = (await runCli(['users', 'list'], db.env)).stdout.split('\n');
    expect(table[0]).toMatch(/ WORKSPACES +SSO$/);
    expect(table.find((line) => line.startsWith('carol '))).toMatch(/ linkmail$/);

    const file = join(db.home, 'export.yml');
    expect((await runCli(['users', 'export', '--file', file], db.env)).code).toBe(0);
    const exported = readFileSync(file, 'utf8');
    expect(exported).toContain(
      '  identities:\n    - provider: linkmail\n      subject: sub-carol\n      email: carol@example.com\n',
    );
    expect(exported).toContain('  provider_workspaces:\n    testidp:\n      - annotators\n');

    const marks = (source: DataSource): Promise<{ username: string; workspace: string; provider: string }[]> =>
      source.query(
        'SELECT u.username AS username, w.name AS workspace, m.provider AS provider FROM oauth_memberships m ' +
          'INNER JOIN workspaces_users wu ON wu.id = m.membership_id ' +
          'INNER JOIN workspaces w ON w.id = wu.workspace_id INNER JOIN users u ON u.id = wu.user_id ' +
          'ORDER BY u.username, w.name',
      );
    const linkedIn = (source: DataSource): Promise<Json[]> =>
      source.query(
        'SELECT i.provider AS provider, i.subject AS subject, u.username AS username, i.email AS email ' +
          'FROM oauth_identities i INNER JOIN users u ON u.id = i.user_id ORDER BY u.username, i.provider, i.subject',
      );
    const other = await createMigratedDatabase(engine);
    try {
      expect(await runCli(['users', 'migrate', '--file', file], other.db.env)).toMatchObject({ code: 0, stderr: '' });
      const before = await linkedIn(dataSource);
      expect(before).toContainEqual({
        provider: 'linkmail',
        subject: 'sub-carol',
        username: 'carol',
        email: 'carol@example.com',
      });
      expect(await linkedIn(other.dataSource)).toEqual(before);
      const granted = await marks(dataSource);
      expect(granted).toContainEqual({ username: 'max', workspace: 'annotators', provider: 'testidp' });
      expect(await marks(other.dataSource)).toEqual(granted);
    } finally {
      await other.db.drop();
    }

    // An identity linked already cannot be linked to another user: the whole file is refused.
    const taken = join(db.home, 'taken.yml');
    writeFileSync(
      taken,
      '- username: newcomer\n  api_key: newcomer-key-0001\n  hashed_password: $2y$05$x\n' +
        '  identities: [{provider: linkmail, subject: sub-carol}]\n',
    );
    expect(await runCli(['users', 'migrate', '--file', taken], db.env)).toEqual({
      code: 1,
      stdout: `Starting users migration process using file '${taken}'\n`,
      stderr:
        `Error: Invalid users file '${taken}', nothing was imported: entry 1 (username 'newcomer'): ` +
        "field 'identities' has the identity ('linkmail', 'sub-carol'), which is already linked to another user in " +
        'the database\n',
    });
    expect(await usernames()).not.toContain('newcomer');
  });

  it('refuses to downgrade below the single sign-on tables while identities are linked, naming their users', async () => {
    const result = await runCli(['database', 'migrate', '--revision', 'users-3'], db.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'the single sign-on identities linked to ada-l, bob, carol, max, replay, who could no longer sign in ' +
        'through their OpenID provider',
    );
  });
});

describe.each(engines())('single sign-on off (%s)', (engine) => {
  it('answers 404 on every route, without loading the OpenID client', async () => {
    const suite = await openApiSuite(engine);
    try {
      const off = envelope('NotFoundError', { detail: 'Single sign-on is not configured' });
      for (const path of [
        '/api/v1/oauth2/providers',
        '/api/v1/oauth2/providers/testidp/authentication',
        '/api/v1/oauth2/providers/testidp/access-token?code=a&state=b',
        '/oauth/testidp/callback',
      ]) {
        const response = await api(suite.app).get(path);
        expect([path, response.status, response.body]).toEqual([path, 404, off]);
      }
    } finally {
      await suite.close();
    }
  });

  it('stops the server at start when ARGILLA_AUTH_OAUTH_CFG names a missing file', async () => {
    const db = await TestDatabase.create(engine);
    try {
      const file = join(db.home, 'missing.yaml');
      const server = await spawnServer({ ...db.env, ARGILLA_AUTH_OAUTH_CFG: file }, await freePort());
      expect(await server.exited).toBe(1);
      expect(server.output()).toContain(`ARGILLA_AUTH_OAUTH_CFG names a file that does not exist ('${file}')`);
    } finally {
      await db.drop();
    }
  });
});

describe.each(engines())('a provider that cannot be reached (%s)', (engine) => {
  it('answers 502 in the envelope, logs why, and tries the discovery again at the next sign-in', async () => {
    const { db } = await createMigratedDatabase(engine);
    let server: ServerProcess | undefined;
    try {
      // Nothing listens on this port: the discovery of the provider's metadata fails.
      const issuer = `http://127.0.0.1:${await freePort()}`;
      const file = join(db.home, 'oauth.yaml');
      writeFileSync(
        file,
        [
          'allow_http_redirect: true',
          'providers:',
          '  - name: offline',
          '    client_id: argilla',
          '    client_secret: argilla-secret',
          'argilla_users:',
          '  providers:',
          '    offline:',
          `      issuer: ${issuer}`,
          '',
        ].join('\n'),
      );
      const port = await freePort();
      server = await spawnServer({ ...db.env, ARGILLA_AUTH_OAUTH_CFG: file }, port);
      const get = async (path: string) => {
        const response = await fetch(`http://127.0.0.1:${port}${path}`, { redirect: 'manual' });
        return { status: response.status, body: await response.json() };
      };
      expect(await get('/api/v1/oauth2/providers')).toEqual({ status: 200, body: { items: [{ name: 'offline' }] } });
      const unreachable = {
        status: 502,
        body: envelope('BadGatewayError', { detail: "The OpenID provider 'offline' could not be reached" }),
      };
      for (let attempt = 0; attempt < 2; attempt++) {
        expect(await get('/api/v1/oauth2/providers/offline/authentication')).toEqual(unreachable);
      }
      const discoveries = server
        .output()
        .match(new RegExp(`Discovery of offline at ${escape(issuer)}[^"]* failed`, 'g'));
      expect(discoveries).toHaveLength(2);
    } finally {
      server?.child.kill('SIGTERM');
      await server?.exited;
      await db.drop();
    }
  });
});
