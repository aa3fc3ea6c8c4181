/** A timestamp read by a raw query: a Date from PostgreSQL, TypeORM's UTC text `YYYY-MM-DD HH:MM:SS.SSS` from SQLite. */
export function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value.replace(' ', 'T') + 'Z');
}

/** TypeORM's text form for SQLite datetimes (UTC), which sorts as time does. */
export function toSqliteTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}
