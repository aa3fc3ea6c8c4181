import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { Database } from '@argilla/database';
import { api, ApiSuite, openApiSuite, seedUser } from './support/api';
import { Engine, engines } from './support/test-database';

const ADMIN = { 'X-Argilla-Api-Key': 'admin.apikey' };
/** More than the 2,000 rows the lists are built from at a time. */
const BULK = 2_100;

/** 1…n on both engines. */
const numbers = (n: number) =>
  `WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${n}) SELECT n FROM s WHERE n <= ${n} ` +
  'ORDER BY n';

/** `count` users `bulk-00001`…, each in its own workspace `bulk-ws-00001`…, written in plain SQL (one time). */
async function insertBulk(dataSource: DataSource, engine: Engine, count: number): Promise<void> {
  const id = engine === 'postgres' ? 'gen_random_uuid()' : 'lower(hex(randomblob(16)))';
  const padded = engine === 'postgres' ? "lpad(n::text, 5, '0')" : "printf('%05d', n)";
  const at = "'2026-01-01 00:00:00.000000'";
  const series = `WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${count})`;
  await dataSource.query(
    `INSERT INTO users (id, first_name, last_name, username, role, api_key, password_hash, inserted_at, updated_at,
       disabled)
     ${series} SELECT ${id}, 'Bulk', NULL, 'bulk-' || ${padded}, 'annotator', 'bulk-key-' || ${padded}, 'x',
       ${at}, ${at}, ${engine === 'postgres' ? 'false' : '0'} FROM s`,
  );
  await dataSource.query(
    `INSERT INTO workspaces (id, name, inserted_at, updated_at)
     ${series} SELECT ${id}, 'bulk-ws-' || ${padded}, ${at}, ${at} FROM s`,
  );
  await dataSource.query(
    `INSERT INTO workspaces_users (id, workspace_id, user_id, inserted_at, updated_at)
     SELECT ${id}, w.id, u.id, ${at}, ${at} FROM users u JOIN workspaces w ON substr(w.name, 9) = substr(u.username, 6)
     WHERE u.username LIKE 'bulk-%'`,
  );
}

/**
 * Database.readSnapshot, which the lists that grow with the data (GET /api/users, GET /api/workspaces) are built
 * with: rows a chunk at a time, in order; one snapshot on PostgreSQL; nothing left open when the reader fails.
 */
