import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadSettings, Settings } from '@argilla/config';
import {
  MigrationRunner,
  openDataSource,
  PersonalAccessToken,
  User,
  Workspace,
  WorkspaceUser,
} from '@argilla/database';
import { databaseName, describePristine, PooledDatabase, releaseDatabase, takePooled } from './database-pool';
import { adminQuery, assertTestDatabaseName, postgresUrlFor } from './postgres';

export type Engine = 'sqlite' | 'postgres';

/** The engines this run covers, decided by the global setup. */
export function engines(): Engine[] {
  return (process.env.TEST_ENGINES_AVAILABLE ?? 'sqlite').split(',').filter(Boolean) as Engine[];
}

/**
 * A fresh, empty database for one suite: a SQLite file in a new home folder, or a new PostgreSQL
 * database named `argilla_test_<random>`. `drop()` removes it.
 */
export class TestDatabase {
  private dataSources: DataSource[] = [];
  /** Set for a database migrated to head that can be handed on to the next suite (database-pool.ts). */
  private pooled: PooledDatabase | undefined;

  private constructor(
    readonly engine: Engine,
    readonly home: string,
    readonly env: Record<string, string>,
    private readonly postgresName?: string,
  ) {}

  static async create(engine: Engine): Promise<TestDatabase> {
    const home = mkdtempSync(join(tmpdir(), 'argilla-test-'));
    // Suites seed the users they need; the default-user bootstrap is tested on its own.
    const env: Record<string, string> = { ARGILLA_HOME_PATH: home, DEFAULT_USER_ENABLED: 'false' };
    if (engine === 'sqlite') return new TestDatabase(engine, home, env);
    const name = databaseName(randomBytes(6).toString('hex'));
    assertTestDatabaseName(name);
    await adminQuery(`CREATE DATABASE ${name}`);
    env.ARGILLA_DATABASE_URL = postgresUrlFor(name);
    return new TestDatabase(engine, home, env, name);
  }

  /**
   * A PostgreSQL database migrated to head: one handed on by an earlier suite of this worker, emptied, or a new
   * one, migrated here.
   */
  static async migratedPostgres(): Promise<TestDatabase> {
    const pooled = takePooled();
    if (pooled) {
      const home = mkdtempSync(join(tmpdir(), 'argilla-test-'));
      const env = {
        ARGILLA_HOME_PATH: home,
        DEFAULT_USER_ENABLED: 'false',
        ARGILLA_DATABASE_URL: postgresUrlFor(pooled.name),
      };
      const db = new TestDatabase('postgres', home, env, pooled.name);
      db.pooled = pooled;
      return db;
    }
    const db = await TestDatabase.create('postgres');
    const dataSource = await db.connect();
    await new MigrationRunner(dataSource).migrate('head');
    await dataSource.destroy();
    db.dataSources = [];
    db.pooled = { name: db.postgresName!, pristine: await describePristine(db.postgresName!) };
    return db;
  }

  /**
   * A new database holding what this one holds, for tests that each start from the same seeded state: the SQLite
   * file copied, or a PostgreSQL database created with this one as its template. This database's own connections
   * are closed first (a template must have none); it stays, to be copied again, until its `drop()`.
   */
  async copy(): Promise<TestDatabase> {
    await Promise.all(this.dataSources.map((ds) => (ds.isInitialized ? ds.destroy() : undefined)));
    this.dataSources = [];
    if (this.engine === 'sqlite') {
      const db = await TestDatabase.create('sqlite');
      copyFileSync(join(this.home, 'argilla.db'), join(db.home, 'argilla.db'));
      return db;
    }
    const home = mkdtempSync(join(tmpdir(), 'argilla-test-'));
    const name = databaseName(randomBytes(6).toString('hex'));
    assertTestDatabaseName(name);
    assertTestDatabaseName(this.postgresName!);
    await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${this.postgresName}`);
    const env = { ARGILLA_HOME_PATH: home, DEFAULT_USER_ENABLED: 'false', ARGILLA_DATABASE_URL: postgresUrlFor(name) };
    return new TestDatabase('postgres', home, env, name);
  }

  get settings(): Settings {
    return loadSettings(this.env);
  }

  /** A connection for assertions; closed by `drop()`. */
  async connect(): Promise<DataSource> {
    const dataSource = await openDataSource(this.settings.database);
    this.dataSources.push(dataSource);
    return dataSource;
  }

  async drop(): Promise<void> {
    await Promise.all(this.dataSources.map((ds) => (ds.isInitialized ? ds.destroy() : undefined)));
    this.dataSources = [];
    if (this.pooled) {
      await releaseDatabase(this.pooled);
    } else if (this.postgresName) {
      assertTestDatabaseName(this.postgresName);
      await adminQuery(`DROP DATABASE IF EXISTS ${this.postgresName} WITH (FORCE)`);
    }
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** A fresh database migrated to head, and a connection to it for assertions. */
export async function createMigratedDatabase(engine: Engine): Promise<{ db: TestDatabase; dataSource: DataSource }> {
  if (engine === 'postgres') {
    const db = await TestDatabase.migratedPostgres();
    return { db, dataSource: await db.connect() };
  }
  const db = await TestDatabase.create(engine);
  const dataSource = await db.connect();
  await new MigrationRunner(dataSource).migrate('head');
  return { db, dataSource };
}

/** The user tables of the database (without Alembic's version table), sorted. */
export async function listTables(dataSource: DataSource): Promise<string[]> {
  const rows: { name: string }[] =
    dataSource.options.type === 'postgres'
      ? await dataSource.query("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'")
      : await dataSource.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  return rows
    .map((row) => row.name)
    .filter((name) => name !== 'alembic_version')
    .sort();
}

export async function currentRevision(dataSource: DataSource): Promise<string | null> {
  const rows: { version_num: string }[] = await dataSource.query('SELECT version_num FROM alembic_version');
  return rows[0]?.version_num ?? null;
}

/** Every row of the three tables, for "nothing changed" checks. */
export async function snapshot(dataSource: DataSource): Promise<unknown> {
  return {
    users: await dataSource.getRepository(User).find({ order: { id: 'ASC' } }),
    workspaces: await dataSource.getRepository(Workspace).find({ order: { id: 'ASC' } }),
    memberships: await dataSource.getRepository(WorkspaceUser).find({ order: { id: 'ASC' } }),
    accessTokens: await dataSource.getRepository(PersonalAccessToken).find({ order: { id: 'ASC' } }),
  };
}
