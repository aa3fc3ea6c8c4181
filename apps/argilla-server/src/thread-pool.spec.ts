import { threadPoolSize } from './thread-pool';

describe('threadPoolSize', () => {
  it('gives one thread per core, at most 4', () => {
    expect([1, 2, 3, 4, 16].map((cores) => threadPoolSize({}, cores))).toEqual(['1', '2', '3', '4', '4']);
  });

  it("keeps the operator's UV_THREADPOOL_SIZE", () => {
    expect(threadPoolSize({ UV_THREADPOOL_SIZE: '8' }, 2)).toBe('8');
  });
});
