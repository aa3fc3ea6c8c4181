import { DataSource } from 'typeorm';
import { formatTimestamp } from '@argilla/common';
import { User } from '@argilla/database';
import { runCli } from './support/cli';
import { freePort, ServerProcess, spawnServer } from './support/server';
import { createMigratedDatabase, engines, TestDatabase } from './support/test-database';

describe.each(engines())('default user at server start (%s)', (engine) => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let env: Record<string, string>;

  beforeEach(async () => {
    ({ db, dataSource } = await createMigratedDatabase(engine));
    env = { ...db.env, DEFAULT_USER_ENABLED: 'true' };
  });

  afterEach(async () => {
    await db.drop();
  });

  /** Starts the server, checks it answers, stops it (exit 0), and returns what it logged. */
  async function startAndStop(extra: Record<string, string> = {}): Promise<string> {
    const server = await spawnServer({ ...env, ...extra }, await freePort());
    await expectServing(server);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    return server.output();
  }

  async function expectServing(server: ServerProcess): Promise<void> {
    const response = await fetch(`http://127.0.0.1:${server.port}/api/_info`).catch(() => undefined);
    if (response?.status !== 200) throw new Error(`The server does not answer; it logged:\n${server.output()}`);
  }

  const usernames = async () =>
    (await dataSource.getRepository(User).find({ order: { username: 'ASC' } })).map((u) => u.username);

  it('creates the default user on a database without users, once, and warns while its credentials are the defaults', async () => {
    const first = await startAndStop();
    expect(first).toContain("Created the default user 'argilla' (admin, workspace 'argilla')");
    expect(first).toContain("User 'argilla' still accepts the default password and API key");
    expect(await usernames()).toEqual(['argilla']);

    const second = await startAndStop();
    expect(second).not.toContain('Created the default user');
    expect(second).toContain("User 'argilla' still accepts the default password and API key");
    expect(await usernames()).toEqual(['argilla']);
  });

  it("gives it Argilla 1.8's names (first_name '', last_name NULL), which GET /api/me shows as such", async () => {
    const server = await spawnServer(env, await freePort());
    let response: { status: number; body: Record<string, unknown> };
    try {
      await expectServing(server);
      const me = await fetch(`http://127.0.0.1:${server.port}/api/me`, {
        headers: { 'X-Argilla-Api-Key': 'argilla.apikey' },
      });
      response = { status: me.status, body: (await me.json()) as Record<string, unknown> };
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);

    const [row] = await dataSource.query(
      "SELECT count(*) AS n FROM users WHERE username = 'argilla' AND first_name = '' AND last_name IS NULL",
    );
    expect(Number(row.n)).toBe(1);
    const user = await dataSource.getRepository(User).findOneByOrFail({ username: 'argilla' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      id: user.id,
      first_name: '',
      full_name: '',
      username: 'argilla',
      role: 'admin',
      workspaces: ['argilla'],
      api_key: 'argilla.apikey',
      inserted_at: formatTimestamp(user.insertedAt),
      updated_at: formatTimestamp(user.updatedAt),
    });
    // No last_name key at all (toEqual alone would not tell a missing key from an undefined one).
    expect(Object.keys(response.body)).toEqual([
      'id',
      'first_name',
      'full_name',
      'username',
      'role',
      'workspaces',
      'api_key',
      'inserted_at',
      'updated_at',
    ]);
  });

  it('uses DEFAULT_USER_PASSWORD and DEFAULT_USER_API_KEY, and then does not warn', async () => {
    const output = await startAndStop({
      DEFAULT_USER_PASSWORD: 'a-strong-password',
      DEFAULT_USER_API_KEY: 'a-strong-api-key',
    });
    expect(output).toContain('Created the default user');
    expect(output).not.toContain('still accepts the default');
    expect((await dataSource.getRepository(User).findOneByOrFail({ username: 'argilla' })).apiKey).toBe(
      'a-strong-api-key',
    );
  });

  it('does not bring the default user back once another admin exists and argilla was deleted', async () => {
    await startAndStop();
    const created = await runCli(
      [
        'users',
        'create',
        '--first-name',
        'Boss',
        '--username',
        'boss',
        '--role',
        'admin',
        '--password',
        'boss-password',
      ],
      env,
    );
    expect(created.code).toBe(0);
    await dataSource.getRepository(User).delete({ username: 'argilla' });
    const output = await startAndStop();
    expect(output).not.toContain('Created the default user');
    expect(await usernames()).toEqual(['boss']);
  });

  it('creates nobody with DEFAULT_USER_ENABLED=false', async () => {
    await startAndStop({ DEFAULT_USER_ENABLED: 'false' });
    expect(await usernames()).toEqual([]);
  });

  it('ends with exactly one default user when three replicas start at once on an empty database', async () => {
    const servers = await Promise.all([1, 2, 3].map(async () => spawnServer(env, await freePort())));
    try {
      for (const server of servers) await expectServing(server);
    } finally {
      for (const server of servers) server.child.kill('SIGTERM');
    }
    expect(await Promise.all(servers.map((server) => server.exited))).toEqual([0, 0, 0]);
    expect(await usernames()).toEqual(['argilla']);
    const created = servers.filter((server) => server.output().includes('Created the default user'));
    expect(created).toHaveLength(1);
  });
});
