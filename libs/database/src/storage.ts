import type { ValueTransformer } from 'typeorm';

/*
 * Argilla's storage, value for value, so that one database moves between Argilla 1.8 and this server both ways.
 * SQLAlchemy stores a UUID on SQLite as CHAR(32), 32 lowercase hex digits without dashes, and on PostgreSQL as a
 * native `uuid`; it stores times as naive UTC with microseconds (`DATETIME` text on SQLite). The API shows ids
 * with dashes, as Argilla does.
 */

/** An id as it is stored: lowercase hex without dashes (PostgreSQL's `uuid` reads this form too). */
export function toStoredId(id: string): string {
  return id.replace(/-/g, '').toLowerCase();
}

/** An id as the API shows it, from either engine's stored form. */
export function fromStoredId(value: string): string {
  if (value.length !== 32) return value;
  return `${value.slice(0, 8)}-${value.slice(8, 12)}-${value.slice(12, 16)}-${value.slice(16, 20)}-${value.slice(20)}`;
}

/** For the id columns of the entities: TypeORM applies it to written values and to `find` conditions alike. */
export const STORED_ID: ValueTransformer = {
  to: (value: unknown) => (typeof value === 'string' ? toStoredId(value) : value),
  from: (value: unknown) => (typeof value === 'string' ? fromStoredId(value) : value),
};
