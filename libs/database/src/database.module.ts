import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { SETTINGS, Settings } from '@argilla/config';
import { openDataSource } from './data-source';
import { survivePostgresConnectionLoss } from './database-unavailable';
import { MigrationRunner } from './migration-runner';

/**
 * A SQLite transaction that takes the write lock at once (`BEGIN IMMEDIATE`). A deferred one that read first
 * fails at once with SQLITE_BUSY when another process (a CLI, another server) wrote meanwhile; this one waits
 * for the lock within the busy timeout instead.
 */
async function immediateTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const queryRunner = dataSource.createQueryRunner();
  await queryRunner.query('BEGIN IMMEDIATE');
  // TypeORM's own statements in `work` must not open a transaction of their own inside this one.
  (queryRunner as { isTransactionActive: boolean }).isTransactionActive = true;
  try {
    const result = await work(queryRunner.manager);
    await queryRunner.query('COMMIT');
    return result;
  } catch (error) {
    await queryRunner.query('ROLLBACK');
    throw error;
  } finally {
    (queryRunner as { isTransactionActive: boolean }).isTransactionActive = false;
    await queryRunner.release();
  }
}

interface PgClient {
  query<Row>(config: string | { name?: string; text: string; values?: unknown[] }): Promise<{ rows: Row[] }>;
}

interface PgPool extends PgClient {
  connect(): Promise<PgClient & { release(error?: Error | boolean): void }>;
}

interface SqliteStatement {
  all(...parameters: unknown[]): unknown[];
  iterate(...parameters: unknown[]): IterableIterator<unknown>;
}

/** What `Database.readSnapshot` reads with: every row at once, or rows a chunk at a time. */
export interface SnapshotReader {
  all<Row>(sql: string): Promise<Row[]>;
  /**
   * Hands the rows of `sql` to `take`, `size` at a time, never holding more. When `take` returns a promise, the
   * next chunk is read once it settles (backpressure: a slow writer of the rows keeps the memory at one chunk).
   * On SQLite the iterator then stays open meanwhile, and better-sqlite3 refuses any write on the connection
   * until it ends: an asynchronous `take` is for a process that writes nothing meanwhile (the CLI's export), a
   * synchronous one reads through without yielding.
   */
  chunks<Row>(sql: string, size: number, take: (rows: Row[]) => void | Promise<void>): Promise<void>;
}

/** The rows of `rows`, `size` at a time; waits for `take` only when it returns a promise. */
async function takeInChunks<Row>(
  rows: Iterator<Row>,
  size: number,
  take: (rows: Row[]) => void | Promise<void>,
): Promise<void> {
  try {
    for (;;) {
      const chunk: Row[] = [];
      let next = rows.next();
      while (!next.done) {
        chunk.push(next.value);
        if (chunk.length === size) break;
        next = rows.next();
      }
      if (chunk.length > 0) {
        const taken = take(chunk);
        if (taken) await taken;
      }
      if (next.done) return;
    }
  } finally {
    // Ends the statement when `take` threw or the rows stopped early: the connection is free for writes again.
    rows.return?.();
  }
}

interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
}

/**
 * The connection, opened on first use: `argilla-cli --help` never touches the database, while the
 * server opens it at start (to fail fast) by calling `dataSource()` once. Closed on application shutdown.
 */
@Injectable()
export class Database implements OnApplicationShutdown {
  private opening: Promise<DataSource> | undefined;
  private sqliteQueue: Promise<void> = Promise.resolve();

  constructor(@Inject(SETTINGS) private readonly settings: Settings) {}

  get engine(): 'sqlite' | 'postgres' {
    return this.settings.database.engine;
  }

  dataSource(): Promise<DataSource> {
    if (!this.opening) {
      this.opening = openDataSource(this.settings.database).then(survivePostgresConnectionLoss);
      // A failed open is not cached: the next call tries again (the database may be back).
      this.opening.catch(() => (this.opening = undefined));
    }
    return this.opening;
  }

  /**
   * Runs `work` in one transaction. On SQLite every transaction shares the one connection, so they are
   * queued: two interleaved on it would mix their statements.
   */
  async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const dataSource = await this.dataSource();
    if (this.engine === 'postgres') return dataSource.transaction(work);
    const run = this.sqliteQueue.then(() => immediateTransaction(dataSource, work));
    this.sqliteQueue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * A query prepared once and run by name: node-postgres prepares it on each pooled connection, better-sqlite3
   * compiles it once. For the hot paths (authentication), where the query builder's work per call shows.
   * Write `sql` with `$1…$n`, each used once and in order.
   */
  prepared<Row>(name: string, sql: string): (parameters: unknown[]) => Promise<Row[]> {
    if (this.engine === 'postgres') {
      return async (parameters) => {
        const pool = ((await this.dataSource()).driver as unknown as { master: PgPool }).master;
        return (await pool.query<Row>({ name, text: sql, values: parameters })).rows;
      };
    }
    const text = sql.replace(/\$\d+/g, '?');
    // Compiled again if the connection was reopened.
    const statements = new WeakMap<SqliteConnection, SqliteStatement>();
    return async (parameters) => {
      const connection = ((await this.dataSource()).driver as unknown as { databaseConnection: SqliteConnection })
        .databaseConnection;
      let statement = statements.get(connection);
      if (!statement) {
        statement = connection.prepare(text);
        statements.set(connection, statement);
      }
      return statement.all(...parameters) as Row[];
    };
  }

