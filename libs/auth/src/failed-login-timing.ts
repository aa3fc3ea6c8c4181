import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { PasswordHasher, UsersRepository } from '@argilla/users';

/** How often the kinds of hash in the users table are read again: new ones are calibrated, gone ones forgotten. */
const REFRESH_EVERY_MS = 60_000;

/**
 * Each kind's estimate follows the 75th percentile of its failures' durations (a stochastic quantile estimate):
 * a longer failure raises it by STEP × QUANTILE (15%), a shorter one lowers it by STEP × (1 − QUANTILE) (5%). One
 * outlier (a hiccup, a queue behind other logins) moves it by a bounded fraction only, and a first estimate that
 * was too high (measured on a cold start) comes down within a few tens of failures.
 */
const QUANTILE = 0.75;
const STEP = 0.2;

/** The kind under which logins for unknown usernames (a dummy hash verified) are estimated. */
export const UNKNOWN_USERNAME = 'unknown username';

/**
 * What decides the cost of verifying a hash: its algorithm and parameters, up to the salt (`$2b$12$`,
 * `$argon2id$v=19$m=19456,p=1,t=2$`). Anything else verifies nothing at once (PasswordHasher).
 */
export function hashKind(hash: string): string {
  const kind = /^\$2[abxy]\$\d\d\$/.exec(hash) ?? /^\$argon2(?:id|i|d)\$(?:v=\d+\$)?[a-z]+=[^$]*\$/.exec(hash);
  return kind ? kind[0] : 'other';
}

/** Per kind, an estimate of how long a failed login takes before padding; the target is the largest. */
export class FailureDurations {
  private readonly byKind = new Map<string, number>();

  record(kind: string, ms: number): void {
    const estimate = this.byKind.get(kind);
    if (estimate === undefined) this.byKind.set(kind, ms);
    else this.byKind.set(kind, estimate * (ms > estimate ? 1 + STEP * QUANTILE : 1 - STEP * (1 - QUANTILE)));
  }

  has(kind: string): boolean {
    return this.byKind.has(kind);
  }

  /** Forgets the kinds not listed (no stored hash has them any more). */
  retain(kinds: ReadonlySet<string>): void {
    for (const kind of this.byKind.keys()) if (!kinds.has(kind)) this.byKind.delete(kind);
  }

  /** What every failure is padded to: the estimate of the costliest kind. */
  target(): number {
    return Math.max(0, ...this.byKind.values());
  }
}

/** The time source, replaced in unit specs. */
export interface TimingClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const TIMING_CLOCK = Symbol('TIMING_CLOCK');

const SYSTEM_CLOCK: TimingClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Makes every failed password check (a wrong password whatever the stored hash, an unknown username, a disabled
 * user) take the same time, so that the time does not tell which usernames exist or how their hashes were made
 * (a `$2y$05$` hash from a users file verifies in a few ms, Argilla's `$2b$12$` in about 300). A failure is padded,
 * by a timer (no CPU), up to the estimated duration of a failure of the costliest kind of hash in use; successful
 * logins are never padded.
 *
 * The estimates come from a calibration (at start, then every minute for kinds that appeared since: one stored hash
 * of each kind, verified once against a random password, off the event loop) and from every failure (the moving
 * estimate of FailureDurations). Failures wait for the first calibration. Limit: a kind stored after the last
 * calibration (an import while the server runs) is padded to only from the next calibration or from its first
 * failure, and that failure itself may stand out.
 */
@Injectable()
export class FailedLoginTiming implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Auth');
  private readonly durations = new FailureDurations();
  private calibrated: Promise<void> = Promise.resolve();
  private refreshing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasher,
    @Optional() @Inject(TIMING_CLOCK) private readonly clock: TimingClock = SYSTEM_CLOCK,
  ) {}

  onApplicationBootstrap(): void {
    this.calibrated = this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  /** The start of a password check, to give to padFailure. */
  start(): number {
    return this.clock.now();
  }

  /**
   * Call right before answering a failure, with the time from `start()` and the stored hash that was verified (none
   * for an unknown username). Learns how long this kind took, then waits until the target has passed since `started`.
   */
  async padFailure(started: number, passwordHash?: string): Promise<void> {
    const kind = passwordHash === undefined ? UNKNOWN_USERNAME : hashKind(passwordHash);
    this.durations.record(kind, this.clock.now() - started);
    await this.calibrated;
    const remaining = this.durations.target() - (this.clock.now() - started);
    if (remaining > 0) await this.clock.sleep(remaining);
  }

  /**
   * Reads which kinds of hash the users table holds (one query), forgets the others, and times one verification of
   * each kind not yet estimated, one after the other (each in PasswordHasher's pool, never on the event loop).
   */
  refresh(): Promise<void> {
    this.refreshing ??= this.calibrate()
      .catch((error: Error) => {
        if (!this.closed) this.logger.warn(`Could not time the password verifications: ${error.message}`);
      })
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async calibrate(): Promise<void> {
    const samples = new Map((await this.users.passwordHashSamples()).map((hash) => [hashKind(hash), hash]));
    this.durations.retain(new Set([...samples.keys(), UNKNOWN_USERNAME]));
    const password = randomBytes(16).toString('hex');
    await this.time(UNKNOWN_USERNAME, () => this.passwords.verifyDummy(password));
    for (const [kind, hash] of samples) await this.time(kind, () => this.passwords.verify(hash, password));
  }

  private async time(kind: string, verify: () => Promise<unknown>): Promise<void> {
    if (this.closed || this.durations.has(kind)) return;
    const started = this.clock.now();
    await verify();
    this.durations.record(kind, this.clock.now() - started);
  }
}
