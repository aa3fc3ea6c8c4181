import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as bcrypt from 'bcryptjs';
import { DataSource } from 'typeorm';
import { runCli } from './support/cli';
import { databaseFrom, Fixture, schemaOf } from './support/fixtures';
import { freePort, ServerProcess, spawnServer } from './support/server';
import { engines, Engine, TestDatabase } from './support/test-database';

/** What `database migrate --revision 1.8` prints from head, step by step. */
const DOWNGRADE_TO_1_8 = [
  'Running downgrade 9c3e5a7b1d24 -> 4e8b1d6f2a97, create audit_events table',
  'Running downgrade 4e8b1d6f2a97 -> c2a47e91b0d3, create user_sessions table',
  'Running downgrade c2a47e91b0d3 -> 654435fa1803, create personal_access_tokens table',
  'Running downgrade 654435fa1803 -> 8ef49c590498, create oauth_identities and oauth_memberships tables',
  'Running downgrade 8ef49c590498 -> d5fda6c60caa, create data_version, bumped by triggers on users, workspaces and memberships',
  'Running downgrade d5fda6c60caa -> f543ed19759f, add disabled and tokens_valid_after to users',
  'Running downgrade f543ed19759f -> ae5522b4c674, create login_attempts table',
  "Database now at revision 'ae5522b4c674'.",
];

const HEAD = '9c3e5a7b1d24';
const ADMIN = { 'X-Argilla-Api-Key': 'argilla.apikey' };
const DATASET_TABLES = ['datasets', 'fields', 'questions', 'records', 'responses'];

/** A timestamp column as the API writes it, computed by the database itself (an independent path). */
function apiTime(engine: Engine, column: string): string {
  return engine === 'postgres'
    ? `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.US')`
    : // Earlier releases of this project stored milliseconds: Argilla's six digits have three more.
      `CASE WHEN length(${column}) = 23 THEN replace(${column}, ' ', 'T') || '000' ELSE replace(${column}, ' ', 'T') END`;
}

