import { Logger } from '@nestjs/common';
import { types as pgTypes, defaults as pgDefaults } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { parseTimestamp, preparePrivateSqliteFiles, toStoredTimestamp } from '@argilla/common';
import type { DatabaseSettings } from '@argilla/config';
import { ENTITIES } from './entities';

/** How long a connection waits for a lock held by another process (the CLI and the server share the SQLite file). */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;
const POSTGRES_CONNECT_TIMEOUT_MS = 5_000;
const TIMESTAMP_WITHOUT_TIME_ZONE_OID = 1114;

let postgresUtcConfigured = false;

/**
 * Timestamps are stored as naive UTC (`timestamp without time zone`), as Argilla stores them, and read to the
 * microsecond. node-postgres would otherwise write and read them in the process's local time zone.
 */
function usePostgresUtcTimestamps(): void {
  if (postgresUtcConfigured) return;
  pgDefaults.parseInputDatesAsUTC = true;
  pgTypes.setTypeParser(TIMESTAMP_WITHOUT_TIME_ZONE_OID, parseTimestamp);
  postgresUtcConfigured = true;
}

const TIMESTAMP_TYPES = new Set<unknown>([Date, 'datetime', 'timestamp', 'timestamp without time zone']);

/**
 * TypeORM converts the entities' times through Date and its own text form, both cut to the millisecond. The
 * driver's two conversions are wrapped so that times go to the database in Argilla's text form
 * (`YYYY-MM-DD HH:MM:SS.ffffff`) and come back to the microsecond, on either engine.
 */
function keepMicroseconds(dataSource: DataSource): void {
  const driver = dataSource.driver;
  const persistent = driver.preparePersistentValue.bind(driver);
  const hydrated = driver.prepareHydratedValue.bind(driver);
  const isTime = (column: ColumnMetadata): boolean => TIMESTAMP_TYPES.has(column.type) && !column.transformer;
  driver.preparePersistentValue = (value: unknown, column: ColumnMetadata) =>
    value instanceof Date && isTime(column) ? toStoredTimestamp(value) : persistent(value, column);
  driver.prepareHydratedValue = (value: unknown, column: ColumnMetadata) =>
    (typeof value === 'string' || value instanceof Date) && isTime(column)
      ? parseTimestamp(value)
      : hydrated(value, column);
}

/** The one place that turns settings into TypeORM options; the apps, the tests and `ormconfig.ts` all use it. */
export function createDataSourceOptions(database: DatabaseSettings): DataSourceOptions {
  // Migrations go through MigrationRunner (revision ids and tags), never TypeORM's own table or `synchronize`.
  const common = { entities: ENTITIES, synchronize: false, migrationsRun: false, logging: false } as const;
  if (database.engine === 'postgres') {
    usePostgresUtcTimestamps();
    return {
      ...common,
      type: 'postgres',
      url: database.url,
      applicationName: 'argilla-users',
      connectTimeoutMS: POSTGRES_CONNECT_TIMEOUT_MS,
      poolSize: database.poolSize,
    };
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: database.path,
    timeout: SQLITE_BUSY_TIMEOUT_MS,
    enableWAL: true,
  };
}

const logger = new Logger('Database');

/**
 * Opens a connection. On SQLite the database file (and the folder when missing, 0700) is created first with mode
 * 0600, so that the files SQLite adds beside it are 0600 too; files left looser by an older version are tightened.
 */
export async function openDataSource(database: DatabaseSettings): Promise<DataSource> {
  if (database.engine === 'sqlite') preparePrivateSqliteFiles(database.path, (message) => logger.warn(message));
  const dataSource = new DataSource(createDataSourceOptions(database));
  keepMicroseconds(dataSource);
  await dataSource.initialize();
  return dataSource;
}
