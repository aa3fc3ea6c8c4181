import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { User } from '@argilla/database';
import { childEnv, CLI_PATH, runCli } from './support/cli';
import { currentRevision, engines, listTables, TestDatabase } from './support/test-database';
import { REFUSED_SECURITY_SETTINGS } from './support/refused-settings';

const TABLES_1_7 = ['users', 'workspaces', 'workspaces_users'];
const TABLES_1_8 = ['datasets', 'fields', 'questions', 'records', 'responses', ...TABLES_1_7].sort();
const ALL_TABLES = [
  'audit_events',
  'data_version',
  'login_attempts',
  'oauth_identities',
  'oauth_memberships',
  'personal_access_tokens',
  'user_sessions',
  ...TABLES_1_8,
].sort();
const UPGRADE_LINES = [
  'Running upgrade  -> 74694870197c, create users table',
  'Running upgrade 74694870197c -> 82a5a88a3fa5, create workspaces table',
  'Running upgrade 82a5a88a3fa5 -> 1769ee58fbb4, create workspaces_users table',
  'Running upgrade 1769ee58fbb4 -> b9099dc08489, create datasets table',
  'Running upgrade b9099dc08489 -> 3a8e2f9b5dea, create questions table',
  'Running upgrade 3a8e2f9b5dea -> 8be56284dac0, create records table',
  'Running upgrade 8be56284dac0 -> e402e9d9245e, create responses table',
  'Running upgrade e402e9d9245e -> ae5522b4c674, create fields table',
  'Running upgrade ae5522b4c674 -> f543ed19759f, create login_attempts table',
  'Running upgrade f543ed19759f -> d5fda6c60caa, add disabled and tokens_valid_after to users',
  'Running upgrade d5fda6c60caa -> 8ef49c590498, create data_version, bumped by triggers on users, workspaces and memberships',
  'Running upgrade 8ef49c590498 -> 654435fa1803, create oauth_identities and oauth_memberships tables',
  'Running upgrade 654435fa1803 -> c2a47e91b0d3, create personal_access_tokens table',
  'Running upgrade c2a47e91b0d3 -> 4e8b1d6f2a97, create user_sessions table',
  'Running upgrade 4e8b1d6f2a97 -> 9c3e5a7b1d24, create audit_events table',
];
const HEAD = '9c3e5a7b1d24';