/** An id as the API shows it, from its stored form (SQLite: with or without dashes; PostgreSQL: uuid). */
function apiId(value: string): string {
  const hex = value.replace(/-/g, '');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * What Argilla 1.8 answers for this database, read from its rows by plain SQL: users oldest first, each with its
 * workspaces in membership order; workspaces oldest first; a workspace's members in the order they joined.
 */
async function expectedAnswers(engine: Engine, ds: DataSource) {
  const users: Record<string, string | null>[] = await ds.query(
    `SELECT id, first_name, last_name, username, role, api_key, ${apiTime(engine, 'inserted_at')} AS inserted_at,
            ${apiTime(engine, 'updated_at')} AS updated_at FROM users ORDER BY inserted_at`,
  );
  const memberships: { user_id: string; workspace_id: string; name: string }[] = await ds.query(
    `SELECT m.user_id, m.workspace_id, w.name FROM workspaces_users m JOIN workspaces w ON w.id = m.workspace_id
     ORDER BY m.inserted_at`,
  );
  const workspaces: Record<string, string>[] = await ds.query(
    `SELECT id, name, ${apiTime(engine, 'inserted_at')} AS inserted_at, ${apiTime(engine, 'updated_at')} AS updated_at
     FROM workspaces ORDER BY inserted_at`,
  );
  const user = (row: Record<string, string | null>) => ({
    id: apiId(row.id!),
    first_name: row.first_name,
    ...(row.last_name !== null ? { last_name: row.last_name } : {}),
    full_name: row.last_name !== null ? `${row.first_name} ${row.last_name}` : row.first_name,
    username: row.username,
    role: row.role,
    workspaces: memberships.filter((m) => apiId(m.user_id) === apiId(row.id!)).map((m) => m.name),
    api_key: row.api_key,
    inserted_at: row.inserted_at,
    updated_at: row.updated_at,
  });
  return {
    users: users.map(user),
    workspaces: workspaces.map((row): Record<string, string> => ({ ...row, id: apiId(row.id) })),
    membersOf: (workspaceId: string) =>
      memberships
        .filter((m) => apiId(m.workspace_id) === workspaceId)
        .map((m) => user(users.find((row) => apiId(row.id!) === apiId(m.user_id))!)),
  };
}

/** Every row of Argilla's dataset tables, to check that nothing touched them. */
async function datasetRows(ds: DataSource): Promise<Record<string, unknown[]>> {
  const rows: Record<string, unknown[]> = {};
  for (const table of DATASET_TABLES) rows[table] = await ds.query(`SELECT * FROM ${table} ORDER BY id`);
  return rows;
}

async function login(server: ServerProcess, username: string, password: string): Promise<number> {
  return (await token(server, username, password)).status;
}

async function token(server: ServerProcess, username: string, password: string) {
  const response = await fetch(`http://127.0.0.1:${server.port}/api/security/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }),
  });
  return { status: response.status, accessToken: ((await response.json()) as { access_token?: string }).access_token };
}

async function send(server: ServerProcess, method: string, path: string, body: unknown, headers = ADMIN) {
  const response = await fetch(`http://127.0.0.1:${server.port}${path}`, {
    method,
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

/** A JSON answer, as the API writes it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function get(
  server: ServerProcess,
  path: string,
  headers: Record<string, string> = ADMIN,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`http://127.0.0.1:${server.port}${path}`, { headers });
  return { status: response.status, body: await response.json() };
}

describe.each(engines())('a database written by Argilla 1.8 (%s)', (engine) => {
  let db: TestDatabase;
  let ds: DataSource;
  let server: ServerProcess | undefined;

  beforeEach(async () => {
    db = await databaseFrom(engine, 'argilla-1.8');
    ds = await db.connect();
  });

  afterEach(async () => {
    server?.child.kill();
    await server?.exited;
    server = undefined;
    await db.drop();
  });

  it('is adopted in place: the server answers what Argilla answered, logs its users in and keeps the datasets', async () => {
    const expected = await expectedAnswers(engine, ds);
    const datasets = await datasetRows(ds);
    expect(expected.users.map((user) => user.username)).toEqual(['argilla', 'ann', 'john', 'tanya', 'carl']);

    expect(await runCli(['database', 'migrate'], db.env)).toEqual({
      code: 0,
      stdout: [
        'Running upgrade ae5522b4c674 -> f543ed19759f, create login_attempts table',
        'Running upgrade f543ed19759f -> d5fda6c60caa, add disabled and tokens_valid_after to users',
        'Running upgrade d5fda6c60caa -> 8ef49c590498, create data_version, bumped by triggers on users, workspaces and memberships',
        'Running upgrade 8ef49c590498 -> 654435fa1803, create oauth_identities and oauth_memberships tables',
        'Running upgrade 654435fa1803 -> c2a47e91b0d3, create personal_access_tokens table',
        'Running upgrade c2a47e91b0d3 -> 4e8b1d6f2a97, create user_sessions table',
        'Running upgrade 4e8b1d6f2a97 -> 9c3e5a7b1d24, create audit_events table',
        "Database now at revision '9c3e5a7b1d24' (head).",
        '',
      ].join('\n'),
      stderr: '',
    });
    server = await spawnServer(db.env, await freePort());

    expect(await get(server, '/api/users')).toEqual({ status: 200, body: expected.users });
    expect(await get(server, '/api/workspaces')).toEqual({ status: 200, body: expected.workspaces });
    const team = expected.workspaces.find((workspace) => workspace.name === 'team')!;
    const members = await get(server, `/api/workspaces/${team.id}/users`);
    expect(members).toEqual({ status: 200, body: expected.membersOf(team.id) });
    expect(members.body.map((user: { username: string }) => user.username)).toEqual(['ann', 'tanya', 'carl']);

    // Hashes written by Argilla ($2b$12$), and one from a users file ($2y$), imported into the adopted database.
    // (The fixture's own $2y$ hash is the one of Argilla's documentation, whose password is not known.)
    const file = join(db.home, 'users.yml');
    writeFileSync(
      file,
      '- username: erik\n  full_name: Erik\n  api_key: erik.apikey.0003\n' +
        '  hashed_password: $2y$05$mfrFdJBhHp28w1CCJZ5MYexqILy1G38eGPgq.va5LGoGx9O3EgAWS\n  workspaces: [team]\n',
    );
    expect((await runCli(['users', 'migrate', '--file', file], db.env)).code).toBe(0);
    expect([
      await login(server, 'argilla', '1234'),
      await login(server, 'ann', 'annpassword1'),
      await login(server, 'carl', 'carlpassword1'),
      await login(server, 'erik', 'erikpassword1'),
      await login(server, 'carl', 'wrong-password'),
    ]).toEqual([200, 200, 200, 200, 401]);
    const tanya = await get(server, '/api/me', { 'X-Argilla-Api-Key': 'tanya.apikey.0002' });
    expect([tanya.status, tanya.body.username, tanya.body.workspaces]).toEqual([
      200,
      'tanya',
      ['tanya', 'argilla', 'team'],
    ]);

    expect(await datasetRows(ds)).toEqual(datasets);
  });

  it("deleting a user keeps its responses, with user_id NULL, as Argilla's foreign key says", async () => {
    expect((await runCli(['database', 'migrate'], db.env)).code).toBe(0);
    server = await spawnServer(db.env, await freePort());
    const tanya = (await get(server, '/api/users')).body.find(
      (user: { username: string }) => user.username === 'tanya',
    );
    const before: { user_id: string | null }[] = await ds.query('SELECT user_id FROM responses ORDER BY id');
    expect(before.filter((row) => row.user_id !== null && apiId(row.user_id) === tanya.id)).toHaveLength(2);

    const response = await fetch(`http://127.0.0.1:${server.port}/api/users/${tanya.id}`, {
      method: 'DELETE',
      headers: ADMIN,
    });
    expect(response.status).toBe(200);

    const after: { user_id: string | null }[] = await ds.query('SELECT user_id FROM responses ORDER BY id');
    expect(after).toEqual(
      before.map((row) => ({ user_id: row.user_id !== null && apiId(row.user_id) === tanya.id ? null : row.user_id })),
    );
  });

  it('hands the database back to Argilla 1.8 as it was when nothing changed here', async () => {
    const users = await ds.query('SELECT * FROM users ORDER BY id');
    expect((await runCli(['database', 'migrate'], db.env)).code).toBe(0);
    const back = await runCli(['database', 'migrate', '--revision', '1.8'], db.env);
    expect(back).toEqual({
      code: 0,
      stdout: [...DOWNGRADE_TO_1_8, ''].join('\n'),
      stderr: '',
    });
    expect(await ds.query('SELECT * FROM users ORDER BY id')).toEqual(users);
  });

  it('refuses to hand back what Argilla 1.8 would lose (argon2id hashes, disabled users, ended tokens), changing nothing', async () => {
    expect((await runCli(['database', 'migrate'], db.env)).code).toBe(0);
    const created = await runCli(
      [
        'users',
        'create',
        '--first-name',
        'Dora',
        '--username',
        'dora',
        '--role',
        'annotator',
        '--password',
        'dorapassword1',
      ],
      db.env,
    );
    expect(created.code).toBe(0);
    expect((await runCli(['users', 'disable', 'carl'], db.env)).code).toBe(0);
    // Disabled and enabled again: the tokens issued before the disabling are refused here, not in Argilla 1.8.
    expect((await runCli(['users', 'disable', 'john'], db.env)).code).toBe(0);
    expect((await runCli(['users', 'enable', 'john'], db.env)).code).toBe(0);
    const users = await ds.query('SELECT * FROM users ORDER BY id');

    const refused = await runCli(['database', 'migrate', '--revision', '1.8'], db.env);
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "Error: Refusing to migrate down to '1.8': it would lose the disabled state of carl, who would be enabled " +
        'again; the end of the tokens issued before the latest password change or disabling of john, which would ' +
        'be valid again until they expire; the passwords of dora, whose hashes (argon2id) Argilla 1.8 cannot verify: they could not log in ' +
        'there (set ARGILLA_PASSWORD_HASH=bcrypt and reset their passwords first to keep them). Nothing was ' +
        'changed. To go ahead anyway, run it again with --force.\n',
    });
    expect((await ds.query('SELECT version_num FROM alembic_version'))[0].version_num).toBe(HEAD);
    expect(await ds.query('SELECT * FROM users ORDER BY id')).toEqual(users);

    const forced = await runCli(['database', 'migrate', '--revision', '1.8', '--force'], db.env);
    expect([forced.code, forced.stdout.split('\n').at(-2)]).toEqual([0, "Database now at revision 'ae5522b4c674'."]);
    // What the refusal said: carl is enabled again once back up.
    expect((await runCli(['database', 'migrate'], db.env)).code).toBe(0);
    const carl = await ds.query("SELECT disabled FROM users WHERE username = 'carl'");
    expect(carl.map((row: { disabled: unknown }) => Boolean(row.disabled))).toEqual([false]);
  });

  it('refuses to hand back owners, a role Argilla 1.8 cannot load, naming them; --force makes them admins and says so', async () => {
    expect((await runCli(['database', 'migrate'], db.env)).code).toBe(0);
    // john was an admin in Argilla 1.8, ann an annotator.
    for (const username of ['john', 'ann']) {
      expect((await runCli(['users', 'update', username, '--role', 'owner'], db.env)).code).toBe(0);
    }
    const users = await ds.query('SELECT * FROM users ORDER BY id');
    const owners =
      'the role owner of ann, john, which Argilla 1.8 cannot load: --force makes them admins, with the same rights ' +
      "(or make them admins first with 'argilla-cli users update USERNAME --role admin')";

    expect(await runCli(['database', 'migrate', '--revision', '1.8'], db.env)).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `Error: Refusing to migrate down to '1.8': it would lose ${owners}. Nothing was changed. ` +
        'To go ahead anyway, run it again with --force.\n',
    });
    expect((await ds.query('SELECT version_num FROM alembic_version'))[0].version_num).toBe(HEAD);
    expect(await ds.query('SELECT * FROM users ORDER BY id')).toEqual(users);

    expect(await runCli(['database', 'migrate', '--revision', '1.8', '--force'], db.env)).toEqual({
      code: 0,
      stdout: [`Going ahead (--force), losing ${owners}.`, ...DOWNGRADE_TO_1_8, ''].join('\n'),
      stderr: '',
    });
    expect(await ds.query('SELECT username, role FROM users ORDER BY username')).toEqual([
      { username: 'ann', role: 'admin' },
      { username: 'argilla', role: 'admin' },
      { username: 'carl', role: 'annotator' },
      { username: 'john', role: 'admin' },
      { username: 'tanya', role: 'annotator' },
    ]);
  });

  // Hashes with bcrypt at cost 12 for each user, twice: slow on a loaded machine.
  it('goes there and back: users created and changed here (bcrypt hashes) all log in with bcrypt once handed back, and the schema is Argilla 1.8’s', async () => {
    const env = { ...db.env, ARGILLA_PASSWORD_HASH: 'bcrypt' };
    const passwords: Record<string, string> = { argilla: '1234', ann: 'annpassword1', carl: 'carlpassword1' };
    expect((await runCli(['database', 'migrate'], env)).code).toBe(0);
    server = await spawnServer(env, await freePort());

    // Here: a user created by the API and one by the CLI, a workspace and a membership, a name change, a password
    // change, logins (which leave bcrypt hashes as they are with this setting).
    const nora = await send(server, 'POST', '/api/users', {
      first_name: 'Nora',
      username: 'nora',
      password: 'norapassword1',
      workspaces: [],
    });
    expect(nora.status).toBe(200);
    passwords.nora = 'norapassword1';
    const created = await runCli(
      [
        'users',
        'create',
        '--first-name',
        'Olga',
        '--username',
        'olga',
        '--password',
        'olgapassword1',
        '--role',
        'admin',
      ],
      env,
    );
    expect(created.code).toBe(0);
    passwords.olga = 'olgapassword1';
    const trial = await send(server, 'POST', '/api/workspaces', { name: 'trial' });
    expect((await send(server, 'POST', `/api/workspaces/${trial.body.id}/users/${nora.body.id}`, {})).status).toBe(200);
    const carl = (await get(server, '/api/users')).body.find((user: { username: string }) => user.username === 'carl');
    expect((await send(server, 'PATCH', `/api/v1/users/${carl.id}`, { first_name: 'Carlos' })).status).toBe(200);
    const ann = await token(server, 'ann', 'annpassword1');
    const changed = await send(
      server,
      'PUT',
      '/api/v1/me/password',
      { current_password: 'annpassword1', new_password: 'annpassword2' },
      { Authorization: `Bearer ${ann.accessToken}` } as unknown as typeof ADMIN,
    );
    expect(changed.status).toBe(200);
    passwords.ann = 'annpassword2';
    for (const [username, password] of Object.entries(passwords))
      expect([username, await login(server, username, password)]).toEqual([username, 200]);
    server.child.kill();
    await server.exited;
    server = undefined;

    // Ann's password change ends her earlier tokens here; Argilla 1.8 would accept them again: said, and refused.
    const refused = await runCli(['database', 'migrate', '--revision', '1.8'], env);
    expect([refused.code, refused.stderr]).toEqual([
      1,
      "Error: Refusing to migrate down to '1.8': it would lose the end of the tokens issued before the latest " +
        'password change or disabling of ann, which would be valid again until they expire. Nothing was changed. ' +
        'To go ahead anyway, run it again with --force.\n',
    ]);
    expect((await runCli(['database', 'migrate', '--revision', '1.8', '--force'], env)).code).toBe(0);

    // The schema is the one Argilla 1.8 wrote, and every user logs in with bcrypt, as Argilla 1.8 checks it.
    const argilla = await databaseFrom(engine, 'argilla-1.8');
    try {
      expect(await schemaOf(db, ds)).toEqual(await schemaOf(argilla, await argilla.connect()));
    } finally {
      await argilla.drop();
    }
    const hashes: { username: string; password_hash: string }[] = await ds.query(
      'SELECT username, password_hash FROM users ORDER BY username',
    );
    expect(hashes.map((row) => row.username)).toEqual(['ann', 'argilla', 'carl', 'john', 'nora', 'olga', 'tanya']);
    for (const { username, password_hash } of hashes) {
      expect([username, password_hash.slice(0, 4)]).toEqual([
        username,
        password_hash.startsWith('$2y$') ? '$2y$' : '$2b$',
      ]);
      if (passwords[username])
        expect([username, bcrypt.compareSync(passwords[username], password_hash)]).toEqual([username, true]);
    }
    const names: { username: string; first_name: string }[] = await ds.query(
      "SELECT username, first_name FROM users WHERE username IN ('carl', 'nora') ORDER BY username",
    );
    expect(names).toEqual([
      { username: 'carl', first_name: 'Carlos' },
      { username: 'nora', first_name: 'Nora' },
    ]);
  }, 180_000);

  it('refuses to drop the rows of Argilla’s dataset tables going below 1.8, unless forced', async () => {
    const refused = await runCli(['database', 'migrate', '--revision', '1.7'], db.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "Error: Refusing to migrate down to '1.7': it would lose the 1 row of Argilla's table fields; the 4 rows of " +
        "Argilla's table responses; the 2 rows of Argilla's table records; the 1 row of Argilla's table questions; " +
        "the 1 row of Argilla's table datasets. Nothing was changed. To go ahead anyway, run it again with --force.\n",
    );
    expect((await ds.query('SELECT COUNT(*) AS n FROM responses'))[0].n).toEqual(engine === 'postgres' ? '4' : 4);
  });
});

const EARLIER: Fixture[] = ['users-3', 'users-2', 'users-1', '1.7'];

describe.each(engines())('a database written by argilla-users 1.8.0 (%s)', (engine) => {
  let db: TestDatabase;
  let server: ServerProcess | undefined;

  afterEach(async () => {
    server?.child.kill();
    await server?.exited;
    server = undefined;
    await db.drop();
  });

  it.each(EARLIER)('at %s without rows reaches head too', async (fixture) => {
    db = await databaseFrom(engine, fixture);
    const ds = await db.connect();
    for (const table of ['workspaces_users', 'users', 'workspaces']) await ds.query(`DELETE FROM ${table}`);
    if (fixture !== '1.7') await ds.query('DELETE FROM login_attempts');

    const migrated = await runCli(['database', 'migrate'], db.env);
    expect([migrated.code, migrated.stdout.trim().split('\n').at(-1)]).toEqual([
      0,
      `Database now at revision '${HEAD}' (head).`,
    ]);
    expect(await ds.query('SELECT version_num FROM alembic_version')).toEqual([{ version_num: HEAD }]);
    expect(await ds.query('SELECT COUNT(*) AS n FROM users')).toEqual([{ n: engine === 'postgres' ? '0' : 0 }]);
  });

  it.each(EARLIER)('at %s reaches head with every row, in Argilla’s storage', async (fixture) => {
    db = await databaseFrom(engine, fixture);
    const ds = await db.connect();
    const expected = await expectedAnswers(engine, ds);
    const hashes = await ds.query('SELECT username, password_hash FROM users ORDER BY username');
    const wasDisabled: { username: string }[] =
      fixture === 'users-3' || fixture === 'users-2'
        ? await ds.query('SELECT username FROM users WHERE disabled ORDER BY username')
        : [];

    const migrated = await runCli(['database', 'migrate'], db.env);
    expect(migrated.code).toBe(0);
    const lines = migrated.stdout.trim().split('\n');
    const adopts = fixture !== '1.7' || engine === 'sqlite';
    expect(lines[0].startsWith('Adopting a database of argilla-users 1.8.0')).toBe(adopts);
    expect(lines.at(-1)).toBe(`Database now at revision '${HEAD}' (head).`);
    expect((await runCli(['database', 'migrate'], db.env)).stdout).toBe(
      `Database already at revision '${HEAD}' (head): nothing to do.\n`,
    );

    // Argilla's storage: on SQLite, 32 hex digits and six fractional digits.
    if (engine === 'sqlite') {
      const stored: { id: string; inserted_at: string }[] = await ds.query('SELECT id, inserted_at FROM users');
      for (const row of stored) {
        expect(row.id).toMatch(/^[0-9a-f]{32}$/);
        expect(row.inserted_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
      }
    }
    expect(await ds.query('SELECT username, password_hash FROM users ORDER BY username')).toEqual(hashes);
    expect(await ds.query('SELECT username FROM users WHERE disabled ORDER BY username')).toEqual(wasDisabled);

    server = await spawnServer(db.env, await freePort());
    expect(await get(server, '/api/users')).toEqual({ status: 200, body: expected.users });
    expect(await get(server, '/api/workspaces')).toEqual({ status: 200, body: expected.workspaces });
    expect([
      await login(server, 'argilla', '1234'),
      await login(server, 'ann', 'annpassword2'),
      await login(server, 'carl', 'carlpassword1'),
    ]).toEqual([200, 200, wasDisabled.length > 0 ? 401 : 200]);
    const john = await get(server, '/api/me', { 'X-Argilla-Api-Key': 'john.apikey.0001' });
    expect([john.status, (john.body as { username: string }).username]).toEqual([200, 'john']);
  });
});
