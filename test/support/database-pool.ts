import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { adminQuery, assertTestDatabaseName, POSTGRES_ADMIN_URL, postgresUrlFor } from './postgres';

/**
 * PostgreSQL databases migrated to head, used by one suite and handed on to the next one of the same jest worker
 * instead of being dropped: creating, migrating and dropping a database costs about a second, emptying one a few
 * milliseconds. A database is handed on only when its schema, functions, triggers and revision are exactly as they
 * were right after the migrations; it comes back with exactly the rows it had then (the revision, the data
 * version), everything else emptied. Any other database is dropped as before.
 *
 * Jest gives each test file fresh modules, so the pool of a worker is a file. Its databases are named after the run
 * (`TEST_RUN_ID`, set by the global setup), and the global teardown drops them.
 */

export interface PooledDatabase {
  name: string;
  /** What the database looked like right after the migrations. */
  pristine: Pristine;
}

export interface Pristine {
  fingerprint: string;
  rows: Record<string, unknown[]>;
}

/** The run's id, or undefined when the suites run without the global setup (then nothing is pooled). */
export function runId(): string | undefined {
  const id = process.env.TEST_RUN_ID;
  return id && /^[a-z0-9]+$/.test(id) ? id : undefined;
}

function poolFile(run: string): string {
  return join(tmpdir(), `argilla-test-pool-${run}-${process.env.JEST_WORKER_ID ?? '0'}.json`);
}

function readPool(run: string): PooledDatabase[] {
  const file = poolFile(run);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PooledDatabase[]) : [];
}

/** A database of the pool, taken out of it; undefined when the pool is empty. */
export function takePooled(): PooledDatabase | undefined {
  const run = runId();
  if (!run) return undefined;
  const pool = readPool(run);
  const taken = pool.pop();
  writeFileSync(poolFile(run), JSON.stringify(pool));
  return taken;
}

/** A name for a new database of this run. */
export function databaseName(random: string): string {
  const run = runId();
  return run ? `argilla_test_${run}_${random}` : `argilla_test_${random}`;
}

const FINGERPRINT = `
  SELECT string_agg(item, E'\\n' ORDER BY item) AS fingerprint FROM (
    SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' ||
      coalesce(column_default, '') || ' ' || coalesce(character_maximum_length::text, '')
      FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    UNION ALL SELECT 'trigger ' || tgrelid::regclass::text || ' ' || pg_get_triggerdef(oid)
      FROM pg_trigger WHERE NOT tgisinternal
    UNION ALL SELECT 'function ' || proname || ' ' || md5(prosrc) FROM pg_proc
      WHERE pronamespace = 'public'::regnamespace
    UNION ALL SELECT 'type ' || typname || ' ' || typtype::text FROM pg_type WHERE typnamespace = 'public'::regnamespace
  ) AS items(item)`;

async function withClient<T>(name: string, task: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: postgresUrlFor(name), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await task(client);
  } finally {
    await client.end();
  }
}

async function tables(client: Client): Promise<string[]> {
  const result = await client.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
  );
  return result.rows.map((row) => row.name);
}

async function describe(client: Client): Promise<Pristine> {
  const fingerprint = (await client.query<{ fingerprint: string }>(FINGERPRINT)).rows[0].fingerprint;
  const rows: Record<string, unknown[]> = {};
  for (const table of await tables(client)) {
    const result = await client.query(`SELECT * FROM "${table}" ORDER BY 1`);
    if (result.rows.length > 0) rows[table] = result.rows;
  }
  return { fingerprint, rows };
}

/** What a freshly migrated database looks like, to compare it with when it is handed back. */
export function describePristine(name: string): Promise<Pristine> {
  return withClient(name, describe);
}

/**
 * Empties a used database and puts it in the pool, when it still has the schema and the rows it had right after
 * the migrations; otherwise drops it. Every other connection to it is ended first.
 */
export async function releaseDatabase(database: PooledDatabase): Promise<void> {
  const { name, pristine } = database;
  assertTestDatabaseName(name);
  const run = runId();
  await adminQuery(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
  );
  const reusable =
    run !== undefined &&
    (await withClient(name, async (client) => {
      const now = await describe(client);
      // The revision says which migrations ran; every other row is put back as it was.
      const sameRevision = JSON.stringify(now.rows.alembic_version) === JSON.stringify(pristine.rows.alembic_version);
      if (now.fingerprint !== pristine.fingerprint || !sameRevision) return false;
      await client.query('BEGIN');
      // DELETE, not TRUNCATE: on tables this small it is many times faster. Foreign keys and triggers are not
      // checked meanwhile (every table is emptied).
      await client.query('SET LOCAL session_replication_role = replica');
      for (const table of await tables(client)) await client.query(`DELETE FROM "${table}"`);
      for (const [table, rows] of Object.entries(pristine.rows)) {
        await client.query(`INSERT INTO "${table}" SELECT * FROM json_populate_recordset(NULL::"${table}", $1)`, [
          JSON.stringify(rows),
        ]);
      }
      await client.query('COMMIT');
      return true;
    }).catch(() => false));
  if (!reusable || run === undefined) {
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    return;
  }
  const pool = readPool(run);
  pool.push(database);
  writeFileSync(poolFile(run), JSON.stringify(pool));
}

/** Drops every database of the run and forgets the pools (the global teardown). */
export async function dropRunDatabases(run: string): Promise<void> {
  const client = new Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const result = await client.query<{ name: string }>(
      'SELECT datname AS name FROM pg_database WHERE datname LIKE $1',
      [`argilla\\_test\\_${run}\\_%`],
    );
    for (const { name } of result.rows) {
      assertTestDatabaseName(name);
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
  for (let worker = 0; worker <= 64; worker++) {
    rmSync(join(tmpdir(), `argilla-test-pool-${run}-${worker}.json`), { force: true });
  }
}
