import { connect } from 'node:net';
import * as argon2 from 'argon2';
import { DataSource } from 'typeorm';
import { User, UserSession } from '@argilla/database';
import { runCli } from './support/cli';
import { freePort, ServerProcess, spawnServer } from './support/server';
import { createMigratedDatabase, engines, TestDatabase } from './support/test-database';

const SECRET = 'operations-suite-secret-0123456789abcdef';
/** The scrape token the metrics tests configure (not an API key, not a JWT). */
const METRICS_TOKEN = 'operations-suite-metrics-token-0123456789';
const SCRAPE = { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } };
const UNAUTHORIZED = {
  detail: { code: 'argilla.api.errors::UnauthorizedError', params: { detail: 'Could not validate credentials' } },
};

interface LogLine {
  time: string;
  level: string;
  context?: string;
  msg?: string;
  [field: string]: unknown;
}

function logLines(server: ServerProcess): LogLine[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** Resolves when the server has written a log line `matches` accepts (bounded by the test's timeout). */
function logged(server: ServerProcess, matches: (line: LogLine) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!logLines(server).some(matches)) return;
      server.child.stdout!.off('data', check);
      resolve();
    };
    server.child.stdout!.on('data', check);
    check();
  });
}

/** A deliberately costly hash: a login with it is in its password check for a while. */
function slowHash(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id, memoryCost: 32_768, timeCost: 3, parallelism: 1 });
}

/** Requests in flight on the server, read from its metrics (the scrape itself not counted). */
async function requestsInFlight(url: string): Promise<number> {
  const metrics = await (await fetch(url, SCRAPE)).text();
  return Number(/\nargilla_http_requests_in_flight (\d+)/.exec(metrics)?.[1] ?? 0) - 1;
}

async function stop(server: ServerProcess): Promise<number | null> {
  server.child.kill('SIGTERM');
  return server.exited;
}

