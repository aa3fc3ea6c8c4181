import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { MigrationRunner } from '@argilla/database';
import { assertTestDatabaseName, POSTGRES_ADMIN_URL } from './support/postgres';
import { freePort, ServerProcess, spawnServer } from './support/server';
import { engines, TestDatabase } from './support/test-database';

const UNAVAILABLE = {
  detail: { code: 'argilla.api.errors::ServiceUnavailableError', params: { detail: 'Database unavailable' } },
};
const PASSWORD = 'unavailable-test-password';
const API_KEY = 'unavailable-test.apikey';

/** Runs one statement as the administrator, on the admin database, and returns its rows. */
async function admin<Row>(sql: string): Promise<Row[]> {
  const client = new Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Row[];
  } finally {
    await client.end();
  }
}

interface Answer {
  status: number;
  body: unknown;
}

/**
 * The built server, run as a process, on a database owned by a role that is not a superuser: PostgreSQL's
 * per-database connection limit and a role's NOLOGIN do not apply to superusers.
 */
(engines().includes('postgres') ? describe : describe.skip)(
  'a PostgreSQL database that cannot be used answers 503 on every route, never 500 (built server)',
  () => {
    const role = `argilla_test_role_${randomBytes(6).toString('hex')}`;
    let db: TestDatabase;
    let name: string;
    let server: ServerProcess;

    beforeAll(async () => {
      assertTestDatabaseName(role);
      await admin(`CREATE ROLE ${role} LOGIN`);
    });

    afterAll(async () => {
      await admin(`DROP ROLE IF EXISTS ${role}`);
    });

    beforeEach(async () => {
      db = await TestDatabase.create('postgres');
      const url = new URL(db.env.ARGILLA_DATABASE_URL);
      name = url.pathname.slice(1);
      assertTestDatabaseName(name);
      await admin(`ALTER DATABASE ${name} OWNER TO ${role}`);
      url.username = role;
      db.env.ARGILLA_DATABASE_URL = url.toString();
      const dataSource = await db.connect();
      await new MigrationRunner(dataSource).migrate('head');
      await dataSource.destroy();
      server = await spawnServer(
        { ...db.env, DEFAULT_USER_ENABLED: 'true', DEFAULT_USER_PASSWORD: PASSWORD, DEFAULT_USER_API_KEY: API_KEY },
        await freePort(),
      );
      await expectAvailable();
    });

    afterEach(async () => {
      server?.child.kill('SIGTERM');
      await server?.exited;
      await admin(`ALTER ROLE ${role} LOGIN`);
      await db?.drop();
    });

    function call(path: string, init: RequestInit = {}): Promise<Answer> {
      return fetch(`http://127.0.0.1:${server.port}${path}`, init).then(async (response) => ({
        status: response.status,
        body: await response.json(),
      }));
    }

    const status = () => call('/api/_status');
    const me = () => call('/api/me', { headers: { 'X-Argilla-Api-Key': API_KEY } });
    const login = () =>
      call('/api/security/token', {
        method: 'POST',
        body: new URLSearchParams({ username: 'argilla', password: PASSWORD }),
      });

    /** Ends every session the server holds on its database; returns how many there were. */
    async function terminateServerBackends(): Promise<number> {
      const rows = await admin<{ terminated: string }>(
        `SELECT count(pg_terminate_backend(pid)) AS terminated FROM pg_stat_activity
          WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
      );
      return Number(rows[0].terminated);
    }

    async function expectUnavailable(): Promise<void> {
      for (const answer of [await status(), await me(), await login()])
        expect(answer).toEqual({ status: 503, body: UNAVAILABLE });
      // The process stays up and keeps answering what needs no database.
      expect(server.child.exitCode).toBeNull();
      expect((await call('/api/_info')).status).toBe(200);
    }

    async function expectAvailable(): Promise<void> {
      expect(await status()).toEqual({
        status: 200,
        body: expect.objectContaining({ database: { engine: 'postgresql', status: 'ok' } }),
      });
      expect(await me()).toEqual({ status: 200, body: expect.objectContaining({ username: 'argilla' }) });
      expect(await login()).toEqual({
        status: 200,
        body: { access_token: expect.any(String), token_type: 'bearer' },
      });
    }

    /** Asks `/api/_status` until it answers 200, at most 40 times, 100 ms apart: recovery takes a moment, not forever. */
    async function untilStatusOk(): Promise<Answer> {
      let answer = await status();
      for (let attempt = 1; attempt < 40 && answer.status !== 200; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        answer = await status();
      }
      return answer;
    }

    it('database dropped under the running server (3D000): 503, and 200 once it exists again', async () => {
      await admin(`DROP DATABASE ${name} WITH (FORCE)`);
      await expectUnavailable();
      await admin(`CREATE DATABASE ${name} OWNER ${role}`);
      expect((await untilStatusOk()).status).toBe(200);
    });

    it('database not accepting connections (ALLOW_CONNECTIONS false, 55000): 503, then recovery', async () => {
      await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      expect(await terminateServerBackends()).toBeGreaterThan(0);
      await expectUnavailable();
      await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      expect((await untilStatusOk()).status).toBe(200);
      await expectAvailable();
    });

    it('authentication refused (the role may no longer log in, 28000): 503, then recovery', async () => {
      await admin(`ALTER ROLE ${role} NOLOGIN`);
      expect(await terminateServerBackends()).toBeGreaterThan(0);
      await expectUnavailable();
      await admin(`ALTER ROLE ${role} LOGIN`);
      expect((await untilStatusOk()).status).toBe(200);
      await expectAvailable();
    });

    it('too many connections (database CONNECTION LIMIT 0, 53300): 503, then recovery', async () => {
      await admin(`ALTER DATABASE ${name} CONNECTION LIMIT 0`);
      expect(await terminateServerBackends()).toBeGreaterThan(0);
      await expectUnavailable();
      await admin(`ALTER DATABASE ${name} CONNECTION LIMIT -1`);
      expect((await untilStatusOk()).status).toBe(200);
      await expectAvailable();
    });

    it('administrator shutdown of the sessions under load (57P01): every answer is 200 or 503, then recovery', async () => {
      // A request the server never answers (it died) counts as status 0.
      const requests = Array.from({ length: 60 }, (_, i) =>
        [status, me, login][i % 3]().catch((error: unknown) => ({ status: 0, body: String(error) })),
      );
      let terminated = 0;
      for (let round = 0; round < 5; round++) terminated += await terminateServerBackends();
      const answers = await Promise.all(requests);
      expect(terminated).toBeGreaterThan(0);
      expect(answers.filter((answer) => answer.status !== 200 && answer.status !== 503)).toEqual([]);
      const refused = answers.filter((answer) => answer.status === 503);
      expect(refused).toEqual(refused.map(() => ({ status: 503, body: UNAVAILABLE })));
      expect(server.child.exitCode).toBeNull();
      expect((await untilStatusOk()).status).toBe(200);
      await expectAvailable();
    });
  },
);