  /**
   * Reads that grow with the data (every user, say) without holding them whole. On PostgreSQL `read` runs in one
   * read-only REPEATABLE READ transaction on one pooled connection (one snapshot for all its statements), chunks
   * coming from a cursor. On SQLite the statements run on the one connection, chunks from an iterator that is read
   * through without yielding: no other statement can come between its rows.
   */
  async readSnapshot<T>(read: (reader: SnapshotReader) => Promise<T>): Promise<T> {
    const dataSource = await this.dataSource();
    if (this.engine === 'sqlite') {
      const connection = (dataSource.driver as unknown as { databaseConnection: SqliteConnection }).databaseConnection;
      return read({
        all: async <Row>(sql: string) => connection.prepare(sql).all() as Row[],
        chunks: <Row>(sql: string, size: number, take: (rows: Row[]) => void | Promise<void>) =>
          takeInChunks(connection.prepare(sql).iterate() as Iterator<Row>, size, take),
      });
    }
    const client = await (dataSource.driver as unknown as { master: PgPool }).master.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await read({
        all: async <Row>(sql: string) => (await client.query<Row>(sql)).rows,
        chunks: async <Row>(sql: string, size: number, take: (rows: Row[]) => void | Promise<void>) => {
          await client.query(`DECLARE argilla_snapshot_rows NO SCROLL CURSOR FOR ${sql}`);
          for (;;) {
            const { rows } = await client.query<Row>(`FETCH ${Math.floor(size)} FROM argilla_snapshot_rows`);
            if (rows.length === 0) break;
            await take(rows);
          }
          await client.query('CLOSE argilla_snapshot_rows');
        },
      });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // A connection that cannot even roll back is not handed out again.
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /**
   * A value built from the data, rebuilt only when the data changed since: each call reads the data version (one
   * indexed row that triggers bump in every transaction changing users, workspaces or memberships, whoever runs
   * it), and returns the value built at that version, or builds it. The version is read before the data, so a
   * value is never older than the version it is kept under: a change committed by any replica is seen by the
   * next call. Concurrent calls at one version share one build.
   */
  versioned<T>(build: () => Promise<T>): () => Promise<T> {
    const byKey = this.versionedByKey<null, T>(build, 1);
    return () => byKey(null);
  }

  /**
   * As `versioned`, one value per key (a workspace's members, say): the values of the current version, at most
   * `capacity` of them (the oldest built is dropped first); a new version drops them all.
   */
  versionedByKey<K, T>(build: (key: K) => Promise<T>, capacity: number): (key: K) => Promise<T> {
    const readVersion = this.prepared<{ version: string | number }>(
      'argilla_data_version',
      'SELECT version FROM data_version WHERE id = 1',
    );
    let heldVersion: string | undefined;
    const held = new Map<K, Promise<T>>();
    return async (key) => {
      const [row] = await readVersion([]);
      if (!row) return build(key);
      const version = String(row.version);
      if (heldVersion !== version) {
        held.clear();
        heldVersion = version;
      }
      const kept = held.get(key);
      if (kept) return kept;
      const value = build(key);
      if (held.size >= capacity) held.delete(held.keys().next().value!);
      held.set(key, value);
      // A failed build is not kept: the next call tries again.
      value.catch(() => {
        if (held.get(key) === value) held.delete(key);
      });
      return value;
    };
  }

  /**
   * Takes the data version's row lock first in a transaction that locks rows before writing (PostgreSQL), so that
   * it queues behind writers in the same order they do: the triggers take this lock before any row is touched.
   */
  async lockDataVersion(manager: EntityManager): Promise<void> {
    if (this.engine === 'postgres') await manager.query('UPDATE data_version SET version = version + 1 WHERE id = 1');
  }

  async migrations(): Promise<MigrationRunner> {
    return new MigrationRunner(await this.dataSource());
  }

  async onApplicationShutdown(): Promise<void> {
    const dataSource = await this.opening?.catch(() => undefined);
    if (dataSource?.isInitialized) await dataSource.destroy();
    this.opening = undefined;
  }
}

/** Provides `Database` to every module of either app (needs ConfigModule). */
@Global()
@Module({ providers: [Database], exports: [Database] })
export class DatabaseModule {}
