import { PasswordHasher, UsersRepository } from '@argilla/users';
import { FailedLoginTiming, FailureDurations, hashKind, TimingClock } from './failed-login-timing';

const CHEAP = '$2y$05$eaw.j2Kaw8s8vpscVIZMfuqSIX3OLmxA21WjtWicDdn0losQ91Hw.';
const COSTLY = '$2b$12$Gz1o1kyb4ZbSaUwEPe1NTe9iNIlzSDXj3cmi7CF9cmB.8S5rXhzTu';
/** As the argon2 package writes it (the parameters in PHC order). */
const ARGON2 = '$argon2id$v=19$m=19456,p=1,t=2$Asm4WljFG4kxzd6jewAOfg$yDuPRo5XKol0sBGBMJCaZdgTKmTquVL9hw+AHJyFmqk';

/** A clock that only moves when told to: verifications and sleeps advance it by their cost. */
class FakeClock implements TimingClock {
  time = 1_000;
  readonly sleeps: number[] = [];
  now(): number {
    return this.time;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
    return Promise.resolve();
  }
}

/** Verification costs in ms by kind; the dummy is argon2id, as with the default ARGILLA_PASSWORD_HASH. */
const COSTS: Record<string, number> = { [hashKind(CHEAP)]: 6, [hashKind(COSTLY)]: 290, [hashKind(ARGON2)]: 30 };

/** `stored`: the hashes in the users table (read at each calibration), or the error reading them fails with. */
function timingWith(stored: string[] | Error) {
  const clock = new FakeClock();
  const verified: string[] = [];
  const passwords = {
    verify: (hash: string) => {
      verified.push(hash);
      clock.time += COSTS[hashKind(hash)] ?? 0;
      return Promise.resolve(false);
    },
    verifyDummy: () => {
      verified.push('dummy');
      clock.time += COSTS[hashKind(ARGON2)];
      return Promise.resolve();
    },
  } as unknown as PasswordHasher;
  const users = {
    passwordHashSamples: () => (stored instanceof Error ? Promise.reject(stored) : Promise.resolve([...stored])),
  } as unknown as UsersRepository;
  const timing = new FailedLoginTiming(users, passwords, clock);
  /** A failed login whose unpadded work took `ms`; returns its whole duration. */
  const fail = async (ms: number, hash?: string): Promise<number> => {
    const started = timing.start();
    clock.time += ms;
    await timing.padFailure(started, hash);
    return clock.time - started;
  };
  return { clock, verified, timing, fail };
}

describe('hashKind', () => {
  it('is the algorithm and parameters, up to the salt', () => {
    expect(hashKind(CHEAP)).toBe('$2y$05$');
    expect(hashKind(COSTLY)).toBe('$2b$12$');
    expect(hashKind(ARGON2)).toBe('$argon2id$v=19$m=19456,p=1,t=2$');
    expect(hashKind('$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$aGFzaA')).toBe('$argon2id$v=19$m=65536,t=3,p=4$');
    expect(hashKind('$argon2i$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaA')).toBe('$argon2i$m=4096,t=3,p=1$');
    expect(hashKind('h')).toBe('other');
    expect(hashKind('')).toBe('other');
  });
});

describe('FailureDurations', () => {
  it('starts each kind at its first duration; the target is the largest estimate', () => {
    const durations = new FailureDurations();
    expect(durations.target()).toBe(0);
    durations.record('a', 10);
    durations.record('b', 300);
    expect(durations.target()).toBe(300);
  });

  it('moves by a bounded fraction: up 15% for a longer failure, down 5% for a shorter one', () => {
    const durations = new FailureDurations();
    durations.record('a', 100);
    durations.record('a', 10_000);
    expect(durations.target()).toBeCloseTo(115);
    durations.record('a', 1);
    expect(durations.target()).toBeCloseTo(109.25);
  });

  it('settles near the 75th percentile of the durations', () => {
    const durations = new FailureDurations();
    durations.record('a', 500);
    // 100, 101, …, 199 over and over: the 75th percentile is 175.
    for (let i = 0; i < 2_000; i++) durations.record('a', 100 + ((i * 37) % 100));
    expect(durations.target()).toBeGreaterThan(160);
    expect(durations.target()).toBeLessThan(190);
  });

  it('forgets the kinds not retained', () => {
    const durations = new FailureDurations();
    durations.record('a', 10);
    durations.record('b', 300);
    durations.retain(new Set(['a']));
    expect([durations.has('a'), durations.has('b'), durations.target()]).toEqual([true, false, 10]);
  });
});

