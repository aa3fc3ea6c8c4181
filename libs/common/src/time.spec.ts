import {
  addMicroseconds,
  formatTimestamp,
  now,
  parseIsoTime,
  parseTimestamp,
  Timestamp,
  toStoredTimestamp,
} from './time';

describe('formatTimestamp', () => {
  it("writes Argilla's naive UTC form with microseconds", () => {
    expect(formatTimestamp(new Date('2023-03-16T11:11:59.871Z'))).toBe('2023-03-16T11:11:59.871000');
  });

  it('keeps the microseconds of a time read from Argilla', () => {
    expect(formatTimestamp(parseTimestamp('2026-12-01 14:51:36.864271'))).toBe('2026-12-01T14:51:36.864271');
  });

  it('gives each time its own text when times alternate', () => {
    const a = new Date('2023-03-16T11:11:59.871Z');
    const b = new Date('2024-01-02T03:04:05.006Z');
    const c = parseTimestamp('2023-03-16 11:11:59.871001');
    expect([a, a, b, a, c, b].map(formatTimestamp)).toEqual([
      '2023-03-16T11:11:59.871000',
      '2023-03-16T11:11:59.871000',
      '2024-01-02T03:04:05.006000',
      '2023-03-16T11:11:59.871000',
      '2023-03-16T11:11:59.871001',
      '2024-01-02T03:04:05.006000',
    ]);
  });
});

describe('toStoredTimestamp of times in and across seconds', () => {
  /** The text from toISOString alone, as it was built before the second was kept. */
  const expected = (epochMicroseconds: number) => {
    const date = new Timestamp(epochMicroseconds);
    const iso = date.toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(date.belowMillisecond).padStart(3, '0')}`;
  };

  it('writes every time right, the seconds around it and the milliseconds of a plain Date too', () => {
    // Around the epoch (negative times), the end of a day and of a year, and any time.
    const starts = [-2_000_001, -1, 0, 1_703_980_799_999_000, 1_764_676_543_210_987];
    const times = starts.flatMap((start) => [0, 1, 999, 1_000, 999_999, 1_000_000, 1_000_001].map((d) => start + d));
    for (const order of [times, [...times].reverse()]) {
      expect(order.map((time) => toStoredTimestamp(new Timestamp(time)))).toEqual(order.map(expected));
    }
    expect(toStoredTimestamp(new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 7)))).toBe('1969-12-31 23:59:59.007000');
    expect(() => toStoredTimestamp(new Date(NaN))).toThrow(RangeError);
  });
});

describe('parseTimestamp and toStoredTimestamp', () => {
  it.each([
    ['2026-12-01 14:51:36.864271', '2026-12-01 14:51:36.864271'],
    // PostgreSQL drops trailing zeros; this project's earlier releases wrote milliseconds on SQLite.
    ['2026-12-01 14:52:24.69429', '2026-12-01 14:52:24.694290'],
    ['2023-03-16 11:11:59.871', '2023-03-16 11:11:59.871000'],
    ['2023-03-16 11:11:59', '2023-03-16 11:11:59.000000'],
    ['2023-03-16T11:11:59.000001Z', '2023-03-16 11:11:59.000001'],
  ])('reads %s as UTC and stores it as %s', (text, stored) => {
    expect(toStoredTimestamp(parseTimestamp(text))).toBe(stored);
  });

  it('reads the millisecond into the Date itself', () => {
    expect(parseTimestamp('2026-12-01 14:51:36.864271').toISOString()).toBe('2026-12-01T14:51:36.864Z');
  });

  it('refuses text that is not a time', () => {
    expect(() => parseTimestamp('yesterday')).toThrow("Not a timestamp: 'yesterday'");
  });
});

describe('now', () => {
  it('gives strictly increasing times, close to the clock', () => {
    const times = Array.from({ length: 1000 }, () => now());
    for (let i = 1; i < times.length; i++) {
      expect(times[i].epochMicroseconds).toBeGreaterThan(times[i - 1].epochMicroseconds);
    }
    expect(Math.abs(times[999].getTime() - Date.now())).toBeLessThan(1000);
  });

  it('adds microseconds across the millisecond', () => {
    const later = addMicroseconds(new Timestamp(1_000_999), 2);
    expect([later.getTime(), later.belowMillisecond]).toEqual([1001, 1]);
  });
});

describe('parseIsoTime', () => {
  it.each([
    ['2027-02-28T23:59:59', '2027-02-28 23:59:59.000000'],
    ['2028-02-29T00:00:00.5', '2028-02-29 00:00:00.500000'],
    ['2027-01-31T12:00:00.000001Z', '2027-01-31 12:00:00.000001'],
    ['2027-01-01T01:30:00+02:00', '2026-12-31 23:30:00.000000'],
    ['2027-01-01T00:00:00-23:59', '2027-01-01 23:59:00.000000'],
    ['0001-01-01T00:00:00', '0001-01-01 00:00:00.000000'],
    ['9999-12-31T23:59:59.999999', '9999-12-31 23:59:59.999999'],
  ])('reads %s as %s (UTC)', (text, stored) => {
    expect(toStoredTimestamp(parseIsoTime(text)!)).toBe(stored);
  });

  it.each([
    'tomorrow',
    '2027-02-28',
    '2027-02-28 12:00:00',
    '2027-02-28T12:00',
    '2027-02-28T12:00:00.1234567',
    '2027-02-30T00:00:00',
    '2027-02-29T00:00:00',
    '2027-04-31T00:00:00Z',
    '2027-13-01T00:00:00',
    '2027-00-01T00:00:00',
    '2027-01-01T24:00:00',
    '2027-01-01T23:60:00',
    '2027-01-01T23:59:60',
    '2027-01-01T00:00:00+24:00',
    '2027-01-01T00:00:00+01:60',
    '0000-12-31T23:59:59',
    '0001-01-01T00:30:00+01:00',
    '9999-12-31T23:30:00-01:00',
  ])('refuses %s', (text) => {
    expect(parseIsoTime(text)).toBeNull();
  });
});
