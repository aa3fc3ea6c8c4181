import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { assertNotAborting, childEnv, onCleanup, runCli } from './processes';

export type Engine = 'postgres' | 'sqlite';

/** The PostgreSQL server the bench creates its databases on (trust authentication). */
export const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export function parseEngine(value: string): Engine {
  if (value === 'postgres' || value === 'postgresql') return 'postgres';
  if (value === 'sqlite') return 'sqlite';
  throw new Error(`--engine must be postgres or sqlite (got '${value}')`);
}

/** A fresh, empty database and its own ARGILLA_HOME_PATH; `drop()` removes both (also run by the cleanup). */
export interface FreshDatabase {
  readonly engine: Engine;
  /** ARGILLA_HOME_PATH (and ARGILLA_DATABASE_URL for PostgreSQL), for the server and the CLI. */
  readonly env: Record<string, string>;
  /** PostgreSQL: the connection URL of the new database. */
  readonly postgresUrl?: string;
  /** SQLite: the database file (created by `database migrate`). */
  readonly sqlitePath?: string;
  drop(): Promise<void>;
}

export async function postgresQuery<T extends object = Record<string, unknown>>(
  sql: string,
  url = POSTGRES_ADMIN_URL,
): Promise<T[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

export async function postgresVersion(): Promise<string> {
  const rows = await postgresQuery<{ version: string }>(`SELECT current_setting('server_version') AS version`);
  return rows[0].version;
}

export async function createFreshDatabase(engine: Engine): Promise<FreshDatabase> {
  assertNotAborting();
  const home = mkdtempSync(join(tmpdir(), 'argilla-bench-home-'));
  const removeHome = onCleanup('temporary ARGILLA_HOME_PATH', () => rmSync(home, { recursive: true, force: true }));
  if (engine === 'sqlite') {
    return { engine, env: { ARGILLA_HOME_PATH: home }, sqlitePath: join(home, 'argilla.db'), drop: removeHome };
  }
  // Only names of this form are ever created or dropped.
  const name = `argilla_bench_${randomBytes(6).toString('hex')}`;
  const dropDatabase = onCleanup(`database ${name}`, async () => {
    await postgresQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  await postgresQuery(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    engine,
    env: { ARGILLA_HOME_PATH: home, ARGILLA_DATABASE_URL: url.toString() },
    postgresUrl: url.toString(),
    drop: async () => {
      await dropDatabase();
      await removeHome();
    },
  };
}

/** Wall time of `argilla-cli users migrate --file <file>` on a just-created, migrated database (schema not timed). */
export async function timeUsersImport(engine: Engine, file: string): Promise<number> {
  const database = await createFreshDatabase(engine);
  try {
    await runCli(['database', 'migrate'], childEnv(database.env));
    return await runCli(['users', 'migrate', '--file', file], childEnv(database.env));
  } finally {
    await database.drop();
  }
}
