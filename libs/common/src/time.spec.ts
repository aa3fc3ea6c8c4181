import { formatTimestamp } from './time';

describe('formatTimestamp', () => {
  it("writes Argilla's naive UTC form with microseconds", () => {
    expect(formatTimestamp(new Date('2023-03-16T11:11:59.871Z'))).toBe('2023-03-16T11:11:59.871000');
  });

  it('gives each time its own text when times alternate', () => {
    const a = new Date('2023-03-16T11:11:59.871Z');
    const b = new Date('2024-01-02T03:04:05.006Z');
    expect([a, a, b, a, b].map(formatTimestamp)).toEqual([
      '2023-03-16T11:11:59.871000',
      '2023-03-16T11:11:59.871000',
      '2024-01-02T03:04:05.006000',
      '2023-03-16T11:11:59.871000',
      '2024-01-02T03:04:05.006000',
    ]);
  });
});
