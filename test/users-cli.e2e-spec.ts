import * as argon2 from 'argon2';
import { DataSource } from 'typeorm';
import { User, Workspace, WorkspaceUser } from '@argilla/database';
import { runCli } from './support/cli';
import { createMigratedDatabase, engines, snapshot, TestDatabase } from './support/test-database';

describe.each(engines())('argilla-cli users create / create_default (%s)', (engine) => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeEach(async () => {
    ({ db, dataSource } = await createMigratedDatabase(engine));
  });

  afterEach(async () => {
    await db.drop();
  });

  const cli = (args: string[], input?: string) => runCli(args, db.env, input);
  const users = () => dataSource.getRepository(User);
  const workspacesOf = async (username: string): Promise<string[]> => {
    const rows: { name: string }[] = await dataSource
      .getRepository(Workspace)
      .createQueryBuilder('workspace')
      .innerJoin(WorkspaceUser, 'membership', 'membership.workspace_id = workspace.id')
      .innerJoin(User, 'user', 'user.id = membership.user_id')
      .where('user.username = :username', { username })
      .orderBy('membership.inserted_at', 'ASC')
      .select('workspace.name', 'name')
      .getRawMany();
    return rows.map((row) => row.name);
  };

  describe('users create', () => {
    it('creates an admin with every option, its workspace and membership, and prints it', async () => {
      const result = await cli([
        'users',
        'create',
        '--first-name',
        'Ada',
        '--last-name',
        'Lovelace',
        '--username',
        'ada',
        '--role',
        'admin',
        '--password',
        'ada-password',
        '--api-key',
        'ada.api.key',
        '--workspace',
        'w',
      ]);
      expect(result).toEqual({
        code: 0,
        stderr: '',
        stdout: [
          'User successfully created:',
          "• first_name: 'Ada'",
          "• last_name: 'Lovelace'",
          "• username: 'ada'",
          "• role: 'admin'",
          "• api_key: 'ada.api.key'",
          "• workspaces: ['w']",
          '',
        ].join('\n'),
      });
      const user = await users().findOneByOrFail({ username: 'ada' });
      expect(user).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', role: 'admin', apiKey: 'ada.api.key' });
      expect(await argon2.verify(user.passwordHash, 'ada-password')).toBe(true);
      expect(await workspacesOf('ada')).toEqual(['w']);
    });

    it('asks for the role (an empty answer is annotator) and the password twice when they are missing', async () => {
      const result = await cli(
        ['users', 'create', '--first-name', 'Bob', '--username', 'bob'],
        '\nbob-password\nbob-password\n',
      );
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('Role (admin, annotator, owner) [annotator]: Password: Repeat for confirmation: ');
      expect(result.stdout).toContain("• role: 'annotator'");
      expect(result.stdout).toContain("• first_name: 'Bob'");
      expect(result.stdout).toMatch(/• api_key: '[A-Za-z0-9_-]{107}'\n/);
      const user = await users().findOneByOrFail({ username: 'bob' });
      expect(user.role).toBe('annotator');
      expect(await argon2.verify(user.passwordHash, 'bob-password')).toBe(true);
    });

    it('asks for the username, the role and the password, asking again when the two passwords differ', async () => {
      const result = await cli(
        ['users', 'create', '--first-name', 'Carol'],
        'carol\nadmin\none-password\nother-password\ncarol-password\ncarol-password\n',
      );
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('Error: The two entered values do not match.');
      const user = await users().findOneByOrFail({ username: 'carol' });
      expect(user.role).toBe('admin');
      expect(await argon2.verify(user.passwordHash, 'carol-password')).toBe(true);
    });

    it('asks again for a role that is not one of the choices', async () => {
      const result = await cli(
        ['users', 'create', '--first-name', 'Dan', '--username', 'dan', '--password', 'dan-password'],
        'root\nadmin\n',
      );
      expect(result.code).toBe(0);
      expect(result.stderr).toContain("Error: 'root' is not one of 'admin', 'annotator', 'owner'.");
      expect((await users().findOneByOrFail({ username: 'dan' })).role).toBe('admin');
    });

    it('exits 1 when input ends before every answer is given, storing nothing', async () => {
      const result = await cli(['users', 'create', '--first-name', 'Eve', '--username', 'eve'], '\n');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('Error: Aborted: no answer given.');
      expect(await users().count()).toBe(0);
    });

    it.each([
      [['--password', '1234'], 'password: ensure this value has at least 8 characters'],
      [['--username', 'Invalid-Username'], 'username: string does not match regex "^(?!-|_)[a-z0-9-_]+$"'],
      [['--api-key', 'abc'], 'api_key: ensure this value has at least 8 characters'],
      [['--first-name', '   '], 'first_name: ensure this value has at least 1 characters'],
      [
        ['--workspace', 'good', '--workspace', 'Bad Name', '--workspace', 'fine'],
        `workspaces: string does not match regex "^(?!-|_)[a-z0-9-_]+$": 'Bad Name'`,
      ],
    ])('exits 1 on invalid input %j, in the words the API uses, storing nothing', async (override, message) => {
      const options: Record<string, string> = {
        '--first-name': 'Valid',
        '--username': 'valid',
        '--role': 'admin',
        '--password': 'long-enough',
      };
      const args = ['users', 'create', ...Object.entries(options).flat(), ...override];
      const result = await cli(args);
      expect(result).toEqual({ code: 1, stdout: '', stderr: `Error: Provided parameters are not valid: ${message}\n` });
      expect(await users().count()).toBe(0);
      expect(await dataSource.getRepository(Workspace).count()).toBe(0);
    });

    const MISSING_FIRST_NAME = { code: 1, stdout: '', stderr: "Error: Missing option '--first-name'.\n" };

    it.each<[string, string[], string | undefined]>([
      ['every other option given', ['--username', 'x', '--password', 'long-enough', '--role', 'annotator'], undefined],
      [
        'the other answers piped',
        ['--username', 'x', '--role', 'annotator', '--workspace', 'team'],
        'long-enough\nlong-enough\n',
      ],
      ['nothing else given, every answer piped', [], 'x\nannotator\nlong-enough\nlong-enough\n'],
    ])('exits 1 without --first-name (%s), before asking anything, storing nothing', async (_case, args, input) => {
      expect(await cli(['users', 'create', ...args], input)).toEqual(MISSING_FIRST_NAME);
      expect(await users().count()).toBe(0);
      expect(await dataSource.getRepository(Workspace).count()).toBe(0);
    });

    it('exits 1 without --first-name even for an existing username, changing nothing', async () => {
      await cli(['users', 'create_default']);
      const before = await snapshot(dataSource);
      expect(await cli(['users', 'create', '--username', 'argilla', '--password', 'long-enough'])).toEqual(
        MISSING_FIRST_NAME,
      );
      expect(await snapshot(dataSource)).toEqual(before);
    });

    it('exits 2 on a role that is not a choice', async () => {
      const result = await cli(['users', 'create', '--username', 'x', '--password', 'long-enough', '--role', 'bad']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        "error: option '--role <role>' argument 'bad' is invalid. Allowed choices are admin, annotator, owner.",
      );
      expect(await users().count()).toBe(0);
    });

    it('skips an existing username or api key with exit 0, creating nobody', async () => {
      expect(
        (
          await cli([
            'users',
            'create',
            '--first-name',
            'Ada',
            '--username',
            'ada',
            '--role',
            'admin',
            '--password',
            'ada-password',
            '--api-key',
            'ada.api.key',
          ])
        ).code,
      ).toBe(0);
      const before = await snapshot(dataSource);
      expect(
        await cli(['users', 'create', '--first-name', 'Ada', '--username', 'ada', '--password', 'other-password']),
      ).toEqual({
        code: 0,
        stderr: '',
        stdout: "User with username 'ada' already exists in database. Skipping...\n",
      });
      expect(
        await cli([
          'users',
          'create',
          '--first-name',
          'Other',
          '--username',
          'other',
          '--role',
          'admin',
          '--password',
          'other-password',
          '--api-key',
          'ada.api.key',
        ]),
      ).toEqual({
        code: 0,
        stderr: '',
        stdout: "User with api_key 'ada.api.key' already exists in database. Skipping...\n",
      });
      expect(await snapshot(dataSource)).toEqual(before);
    });

    it('joins several workspaces in the order given, reusing existing ones', async () => {
      await cli([
        'users',
        'create',
        '--first-name',
        'First',
        '--username',
        'first',
        '--role',
        'annotator',
        '--password',
        'long-enough',
        '--workspace',
        'shared',
      ]);
      const shared = await dataSource.getRepository(Workspace).findOneByOrFail({ name: 'shared' });
      const result = await cli([
        'users',
        'create',
        '--first-name',
        'Second',
        '--username',
        'second',
        '--role',
        'annotator',
        '--password',
        'long-enough',
        '--workspace',
        'zeta',
        '--workspace',
        'shared',
        '--workspace',
        'alpha',
      ]);
      expect(result.stdout).toContain("• workspaces: ['zeta', 'shared', 'alpha']");
      expect(await workspacesOf('second')).toEqual(['zeta', 'shared', 'alpha']);
      expect((await dataSource.getRepository(Workspace).findOneByOrFail({ name: 'shared' })).id).toBe(shared.id);
      expect(await dataSource.getRepository(Workspace).count()).toBe(3);
    });
  });

  describe('users create_default', () => {
    it('creates argilla / 1234 / argilla.apikey, admin of workspace argilla, and says so', async () => {
      const result = await cli(['users', 'create_default']);
      expect(result).toEqual({
        code: 0,
        stderr: '',
        stdout: [
          'User with default credentials successfully created:',
          "• username: 'argilla'",
          "• password: '1234'",
          "• api_key:  'argilla.apikey'",
          '',
        ].join('\n'),
      });
      const user = await users().findOneByOrFail({ username: 'argilla' });
      // Argilla 1.8's names for it: an empty first name, no last name.
      expect(user).toMatchObject({ role: 'admin', apiKey: 'argilla.apikey', firstName: '', lastName: null });
      const [row] = await dataSource.query(
        "SELECT count(*) AS n FROM users WHERE username = 'argilla' AND first_name = '' AND last_name IS NULL",
      );
      expect(Number(row.n)).toBe(1);
      expect(await argon2.verify(user.passwordHash, '1234')).toBe(true);
      expect(await workspacesOf('argilla')).toEqual(['argilla']);
    });

    it('takes a custom password and api key', async () => {
      const result = await cli(['users', 'create_default', '--password', 'custom-password', '--api-key', 'custom.key']);
      expect(result.stdout).toContain("• password: 'custom-password'");
      expect(result.stdout).toContain("• api_key:  'custom.key'");
      const user = await users().findOneByOrFail({ username: 'argilla' });
      expect(user.apiKey).toBe('custom.key');
      expect(await argon2.verify(user.passwordHash, 'custom-password')).toBe(true);
    });

    it('prints nothing with --quiet', async () => {
      expect(await cli(['users', 'create_default', '--quiet'])).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(await users().countBy({ username: 'argilla' })).toBe(1);
    });

    it('does nothing the second time, and says so', async () => {
      await cli(['users', 'create_default']);
      const before = await snapshot(dataSource);
      expect(await cli(['users', 'create_default', '--password', 'another-one'])).toEqual({
        code: 0,
        stderr: '',
        stdout: 'User with default username already found on database, will not do anything.\n',
      });
      expect(await snapshot(dataSource)).toEqual(before);
    });
  });
});

