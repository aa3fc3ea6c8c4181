import type { EntityManager } from 'typeorm';
import { toStoredTimestamp } from '@argilla/common';
import { toStoredId } from './storage';

export type ColumnType = 'uuid' | 'varchar' | 'text' | 'timestamp' | 'integer' | 'boolean';

/** SQLite binds at most 32,766 parameters per statement. */
const SQLITE_MAX_PARAMETERS = 32_000;

/** A value in Argilla's stored form: ids without dashes, times as text to the microsecond. */
function storedValue(value: unknown, type: ColumnType): unknown {
  if (type === 'uuid' && typeof value === 'string') return toStoredId(value);
  return value instanceof Date ? toStoredTimestamp(value) : value;
}

function sqliteValue(value: unknown, type: ColumnType): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return storedValue(value, type);
}

/**
 * Inserts many rows in few statements, inside the caller's transaction: one statement per table on PostgreSQL
 * (`unnest` of one array per column), statements of up to ~32,000 values on SQLite. Imports of thousands of users
 * take a handful of round trips instead of one per row.
 */
export async function bulkInsert(
  manager: EntityManager,
  table: string,
  columns: readonly (readonly [name: string, type: ColumnType])[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  if (rows.length === 0) return;
  const names = columns.map(([name]) => name).join(', ');
  if (manager.connection.options.type === 'postgres') {
    const arrays = columns.map(([, type], index) => rows.map((row) => storedValue(row[index], type)));
    const unnest = columns.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ');
    await manager.query(`INSERT INTO ${table} (${names}) SELECT * FROM unnest(${unnest})`, arrays);
    return;
  }
  const perStatement = Math.max(1, Math.floor(SQLITE_MAX_PARAMETERS / columns.length));
  const placeholders = `(${columns.map(() => '?').join(', ')})`;
  for (let start = 0; start < rows.length; start += perStatement) {
    const batch = rows.slice(start, start + perStatement);
    await manager.query(
      `INSERT INTO ${table} (${names}) VALUES ${batch.map(() => placeholders).join(', ')}`,
      batch.flatMap((row) => row.map((value, index) => sqliteValue(value, columns[index][1]))),
    );
  }
}
