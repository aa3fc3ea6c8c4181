import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Engine, TestDatabase } from './test-database';

const FIXTURES = join(__dirname, '..', 'fixtures');

/**
 * Databases written by other software, each as a SQLite file and a PostgreSQL dump: `argilla-1.8` by the real
 * Argilla 1.8.0 (see its README), `users-3` … `1.7` by this project's release 1.8.0 at each of its revisions.
 */
export type Fixture = 'argilla-1.8' | 'users-3' | 'users-2' | 'users-1' | '1.7';

function files(fixture: Fixture): { sqlite: string; postgres: string } {
  if (fixture === 'argilla-1.8') {
    const folder = join(FIXTURES, 'argilla-1.8');
    return { sqlite: join(folder, 'argilla.db'), postgres: join(folder, 'argilla-postgres.sql') };
  }
  const folder = join(FIXTURES, 'argilla-users-1.8.0');
  return { sqlite: join(folder, `at-${fixture}.db`), postgres: join(folder, `at-${fixture}.sql`) };
}

/** Writes the fixture into the (empty) test database, as its software left it. */
export async function loadFixture(db: TestDatabase, fixture: Fixture): Promise<void> {
  const { sqlite, postgres } = files(fixture);
  if (db.engine === 'sqlite') {
    const target = join(db.home, 'argilla.db');
    copyFileSync(sqlite, target);
    chmodSync(target, 0o600);
    return;
  }
  // The dump empties search_path for its connection: a connection of its own, closed afterwards.
  const client = new Client({ connectionString: db.env.ARGILLA_DATABASE_URL });
  await client.connect();
  try {
    // Without psql's own commands (`\restrict`), which are not SQL.
    const sql = readFileSync(postgres, 'utf8')
      .split('\n')
      .filter((line) => !line.startsWith('\\'))
      .join('\n');
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh test database holding a fixture. */
export async function databaseFrom(engine: Engine, fixture: Fixture): Promise<TestDatabase> {
  const db = await TestDatabase.create(engine);
  await loadFixture(db, fixture);
  return db;
}

/**
 * The schema as the engine keeps it, for comparing two databases: SQLite's `sqlite_master` (each table's own
 * statement), or PostgreSQL's `pg_dump --schema-only`, statement by statement; both sorted, so that only the order of
 * the objects is ignored.
 */
export async function schemaOf(db: TestDatabase, dataSource: DataSource): Promise<string[]> {
  if (db.engine === 'sqlite') {
    const rows: { type: string; name: string; tbl_name: string; sql: string | null }[] = await dataSource.query(
      'SELECT type, name, tbl_name, sql FROM sqlite_master',
    );
    return rows.map((row) => `${row.type} ${row.name} ON ${row.tbl_name}: ${row.sql ?? ''}`).sort();
  }
  const dump = execFileSync(
    'pg_dump',
    ['--schema-only', '--no-owner', '--no-privileges', db.env.ARGILLA_DATABASE_URL],
    {
      encoding: 'utf8',
    },
  );
  return dump
    .split(';\n')
    .map((statement) =>
      statement
        .split('\n')
        // Comments, and psql's \restrict lines (a random key per dump).
        .filter((line) => !line.startsWith('--') && !line.startsWith('\\'))
        .join('\n')
        .trim(),
    )
    .filter((statement) => statement !== '' && !statement.startsWith('SET ') && !statement.includes('set_config'))
    .sort();
}
