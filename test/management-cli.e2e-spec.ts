import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as argon2 from 'argon2';
import { DataSource } from 'typeorm';
import { formatTimestamp } from '@argilla/common';
import { User, Workspace, WorkspaceUser } from '@argilla/database';
import { runCli } from './support/cli';
import { createMigratedDatabase, engines, snapshot, TestDatabase } from './support/test-database';

/** bcrypt ($2y$, cost 5) of '1234', as in Argilla's own users files. */
const HASH_1234 = '$2y$05$eaw.j2Kaw8s8vpscVIZMfuqSIX3OLmxA21WjtWicDdn0losQ91Hw.';

/** Three users (ada and bob annotators, bob disabled and in no workspace; root the only admin) and an empty workspace. */
const SEED = `
workspaces: [empty]
users:
  - username: ada
    first_name: Ada
    last_name: Lovelace
    role: annotator
    api_key: ada-key-0001
    hashed_password: ${HASH_1234}
    workspaces: [team, research]
  - username: bob
    first_name: Bob
    role: annotator
    api_key: bob-key-0001
    hashed_password: ${HASH_1234}
    workspaces: []
    disabled: true
  - username: root
    first_name: Root
    last_name: Admin
    role: admin
    api_key: root-key-0001
    hashed_password: ${HASH_1234}
    workspaces: [root, team]
`;

/** Every membership as [username, workspace], by username, then in the order each user joined. */
async function membershipsIn(source: DataSource): Promise<string[][]> {
  const rows: { username: string; name: string }[] = await source
    .getRepository(WorkspaceUser)
    .createQueryBuilder('membership')
    .innerJoin(User, 'user', 'user.id = membership.user_id')
    .innerJoin(Workspace, 'workspace', 'workspace.id = membership.workspace_id')
    .select('user.username', 'username')
    .addSelect('workspace.name', 'name')
    .orderBy('user.username', 'ASC')
    .addOrderBy('membership.inserted_at', 'ASC')
    .getRawMany();
  return rows.map((row) => [row.username, row.name]);
}

const LAST_ADMIN = 'Error: The last admin cannot be demoted, disabled or removed: make another user admin first\n';

