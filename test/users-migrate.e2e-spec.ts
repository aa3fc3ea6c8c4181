import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { toStoredId, User, Workspace, WorkspaceUser } from '@argilla/database';
import { api } from './support/api';
import { runCli } from './support/cli';
import { startApp } from './support/server';
import { createMigratedDatabase, engines, snapshot, TestDatabase } from './support/test-database';

/** bcrypt ($2y$, cost 5) of '1234', as in Argilla's own users files. */
const HASH_1234 = '$2y$05$eaw.j2Kaw8s8vpscVIZMfuqSIX3OLmxA21WjtWicDdn0losQ91Hw.';

const USERS_FILE = `
- username: john
  full_name: John Doe
  email: john@argilla.io
  api_key: a14427ea-9197-11ec-b909-0242ac120002
  hashed_password: ${HASH_1234}
  disabled: false

- username: tanya
  full_name: Tanya Doe
  email: tanya@argilla.io
  api_key: 78a10b53-8db7-4ab5-9e9e-fbd4b7e76551
  hashed_password: ${HASH_1234}
  disabled: true
  workspaces:
    - argilla
    - team

- username: daisy
  full_name: Daisy Gonzalez
  email: daisy@argilla.io
  api_key: a8168929-8668-494c-b7a5-98cd35d5ead9
  hashed_password: ${HASH_1234}
  workspaces:
    - argilla
    - team
    - latam

- username: macleod
  api_key: 7b9b9c8e-0ab5-4fd0-ba8d-9a4d8aa5e8d4
  hashed_password: ${HASH_1234}
  workspaces: []

- username: sanchez
  full_name: Juan Sánchez Ñúñez 日本
  api_key: 5c3e0a59-4a4f-44b4-9e58-1b27bdcb0f00
  hashed_password: ${HASH_1234}
  workspaces: [spain, team]
`;

const EXPECTED = [
  {
    username: 'john',
    firstName: 'John Doe',
    role: 'admin',
    apiKey: 'a14427ea-9197-11ec-b909-0242ac120002',
    workspaces: ['john'],
  },
  {
    username: 'tanya',
    firstName: 'Tanya Doe',
    role: 'annotator',
    apiKey: '78a10b53-8db7-4ab5-9e9e-fbd4b7e76551',
    workspaces: ['tanya', 'argilla', 'team'],
  },
  {
    username: 'daisy',
    firstName: 'Daisy Gonzalez',
    role: 'annotator',
    apiKey: 'a8168929-8668-494c-b7a5-98cd35d5ead9',
    workspaces: ['daisy', 'argilla', 'team', 'latam'],
  },
  {
    username: 'macleod',
    firstName: '',
    role: 'annotator',
    apiKey: '7b9b9c8e-0ab5-4fd0-ba8d-9a4d8aa5e8d4',
    workspaces: ['macleod'],
  },
  {
    username: 'sanchez',
    firstName: 'Juan Sánchez Ñúñez 日本',
    role: 'annotator',
    apiKey: '5c3e0a59-4a4f-44b4-9e58-1b27bdcb0f00',
    workspaces: ['sanchez', 'spain', 'team'],
  },
];

