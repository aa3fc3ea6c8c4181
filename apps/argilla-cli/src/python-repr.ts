import { Timestamp } from '@argilla/common';

/** What the CLI shows the way Python's repr() does. */
export type PyValue =
  string | number | boolean | null | undefined | Date | readonly PyValue[] | { readonly [key: string]: PyValue };

function stringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
}

/** A naive `datetime.datetime` in UTC, as Argilla stores times; zero seconds and microseconds are left out, as Python does. */
function datetimeRepr(date: Date): string {
  const microsecond = date.getUTCMilliseconds() * 1000 + (date instanceof Timestamp ? date.belowMillisecond : 0);
  const fields = [
    date.getUTCFullYear(),
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
  ];
  if (date.getUTCSeconds() !== 0 || microsecond !== 0) fields.push(date.getUTCSeconds());
  if (microsecond !== 0) fields.push(microsecond);
  return `datetime.datetime(${fields.join(', ')})`;
}

/**
 * Python's repr() of a value: how Argilla's CLI quotes values in its messages. Strings take single quotes unless
 * they hold one and no double quote; null (and undefined) is None, booleans True and False; lists and dicts
 * nest; dates are naive UTC datetimes.
 */
export function pyRepr(value: PyValue): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return stringRepr(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
    return String(value);
  }
  if (value instanceof Date) return datetimeRepr(value);
  if (Array.isArray(value)) return `[${value.map((item: PyValue) => pyRepr(item)).join(', ')}]`;
  const entries = Object.entries(value as { readonly [key: string]: PyValue });
  return `{${entries.map(([key, item]) => `${stringRepr(key)}: ${pyRepr(item)}`).join(', ')}}`;
}