describe.each(engines())('argilla-cli users and workspaces management (%s)', (engine) => {
  let seeded: TestDatabase;
  let db: TestDatabase;
  let dataSource: DataSource;

  // SEED is imported once, by the CLI; each test starts from a copy of that database.
  beforeAll(async () => {
    ({ db: seeded } = await createMigratedDatabase(engine));
    const path = join(seeded.home, 'seed.yml');
    writeFileSync(path, SEED);
    expect((await runCli(['users', 'migrate', '--file', path], seeded.env)).code).toBe(0);
  });

  afterAll(async () => {
    await seeded?.drop();
  });

  beforeEach(async () => {
    db = await seeded.copy();
    dataSource = await db.connect();
  });

  afterEach(async () => {
    await db.drop();
  });

  const cli = (args: string[], input?: string) => runCli(args, db.env, input);
  const user = (username: string) => dataSource.getRepository(User).findOneByOrFail({ username });
  const memberships = () => membershipsIn(dataSource);
  const workspaceNames = async (): Promise<string[]> =>
    (await dataSource.getRepository(Workspace).find()).map((workspace) => workspace.name).sort();

  describe('users list', () => {
    it('prints every user as a table, oldest first (then by username), without keys or hashes', async () => {
      expect(await cli(['users', 'list'])).toEqual({
        code: 0,
        stderr: '',
        stdout: [
          'USERNAME  ROLE       FIRST NAME  LAST NAME  STATUS    WORKSPACES      SSO',
          'ada       annotator  Ada         Lovelace   enabled   team, research',
          'bob       annotator  Bob                    disabled',
          'root      admin      Root        Admin      enabled   root, team',
          '',
        ].join('\n'),
      });
    });

    it('filters by role and by workspace, and says when nobody matches', async () => {
      const admins = await cli(['users', 'list', '--role', 'admin']);
      expect(admins.stdout.split('\n').map((line) => line.split(' ')[0])).toEqual(['USERNAME', 'root', '']);
      const team = await cli(['users', 'list', '--workspace', 'team']);
      expect(team.stdout.split('\n').map((line) => line.split(' ')[0])).toEqual(['USERNAME', 'ada', 'root', '']);
      expect(await cli(['users', 'list', '--role', 'admin', '--workspace', 'research'])).toEqual({
        code: 0,
        stderr: '',
        stdout: 'No users found.\n',
      });
    });

    it('refuses an unknown workspace (exit 1) and a role that is not a choice (exit 2)', async () => {
      expect(await cli(['users', 'list', '--workspace', 'nope'])).toEqual({
        code: 1,
        stdout: '',
        stderr: "Error: Workspace with name 'nope' not found\n",
      });
      const badRole = await cli(['users', 'list', '--role', 'superuser']);
      expect(badRole.code).toBe(2);
      expect(badRole.stderr).toContain('Allowed choices are admin, annotator, owner.');
    });

    it('prints JSON with --json: the stored fields, workspaces and identities, no api_key', async () => {
      const result = await cli(['users', 'list', '--json', '--role', 'annotator']);
      expect(result.code).toBe(0);
      const ada = await user('ada');
      const bob = await user('bob');
      expect(JSON.parse(result.stdout)).toEqual(
        [
          [ada, ['team', 'research']],
          [bob, []],
        ].map(([row, workspaces]) => {
          const stored = row as User;
          return {
            id: stored.id,
            username: stored.username,
            first_name: stored.firstName,
            last_name: stored.lastName,
            role: 'annotator',
            workspaces,
            identities: [],
            disabled: stored.disabled,
            inserted_at: formatTimestamp(stored.insertedAt),
            updated_at: formatTimestamp(stored.updatedAt),
          };
        }),
      );
    });
  });

  describe('users update', () => {
    it('changes the role and names; an empty --last-name removes it', async () => {
      expect(
        await cli(['users', 'update', 'ada', '--role', 'admin', '--first-name', 'Augusta', '--last-name', '']),
      ).toEqual({
        code: 0,
        stderr: '',
        stdout: [
          "User 'ada' successfully updated:",
          "• first_name: 'Augusta'",
          "• username: 'ada'",
          "• role: 'admin'",
          '• disabled: False',
          '',
        ].join('\n'),
      });
      expect(await user('ada')).toMatchObject({ role: 'admin', firstName: 'Augusta', lastName: null, disabled: false });
    });

    it('refuses to demote the last admin (exit 1), changing nothing', async () => {
      const before = await snapshot(dataSource);
      expect(await cli(['users', 'update', 'root', '--role', 'annotator'])).toEqual({
        code: 1,
        stdout: '',
        stderr: LAST_ADMIN,
      });
      expect(await snapshot(dataSource)).toEqual(before);
    });

    it('refuses nothing to change (exit 2), an unknown user and an invalid name (exit 1), changing nothing', async () => {
      const before = await snapshot(dataSource);
      expect(await cli(['users', 'update', 'ada'])).toEqual({
        code: 2,
        stdout: '',
        stderr: 'error: nothing to change: give --role, --first-name or --last-name\n',
      });
      expect(await cli(['users', 'update', 'nobody', '--role', 'admin'])).toEqual({
        code: 1,
        stdout: '',
        stderr: "Error: User with username 'nobody' not found\n",
      });
      expect(await cli(['users', 'update', 'ada', '--first-name', ' '])).toEqual({
        code: 1,
        stdout: '',
        stderr: 'Error: Provided parameters are not valid: first_name: ensure this value has at least 1 characters\n',
      });
      expect((await cli(['users', 'update'])).code).toBe(2);
      expect(await snapshot(dataSource)).toEqual(before);
    });
  });

  describe('users delete', () => {
    it('deletes a user and its memberships, keeping the workspaces', async () => {
      expect(await cli(['users', 'delete', 'ada'])).toEqual({
        code: 0,
        stderr: '',
        stdout: "User 'ada' successfully deleted.\n",
      });
      expect(await dataSource.getRepository(User).countBy({ username: 'ada' })).toBe(0);
      expect(await memberships()).toEqual([
        ['root', 'root'],
        ['root', 'team'],
      ]);
      expect(await workspaceNames()).toEqual(['empty', 'research', 'root', 'team']);
    });

    it('refuses to delete the last admin, and an unknown user (exit 1), deleting nothing', async () => {
      const before = await snapshot(dataSource);
      expect(await cli(['users', 'delete', 'root'])).toEqual({ code: 1, stdout: '', stderr: LAST_ADMIN });
      expect(await cli(['users', 'delete', 'nobody'])).toEqual({
        code: 1,
        stdout: '',
        stderr: "Error: User with username 'nobody' not found\n",
      });
      expect(await snapshot(dataSource)).toEqual(before);
    });
  });

  describe('users reset-password', () => {
    it('generates a password with --generate, prints it once, and ends older tokens', async () => {
      const result = await cli(['users', 'reset-password', 'ada', '--generate']);
      expect(result.code).toBe(0);
      const match = result.stdout.match(
        /^Password of user 'ada' successfully reset; tokens issued before are refused\.\n• password: '([A-Za-z0-9_-]{24})'\n$/,
      );
      expect(match).not.toBeNull();
      const ada = await user('ada');
      expect(await argon2.verify(ada.passwordHash, match![1])).toBe(true);
      expect(ada.tokensValidAfter).toBeInstanceOf(Date);
      expect(ada.apiKey).toBe('ada-key-0001');
    });

    it('asks twice when no password is given, again when the answers differ, and prints no password', async () => {
      const result = await cli(
        ['users', 'reset-password', 'ada'],
        'first-try-1\nother-try-1\nnew-password-1\nnew-password-1\n',
      );
      expect(result).toEqual({
        code: 0,
        stdout: "Password of user 'ada' successfully reset; tokens issued before are refused.\n",
        stderr:
          'Password: Repeat for confirmation: Error: The two entered values do not match.\n' +
          'Password: Repeat for confirmation: ',
      });
      expect(await argon2.verify((await user('ada')).passwordHash, 'new-password-1')).toBe(true);
    });

    it('replaces the API key too with --rotate-api-key, printing the password and then the key once', async () => {
      const result = await cli(['users', 'reset-password', 'ada', '--generate', '--rotate-api-key']);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      const match = result.stdout.match(
        /^Password and API key of user 'ada' successfully reset; tokens issued before and the old key are refused\.\n• password: '([A-Za-z0-9_-]{24})'\n• api_key: '([A-Za-z0-9_-]{107})'\n$/,
      );
      expect(match).not.toBeNull();
      const ada = await user('ada');
      expect(await argon2.verify(ada.passwordHash, match![1])).toBe(true);
      expect(ada.apiKey).toBe(match![2]);
      expect(ada.tokensValidAfter).toBeInstanceOf(Date);
      expect(await dataSource.getRepository(User).countBy({ apiKey: 'ada-key-0001' })).toBe(0);
    });

    it('refuses a short password (exit 1) and --password with --generate (exit 2), changing nothing', async () => {
      const before = await snapshot(dataSource);
      expect(await cli(['users', 'reset-password', 'ada', '--password', 'short'])).toEqual({
        code: 1,
        stdout: '',
        stderr: 'Error: Provided parameters are not valid: new_password: ensure this value has at least 8 characters\n',
      });
      expect(await cli(['users', 'reset-password', 'ada', '--password', 'long-enough-1', '--generate'])).toEqual({
        code: 2,
        stdout: '',
        stderr: 'error: give either --password or --generate, not both\n',
      });
      expect(await snapshot(dataSource)).toEqual(before);
    });
  });

  it('users rotate-api-key prints a new key, stored in place of the old one', async () => {
    const result = await cli(['users', 'rotate-api-key', 'ada']);
    expect(result.code).toBe(0);
    const match = result.stdout.match(
      /^API key of user 'ada' successfully replaced; the old one is refused\.\n• api_key: '([A-Za-z0-9_-]{107})'\n$/,
    );
    expect(match).not.toBeNull();
    expect((await user('ada')).apiKey).toBe(match![1]);
    expect(await dataSource.getRepository(User).countBy({ apiKey: 'ada-key-0001' })).toBe(0);
  });

  it('users disable / enable set the flag, skip when it is set already, and keep the last admin', async () => {
    expect((await cli(['users', 'disable', 'ada'])).stdout).toBe(
      "User 'ada' successfully disabled: its API key, tokens and logins are refused.\n",
    );
    expect((await user('ada')).disabled).toBe(true);
    expect(await cli(['users', 'disable', 'ada'])).toEqual({
      code: 0,
      stderr: '',
      stdout: "User 'ada' is already disabled. Skipping...\n",
    });
    expect((await cli(['users', 'enable', 'bob'])).stdout).toBe("User 'bob' successfully enabled.\n");
    expect((await user('bob')).disabled).toBe(false);
    expect(await cli(['users', 'disable', 'root'])).toEqual({ code: 1, stdout: '', stderr: LAST_ADMIN });
    expect((await user('root')).disabled).toBe(false);
  });

  describe('users export', () => {
    it('round-trips through users migrate into an empty database, row by row, hashes included', async () => {
      // Beyond the seed: an argon2 hash from users create, and a user joined to a workspace afterwards.
      const created = await cli([
        'users',
        'create',
        '--first-name',
        'Carol',
        '--username',
        'carol',
        '--role',
        'admin',
        '--password',
        'carol-password',
      ]);
      expect(created.code).toBe(0);
      await cli(['workspaces', 'add-user', 'research', 'carol']);
      const path = join(db.home, 'export.yml');
      const exported = await cli(['users', 'export', '--file', path]);
      expect(exported).toEqual({
        code: 0,
        stderr: '',
        stdout: `Exported 4 users, 4 workspaces to '${path}'\n`,
      });
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect((await cli(['users', 'export'])).stdout).toBe(readFileSync(path, 'utf8'));

      const rows = async (source: DataSource) => ({
        users: (await source.getRepository(User).find({ order: { username: 'ASC' } })).map((row) => ({
          username: row.username,
          firstName: row.firstName,
          lastName: row.lastName,
          role: row.role,
          apiKey: row.apiKey,
          passwordHash: row.passwordHash,
          disabled: row.disabled,
        })),
        workspaces: (await source.getRepository(Workspace).find()).map((row) => row.name).sort(),
        memberships: await membershipsIn(source),
      });
      const original = await rows(dataSource);
      expect(original.users.map((row) => row.passwordHash.slice(0, 4))).toEqual(['$2y$', '$2y$', '$arg', '$2y$']);

      const target = await createMigratedDatabase(engine);
      try {
        const imported = await runCli(['users', 'migrate', '--file', path], target.db.env);
        expect(imported.code).toBe(0);
        const copy = await rows(target.dataSource);
        expect(copy.users).toEqual(original.users);
        expect(copy.workspaces).toEqual(original.workspaces);
        expect(copy.memberships).toEqual(original.memberships);
        // And the copy exports to the same file.
        expect((await runCli(['users', 'export'], target.db.env)).stdout).toBe(readFileSync(path, 'utf8'));
      } finally {
        await target.db.drop();
      }
    });

    it('never overwrites a file unless --force, which leaves it owner-only', async () => {
      const path = join(db.home, 'existing.yml');
      writeFileSync(path, 'keep me\n', { mode: 0o644 });
      expect(await cli(['users', 'export', '--file', path])).toEqual({
        code: 1,
        stdout: '',
        stderr: `Error: File '${path}' already exists: choose another path, or add --force\n`,
      });
      expect(readFileSync(path, 'utf8')).toBe('keep me\n');
      expect((await cli(['users', 'export', '--file', path, '--force'])).code).toBe(0);
      expect(readFileSync(path, 'utf8')).toContain('username: root');
      expect(statSync(path).mode & 0o777).toBe(0o600);
    });
  });

  describe('workspaces', () => {
    it('lists workspaces with their members, as a table and as JSON', async () => {
      const stored = await dataSource.getRepository(Workspace).find({ order: { insertedAt: 'ASC', name: 'ASC' } });
      const members: Record<string, number> = { empty: 0, research: 1, root: 1, team: 2 };
      const table = await cli(['workspaces', 'list']);
      expect(table.code).toBe(0);
      expect(table.stdout).toBe(
        [
          'NAME      MEMBERS  CREATED',
          ...stored.map(
            (row) =>
              `${row.name.padEnd(8)}  ${String(members[row.name]).padEnd(7)}  ` +
              row.insertedAt.toISOString().slice(0, 19).replace('T', ' '),
          ),
          '',
        ].join('\n'),
      );
      expect(JSON.parse((await cli(['workspaces', 'list', '--json'])).stdout)).toEqual(
        stored.map((row) => ({
          id: row.id,
          name: row.name,
          members: members[row.name],
          inserted_at: formatTimestamp(row.insertedAt),
          updated_at: formatTimestamp(row.updatedAt),
        })),
      );
    });

    it('creates a workspace, skips an existing one, and refuses an invalid name', async () => {
      expect(await cli(['workspaces', 'create', 'new-team'])).toEqual({
        code: 0,
        stderr: '',
        stdout: "Workspace 'new-team' successfully created.\n",
      });
      expect(await cli(['workspaces', 'create', 'new-team'])).toEqual({
        code: 0,
        stderr: '',
        stdout: "Workspace with name 'new-team' already exists in database. Skipping...\n",
      });
      const invalid = await cli(['workspaces', 'create', 'Bad Name']);
      expect(invalid.code).toBe(1);
      expect(invalid.stderr).toBe(
        'Error: Provided parameters are not valid: name: string does not match regex "^(?!-|_)[a-z0-9-_]+$"\n',
      );
      expect(await workspaceNames()).toEqual(['empty', 'new-team', 'research', 'root', 'team']);
    });

    it('deletes a workspace with its memberships, keeping the users; an unknown one is exit 1', async () => {
      expect((await cli(['workspaces', 'delete', 'team'])).stdout).toBe("Workspace 'team' successfully deleted.\n");
      expect(await workspaceNames()).toEqual(['empty', 'research', 'root']);
      expect(await memberships()).toEqual([
        ['ada', 'research'],
        ['root', 'root'],
      ]);
      expect(await dataSource.getRepository(User).count()).toBe(3);
      expect(await cli(['workspaces', 'delete', 'team'])).toEqual({
        code: 1,
        stdout: '',
        stderr: "Error: Workspace with name 'team' not found\n",
      });
    });

    it('adds and removes members, skipping a repeated add and refusing what does not exist', async () => {
      expect((await cli(['workspaces', 'add-user', 'empty', 'bob'])).stdout).toBe(
        "User 'bob' successfully added to workspace 'empty'.\n",
      );
      expect(await cli(['workspaces', 'add-user', 'empty', 'bob'])).toEqual({
        code: 0,
        stderr: '',
        stdout: "User 'bob' is already a member of workspace 'empty'. Skipping...\n",
      });
      expect(await memberships()).toContainEqual(['bob', 'empty']);
      expect((await cli(['workspaces', 'remove-user', 'team', 'ada'])).stdout).toBe(
        "User 'ada' successfully removed from workspace 'team'.\n",
      );
      const before = await snapshot(dataSource);
      expect(await cli(['workspaces', 'remove-user', 'team', 'ada'])).toEqual({
        code: 1,
        stdout: '',
        stderr: "Error: User 'ada' is not a member of workspace 'team'\n",
      });
      expect(await cli(['workspaces', 'add-user', 'team', 'nobody'])).toEqual({
        code: 1,
        stdout: '',
        stderr: "Error: User with username 'nobody' not found\n",
      });
      expect(await cli(['workspaces', 'add-user', 'nowhere', 'ada'])).toEqual({
        code: 1,
        stdout: '',
        stderr: "Error: Workspace with name 'nowhere' not found\n",
      });
      const missing = await cli(['workspaces', 'add-user', 'team']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("missing required argument 'username'");
      expect(await snapshot(dataSource)).toEqual(before);
      expect(await memberships()).toEqual([
        ['ada', 'research'],
        ['bob', 'empty'],
        ['root', 'root'],
        ['root', 'team'],
      ]);
    });
  });
});
