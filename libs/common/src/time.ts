let lastTime = NaN;
let lastText = '';

/** Argilla's timestamp format: naive UTC with microseconds, e.g. `2023-03-16T11:11:59.871000`. */
export function formatTimestamp(date: Date): string {
  // Lists repeat times (rows written together share one): the last one formatted is kept.
  const time = date.getTime();
  if (time !== lastTime) {
    lastText = date.toISOString().slice(0, -1) + '000';
    lastTime = time;
  }
  return lastText;
}

/** The current time at millisecond precision (what both engines store). */
export function now(): Date {
  return new Date();
}
