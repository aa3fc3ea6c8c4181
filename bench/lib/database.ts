import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import { assertNotAborting, childEnv, onCleanup, runCli } from './processes';
import { GeneratedUser, HASH_1234 } from './users-file';

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

/**
 * The reference for `users migrate`: the same users, workspaces (one named after each user, and the shared ones) and
 * memberships as the import writes, inserted set-based (one statement per table, in one transaction) into a fresh,
 * migrated database, from a connection already open; the seconds from BEGIN to COMMIT.
 */
export async function timeSetBasedInsert(engine: Engine, users: readonly GeneratedUser[]): Promise<number> {
  const database = await createFreshDatabase(engine);
  try {
    await runCli(['database', 'migrate'], childEnv(database.env));
    const at = new Date().toISOString().replace('T', ' ').replace('Z', '000');
    const userIds = users.map(() => randomUUID());
    const workspaceIds = new Map<string, string>();
    for (const user of users) {
      for (const name of [user.username, ...user.workspaces]) {
        if (!workspaceIds.has(name)) workspaceIds.set(name, randomUUID());
      }
    }
    const memberships = users.flatMap((user, i) =>
      [user.username, ...user.workspaces].map((name) => [randomUUID(), workspaceIds.get(name)!, userIds[i]]),
    );
    const rows = {
      users: users.map((user, i) => [userIds[i], user.username, user.username, user.role, user.apiKey, HASH_1234]),
      workspaces: [...workspaceIds].map(([name, id]) => [id, name]),
      memberships,
    };
    if (engine === 'postgres') {
      const client = new Client({ connectionString: database.postgresUrl });
      await client.connect();
      try {
        const column = (table: unknown[][], index: number) => table.map((row) => row[index]);
        const started = performance.now();
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO users (id, first_name, last_name, username, role, api_key, password_hash, inserted_at,
             updated_at, disabled)
           SELECT id, first_name, NULL, username, role, api_key, password_hash, $7, $7, false
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
             AS t(id, first_name, username, role, api_key, password_hash)`,
          [...[0, 1, 2, 3, 4, 5].map((i) => column(rows.users, i)), at],
        );
        await client.query(
          `INSERT INTO workspaces (id, name, inserted_at, updated_at)
           SELECT id, name, $3, $3 FROM unnest($1::uuid[], $2::text[]) AS t(id, name)`,
          [column(rows.workspaces, 0), column(rows.workspaces, 1), at],
        );
        await client.query(
          `INSERT INTO workspaces_users (id, workspace_id, user_id, inserted_at, updated_at)
           SELECT id, workspace_id, user_id, $4, $4 FROM unnest($1::uuid[], $2::uuid[], $3::uuid[])
             AS t(id, workspace_id, user_id)`,
          [column(memberships, 0), column(memberships, 1), column(memberships, 2), at],
        );
        await client.query('COMMIT');
        return (performance.now() - started) / 1000;
      } finally {
        await client.end();
      }
    }
    const sqlite = new BetterSqlite3(database.sqlitePath!);
    try {
      const stored = (id: unknown) => String(id).replace(/-/g, '');
      const started = performance.now();
      sqlite.transaction(() => {
        sqlite
          .prepare(
            `INSERT INTO users (id, first_name, last_name, username, role, api_key, password_hash, inserted_at,
               updated_at, disabled)
             SELECT value ->> 0, value ->> 1, NULL, value ->> 1, value ->> 2, value ->> 3, value ->> 4, ?, ?, 0
             FROM json_each(?)`,
          )
          .run(
            at,
            at,
            JSON.stringify(
              rows.users.map(([id, , username, role, key, hash]) => [stored(id), username, role, key, hash]),
            ),
          );
        sqlite
          .prepare(
            `INSERT INTO workspaces (id, name, inserted_at, updated_at)
             SELECT value ->> 0, value ->> 1, ?, ? FROM json_each(?)`,
          )
          .run(at, at, JSON.stringify(rows.workspaces.map(([id, name]) => [stored(id), name])));
        sqlite
          .prepare(
            `INSERT INTO workspaces_users (id, workspace_id, user_id, inserted_at, updated_at)
             SELECT value ->> 0, value ->> 1, value ->> 2, ?, ? FROM json_each(?)`,
          )
          .run(at, at, JSON.stringify(memberships.map((row) => row.map(stored))));
      })();
      return (performance.now() - started) / 1000;
    } finally {
      sqlite.close();
    }
  } finally {
    await database.drop();
  }
}