describe.each(engines())('operations (%s)', (engine) => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let env: Record<string, string>;
  let server: ServerProcess | undefined;

  beforeEach(async () => {
    ({ db, dataSource } = await createMigratedDatabase(engine));
    env = { ...db.env, ARGILLA_LOCAL_AUTH_SECRET_KEY: SECRET };
    await runCli(['users', 'create_default', '--api-key', 'ops.api.key', '--password', 'ops-password'], env);
  });

  afterEach(async () => {
    if (server && server.child.exitCode === null) await stop(server);
    server = undefined;
    await db.drop();
  });

  const url = (path: string) => `http://127.0.0.1:${server!.port}${path}`;

  it('writes one JSON log line per request, carrying the request id it returns in X-Request-Id', async () => {
    server = await spawnServer(env, await freePort());
    const response = await fetch(url('/api/me'), { headers: { 'X-Argilla-Api-Key': 'ops.api.key' } });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);

    const kept = await fetch(url('/api/_info'), { headers: { 'X-Request-Id': 'trace-abc.123' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-abc.123');
    const replaced = await fetch(url('/api/_info'), { headers: { 'X-Request-Id': 'bad id with spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await fetch(url('/api/me?api_key=query-secret-value'));
    const login = await fetch(url('/api/security/token'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'username=argilla&password=ops-password',
    });
    expect(login.status).toBe(200);
    const { access_token: token } = (await login.json()) as { access_token: string };
    expect((await fetch(url('/api/me'), { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    expect(await stop(server)).toBe(0);

    const lines = logLines(server);
    // Every line of the run is JSON.
    const text = server.output().split('\n').filter(Boolean);
    expect(lines).toHaveLength(text.length);
    const line = lines.find((entry) => entry.request_id === requestId);
    expect(line).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: 'info',
      context: 'http',
      msg: 'GET /api/me 200',
      method: 'GET',
      path: '/api/me',
      status: 200,
      duration_ms: expect.any(Number),
      request_id: requestId,
    });
    expect(lines.filter((entry) => entry.context === 'http').map((entry) => entry.request_id)).toContain(
      'trace-abc.123',
    );
    // Every request is logged (the first is the readiness probe), the login and the token's request too, without
    // the password, the token or the API key.
    expect(lines.filter((entry) => entry.context === 'http').map((entry) => entry.msg)).toEqual([
      'GET /api/_info 200',
      'GET /api/me 200',
      'GET /api/_info 200',
      'GET /api/_info 200',
      'GET /api/me 401',
      'POST /api/security/token 200',
      'GET /api/me 200',
    ]);
    expect(server.output()).not.toContain(token);
    expect(server.output()).not.toContain(token.split('.')[2]);
    // Neither the API key nor the query string reach the logs.
    expect(server.output()).not.toContain('ops.api.key');
    expect(server.output()).not.toContain('query-secret-value');
    expect(server.output()).not.toContain('ops-password');
    expect(server.output()).not.toContain(SECRET);
  });

  it('writes text instead with ARGILLA_LOG_FORMAT=text, and only warnings and errors at ARGILLA_LOG_LEVEL=warn', async () => {
    server = await spawnServer({ ...env, ARGILLA_LOG_FORMAT: 'text' }, await freePort());
    await fetch(url('/api/_info'));
    expect(await stop(server)).toBe(0);
    expect(server.output()).toContain('Listening on');
    expect(
      server
        .output()
        .split('\n')
        .some((line) => line.startsWith('{')),
    ).toBe(false);

    server = await spawnServer({ ...env, ARGILLA_LOG_LEVEL: 'warn' }, await freePort());
    await fetch(url('/api/_info'));
    expect(await stop(server)).toBe(0);
    expect(logLines(server).filter((line) => line.level === 'info')).toEqual([]);
  });

  it('serves Prometheus metrics to the token: requests by route and status, logins by outcome, pool use', async () => {
    server = await spawnServer({ ...env, ARGILLA_METRICS_TOKEN: METRICS_TOKEN }, await freePort());
    await fetch(url('/api/me'), { headers: { 'X-Argilla-Api-Key': 'ops.api.key' } });
    await fetch(url('/api/me'), { headers: { 'X-Argilla-Api-Key': 'wrong' } });
    const form = (password: string) => ({
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `username=argilla&password=${password}`,
    });
    expect((await fetch(url('/api/security/token'), form('ops-password'))).status).toBe(200);
    expect((await fetch(url('/api/security/token'), form('wrong-password'))).status).toBe(401);
    expect((await fetch(url('/api/security/token'), form('wrong-again'))).status).toBe(401);

    const response = await fetch(url('/metrics'), SCRAPE);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const metrics = await response.text();
    expect(metrics).toContain('argilla_http_requests_total{method="GET",route="/api/me",status="200"} 1');
    expect(metrics).toContain('argilla_http_requests_total{method="GET",route="/api/me",status="401"} 1');
    expect(metrics).toContain('argilla_http_requests_total{method="POST",route="/api/security/token",status="401"} 2');
    expect(metrics).toMatch(
      /argilla_http_request_duration_seconds_count\{method="GET",route="\/api\/me",status="200"\} 1\n/,
    );
    expect(metrics).toContain('argilla_logins_total{outcome="success"} 1');
    expect(metrics).toContain('argilla_logins_total{outcome="failure"} 2');
    expect(metrics).toContain('argilla_process_resident_memory_bytes');
    if (engine === 'postgres') expect(metrics).toMatch(/\nargilla_db_pool_connections \d+\n/);
  });

  it('answers 401 on /metrics without the token, whatever else is sent; the probes stay anonymous', async () => {
    server = await spawnServer({ ...env, ARGILLA_METRICS_TOKEN: METRICS_TOKEN }, await freePort());
    const jwt = (
      (await (
        await fetch(url('/api/security/token'), {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: 'username=argilla&password=ops-password',
        })
      ).json()) as { access_token: string }
    ).access_token;
    const refused: Record<string, string>[] = [
      {},
      { Authorization: `Bearer ${METRICS_TOKEN}x` },
      { Authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}` },
      { Authorization: 'Bearer wrong' },
      { Authorization: `Basic ${Buffer.from(`argilla:${METRICS_TOKEN}`).toString('base64')}` },
      { Authorization: METRICS_TOKEN },
      // An admin's API key or JWT is not the scrape token.
      { 'X-Argilla-Api-Key': 'ops.api.key' },
      { Authorization: `Bearer ${jwt}` },
    ];
    for (const headers of refused) {
      const response = await fetch(url('/metrics'), { headers });
      expect([headers, response.status, await response.json()]).toEqual([headers, 401, UNAUTHORIZED]);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    }
    expect((await fetch(url(`/metrics?token=${METRICS_TOKEN}`))).status).toBe(401);
    expect((await fetch(url('/metrics'), { headers: { Authorization: `bearer  ${METRICS_TOKEN}` } })).status).toBe(200);
    for (const probe of ['/api/_info', '/api/_status']) expect((await fetch(url(probe))).status).toBe(200);
    expect(server.output()).not.toContain(METRICS_TOKEN);
  });

  it.each([
    ['without ARGILLA_METRICS_TOKEN', {}],
    ['with ARGILLA_METRICS_ENABLED=false', { ARGILLA_METRICS_ENABLED: 'false', ARGILLA_METRICS_TOKEN: METRICS_TOKEN }],
  ])('has no /metrics %s, and the probes answer anonymously', async (_title, extra: Record<string, string>) => {
    server = await spawnServer({ ...env, ...extra }, await freePort());
    for (const headers of [{}, SCRAPE.headers]) {
      const response = await fetch(url('/metrics'), { headers });
      expect([response.status, await response.json()]).toEqual([404, { detail: 'Not Found' }]);
    }
    for (const probe of ['/api/_info', '/api/_status']) expect((await fetch(url(probe))).status).toBe(200);
  });

  /**
   * A server whose user `argilla` has a deliberately costly hash (password `slow-password`), so that each login
   * takes a while, with a grace long enough for a loaded machine: what is checked is that logins finish at all.
   */
  async function serverWithSlowLogins(): Promise<ServerProcess> {
    await dataSource
      .getRepository(User)
      .update({ username: 'argilla' }, { passwordHash: await slowHash('slow-password') });
    return spawnServer(
      { ...env, ARGILLA_SHUTDOWN_TIMEOUT_SECONDS: '120', ARGILLA_METRICS_TOKEN: METRICS_TOKEN },
      await freePort(),
    );
  }

  it('on SIGTERM, finishes 50 slow in-flight requests, then exits 0', async () => {
    // All 50 logins in flight at once.
    server = await serverWithSlowLogins();

    const requests = Array.from({ length: 50 }, () =>
      fetch(url('/api/security/token'), {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'username=argilla&password=slow-password',
      }).then(
        (response) => response.status,
        (error: Error) => `failed: ${error.message}`,
      ),
    );
    // Wait (bounded) until the server reports every login in flight.
    let inFlight = 0;
    for (let attempt = 0; attempt < 200 && inFlight < 50; attempt++) inFlight = await requestsInFlight(url('/metrics'));
    expect(inFlight).toBe(50);
    server.child.kill('SIGTERM');

    expect(await Promise.all(requests)).toEqual(Array(50).fill(200));
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('SIGTERM received');
  });

  it('on SIGTERM, lets a login whose client left finish its work (its session is written), then exits 0', async () => {
    server = await serverWithSlowLogins();
    const body = 'username=argilla&password=slow-password';
    const client = connect(server.port, '127.0.0.1');
    let received = '';
    client.on('data', (chunk: Buffer) => (received += chunk.toString()));
    client.write(
      `POST /api/security/token HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    // Bounded: until the login is being handled (in its password check).
    let inFlight = 0;
    for (let attempt = 0; attempt < 200 && inFlight < 1; attempt++) inFlight = await requestsInFlight(url('/metrics'));
    expect(inFlight).toBe(1);

    // The client goes away before the answer; the server logs the request when it sees its connection close.
    client.destroy();
    await logged(
      server,
      (line) => line.context === 'http' && line.msg?.startsWith('POST /api/security/token') === true,
    );
    expect(received).toBe('');
    server.child.kill('SIGTERM');

    const code = await server.exited;
    const lines = logLines(server);
    expect({
      code,
      sessions: await dataSource.getRepository(UserSession).count(),
      errors: lines.filter((line) => line.level === 'error' || line.status === 500).map((line) => line.msg),
    }).toEqual({ code: 0, sessions: 1, errors: [] });
    expect(
      lines
        .filter((line) => line.context === 'ArgillaServer' && /^SIGTERM received|^Drained/.test(line.msg ?? ''))
        .map((line) => line.msg),
    ).toEqual([
      expect.stringMatching(/^SIGTERM received: draining \d+ connections and 1 request whose client left \(/),
      expect.stringMatching(
        /^Drained in \d+ ms: every request answered, every connection closed; 1 request whose client left finished$/,
      ),
    ]);
  });
});
