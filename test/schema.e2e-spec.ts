import { DataSource } from 'typeorm';
import { MigrationRunner, REVISIONS, TAGS, User, Workspace, WorkspaceUser } from '@argilla/database';
import { runCli } from './support/cli';
import { engines, listTables, TestDatabase } from './support/test-database';

/** The SQL TypeORM would run to make the database match the entities: empty when migrations and entities agree. */
async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return sql.upQueries.map((query) => query.query);
}

interface IndexRow {
  table: string;
  name: string;
}

async function listIndexes(dataSource: DataSource): Promise<IndexRow[]> {
  const rows: IndexRow[] =
    dataSource.options.type === 'postgres'
      ? await dataSource.query(
          "SELECT tablename AS table, indexname AS name FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'alembic_version'",
        )
      : await dataSource.query(
          "SELECT tbl_name AS \"table\", name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'",
        );
  return rows.sort((a, b) => `${a.table}.${a.name}`.localeCompare(`${b.table}.${b.name}`));
}

describe.each(engines())('schema (%s)', (engine) => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let runner: MigrationRunner;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    dataSource = await db.connect();
    runner = new MigrationRunner(dataSource);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('after migrating to head, matches the entities exactly (TypeORM finds nothing to change)', async () => {
    await runner.migrate('head');
    expect(await pendingSchemaChanges(dataSource)).toEqual([]);
  });

  it('has the indexes and constraints of the contract, by name', async () => {
    const indexes = await listIndexes(dataSource);
    const expected = [
      { table: 'login_attempts', name: 'ix_login_attempts_updated_at' },
      { table: 'users', name: 'ix_users_api_key' },
      { table: 'users', name: 'ix_users_role' },
      { table: 'users', name: 'ix_users_username' },
      { table: 'workspaces', name: 'ix_workspaces_name' },
      { table: 'workspaces_users', name: 'ix_workspaces_users_user_id' },
      { table: 'workspaces_users', name: 'ix_workspaces_users_workspace_id' },
    ];
    if (engine === 'postgres') {
      // PostgreSQL lists primary keys and unique constraints as indexes too.
      expected.push(
        { table: 'data_version', name: 'data_version_pkey' },
        { table: 'login_attempts', name: 'login_attempts_pkey' },
        { table: 'users', name: 'users_pkey' },
        { table: 'workspaces', name: 'workspaces_pkey' },
        { table: 'workspaces_users', name: 'workspace_id_user_id_uq' },
        { table: 'workspaces_users', name: 'workspaces_users_pkey' },
      );
    }
    expect(indexes).toEqual(expected.sort((a, b) => `${a.table}.${a.name}`.localeCompare(`${b.table}.${b.name}`)));

    const table = await dataSource.createQueryRunner().getTable('workspaces_users');
    expect(table?.uniques.map((unique) => [unique.name, unique.columnNames])).toEqual([
      ['workspace_id_user_id_uq', ['workspace_id', 'user_id']],
    ]);
    expect(
      table?.foreignKeys
        .map((fk) => [fk.name, fk.columnNames, fk.referencedTableName.replace(/^public\./, ''), fk.onDelete])
        .sort(),
    ).toEqual([
      ['workspaces_users_user_id_fkey', ['user_id'], 'users', 'CASCADE'],
      ['workspaces_users_workspace_id_fkey', ['workspace_id'], 'workspaces', 'CASCADE'],
    ]);
  });

  it('enforces foreign keys and cascades deletes (SQLite too)', async () => {
    const now = new Date();
    const user = {
      id: '6f1c9b5e-1d4e-4a43-8c1e-0a6a3f1f6f01',
      firstName: 'A',
      lastName: null,
      username: 'a',
      role: 'admin' as const,
      apiKey: 'k',
      passwordHash: 'h',
      insertedAt: now,
      updatedAt: now,
    };
    const workspace = { id: '6f1c9b5e-1d4e-4a43-8c1e-0a6a3f1f6f02', name: 'w', insertedAt: now, updatedAt: now };
    await dataSource.getRepository(User).insert(user);
    await dataSource.getRepository(Workspace).insert(workspace);
    const membership = {
      id: '6f1c9b5e-1d4e-4a43-8c1e-0a6a3f1f6f03',
      workspaceId: workspace.id,
      userId: user.id,
      insertedAt: now,
      updatedAt: now,
    };
    await dataSource.getRepository(WorkspaceUser).insert(membership);

    const orphan = {
      ...membership,
      id: '6f1c9b5e-1d4e-4a43-8c1e-0a6a3f1f6f04',
      userId: '6f1c9b5e-1d4e-4a43-8c1e-0a6a3f1f6f99',
    };
    await expect(dataSource.getRepository(WorkspaceUser).insert(orphan)).rejects.toThrow(/foreign key/i);
    const duplicate = { ...membership, id: '6f1c9b5e-1d4e-4a43-8c1e-0a6a3f1f6f05' };
    await expect(dataSource.getRepository(WorkspaceUser).insert(duplicate)).rejects.toThrow(/unique/i);

    await dataSource.getRepository(User).delete({ id: user.id });
    expect(await dataSource.query('SELECT id FROM workspaces_users')).toEqual([]);
    await dataSource.query('DELETE FROM workspaces');
  });

  it('bumps the data version in every statement changing users, workspaces or memberships, plain SQL too', async () => {
    const version = async (): Promise<number> =>
      Number((await dataSource.query('SELECT version FROM data_version WHERE id = 1'))[0].version);
    const at = "'2023-03-16 11:11:59.871'";
    const statements = [
      `INSERT INTO users (id, first_name, username, role, api_key, password_hash, inserted_at, updated_at) VALUES ('6f1c9b5e-1d4e-4a43-8c1e-0a6a3f1f6f11', 'V', 'v', 'annotator', 'v-key', 'h', ${at}, ${at})`,
      `INSERT INTO workspaces (id, name, inserted_at, updated_at) VALUES ('6f1c9b5e-1d4e-4a43-8c1e-0a6a3f1f6f12', 'v', ${at}, ${at})`,
      `INSERT INTO workspaces_users (id, workspace_id, user_id, inserted_at, updated_at) VALUES ('6f1c9b5e-1d4e-4a43-8c1e-0a6a3f1f6f13', '6f1c9b5e-1d4e-4a43-8c1e-0a6a3f1f6f12', '6f1c9b5e-1d4e-4a43-8c1e-0a6a3f1f6f11', ${at}, ${at})`,
      "UPDATE users SET role = 'admin' WHERE username = 'v'",
      "UPDATE workspaces SET name = 'v2' WHERE name = 'v'",
      'DELETE FROM workspaces_users',
      'DELETE FROM workspaces',
      'DELETE FROM users',
    ];
    for (const statement of statements) {
      const before = await version();
      await dataSource.query(statement);
      // At least one per statement (PostgreSQL also counts the deletes a cascade makes).
      expect([statement, (await version()) > before]).toEqual([statement, true]);
    }
    // What is not users, workspaces or memberships leaves it.
    const before = await version();
    await dataSource.query("DELETE FROM login_attempts WHERE key = 'none'");
    expect(await version()).toBe(before);
  });

  it('stores timestamps as naive UTC and reads them back unchanged', async () => {
    const at = new Date('2023-03-16T11:11:59.871Z');
    const id = '6f1c9b5e-1d4e-4a43-8c1e-0a6a3f1f6f05';
    await dataSource.getRepository(Workspace).insert({ id, name: 'utc', insertedAt: at, updatedAt: at });
    const textual: { t: string }[] = await dataSource.query(
      engine === 'postgres'
        ? 'SELECT inserted_at::text AS t FROM workspaces'
        : 'SELECT inserted_at AS t FROM workspaces',
    );
    expect(textual[0].t).toBe('2023-03-16 11:11:59.871');
    const workspace = await dataSource.getRepository(Workspace).findOneByOrFail({ id });
    expect(workspace.insertedAt.toISOString()).toBe('2023-03-16T11:11:59.871Z');
    await dataSource.query('DELETE FROM workspaces');
  });

  it.each([...Object.keys(TAGS), ...REVISIONS.map((revision) => revision.id), 'base'])(
    'goes down to %s and back to head with the schema matching the entities again',
    async (target) => {
      await runner.migrate(target);
      expect(await runner.current()).toBe(runner.resolve(target));
      await runner.migrate('head');
      expect(await listTables(dataSource)).toEqual([
        'data_version',
        'login_attempts',
        'users',
        'workspaces',
        'workspaces_users',
      ]);
      expect(await pendingSchemaChanges(dataSource)).toEqual([]);
    },
  );

  it('serialises migrations run by several processes at once: each step runs once, none fails', async () => {
    await runner.migrate('base');
    const results = await Promise.all([1, 2, 3].map(() => runCli(['database', 'migrate'], db.env)));
    expect(results.map((result) => result.code)).toEqual([0, 0, 0]);
    const upgrades = results.map(
      (result) => result.stdout.split('\n').filter((line) => line.startsWith('Running upgrade')).length,
    );
    expect(upgrades.sort()).toEqual([0, 0, REVISIONS.length]);
    expect(await runner.current()).toBe(runner.head);
    expect(await pendingSchemaChanges(dataSource)).toEqual([]);
  });
});
