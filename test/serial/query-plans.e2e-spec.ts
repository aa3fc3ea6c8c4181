import { DataSource } from 'typeorm';
import { MigrationRunner } from '@argilla/database';
import { engines, TestDatabase } from '../support/test-database';

// Runs alone (test/serial): seeding 100,000 users takes the machine for a few seconds.

const USERS = 100_000;

/** The plan PostgreSQL chooses for a query, as text. */
async function plan(dataSource: DataSource, sql: string, parameters: unknown[] = []): Promise<string> {
  const rows: { 'QUERY PLAN': string }[] = await dataSource.query(`EXPLAIN ${sql}`, parameters);
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}

(engines().includes('postgres') ? describe : describe.skip)('query plans on 100,000 users (PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await TestDatabase.create('postgres');
    dataSource = await db.connect();
    await new MigrationRunner(dataSource).migrate('head');
    await dataSource.query(
      `INSERT INTO users (id, first_name, username, role, api_key, password_hash, inserted_at, updated_at)
       SELECT gen_random_uuid(), 'User', 'user-' || i, 'annotator', 'key-' || i, 'hash', now(), now()
       FROM generate_series(1, $1) AS i`,
      [USERS],
    );
    await dataSource.query(
      `INSERT INTO workspaces (id, name, inserted_at, updated_at)
       SELECT gen_random_uuid(), 'team-' || i, now(), now() FROM generate_series(1, 200) AS i`,
    );
    await dataSource.query(
      `INSERT INTO workspaces_users (id, workspace_id, user_id, inserted_at, updated_at)
       SELECT gen_random_uuid(), w.id, u.id, now(), now()
       FROM users u JOIN workspaces w ON w.name = 'team-' || (1 + (substring(u.username from 6)::int % 200))`,
    );
    await dataSource.query('ANALYZE');
  }, 120_000);

  afterAll(async () => {
    await db.drop();
  });

  // The statements the authentication path prepares (libs/users/src/users.repository.ts), with their subquery.
  const WORKSPACES = `COALESCE((SELECT array_agg(w.name ORDER BY m.inserted_at) FROM workspaces_users m
    JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = u.id), '{}')`;

  it('finds a user by API key through ix_users_api_key, and its workspaces through ix_workspaces_users_user_id', async () => {
    const text = await plan(dataSource, `SELECT u.*, ${WORKSPACES} FROM users u WHERE u.api_key = $1`, ['key-4242']);
    expect(text).toContain('Index Scan using ix_users_api_key on users u');
    expect(text).toMatch(
      /Index Scan using ix_workspaces_users_user_id on workspaces_users m|Bitmap Index Scan on ix_workspaces_users_user_id/,
    );
    expect(text).not.toContain('Seq Scan on users');
  });

  it('finds a user by username (logins, tokens) through ix_users_username', async () => {
    const text = await plan(dataSource, `SELECT u.*, ${WORKSPACES} FROM users u WHERE u.username = $1`, ['user-4242']);
    expect(text).toContain('Index Scan using ix_users_username on users u');
    expect(text).not.toContain('Seq Scan on users');
  });

  it('checks a membership through the unique (workspace_id, user_id) index', async () => {
    const [membership] = await dataSource.query('SELECT workspace_id, user_id FROM workspaces_users LIMIT 1');
    const text = await plan(
      dataSource,
      'SELECT 1 FROM workspaces_users WHERE workspace_id = $1 AND user_id = $2 LIMIT 1',
      [membership.workspace_id, membership.user_id],
    );
    expect(text).toMatch(
      /Index (Only )?Scan using (workspace_id_user_id_uq|ix_workspaces_users_\w+) on workspaces_users/,
    );
    expect(text).not.toContain('Seq Scan on workspaces_users');
  });
});
