import { DataSource } from 'typeorm';
import { formatTimestamp, parseTimestamp } from '@argilla/common';
import { ENTITIES, MigrationRunner, REVISIONS, TAGS, User, Workspace, WorkspaceUser } from '@argilla/database';
import { runCli } from './support/cli';
import { databaseFrom, schemaOf } from './support/fixtures';
import { engines, listTables, TestDatabase } from './support/test-database';

const ALL_TABLES = [
  'audit_events',
  'data_version',
  'datasets',
  'fields',
  'login_attempts',
  'oauth_identities',
  'oauth_memberships',
  'personal_access_tokens',
  'questions',
  'records',
  'responses',
  'user_sessions',
  'users',
  'workspaces',
  'workspaces_users',
];

/**
 * PostgreSQL: the SQL TypeORM would run to make the database match the entities (empty when migrations and entities
 * agree). SQLite keeps Argilla's own table statements, which TypeORM would rewrite in its style: there, every entity
 * column must exist with the same nullability (the statements themselves are compared with Argilla's below).
 */
async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  if (dataSource.options.type === 'postgres') {
    const sql = await dataSource.driver.createSchemaBuilder().log();
    return sql.upQueries.map((query) => query.query);
  }
  const differences: string[] = [];
  for (const entity of ENTITIES) {
    const metadata = dataSource.getMetadata(entity);
    const columns: { name: string; notnull: number }[] = await dataSource.query(
      `SELECT name, "notnull" FROM pragma_table_info('${metadata.tableName}')`,
    );
    const actual = new Map(columns.map((column) => [column.name, column.notnull === 1]));
    for (const column of metadata.columns) {
      const notNull = actual.get(column.databaseName);
      const wanted = !column.isNullable || column.isPrimary;
      if (notNull !== wanted) differences.push(`${metadata.tableName}.${column.databaseName}: NOT NULL ${notNull}`);
    }
    if (columns.length !== metadata.columns.length)
      differences.push(`${metadata.tableName}: ${columns.length} columns`);
  }
  return differences;
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
      { table: 'audit_events', name: 'ix_audit_events_action' },
      { table: 'audit_events', name: 'ix_audit_events_actor_name' },
      { table: 'audit_events', name: 'ix_audit_events_bucket' },
      { table: 'audit_events', name: 'ix_audit_events_target_id' },
      { table: 'audit_events', name: 'ix_audit_events_time' },
      { table: 'datasets', name: 'ix_datasets_name' },
      { table: 'datasets', name: 'ix_datasets_status' },
      { table: 'datasets', name: 'ix_datasets_workspace_id' },
      { table: 'fields', name: 'ix_fields_dataset_id' },
      { table: 'fields', name: 'ix_fields_name' },
      { table: 'login_attempts', name: 'ix_login_attempts_updated_at' },
      { table: 'oauth_identities', name: 'ix_oauth_identities_user_id' },
      { table: 'personal_access_tokens', name: 'ix_personal_access_tokens_token_hash' },
      { table: 'personal_access_tokens', name: 'ix_personal_access_tokens_user_id' },
      { table: 'questions', name: 'ix_questions_dataset_id' },
      { table: 'questions', name: 'ix_questions_name' },
      { table: 'records', name: 'ix_records_dataset_id' },
      { table: 'records', name: 'ix_records_external_id' },
      { table: 'responses', name: 'ix_responses_record_id' },
      { table: 'responses', name: 'ix_responses_status' },
      { table: 'responses', name: 'ix_responses_user_id' },
      { table: 'user_sessions', name: 'ix_user_sessions_user_id' },
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
        { table: 'audit_events', name: 'audit_events_pkey' },
        { table: 'data_version', name: 'data_version_pkey' },
        { table: 'datasets', name: 'dataset_name_workspace_id_uq' },
        { table: 'datasets', name: 'datasets_pkey' },
        { table: 'fields', name: 'field_name_dataset_id_uq' },
        { table: 'fields', name: 'fields_pkey' },
        { table: 'login_attempts', name: 'login_attempts_pkey' },
        { table: 'oauth_identities', name: 'oauth_identities_pkey' },
        { table: 'oauth_identities', name: 'oauth_identity_provider_subject_uq' },
        { table: 'oauth_memberships', name: 'oauth_memberships_pkey' },
        { table: 'personal_access_tokens', name: 'personal_access_token_user_id_name_uq' },
        { table: 'personal_access_tokens', name: 'personal_access_tokens_pkey' },
        { table: 'questions', name: 'question_name_dataset_id_uq' },
        { table: 'questions', name: 'questions_pkey' },
        { table: 'records', name: 'record_external_id_dataset_id_uq' },
        { table: 'records', name: 'records_pkey' },
        { table: 'responses', name: 'response_record_id_user_id_uq' },
        { table: 'responses', name: 'responses_pkey' },
        { table: 'user_sessions', name: 'user_sessions_pkey' },
        { table: 'users', name: 'users_pkey' },
        { table: 'workspaces', name: 'workspaces_pkey' },
        { table: 'workspaces_users', name: 'workspace_id_user_id_uq' },
        { table: 'workspaces_users', name: 'workspaces_users_pkey' },
      );
    }
    expect(indexes).toEqual(expected.sort((a, b) => `${a.table}.${a.name}`.localeCompare(`${b.table}.${b.name}`)));

    const table = await dataSource.createQueryRunner().getTable('workspaces_users');
    // TypeORM does not read SQLite's constraint names; there the table's statement is compared with Argilla's below.
    expect(table?.uniques.map((unique) => [engine === 'postgres' ? unique.name : null, unique.columnNames])).toEqual([
      [engine === 'postgres' ? 'workspace_id_user_id_uq' : null, ['workspace_id', 'user_id']],
    ]);
    // SQLite's foreign keys are unnamed, as in Argilla's statements.
    const foreignKeys = async (name: string) =>
      ((await dataSource.createQueryRunner().getTable(name))?.foreignKeys ?? [])
        .map((fk) => [fk.columnNames, fk.referencedTableName.replace(/^public\./, ''), fk.onDelete])
        .sort();
    expect(await foreignKeys('workspaces_users')).toEqual([
      [['user_id'], 'users', 'CASCADE'],
      [['workspace_id'], 'workspaces', 'CASCADE'],
    ]);
    expect(await foreignKeys('responses')).toEqual([
      [['record_id'], 'records', 'CASCADE'],
      // Deleting a user keeps its responses.
      [['user_id'], 'users', 'SET NULL'],
    ]);
  });

  it("creates Argilla 1.8's tables exactly as Argilla does (compared with a database Argilla 1.8 wrote)", async () => {
    const fresh = await TestDatabase.create(engine);
    const argilla = await databaseFrom(engine, 'argilla-1.8');
    try {
      const freshSource = await fresh.connect();
      await new MigrationRunner(freshSource).migrate('1.8');
      expect(await schemaOf(fresh, freshSource)).toEqual(await schemaOf(argilla, await argilla.connect()));
    } finally {
      await fresh.drop();
      await argilla.drop();
    }
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

  it('stores ids and times as Argilla does, to the microsecond, and reads them back unchanged', async () => {
    const at = parseTimestamp('2023-03-16 11:11:59.871271');
    const id = '6f1c9b5e-1d4e-4a43-8c1e-0a6a3f1f6f05';
    await dataSource.getRepository(Workspace).insert({ id, name: 'utc', insertedAt: at, updatedAt: at });
    const stored: { id: string; t: string }[] = await dataSource.query(
      engine === 'postgres'
        ? 'SELECT id::text AS id, inserted_at::text AS t FROM workspaces'
        : 'SELECT id, inserted_at AS t FROM workspaces',
    );
    // SQLite: CHAR(32) without dashes; PostgreSQL: its native uuid.
    expect(stored).toEqual([
      { id: engine === 'postgres' ? id : '6f1c9b5e1d4e4a438c1e0a6a3f1f6f05', t: '2023-03-16 11:11:59.871271' },
    ]);
    const workspace = await dataSource.getRepository(Workspace).findOneByOrFail({ id });
    expect([workspace.id, formatTimestamp(workspace.insertedAt)]).toEqual([id, '2023-03-16T11:11:59.871271']);
    await dataSource.query('DELETE FROM workspaces');
  });

  it.each([...Object.keys(TAGS), ...REVISIONS.map((revision) => revision.id), 'base'])(
    'goes down to %s and back to head with the schema matching the entities again',
    async (target) => {
      await runner.migrate(target);
      expect(await runner.current()).toBe(runner.resolve(target));
      await runner.migrate('head');
      expect(await listTables(dataSource)).toEqual(ALL_TABLES);
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
