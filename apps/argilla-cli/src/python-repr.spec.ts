import { Timestamp } from '@argilla/common';
import { pyRepr } from './python-repr';

// Every expected text below is what Python 3 prints for repr() of the same value.
describe('pyRepr', () => {
  it.each([
    ['ada', "'ada'"],
    ['', "''"],
    ["it's", `"it's"`],
    ['say "hi"', `'say "hi"'`],
    [`it's "x"`, `'it\\'s "x"'`],
    ['a\nb', "'a\\nb'"],
    ['tab\there\r', "'tab\\there\\r'"],
    ['back\\slash', "'back\\\\slash'"],
    ['café 日本 🎉', "'café 日本 🎉'"],
  ])('quotes the string %j as %s', (value, expected) => {
    expect(pyRepr(value)).toBe(expected);
  });

  it('writes None for null and undefined, True and False for booleans, numbers as they are', () => {
    expect(pyRepr(null)).toBe('None');
    expect(pyRepr(undefined)).toBe('None');
    expect(pyRepr(true)).toBe('True');
    expect(pyRepr(false)).toBe('False');
    expect(pyRepr(-3)).toBe('-3');
    expect(pyRepr(1.5)).toBe('1.5');
  });

  it('writes lists and dicts with their items in repr, nested', () => {
    expect(pyRepr([])).toBe('[]');
    expect(pyRepr(['a', "b'c"])).toBe(`['a', "b'c"]`);
    expect(pyRepr({ a: 1, b: [true, null], c: { d: 'e' } })).toBe("{'a': 1, 'b': [True, None], 'c': {'d': 'e'}}");
  });

  it('writes dates as naive UTC datetimes, leaving out zero seconds and microseconds as Python does', () => {
    expect(pyRepr(new Date('2023-03-16T11:11:59.871Z'))).toBe('datetime.datetime(2023, 3, 16, 11, 11, 59, 871000)');
    expect(pyRepr(new Date('2024-01-02T03:04:00Z'))).toBe('datetime.datetime(2024, 1, 2, 3, 4)');
    expect(pyRepr(new Date('2024-01-02T03:04:05Z'))).toBe('datetime.datetime(2024, 1, 2, 3, 4, 5)');
    // A stored time keeps its microseconds.
    const stored = new Timestamp(Date.parse('2024-01-02T03:04:00Z') * 1000 + 123_456);
    expect(pyRepr(stored)).toBe('datetime.datetime(2024, 1, 2, 3, 4, 0, 123456)');
  });
});
