/** Argilla's timestamp format: naive UTC with microseconds, e.g. `2023-03-16T11:11:59.871000`. */
export function formatTimestamp(date: Date): string {
  return date.toISOString().slice(0, -1) + '000';
}

/** The current time at millisecond precision (what both engines store). */
export function now(): Date {
  return new Date();
}
