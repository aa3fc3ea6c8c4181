import type { Config } from '@jest/types';
import { now } from '@argilla/common';

/** Every timer kind but the clock: a test moves `Date` alone, everything else keeps real time. */
export const NOT_THE_CLOCK: Config.FakeableAPI[] = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'requestAnimationFrame',
  'cancelAnimationFrame',
  'requestIdleCallback',
  'cancelIdleCallback',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
];

/**
 * Runs `work` with `Date` moved `ms` ahead (timers keep real time). Ahead of the last time the app issued (`now()`
 * never goes back, so after an earlier move it is ahead of `Date.now()`).
 */
export async function later<T>(ms: number, work: () => Promise<T>): Promise<T> {
  jest.useFakeTimers({ doNotFake: NOT_THE_CLOCK, now: now().getTime() + ms });
  try {
    return await work();
  } finally {
    jest.useRealTimers();
  }
}
