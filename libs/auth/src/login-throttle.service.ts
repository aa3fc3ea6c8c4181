import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError, parseTimestamp, toStoredTimestamp } from '@argilla/common';
import { SETTINGS, Settings } from '@argilla/config';
import { Database } from '@argilla/database';

/** 429: too many failed logins for this username or from this client; `retryAfter` seconds until it may try again. */
export class TooManyLoginAttemptsError extends DomainError {
  readonly status = 429;
  readonly code = 'TooManyRequestsError';
  constructor(readonly retryAfter: number) {
    super('Too many failed login attempts, try again later');
    this.name = 'TooManyLoginAttemptsError';
  }
  get params(): Record<string, unknown> {
    return { detail: this.message, retry_after: this.retryAfter };
  }
  override get headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfter) };
  }
}

interface AttemptRow {
  key: string;
  locked_until: Date | string | null;
}

/**
 * Brute-force protection for password logins and for the current password of PUT /api/v1/me/password (same
 * counters). Failures are counted per username (existing or not, so the answer tells nothing about which exist)
 * and per client address (password spraying across usernames); past the limit within the window, further attempts
 * get 429 until the lockout ends, even with the right password. A success resets the username's counter. The
 * counters live in the database, so every replica sees the same ones.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly database: Database,
  ) {}

  /**
   * Throws TooManyLoginAttemptsError while the username or the client is locked out. Returns whether the username
   * has failures on record (only then does a success need to reset them).
   */
  async assertAllowed(username: string, client: string): Promise<boolean> {
    const now = Date.now();
    const user = userKey(username);
    const rows = await this.query<AttemptRow>('SELECT key, locked_until FROM login_attempts WHERE key IN (?, ?)', [
      user,
      clientKey(client),
    ]);
    const until = Math.max(0, ...rows.map((row) => toTime(row.locked_until)));
    if (until > now) throw new TooManyLoginAttemptsError(Math.ceil((until - now) / 1000));
    return rows.some((row) => row.key === user);
  }

  /** Counts a failure for both keys (one atomic upsert each), locking a key that reaches its limit. */
  async recordFailure(username: string, client: string): Promise<void> {
    const auth = this.settings.auth;
    await this.increment(userKey(username), auth.maxFailedLogins);
    await this.increment(clientKey(client), auth.maxFailedLoginsPerClient);
  }

  async recordSuccess(username: string): Promise<void> {
    await this.query('DELETE FROM login_attempts WHERE key = ?', [userKey(username)]);
  }

  /** Forgets counters that can no longer lock anyone (called from time to time by the server). */
  async purgeExpired(): Promise<void> {
    const { loginWindowSeconds, lockoutSeconds } = this.settings.auth;
    const horizon = new Date(Date.now() - Math.max(loginWindowSeconds, lockoutSeconds) * 1000);
    await this.query('DELETE FROM login_attempts WHERE updated_at < ?t', [this.timestamp(horizon)]);
  }

  private async increment(key: string, limit: number): Promise<void> {
    const { loginWindowSeconds, lockoutSeconds } = this.settings.auth;
    const now = new Date();
    const windowStart = this.timestamp(new Date(now.getTime() - loginWindowSeconds * 1000));
    const lockedUntil = this.timestamp(new Date(now.getTime() + lockoutSeconds * 1000));
    const at = this.timestamp(now);
    // A failure after the window has passed starts a new window at 1.
    const failures = 'CASE WHEN login_attempts.window_started_at <= ?t THEN 1 ELSE login_attempts.failures + 1 END';
    await this.query(
      `INSERT INTO login_attempts (key, failures, window_started_at, locked_until, updated_at)
       VALUES (?, 1, ?t, CASE WHEN 1 >= ? THEN ?t ELSE NULL END, ?t)
       ON CONFLICT (key) DO UPDATE SET
         locked_until = CASE WHEN ${failures} >= ? THEN ?t ELSE login_attempts.locked_until END,
         window_started_at = CASE WHEN login_attempts.window_started_at <= ?t THEN ?t ELSE login_attempts.window_started_at END,
         failures = ${failures},
         updated_at = ?t`,
      [key, at, limit, lockedUntil, at, windowStart, limit, lockedUntil, windowStart, at, windowStart, at],
    );
  }

  /** Runs SQL written with `?` placeholders (`?t` for a timestamp, which PostgreSQL needs typed) on either engine. */
  private async query<T>(sql: string, parameters: unknown[]): Promise<T[]> {
    const dataSource = await this.database.dataSource();
    let index = 0;
    const text =
      this.database.engine === 'postgres'
        ? sql.replace(/\?(t?)/g, (_match, timestamp: string) => `$${++index}${timestamp ? '::timestamp' : ''}`)
        : sql.replace(/\?t/g, '?');
    return dataSource.query(text, parameters);
  }

  /** Times in their stored text form (on SQLite, text order is time order). */
  private timestamp(date: Date): string {
    return toStoredTimestamp(date);
  }
}

/** Keys stay short and storable whatever was typed: a long or odd name is kept as its hash. */
function counterKey(kind: 'user' | 'client', value: string): string {
  if (value.length <= 200 && !value.includes('\u0000')) return `${kind}:${value}`;
  return `${kind}#${createHash('sha256').update(value).digest('hex')}`;
}

function userKey(username: string): string {
  return counterKey('user', username);
}

function clientKey(client: string): string {
  return counterKey('client', client);
}

function toTime(value: Date | string | null): number {
  return value === null ? 0 : parseTimestamp(value).getTime();
}