describe.each(engines())('argilla-cli database (%s)', (engine) => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeEach(async () => {
    db = await TestDatabase.create(engine);
  });

  afterEach(async () => {
    await db.drop();
  });

  /** Opened after the CLI created the database (SQLite creates its file on first use). */
  async function connect(): Promise<DataSource> {
    dataSource = await db.connect();
    return dataSource;
  }

  async function insertUser(ds: DataSource, username: string): Promise<string> {
    const id = randomUUID();
    const now = new Date('2023-03-16T11:11:59.871Z');
    await ds.getRepository(User).insert({
      id,
      firstName: 'Ada',
      lastName: null,
      username,
      role: 'admin',
      apiKey: `key-${username}`,
      // bcrypt ("1234"), which Argilla 1.8 verifies: going below this project's revisions keeps it.
      passwordHash: '$2y$05$Ukl6cY6pd4KC7nkVnAdmaeKuqhL1utBRCIutMaH8uYJuR2ig2Bwdq',
      insertedAt: now,
      updatedAt: now,
    });
    return id;
  }

  it('migrates an empty database to head, printing one line per step, and a second run changes nothing', async () => {
    const first = await runCli(['database', 'migrate'], db.env);
    expect(first).toEqual({
      code: 0,
      stdout: [...UPGRADE_LINES, `Database now at revision '${HEAD}' (head).`, ''].join('\n'),
      stderr: '',
    });
    const ds = await connect();
    expect(await listTables(ds)).toEqual(ALL_TABLES);
    expect(await currentRevision(ds)).toBe(HEAD);

    const second = await runCli(['database', 'migrate'], db.env);
    expect(second).toEqual({
      code: 0,
      stdout: `Database already at revision '${HEAD}' (head): nothing to do.\n`,
      stderr: '',
    });
    expect(await listTables(ds)).toEqual(ALL_TABLES);
    expect(await currentRevision(ds)).toBe(HEAD);
  });

  it('downgrades to the first revision and upgrades back to tag 1.7, keeping the rows of users', async () => {
    expect((await runCli(['database', 'migrate'], db.env)).code).toBe(0);
    const ds = await connect();
    const id = await insertUser(ds, 'ada');

    const down = await runCli(['database', 'migrate', '--revision', '74694870197c'], db.env);
    expect(down.code).toBe(0);
    expect(down.stdout.split('\n').slice(0, 14)).toEqual([
      'Running downgrade 9c3e5a7b1d24 -> 4e8b1d6f2a97, create audit_events table',
      'Running downgrade 4e8b1d6f2a97 -> c2a47e91b0d3, create user_sessions table',
      'Running downgrade c2a47e91b0d3 -> 654435fa1803, create personal_access_tokens table',
      'Running downgrade 654435fa1803 -> 8ef49c590498, create oauth_identities and oauth_memberships tables',
      'Running downgrade 8ef49c590498 -> d5fda6c60caa, create data_version, bumped by triggers on users, workspaces and memberships',
      'Running downgrade d5fda6c60caa -> f543ed19759f, add disabled and tokens_valid_after to users',
      'Running downgrade f543ed19759f -> ae5522b4c674, create login_attempts table',
      'Running downgrade ae5522b4c674 -> e402e9d9245e, create fields table',
      'Running downgrade e402e9d9245e -> 8be56284dac0, create responses table',
      'Running downgrade 8be56284dac0 -> 3a8e2f9b5dea, create records table',
      'Running downgrade 3a8e2f9b5dea -> b9099dc08489, create questions table',
      'Running downgrade b9099dc08489 -> 1769ee58fbb4, create datasets table',
      'Running downgrade 1769ee58fbb4 -> 82a5a88a3fa5, create workspaces_users table',
      'Running downgrade 82a5a88a3fa5 -> 74694870197c, create workspaces table',
    ]);
    expect(await listTables(ds)).toEqual(['users']);
    expect(await currentRevision(ds)).toBe('74694870197c');

    const up = await runCli(['database', 'migrate', '--revision', '1.7'], db.env);
    expect(up.code).toBe(0);
    expect(up.stdout.split('\n').slice(0, 2)).toEqual(UPGRADE_LINES.slice(1, 3));
    expect(await listTables(ds)).toEqual(TABLES_1_7);
    expect(await currentRevision(ds)).toBe('1769ee58fbb4');
    const rows: { id: string; username: string }[] = await ds.query('SELECT id, username FROM users');
    expect(rows).toEqual([{ id: engine === 'sqlite' ? id.replace(/-/g, '') : id, username: 'ada' }]);
  });

  it('accepts --version as the spelling of --revision that Argilla documents', async () => {
    expect((await runCli(['database', 'migrate', '--version', '82a5a88a3fa5'], db.env)).code).toBe(0);
    const ds = await connect();
    expect(await listTables(ds)).toEqual(['users', 'workspaces']);
    expect((await runCli(['database', 'migrate', '--version', '1.7'], db.env)).code).toBe(0);
    expect(await listTables(ds)).toEqual(TABLES_1_7);
  });

  it('refuses an unknown revision with exit 1, naming it, and leaves the schema untouched', async () => {
    expect((await runCli(['database', 'migrate', '--revision', '82a5a88a3fa5'], db.env)).code).toBe(0);
    const result = await runCli(['database', 'migrate', '--revision', 'nope'], db.env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      "Error: Unknown revision 'nope'. Known: head, base, tag 1.7, tag 1.8, tag users-1, tag users-2, tag users-3, tag users-4, tag users-5, tag users-6, tag users-7, " +
        '74694870197c, 82a5a88a3fa5, 1769ee58fbb4, b9099dc08489, 3a8e2f9b5dea, 8be56284dac0, e402e9d9245e, ' +
        'ae5522b4c674, f543ed19759f, d5fda6c60caa, 8ef49c590498, 654435fa1803, c2a47e91b0d3, 4e8b1d6f2a97, 9c3e5a7b1d24.\n',
    );
    const ds = await connect();
    expect(await listTables(ds)).toEqual(['users', 'workspaces']);
    expect(await currentRevision(ds)).toBe('82a5a88a3fa5');
  });

  it('migrates down to base and back up to head', async () => {
    expect((await runCli(['database', 'migrate'], db.env)).code).toBe(0);
    const down = await runCli(['database', 'migrate', '--revision', 'base'], db.env);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('Running downgrade 74694870197c -> , create users table');
    const ds = await connect();
    expect(await listTables(ds)).toEqual([]);
    expect(await currentRevision(ds)).toBeNull();
    expect((await runCli(['database', 'migrate'], db.env)).code).toBe(0);
    expect(await listTables(ds)).toEqual(ALL_TABLES);
  });

  it('lists tags, the chain newest first with (head), and the current revision', async () => {
    const empty = await runCli(['database', 'revisions'], db.env);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain("None: the database is empty. Run 'argilla-cli database migrate'.");

    expect((await runCli(['database', 'migrate', '-r', '82a5a88a3fa5'], db.env)).code).toBe(0);
    const result = await runCli(['database', 'revisions'], db.env);
    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'Tagged revisions',
        '----------------',
        "• 1.7 (revision: '1769ee58fbb4')",
        "• 1.8 (revision: 'ae5522b4c674')",
        "• users-1 (revision: 'f543ed19759f')",
        "• users-2 (revision: 'd5fda6c60caa')",
        "• users-3 (revision: '8ef49c590498')",
        "• users-4 (revision: '654435fa1803')",
        "• users-5 (revision: 'c2a47e91b0d3')",
        "• users-6 (revision: '4e8b1d6f2a97')",
        "• users-7 (revision: '9c3e5a7b1d24')",
        '',
        'Revisions',
        '---------',
        '4e8b1d6f2a97 -> 9c3e5a7b1d24 (head), create audit_events table',
        'c2a47e91b0d3 -> 4e8b1d6f2a97, create user_sessions table',
        '654435fa1803 -> c2a47e91b0d3, create personal_access_tokens table',
        '8ef49c590498 -> 654435fa1803, create oauth_identities and oauth_memberships tables',
        'd5fda6c60caa -> 8ef49c590498, create data_version, bumped by triggers on users, workspaces and memberships',
        'f543ed19759f -> d5fda6c60caa, add disabled and tokens_valid_after to users',
        'ae5522b4c674 -> f543ed19759f, create login_attempts table',
        'e402e9d9245e -> ae5522b4c674, create fields table',
        '8be56284dac0 -> e402e9d9245e, create responses table',
        '3a8e2f9b5dea -> 8be56284dac0, create records table',
        'b9099dc08489 -> 3a8e2f9b5dea, create questions table',
        '1769ee58fbb4 -> b9099dc08489, create datasets table',
        '82a5a88a3fa5 -> 1769ee58fbb4, create workspaces_users table',
        '74694870197c -> 82a5a88a3fa5, create workspaces table',
        '<base> -> 74694870197c, create users table',
        '',
        'Current revision',
        '----------------',
        '82a5a88a3fa5',
        '',
      ].join('\n'),
    });
  });

  it('reports a database at a revision it does not know, with exit 1, changing nothing', async () => {
    expect((await runCli(['database', 'migrate'], db.env)).code).toBe(0);
    const ds = await connect();
    // A revision of a newer version of this project.
    await ds.query("UPDATE alembic_version SET version_num = '0123456789ab'");
    const result = await runCli(['database', 'migrate'], db.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("The database is at revision '0123456789ab'");
    expect(await currentRevision(ds)).toBe('0123456789ab');
    expect(await listTables(ds)).toEqual(ALL_TABLES);
  });
});