describe.each(engines())('argilla-cli users migrate (%s)', (engine) => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeEach(async () => {
    ({ db, dataSource } = await createMigratedDatabase(engine));
  });

  afterEach(async () => {
    await db.drop();
  });

  function writeUsersFile(text: string, name = 'users.yaml'): string {
    const path = join(db.home, name);
    writeFileSync(path, text);
    return path;
  }

  async function usersWithWorkspaces(): Promise<unknown[]> {
    const users = await dataSource.getRepository(User).find();
    const result = [];
    for (const user of users) {
      const rows: { name: string }[] = await dataSource
        .getRepository(WorkspaceUser)
        .createQueryBuilder('membership')
        .innerJoin(Workspace, 'workspace', 'workspace.id = membership.workspace_id')
        .where('membership.user_id = :id', { id: toStoredId(user.id) })
        .orderBy('membership.inserted_at', 'ASC')
        .select('workspace.name', 'name')
        .getRawMany();
      result.push({
        username: user.username,
        firstName: user.firstName,
        role: user.role,
        apiKey: user.apiKey,
        workspaces: rows.map((row) => row.name),
      });
    }
    return result;
  }

  it('imports every user with its role, personal workspace first, and the bcrypt hash kept as it is', async () => {
    const path = writeUsersFile(USERS_FILE);
    const result = await runCli(['users', 'migrate', '--file', path], db.env);
    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        `Starting users migration process using file '${path}'`,
        "Migrating User with username 'john'",
        "Migrating User with username 'tanya'",
        "Migrating User with username 'daisy'",
        "Migrating User with username 'macleod'",
        "Migrating User with username 'sanchez'",
        'Users migration process successfully finished',
        '',
      ].join('\n'),
    });
    expect(await usersWithWorkspaces()).toEqual(expect.arrayContaining(EXPECTED));
    expect(await dataSource.getRepository(User).count()).toBe(5);
    expect((await dataSource.getRepository(Workspace).find()).map((w) => w.name).sort()).toEqual([
      'argilla',
      'daisy',
      'john',
      'latam',
      'macleod',
      'sanchez',
      'spain',
      'tanya',
      'team',
    ]);
    expect(await dataSource.getRepository(WorkspaceUser).count()).toBe(12);
    for (const user of await dataSource.getRepository(User).find()) expect(user.passwordHash).toBe(HASH_1234);
    expect(await dataSource.getRepository(User).findOneByOrFail({ username: 'macleod' })).toMatchObject({
      lastName: null,
    });
  });

  it('analyses the tables it wrote on PostgreSQL (once each), so that lookups are planned on their new size', async () => {
    const TABLES = ['oauth_identities', 'oauth_memberships', 'users', 'workspaces', 'workspaces_users'];
    const analyses = async (): Promise<Record<string, number>> => {
      if (engine === 'sqlite') {
        // SQLite plans without statistics unless ANALYZE made them; an import makes none.
        const rows: { name: string }[] = await dataSource.query(
          "SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'",
        );
        return Object.fromEntries(TABLES.map((table) => [table, rows.length]));
      }
      await dataSource.query('SELECT pg_stat_clear_snapshot()');
      const rows: { relname: string; analyze_count: string }[] = await dataSource.query(
        'SELECT relname, analyze_count FROM pg_stat_user_tables WHERE relname = ANY($1)',
        [TABLES],
      );
      return Object.fromEntries(rows.map((row) => [row.relname, Number(row.analyze_count)]));
    };
    const before = await analyses();
    expect((await runCli(['users', 'migrate', '--file', writeUsersFile(USERS_FILE)], db.env)).code).toBe(0);
    const increment = engine === 'postgres' ? 1 : 0;
    expect(await analyses()).toEqual(Object.fromEntries(TABLES.map((table) => [table, before[table] + increment])));
  });

  it('lets every imported user log in with its old password, except the one marked disabled', async () => {
    expect((await runCli(['users', 'migrate', '--file', writeUsersFile(USERS_FILE)], db.env)).code).toBe(0);
    const disabled = await dataSource
      .getRepository(User)
      .find({ where: { disabled: true }, select: { username: true } });
    expect(disabled.map((user) => user.username)).toEqual(['tanya']);
    const app: NestExpressApplication = await startApp(db.settings);
    try {
      for (const { username, apiKey } of EXPECTED) {
        const response = await api(app).post('/api/security/token').type('form').send({ username, password: '1234' });
        if (username === 'tanya') {
          expect([username, response.status]).toEqual([username, 401]);
          await api(app).get('/api/me').set('X-Argilla-Api-Key', apiKey).expect(401);
          continue;
        }
        expect([username, response.status]).toEqual([username, 200]);
        const me = await api(app)
          .get('/api/me')
          .set('Authorization', `Bearer ${response.body.access_token}`)
          .expect(200);
        expect(me.body.api_key).toBe(apiKey);
      }
    } finally {
      await app.close();
    }
  });

  it('stores users in file order: GET /api/users (oldest first) lists them as the file does', async () => {
    expect((await runCli(['users', 'migrate', '--file', writeUsersFile(USERS_FILE)], db.env)).code).toBe(0);
    const app: NestExpressApplication = await startApp(db.settings);
    try {
      const listed = await api(app).get('/api/users').set('X-Argilla-Api-Key', EXPECTED[0].apiKey).expect(200);
      // Not alphabetical (daisy, john, …): each user is stored a little later than the one before it.
      expect(listed.body.map((user: { username: string }) => user.username)).toEqual([
        'john',
        'tanya',
        'daisy',
        'macleod',
        'sanchez',
      ]);
      const times = listed.body.map((user: { inserted_at: string }) => user.inserted_at);
      expect(new Set(times).size).toBe(5);
    } finally {
      await app.close();
    }
  });

  it('reads ARGILLA_LOCAL_AUTH_USERS_DB_FILE when --file is not given', async () => {
    const path = writeUsersFile(USERS_FILE, 'from-settings.yml');
    const result = await runCli(['users', 'migrate'], { ...db.env, ARGILLA_LOCAL_AUTH_USERS_DB_FILE: path });
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(`Starting users migration process using file '${path}'`);
    expect(await dataSource.getRepository(User).count()).toBe(5);
  });

  it('reuses workspaces that exist already', async () => {
    const created = await runCli(
      [
        'users',
        'create',
        '--first-name',
        'First',
        '--username',
        'first',
        '--role',
        'admin',
        '--password',
        'long-enough',
        '--workspace',
        'team',
      ],
      db.env,
    );
    expect(created.code).toBe(0);
    const team = await dataSource.getRepository(Workspace).findOneByOrFail({ name: 'team' });
    expect((await runCli(['users', 'migrate', '--file', writeUsersFile(USERS_FILE)], db.env)).code).toBe(0);
    expect(await dataSource.getRepository(Workspace).countBy({ name: 'team' })).toBe(1);
    expect(await dataSource.getRepository(WorkspaceUser).countBy({ workspaceId: team.id })).toBe(4);
  });

  const entry = (fields: string) => `- username: ok\n  api_key: ok-key-000\n  hashed_password: ${HASH_1234}\n${fields}`;

  it.each([
    ['a YAML syntax error', '- username: [unclosed\n', 'not valid YAML'],
    ['a mapping instead of a list', 'username: john\n', 'expected a list of users at the top level'],
    [
      'a missing username',
      `- api_key: k-0000001\n  hashed_password: ${HASH_1234}\n`,
      "entry 1: field 'username' is required",
    ],
    [
      'a missing api_key',
      `${entry('')}- username: bad\n  hashed_password: ${HASH_1234}\n`,
      "entry 2 (username 'bad'): field 'api_key' is required",
    ],
    [
      'a missing hashed_password',
      `${entry('')}- username: nohash\n  api_key: k-0000002\n`,
      "entry 2 (username 'nohash'): field 'hashed_password' is required",
    ],
    [
      'a clear-text password',
      `- username: plain\n  api_key: k-0000003\n  hashed_password: '1234'\n`,
      "entry 1 (username 'plain'): field 'hashed_password' is not a bcrypt ($2a$, $2b$, $2y$) or argon2 hash",
    ],
    [
      'an invalid username',
      `- username: Bad-Name\n  api_key: k-0000004\n  hashed_password: ${HASH_1234}\n`,
      "entry 1 (username 'Bad-Name'): field 'username' does not match regex",
    ],
    [
      'an invalid workspace name',
      entry('  workspaces: [good, "Not Valid"]\n'),
      "entry 1 (username 'ok'): field 'workspaces' has an invalid workspace name 'Not Valid'",
    ],
    ['a repeated username', `${entry('')}${entry('')}`, "entry 2 (username 'ok'): field 'username' repeats entry 1"],
    [
      'a role that is not one',
      entry('  role: superuser\n'),
      "entry 1 (username 'ok'): field 'role' must be one of 'admin', 'annotator', 'owner'",
    ],
    [
      'a last_name that is not a string',
      entry('  last_name: [a]\n'),
      "entry 1 (username 'ok'): field 'last_name' must be a string",
    ],
    [
      'an unknown top-level key',
      `users: []\ngroups: [a]\n`,
      "unknown top-level key 'groups' (expected 'users' and 'workspaces')",
    ],
    ['top-level users that are not a list', `users: {a: 1}\n`, "top-level 'users' must be a list"],
    [
      'an invalid top-level workspace name',
      `workspaces: [ok, "Not Valid"]\nusers: []\n`,
      "top-level 'workspaces' has an invalid workspace name 'Not Valid'",
    ],
    [
      'a repeated api key',
      `${entry('')}- username: other\n  api_key: ok-key-000\n  hashed_password: ${HASH_1234}\n`,
      "entry 2 (username 'other'): field 'api_key' repeats the api_key of entry 1",
    ],
  ])(
    'refuses a file with %s: exit 1, a message naming the entry and field, nothing written',
    async (_label, text, message) => {
      await runCli(['users', 'create_default'], db.env);
      const before = await snapshot(dataSource);
      const path = writeUsersFile(text);
      const result = await runCli(['users', 'migrate', '--file', path], db.env);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Error: Invalid users file '${path}', nothing was imported: ${message}`);
      expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(result.stdout).not.toContain('successfully finished');
      expect(await snapshot(dataSource)).toEqual(before);
    },
  );

  it.each([
    [
      'a username',
      `- username: argilla\n  api_key: new-key-0001\n  hashed_password: ${HASH_1234}\n`,
      "entry 2 (username 'argilla'): field 'username' already exists in the database",
    ],
    [
      'an api key',
      `- username: newbie\n  api_key: argilla.apikey\n  hashed_password: ${HASH_1234}\n`,
      "entry 2 (username 'newbie'): field 'api_key' already exists in the database",
    ],
  ])('refuses a file with %s already in the database, writing nothing', async (_label, text, message) => {
    await runCli(['users', 'create_default'], db.env);
    const before = await snapshot(dataSource);
    const path = writeUsersFile(`${entry('')}${text}`);
    const result = await runCli(['users', 'migrate', '--file', path], db.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(await snapshot(dataSource)).toEqual(before);
  });

  it('takes an entry with a role key literally (role, names, exactly its workspaces), and creates listed empty workspaces', async () => {
    const path = writeUsersFile(`
workspaces: [empty, team]
users:
  - username: ada
    first_name: Ada
    last_name: Lovelace
    role: annotator
    api_key: ada-key-0001
    hashed_password: ${HASH_1234}
    workspaces: [team, research]
  - username: root
    first_name: Root
    role: admin
    api_key: root-key-0001
    hashed_password: ${HASH_1234}
    workspaces: [research]
    disabled: true
  - username: nowhere
    role: annotator
    api_key: nowhere-key-01
    hashed_password: ${HASH_1234}
`);
    const result = await runCli(['users', 'migrate', '--file', path], db.env);
    expect(result.code).toBe(0);
    const byUsername = (a: unknown, b: unknown) =>
      (a as { username: string }).username.localeCompare((b as { username: string }).username);
    expect((await usersWithWorkspaces()).sort(byUsername)).toEqual([
      {
        username: 'ada',
        firstName: 'Ada',
        role: 'annotator',
        apiKey: 'ada-key-0001',
        workspaces: ['team', 'research'],
      },
      { username: 'nowhere', firstName: '', role: 'annotator', apiKey: 'nowhere-key-01', workspaces: [] },
      { username: 'root', firstName: 'Root', role: 'admin', apiKey: 'root-key-0001', workspaces: ['research'] },
    ]);
    const users = await dataSource.getRepository(User).find({ order: { username: 'ASC' } });
    expect(users.map((user) => [user.username, user.lastName, user.disabled])).toEqual([
      ['ada', 'Lovelace', false],
      ['nowhere', null, false],
      ['root', null, true],
    ]);
    const names = (await dataSource.getRepository(Workspace).find()).map((workspace) => workspace.name).sort();
    expect(names).toEqual(['empty', 'research', 'team']);
  });

  describe('a file larger than one statement of rows', () => {
    /** Users the bulk inserts take in several statements: 10,000 rows each on PostgreSQL, ~3,200 on SQLite. */
    const COUNT = 12_000;
    /** Each user in its own workspace and in one or two of 40 shared ones (by Argilla's rule, its own first). */
    const sharedOf = (i: number) =>
      i % 3 === 0 ? [`shared-${i % 40}`, `shared-${(i + 1) % 40}`] : [`shared-${i % 40}`];
    const bigFile = () =>
      Array.from(
        { length: COUNT },
        (_, i) =>
          `- username: user-${i}\n  api_key: key-${i}\n  hashed_password: ${HASH_1234}\n` +
          `  workspaces: [${sharedOf(i).join(', ')}]\n`,
      ).join('');
    const count = async (table: string) => Number((await dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);

    it("writes every row once, users and each user's memberships in the order of the file", async () => {
      const result = await runCli(['users', 'migrate', '--file', writeUsersFile(bigFile())], db.env);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      const memberships = Array.from({ length: COUNT }, (_, i) => 1 + sharedOf(i).length).reduce((a, b) => a + b);
      expect([await count('users'), await count('workspaces'), await count('workspaces_users')]).toEqual([
        COUNT,
        COUNT + 40,
        memberships,
      ]);
      const order: { username: string }[] = await dataSource.query('SELECT username FROM users ORDER BY inserted_at');
      expect(order.map((row) => row.username)).toEqual(Array.from({ length: COUNT }, (_, i) => `user-${i}`));
      // Every membership in the order of the file: user by user, each user's own workspace first.
      const joined: { username: string; name: string }[] = await dataSource.query(
        `SELECT u.username, w.name FROM workspaces_users m JOIN users u ON u.id = m.user_id
         JOIN workspaces w ON w.id = m.workspace_id ORDER BY m.inserted_at`,
      );
      expect(joined.map((row) => `${row.username} ${row.name}`)).toEqual(
        Array.from({ length: COUNT }, (_, i) =>
          [`user-${i}`, ...sharedOf(i)].map((name) => `user-${i} ${name}`),
        ).flat(),
      );
    });

    it('finds a username or an API key already taken at the end of a file of 12,000 users', async () => {
      const path = writeUsersFile(bigFile());
      const id = engine === 'postgres' ? randomUUID() : randomUUID().replace(/-/g, '');
      await dataSource.query(
        `INSERT INTO users (id, first_name, username, role, api_key, password_hash, inserted_at, updated_at, disabled)
         VALUES (${engine === 'postgres' ? '$1, $2, $3, $4, $5, $6, $7, $7, false' : '?, ?, ?, ?, ?, ?, ?, ?, 0'})`,
        engine === 'postgres'
          ? [id, 'Taken', `user-${COUNT - 1}`, 'annotator', 'another-key', HASH_1234, '2026-01-01 00:00:00']
          : [
              id,
              'Taken',
              `user-${COUNT - 1}`,
              'annotator',
              'another-key',
              HASH_1234,
              '2026-01-01 00:00:00',
              '2026-01-01 00:00:00',
            ],
      );
      expect(await runCli(['users', 'migrate', '--file', path], db.env)).toMatchObject({
        code: 1,
        stderr:
          `Error: Invalid users file '${path}', nothing was imported: entry ${COUNT} (username 'user-${COUNT - 1}'): ` +
          "field 'username' already exists in the database\n",
      });
      await dataSource.query(
        `UPDATE users SET username = 'taken', api_key = 'key-${COUNT - 2}' WHERE username = 'user-${COUNT - 1}'`,
      );
      expect(await runCli(['users', 'migrate', '--file', path], db.env)).toMatchObject({
        code: 1,
        stderr:
          `Error: Invalid users file '${path}', nothing was imported: entry ${COUNT - 1} (username 'user-${COUNT - 2}'): ` +
          "field 'api_key' already exists in the database\n",
      });
      expect([await count('users'), await count('workspaces'), await count('workspaces_users')]).toEqual([1, 0, 0]);
    });

    it('writes nothing when the database refuses a row of a later statement: exit 1, the reason, no row', async () => {
      // A row the database refuses, in the last statement of memberships: its user's own workspace.
      const refused = `user-${COUNT - 1}`;
      if (engine === 'postgres') {
        await dataSource.query(`CREATE FUNCTION refuse_membership() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF NEW.workspace_id = (SELECT id FROM workspaces WHERE name = '${refused}') THEN
              RAISE EXCEPTION 'membership refused by the test';
            END IF;
            RETURN NEW;
          END $$`);
        await dataSource.query(
          'CREATE TRIGGER refuse_membership BEFORE INSERT ON workspaces_users FOR EACH ROW EXECUTE FUNCTION refuse_membership()',
        );
      } else {
        await dataSource.query(
          `CREATE TRIGGER refuse_membership BEFORE INSERT ON workspaces_users
           WHEN NEW.workspace_id = (SELECT id FROM workspaces WHERE name = '${refused}')
           BEGIN SELECT RAISE(ABORT, 'membership refused by the test'); END`,
        );
      }
      const result = await runCli(['users', 'migrate', '--file', writeUsersFile(bigFile())], db.env);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('membership refused by the test');
      expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect([await count('users'), await count('workspaces'), await count('workspaces_users')]).toEqual([0, 0, 0]);
    });
  });

  it('exits 1 when the file cannot be read', async () => {
    const result = await runCli(['users', 'migrate', '--file', join(db.home, 'missing.yml')], db.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`Error: Cannot read the users file '${join(db.home, 'missing.yml')}': ENOENT\n`);
    // With --verbose, the same error comes with its stack trace.
    const verbose = await runCli(['users', 'migrate', '--file', join(db.home, 'missing.yml'), '--verbose'], db.env);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/^Error: Cannot read the users file .*: ENOENT\n {4}at MigrateUsersCommand\.run /);
  });
});
