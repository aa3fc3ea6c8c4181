import type { EntityManager } from 'typeorm';
import { toStoredTimestamp } from '@argilla/common';
import { toStoredId } from './storage';

export type ColumnType = 'uuid' | 'varchar' | 'text' | 'timestamp' | 'integer' | 'boolean';

/** SQLite binds at most 32,766 parameters per statement. */
const SQLITE_MAX_PARAMETERS = 32_000;

/**
 * Rows per statement on PostgreSQL: the statement's arrays, and their text on the wire, are held for one batch
 * only, so that the memory of an import does not grow with its size; per row the cost is the same.
 */
const POSTGRES_ROWS_PER_STATEMENT = 10_000;

/**
 * A value in Argilla's stored form on SQLite: ids without dashes, times as text to the microsecond. PostgreSQL's
 * uuid columns take either spelling of an id.
 */
function storedValue(value: unknown, type: ColumnType, engine: 'postgres' | 'sqlite'): unknown {
  if (engine === 'sqlite' && type === 'uuid' && typeof value === 'string') return toStoredId(value);
  if (engine === 'sqlite' && typeof value === 'boolean') return value ? 1 : 0;
  return value instanceof Date ? toStoredTimestamp(value) : value;
}

/** The rows of `rows`, `size` at a time (the last batch shorter), read from the iterable as they are asked for. */
function* batches<Row>(rows: Iterable<Row>, size: number): Generator<Row[]> {
  let batch: Row[] = [];
  for (const row of rows) {
    batch.push(row);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * Inserts many rows in few statements, inside the caller's transaction: on PostgreSQL statements of 10,000 rows
 * (`unnest` of one array per column), each next one built while the database runs the one before; on SQLite
 * statements of up to ~32,000 values. `rows` may be a generator: only a batch of them is held at a time. Imports
 * of thousands of users take a handful of round trips instead of one per row.
 */
export async function bulkInsert(
  manager: EntityManager,
  table: string,
  columns: readonly (readonly [name: string, type: ColumnType])[],
  rows: Iterable<readonly unknown[]>,
): Promise<void> {
  // No rows, no statement: the connection is not even looked at.
  if (Array.isArray(rows) && rows.length === 0) return;
  const names = columns.map(([name]) => name).join(', ');
  if (manager.connection.options.type === 'postgres') {
    const unnest = columns.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ');
    const sql = `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${unnest})`;
    let running: Promise<unknown> | undefined;
    try {
      for (const batch of batches(rows, POSTGRES_ROWS_PER_STATEMENT)) {
        const arrays = columns.map(([, type], index) => batch.map((row) => storedValue(row[index], type, 'postgres')));
        // The statements queue on the transaction's one connection: this one starts when the one before ends.
        const previous = running;
        running = manager.query(sql, arrays);
        await previous;
      }
      await running;
    } catch (error) {
      // The statement still queued fails with the transaction: its failure is this one's.
      running?.catch(() => undefined);
      throw error;
    }
    return;
  }
  const perStatement = Math.max(1, Math.floor(SQLITE_MAX_PARAMETERS / columns.length));
  const placeholders = `(${columns.map(() => '?').join(', ')})`;
  for (const batch of batches(rows, perStatement)) {
    await manager.query(
      `INSERT INTO ${table} (${names}) VALUES ${batch.map(() => placeholders).join(', ')}`,
      batch.flatMap((row) => row.map((value, index) => storedValue(value, columns[index][1], 'sqlite'))),
    );
  }
}

/**
 * The rows of `select` (a `SELECT … FROM <table>` without a WHERE) whose `column` is one of `values`, in one
 * statement whatever their number: `= ANY` of an array on PostgreSQL, `IN` a JSON array's values on SQLite (both
 * look each value up in the column's index). Parameter lists (`IN ($1, $2, …)`) would need a statement per
 * thousand values, each also built and parsed by TypeORM and the engine.
 */
export async function selectWhereIn<Row>(
  manager: EntityManager,
  select: string,
  column: string,
  values: readonly string[],
): Promise<Row[]> {
  if (values.length === 0) return [];
  if (manager.connection.options.type === 'postgres') {
    return manager.query(`${select} WHERE ${column} = ANY($1::text[])`, [values]);
  }
  return manager.query(`${select} WHERE ${column} IN (SELECT value FROM json_each(?))`, [JSON.stringify(values)]);
}