describe('FailedLoginTiming', () => {
  it('calibrates the dummy and one stored hash of each kind, then pads every failure to the costliest', async () => {
    const { verified, timing, fail } = timingWith([CHEAP, COSTLY, ARGON2]);
    timing.onApplicationBootstrap();
    await timing.refresh();
    expect(verified).toEqual(['dummy', CHEAP, COSTLY, ARGON2]);
    expect(await fail(8, CHEAP)).toBe(290);
    expect(await fail(31)).toBe(290);
    expect(await fail(33, ARGON2)).toBe(290);
    timing.onModuleDestroy();
  });

  it('makes a failure during the first calibration wait for it', async () => {
    const { timing, fail } = timingWith([CHEAP, COSTLY]);
    timing.onApplicationBootstrap();
    expect(await fail(8, CHEAP)).toBeGreaterThanOrEqual(290);
    timing.onModuleDestroy();
  });

  it('does not pad a failure that took longer than the target, and learns from it', async () => {
    const { clock, timing, fail } = timingWith([CHEAP, COSTLY]);
    timing.onApplicationBootstrap();
    await timing.refresh();
    await fail(8, CHEAP);
    clock.sleeps.length = 0;
    expect(await fail(400, COSTLY)).toBe(400);
    expect(clock.sleeps).toEqual([]);
    // 290 raised by 15%.
    expect(await fail(8, CHEAP)).toBeCloseTo(333.5);
    timing.onModuleDestroy();
  });

  it('learns a kind stored after the calibration at its first failure', async () => {
    const { timing, fail } = timingWith([CHEAP]);
    timing.onApplicationBootstrap();
    await timing.refresh();
    expect(await fail(8, CHEAP)).toBe(30);
    expect(await fail(295, COSTLY)).toBe(295);
    expect(await fail(8, CHEAP)).toBe(295);
    expect(await fail(31)).toBe(295);
    timing.onModuleDestroy();
  });

  it('calibrates the kinds that appeared at a refresh, and forgets those no stored hash has any more', async () => {
    const stored = [CHEAP];
    const { verified, timing, fail } = timingWith(stored);
    timing.onApplicationBootstrap();
    await timing.refresh();
    expect(await fail(8, CHEAP)).toBe(30);
    // An import of Argilla's users while the server runs.
    stored.push(COSTLY);
    await timing.refresh();
    expect(verified).toEqual(['dummy', CHEAP, COSTLY]);
    expect(await fail(8, CHEAP)).toBe(290);
    // Every costly hash replaced by argon2id at its user's login.
    stored.splice(0, stored.length, CHEAP, ARGON2);
    await timing.refresh();
    expect(await fail(8, CHEAP)).toBe(30);
    timing.onModuleDestroy();
  });

  it('keeps working when the calibration fails (the database is down at start)', async () => {
    const { timing, fail } = timingWith(new Error('database unavailable'));
    const warn = jest.spyOn(timing['logger'], 'warn').mockImplementation(() => undefined);
    timing.onApplicationBootstrap();
    expect(await fail(8, CHEAP)).toBe(8);
    expect(await fail(31)).toBe(31);
    expect(await fail(8, CHEAP)).toBe(31);
    expect(warn).toHaveBeenCalledWith('Could not time the password verifications: database unavailable');
    timing.onModuleDestroy();
  });
});