describe('argilla-cli usage', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create('sqlite');
  });

  afterAll(async () => {
    await db.drop();
  });

  it('lists its commands in --help, without opening the database', async () => {
    const result = await runCli(['--help'], db.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: argilla-cli \[options\] \[command\]/);
    expect(result.stdout).toMatch(/\n {2}database +Manage the database schema/);
    expect(existsSync(join(db.home, 'argilla.db'))).toBe(false);
  });

  it('stops quietly when its reader closes the pipe early (users list | head), with exit 0 and no stack trace', async () => {
    // Its own database: the invalid-settings cases below check that the shared one was never created.
    const own = await TestDatabase.create('sqlite');
    try {
      expect((await runCli(['database', 'migrate'], own.env)).code).toBe(0);
      // Enough users for the list to overflow the pipe's buffer after head has gone.
      const entries = Array.from(
        { length: 3000 },
        (_, i) =>
          `- username: user-${i}\n  api_key: key-${i}-0123456789\n  hashed_password: $2y$05$x\n  workspaces: []\n`,
      );
      const file = join(own.home, 'many.yml');
      writeFileSync(file, entries.join(''));
      expect((await runCli(['users', 'migrate', '--file', file], own.env)).code).toBe(0);

      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
        execFile(
          'bash',
          ['-c', `set -o pipefail; "${process.execPath}" "${CLI_PATH}" users list | head -n 1`],
          { env: childEnv(own.env) },
          (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
        ),
      );
      expect(result).toEqual({
        code: 0,
        stdout: 'USERNAME   ROLE       FIRST NAME  LAST NAME  STATUS   WORKSPACES  SSO\n',
        stderr: '',
      });
    } finally {
      await own.drop();
    }
  });

  it('describes migrate and its options', async () => {
    const result = await runCli(['database', 'migrate', '--help'], db.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('-r, --revision <revision>');
    expect(result.stdout).toContain('--version <revision>');
  });

  it.each([
    [['database', 'migrate', '--bogus'], "error: unknown option '--bogus'"],
    [['nope'], "error: unknown command 'nope'"],
    [['database', 'migrate', '--revision'], "error: option '-r, --revision <revision>' argument missing"],
  ])('exits 2 on a usage error: %j', async (args, message) => {
    const result = await runCli(args, db.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('exits 2 and shows help when a group is given no command', async () => {
    const result = await runCli(['database'], db.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: argilla-cli database [options] [command]');
  });

  it.each([
    [{ ARGILLA_PORT: 'abc' }, "ARGILLA_PORT must be an integer from 1 to 65535 (got 'abc')"],
    [
      { ARGILLA_DATABASE_URL: 'mysql://x' },
      "ARGILLA_DATABASE_URL must use the postgresql:// or sqlite:/// scheme; 'mysql' is not supported",
    ],
    [{ DEFAULT_USER_ENABLED: 'maybe' }, "DEFAULT_USER_ENABLED must be true or false (got 'maybe')"],
    ...REFUSED_SECURITY_SETTINGS,
  ])('exits 1 on invalid settings, naming the variable: %j', async (env, message) => {
    const result = await runCli(['database', 'revisions'], { ...db.env, ...env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(existsSync(join(db.home, 'argilla.db'))).toBe(false);
  });
});