describe.each(engines())('reading rows a chunk at a time (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let database: Database;

  beforeEach(async () => {
    suite = await openApiSuite(engine);
    app = suite.app;
    database = app.get(Database);
    await seedUser(app, { username: 'admin', role: 'admin' });
  });

  afterEach(async () => {
    await suite.close();
  });

  const chunksOf = async (rows: number, size: number): Promise<number[][]> => {
    const chunks: number[][] = [];
    await database.readSnapshot((reader) =>
      reader.chunks<{ n: number | string }>(numbers(rows), size, (chunk) => {
        chunks.push(chunk.map((row) => Number(row.n)));
      }),
    );
    return chunks;
  };

  it('hands the rows over in order, `size` at a time, the last chunk shorter, and none for no rows', async () => {
    expect(await chunksOf(5, 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(await chunksOf(4, 2)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(await chunksOf(3, 10)).toEqual([[1, 2, 3]]);
    expect(await chunksOf(0, 2)).toEqual([]);
    const all = await database.readSnapshot((reader) => reader.all<{ n: number | string }>(numbers(3)));
    expect(all.map((row) => Number(row.n))).toEqual([1, 2, 3]);
  });

  it('passes on an error of the reader and leaves nothing open: the next reads and requests work', async () => {
    const failure = new Error('the reader failed');
    await expect(
      database.readSnapshot((reader) =>
        reader.chunks(numbers(5), 2, () => {
          throw failure;
        }),
      ),
    ).rejects.toBe(failure);
    if (engine === 'postgres') {
      const [{ open }] = await suite.dataSource.query(
        `SELECT count(*)::int AS open FROM pg_stat_activity
         WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
      );
      expect(open).toBe(0);
    }
    expect(await chunksOf(3, 2)).toEqual([[1, 2], [3]]);
    const users = await api(app).get('/api/users').set(ADMIN).expect(200);
    expect(users.body.map((user: { username: string }) => user.username)).toEqual(['admin']);
  });

  it('waits for an asynchronous `take` before reading the next chunk, and frees the connection when it fails', async () => {
    const events: string[] = [];
    await database.readSnapshot((reader) =>
      reader.chunks<{ n: number | string }>(numbers(5), 2, async (chunk) => {
        events.push(`took ${chunk.map((row) => Number(row.n)).join(',')}`);
        // A turn of the event loop, as a write to a full pipe would take.
        await new Promise((resolve) => setImmediate(resolve));
        events.push('written');
      }),
    );
    expect(events).toEqual(['took 1,2', 'written', 'took 3,4', 'written', 'took 5', 'written']);

    const failure = new Error('the writer failed');
    await expect(
      database.readSnapshot((reader) =>
        reader.chunks(numbers(5), 2, async () => {
          await new Promise((resolve) => setImmediate(resolve));
          throw failure;
        }),
      ),
    ).rejects.toBe(failure);
    // The statement is ended: a write goes through (SQLite refuses writes while an iterator is open).
    const created = await api(app)
      .post('/api/users')
      .set(ADMIN)
      .send({ first_name: 'After', username: 'after', password: 'after-password' });
    expect(created.status).toBe(200);
    expect((await database.readSnapshot((reader) => reader.all('SELECT id FROM users'))).length).toBe(2);
  });

  if (engine === 'postgres') {
    it('reads every statement of one call in one snapshot: a row committed meanwhile elsewhere is not seen', async () => {
      const seen: string[] = [];
      await database.readSnapshot(async (reader) => {
        await reader.all('SELECT 1');
        await insertBulk(suite.dataSource, engine, 1);
        await reader.chunks<{ username: string }>('SELECT username FROM users ORDER BY username', 10, (chunk) => {
          seen.push(...chunk.map((row) => row.username));
        });
      });
      expect(seen).toEqual(['admin']);
      const after = await database.readSnapshot((reader) =>
        reader.all<{ username: string }>('SELECT username FROM users ORDER BY username'),
      );
      expect(after.map((row) => row.username)).toEqual(['admin', 'bulk-00001']);
    });
  }

  it('builds GET /api/users and GET /api/workspaces over several chunks: every row, in order, once', async () => {
    await insertBulk(suite.dataSource, engine, BULK);
    const expectedUsers: { username: string; name: string | null }[] = await suite.dataSource.query(
      `SELECT u.username, w.name FROM users u LEFT JOIN workspaces_users m ON m.user_id = u.id
       LEFT JOIN workspaces w ON w.id = m.workspace_id ORDER BY u.inserted_at, u.username`,
    );
    const users = await api(app).get('/api/users').set(ADMIN).expect(200);
    expect(Number(users.headers['content-length'])).toBe(Buffer.byteLength(users.text));
    expect(users.body).toHaveLength(BULK + 1);
    expect(
      users.body.map((user: { username: string; workspaces: string[] }) => [user.username, user.workspaces]),
    ).toEqual(expectedUsers.map((row) => [row.username, row.name === null ? [] : [row.name]]));
    expect(users.body.find((user: { username: string }) => user.username === `bulk-0${BULK}`)).toEqual({
      id: expect.any(String),
      first_name: 'Bulk',
      full_name: 'Bulk',
      username: `bulk-0${BULK}`,
      role: 'annotator',
      workspaces: [`bulk-ws-0${BULK}`],
      api_key: `bulk-key-0${BULK}`,
      inserted_at: '2026-01-01T00:00:00.000000',
      updated_at: '2026-01-01T00:00:00.000000',
    });

    const expectedWorkspaces: { name: string }[] = await suite.dataSource.query(
      'SELECT name FROM workspaces ORDER BY inserted_at, name',
    );
    const workspaces = await api(app).get('/api/workspaces').set(ADMIN).expect(200);
    expect(Number(workspaces.headers['content-length'])).toBe(Buffer.byteLength(workspaces.text));
    expect(workspaces.body.map((workspace: { name: string }) => workspace.name)).toEqual(
      expectedWorkspaces.map((row) => row.name),
    );
    expect(workspaces.body).toHaveLength(BULK);
  });
});