describe('argilla-cli users help', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create('sqlite');
  });

  afterAll(async () => {
    await db.drop();
  });

  it('lists the users commands', async () => {
    const root = await runCli(['--help'], db.env);
    expect(root.stdout.replace(/\s+/g, ' ')).toContain(
      ' users Manage users: create, create_default, migrate, list, update, delete, reset-password, rotate-api-key, disable, enable, export, identities, unlink, tokens, create-token, revoke-token, sessions, end-sessions ',
    );
    expect(root.stdout.replace(/\s+/g, ' ')).toContain(
      ' workspaces Manage workspaces: list, create, delete, add-user, remove-user ',
    );
    const users = await runCli(['users', '--help'], db.env);
    expect(users.code).toBe(0);
    const flat = users.stdout.replace(/\s+/g, ' ');
    expect(flat).toContain(' create [options] Create a user');
    expect(flat).toContain(" create_default [options] Create the default admin 'argilla'");
    expect(flat).toContain(' migrate [options] Import the users of an Argilla users file');
    for (const usage of [
      'list [options]',
      'update [options] <username>',
      'delete <username>',
      'reset-password [options] <username>',
      'rotate-api-key <username>',
      'disable <username>',
      'enable <username>',
      'export [options]',
      'identities [options] <username>',
      'unlink <username> <provider> [subject]',
      'tokens [options] <username>',
      'create-token [options] <username>',
      'revoke-token <username> <token>',
      'sessions [options] <username>',
      'end-sessions <username>',
    ]) {
      expect(users.stdout).toContain(`\n  ${usage} `);
    }
    const workspaces = await runCli(['workspaces', '--help'], db.env);
    expect(workspaces.code).toBe(0);
    for (const usage of ['list [options]', 'create <name>', 'delete <name>', 'add-user <workspace> <username>']) {
      expect(workspaces.stdout).toContain(`\n  ${usage} `);
    }
  });

  it('describes each option of users create with its default and rule', async () => {
    const help = (await runCli(['users', 'create', '--help'], db.env)).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('Create a user. --first-name is required; asks for the username, the role and the password');
    expect(help).toContain('--first-name <name> First name (required)');
    expect(help).toContain(
      '--role <role> admin, annotator or owner (asked when missing; default annotator) (choices: "admin", ' +
        '"annotator", "owner")',
    );
    expect(help).toContain('--password <password> 8 to 100 characters (asked twice, hidden, when missing)');
    expect(help).toContain('--api-key <key> At least 8 characters (default: 107 random characters)');
    expect(help).toContain('--workspace <name> A workspace to join; repeat for several.');
    expect(help).toContain('--username <username> Lowercase letters, digits, - and _, not starting with - or _');
  });
});
