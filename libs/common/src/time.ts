/**
 * A time to the microsecond. Argilla (Python) keeps microseconds in every timestamp it stores; a Date keeps
 * milliseconds. A Timestamp is the Date of its millisecond plus the three digits below it, so that a time read from
 * Argilla's rows is written and shown back exactly, while every Date operation still works.
 */
export class Timestamp extends Date {
  /** Microseconds below the millisecond, 0–999. */
  readonly belowMillisecond: number;

  constructor(epochMicroseconds: number) {
    const milliseconds = Math.floor(epochMicroseconds / 1000);
    super(milliseconds);
    this.belowMillisecond = epochMicroseconds - milliseconds * 1000;
  }

  /** Microseconds since the epoch. */
  get epochMicroseconds(): number {
    return this.getTime() * 1000 + this.belowMillisecond;
  }
}

function microsecondsOf(date: Date): number {
  return date instanceof Timestamp ? date.epochMicroseconds : date.getTime() * 1000;
}

/** `YYYY-MM-DD HH:MM:SS.ffffff`, with `T` or a space between date and time (always UTC). */
function format(date: Date, separator: 'T' | ' '): string {
  const iso = date.toISOString(); // 2023-03-16T11:11:59.871Z
  const below = date instanceof Timestamp ? date.belowMillisecond : 0;
  return `${iso.slice(0, 10)}${separator}${iso.slice(11, 23)}${String(below).padStart(3, '0')}`;
}

let lastTime = NaN;
let lastText = '';

/** Argilla's timestamp format: naive UTC with microseconds, e.g. `2023-03-16T11:11:59.871000`. */
export function formatTimestamp(date: Date): string {
  // Lists repeat times (rows written together share one): the last one formatted is kept.
  const time = microsecondsOf(date);
  if (time !== lastTime) {
    lastText = format(date, 'T');
    lastTime = time;
  }
  return lastText;
}

/**
 * How Argilla (SQLAlchemy) stores a time as text: `YYYY-MM-DD HH:MM:SS.ffffff`, naive UTC, always six fractional
 * digits. SQLite keeps it as it is (its text order is time order); PostgreSQL reads it into `timestamp`.
 */
export function toStoredTimestamp(date: Date): string {
  return format(date, ' ');
}

const STORED = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(?:Z|\+00(?::?00)?)?$/;

/**
 * A stored time: a Date as it is, or text as either engine gives it (`2023-03-16 11:11:59.871`, `…59.871271`,
 * `…59` without a fraction), read as UTC to the microsecond.
 */
export function parseTimestamp(value: Date | string): Date {
  if (value instanceof Date) return value;
  const match = STORED.exec(value);
  if (!match) {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw new Error(`Not a timestamp: '${value}'`);
    return date;
  }
  const seconds = Date.parse(`${match[1]}T${match[2]}Z`);
  const fraction = Number((match[3] ?? '').padEnd(6, '0'));
  return new Timestamp(seconds * 1000 + fraction);
}

let lastIssued = 0;

/**
 * The current time to the microsecond. The clock gives milliseconds; the digits below come from the monotonic
 * clock, and each call in this process gets a later time than the one before, so rows written one after the other
 * (an import's users, a user's memberships) list in the order they were written.
 */
export function now(): Timestamp {
  const microseconds = Date.now() * 1000 + (Math.floor(performance.now() * 1000) % 1000);
  lastIssued = Math.max(microseconds, lastIssued + 1);
  return new Timestamp(lastIssued);
}

/** `date` plus `microseconds`. */
export function addMicroseconds(date: Date, microseconds: number): Timestamp {
  return new Timestamp(microsecondsOf(date) + microseconds);
}
