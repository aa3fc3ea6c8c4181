import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { SETTINGS, Settings } from '@argilla/config';
import { openDataSource } from './data-source';
import { MigrationRunner } from './migration-runner';

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
      this.opening = openDataSource(this.settings.database);
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
    const run = this.sqliteQueue.then(() => dataSource.transaction(work));
    this.sqliteQueue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
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
