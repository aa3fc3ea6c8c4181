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

  /**
   * The time `milliseconds` since the epoch plus `belowMillisecond` microseconds. Microseconds since the epoch pass
   * 2^53 after the year 2255, so times that far (an expiry or a filter in the year 9999) are built from their parts.
   */
  static of(milliseconds: number, belowMillisecond: number): Timestamp {
    const timestamp = new Timestamp(belowMillisecond);
    timestamp.setTime(milliseconds);
    return timestamp;
  }

  /** Microseconds since the epoch (exact until the year 2255). */
  get epochMicroseconds(): number {
    return this.getTime() * 1000 + this.belowMillisecond;
  }
}

function microsecondsOf(date: Date): number {
  return date instanceof Timestamp ? date.epochMicroseconds : date.getTime() * 1000;
}

/** The second last formatted, and its date and time of day: times written together mostly share one. */
let formattedSecond = NaN;
let formattedDay = '';
let formattedTimeOfDay = '';

/** `YYYY-MM-DD HH:MM:SS.ffffff`, with `T` or a space between date and time (always UTC). */
function format(date: Date, separator: 'T' | ' '): string {
  const milliseconds = date.getTime();
  const second = Math.floor(milliseconds / 1000);
  if (second !== formattedSecond) {
    const iso = date.toISOString(); // 2023-03-16T11:11:59.871Z (a RangeError for an invalid date)
    formattedDay = iso.slice(0, 10);
    formattedTimeOfDay = iso.slice(11, 19);
    formattedSecond = second;
  }
  const below = date instanceof Timestamp ? date.belowMillisecond : 0;
  const fraction = (milliseconds - second * 1000) * 1000 + below;
  return `${formattedDay}${separator}${formattedTimeOfDay}.${String(fraction).padStart(6, '0')}`;
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

/**
 * What the API takes as a time: ISO 8601 with seconds, a fraction to the microsecond and a zone optional (without
 * one it is UTC, as every time the API shows).
 */
export const ISO_TIME_PATTERN =
  /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:Z|([+-])(\d\d):(\d\d))?$/;

const EARLIEST = new Date('0001-01-01T00:00:00Z').getTime();
const AFTER_LATEST = new Date('+010000-01-01T00:00:00Z').getTime();

/**
 * The instant a time of ISO_TIME_PATTERN names, to the microsecond; null when the text does not match, names no
 * existing time (month 13, February 30, hour 25, a zone of +25:00), or falls outside the years 1 to 9999 once in UTC
 * (as both engines store a time: PostgreSQL refuses year 0 and year 10000).
 */
export function parseIsoTime(text: string): Timestamp | null {
  const parts = ISO_TIME_PATTERN.exec(text);
  if (!parts) return null;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number);
  const [offsetHours, offsetMinutes] = [Number(parts[9] ?? 0), Number(parts[10] ?? 0)];
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  const at = new Date(0);
  // Not Date.UTC, which reads the years 0–99 as 1900–1999.
  at.setUTCFullYear(year, month - 1, day);
  at.setUTCHours(hour, minute, second, 0);
  const exists =
    at.getUTCFullYear() === year &&
    at.getUTCMonth() === month - 1 &&
    at.getUTCDate() === day &&
    at.getUTCHours() === hour &&
    at.getUTCMinutes() === minute &&
    at.getUTCSeconds() === second;
  if (!exists) return null;
  const offsetMs = (parts[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const utc = at.getTime() - offsetMs;
  if (utc < EARLIEST || utc >= AFTER_LATEST) return null;
  const fraction = Number((parts[7] ?? '').padEnd(6, '0'));
  return Timestamp.of(utc + Math.floor(fraction / 1000), fraction % 1000);
}
