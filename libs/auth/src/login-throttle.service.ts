import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError, parseTimestamp, Semaphore, toStoredTimestamp } from '@argilla/common';
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

/**
 * One of the three counters an attempt is counted on:
 * - `pair`: one username from one client address. Past `maxFailedLogins` the pair waits `loginDelaySeconds`, then
 *   twice as long after each further failure, up to `lockoutSeconds`. This is the one a guesser meets, and it
 *   holds only the guesser's own address back.
 * - `user`: one username from every client together, a higher ceiling (`maxFailedLoginsPerUser`) against guessing
 *   from many addresses; past it, the username gets 429 for `lockoutSeconds`.
 * - `client`: one address across usernames (password spraying), `maxFailedLoginsPerClient`, then `lockoutSeconds`.
 */
interface Counter {
  key: string;
  kind: 'pair' | 'user' | 'client';
}

/** How many counters' take-backs this process keeps while the database cannot be written. */
const MAX_OWED_KEYS = 10_000;

interface ReservedRow {
  locked_until: Date | string | null;
}

/**
 * Brute-force protection for password logins and for the current password that PUT /api/v1/me/password and
 * POST /api/v1/me/api-key ask for (same counters). Unknown usernames are counted like existing ones, so the answers
 * tell nothing about which exist.
 *
 * Every attempt is counted before its password is verified, by one statement per counter that increments it and
 * returns whether the attempt may go on (refused ones change nothing but the time last seen): a burst of parallel
 * attempts, on one server or several sharing the database, has at most the limit verified, whatever their order. A
 * success takes its own attempt back and forgets the pair's failures; a failure stays counted. The counters live in
 * the database, so every replica sees the same ones.
 */
@Injectable()
export class LoginThrottle {
  /**
   * Parallel attempts of one pair in this process wait for each other past the pair's limit, rather than being
   * refused while earlier ones are still being verified (a client logging in several times at once).
   */
  private readonly pairs = new Map<string, { semaphore: Semaphore; users: number }>();
  private readonly reservePair: string;
  private readonly reserveCeiling: string;
  /** The pair's waits, in seconds: the first delay doubled until the lockout. */
  private readonly delays: number[];
  /**
   * Take-backs that could not be written when they were due (the database failed at that moment), as
   * `key → attempts owed`; written before this process's next attempt, or by the purge. Without them, a database
   * failing now and then would slowly lock out users who only ever typed the right password.
   */
  private readonly owed = new Map<string, number>();

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly database: Database,
  ) {
    const { loginDelaySeconds, lockoutSeconds } = settings.auth;
    this.delays = [];
    for (let delay = loginDelaySeconds; delay < lockoutSeconds; delay *= 2) this.delays.push(delay);
    this.delays.push(lockoutSeconds);
    this.reservePair = reserveStatement(
      // Forgotten a window after the last attempt, or after the end of the last wait.
      '(a.locked_until IS NULL AND a.updated_at <= {horizon:t}) OR a.locked_until <= {horizon:t}',
      // Below the limit, or the wait is over: this attempt may go on.
      'a.failures < {limit} OR a.locked_until IS NOT NULL',
      this.delays.length === 1
        ? '{until0:t}'
        : `CASE a.failures - {limit} ${this.delays
            .slice(0, -1)
            .map((_delay, index) => `WHEN ${index} THEN {until${index}:t}`)
            .join(' ')} ELSE {until${this.delays.length - 1}:t} END`,
    );
    this.reserveCeiling = reserveStatement(
      // A new window once the last one has passed, or once the lockout is over.
      '(a.locked_until IS NULL AND a.window_started_at <= {horizon:t}) OR a.locked_until <= {now:t}',
      'a.failures < {limit}',
      '{until0:t}',
    );
  }

  /**
   * Counts an attempt for `username` from `client`, runs `verify` (the password check) if the counters allow it,
   * and settles the attempt by its result. Throws TooManyLoginAttemptsError, without calling `verify`, while the
   * pair waits or the username or client is past its ceiling.
   */
  async check(username: string, client: string, verify: () => Promise<boolean>): Promise<boolean> {
    const counters: Counter[] = [
      { kind: 'pair', key: counterKey('pair', `${client} ${username}`) },
      { kind: 'user', key: counterKey('user', username) },
      { kind: 'client', key: counterKey('client', client) },
    ];
    return this.inTurn(counters[0].key, async () => {
      // In turn, right before counting: an attempt that waited for this pair's turn while an earlier one failed with
      // the database must not find that one still counted. When the take-backs cannot be written now, this attempt
      // fails with the database too, rather than be judged on counters known to be too high.
      await this.payOwed();
      await this.reserve(counters);
      let verified: boolean;
      try {
        verified = await verify();
      } catch (error) {
        // Not an answer about the password: the attempt is not counted. The check's own error is the one told
        // (the database may be what failed, and then the take-back waits for the next attempt).
        await this.release(counters);
        throw error;
      }
      if (verified) {
        try {
          await this.query('DELETE FROM login_attempts WHERE key = {pair}', { pair: counters[0].key });
        } catch (error) {
          // The login fails with the database; its attempt is not counted either.
          await this.release(counters);
          throw error;
        }
        await this.release(counters.slice(1));
      }
      return verified;
    });
  }

  /** Forgets counters that can no longer lock anyone (called from time to time by the server). */
  async purgeExpired(): Promise<void> {
    await this.payOwed();
    const { loginWindowSeconds } = this.settings.auth;
    const now = Date.now();
    await this.query(
      'DELETE FROM login_attempts WHERE updated_at < {horizon:t} AND (locked_until IS NULL OR locked_until < {horizon:t})',
      { horizon: toStoredTimestamp(new Date(now - loginWindowSeconds * 1000)) },
    );
  }

  /** Counts the attempt on each counter in turn; the first that refuses ends it, and the others take it back. */
  private async reserve(counters: Counter[]): Promise<void> {
    const auth = this.settings.auth;
    const now = Date.now();
    const at = (seconds: number) => toStoredTimestamp(new Date(now + seconds * 1000));
    for (const [index, counter] of counters.entries()) {
      const values: Record<string, unknown> = {
        key: counter.key,
        now: at(0),
        horizon: at(-auth.loginWindowSeconds),
      };
      let sql: string;
      if (counter.kind === 'pair') {
        sql = this.reservePair;
        values.limit = auth.maxFailedLogins;
        this.delays.forEach((delay, step) => (values[`until${step}`] = at(delay)));
      } else {
        sql = this.reserveCeiling;
        values.limit = counter.kind === 'user' ? auth.maxFailedLoginsPerUser : auth.maxFailedLoginsPerClient;
        values.until0 = at(auth.lockoutSeconds);
      }
      let row: ReservedRow;
      try {
        [row] = await this.query<ReservedRow>(sql, values);
      } catch (error) {
        await this.release(counters.slice(0, index));
        throw error;
      }
      if (row.locked_until !== null) {
        await this.release(counters.slice(0, index));
        const until = parseTimestamp(row.locked_until).getTime();
        throw new TooManyLoginAttemptsError(Math.max(1, Math.ceil((until - now) / 1000)));
      }
    }
  }

  /**
   * Takes a counted attempt back. Never throws: when the database fails, the take-back is owed and written later
   * (a take-back whose statement failed after it was applied may then be written twice: the counter can only
   * drop, never below zero, so at worst one more attempt is allowed).
   */
  private async release(counters: Counter[]): Promise<void> {
    if (counters.length === 0) return;
    const due = new Map(counters.map((counter) => [counter.key, 1]));
    try {
      await this.takeBack(due);
    } catch {
      this.owe(due);
    }
  }

  /** Writes the take-backs owed so far; those that still cannot be written stay owed. */
  private async payOwed(): Promise<void> {
    if (this.owed.size === 0) return;
    const owed = new Map(this.owed);
    this.owed.clear();
    try {
      await this.takeBack(owed);
    } catch (error) {
      this.owe(owed);
      throw error;
    }
  }

  private owe(entries: Iterable<[string, number]>): void {
    for (const [key, attempts] of entries) {
      // Bounded: past the bound the oldest are dropped, which leaves their counters higher (the safe side).
      if (!this.owed.has(key) && this.owed.size >= MAX_OWED_KEYS) this.owed.delete(this.owed.keys().next().value!);
      this.owed.set(key, (this.owed.get(key) ?? 0) + attempts);
    }
  }

  /**
   * Takes `attempts` back from each counter `key`, in one statement per distinct number of attempts (and per 500
   * keys). What was written is removed from `owed`, so on an error `owed` holds exactly what is still due.
   */
  private async takeBack(owed: Map<string, number>): Promise<void> {
    const byAttempts = new Map<number, string[]>();
    for (const [key, attempts] of owed) byAttempts.set(attempts, [...(byAttempts.get(attempts) ?? []), key]);
    for (const [attempts, keys] of byAttempts) {
      for (let start = 0; start < keys.length; start += 500) {
        const chunk = keys.slice(start, start + 500);
        const values: Record<string, unknown> = { attempts };
        chunk.forEach((key, index) => (values[`k${index}`] = key));
        await this.query(
          `UPDATE login_attempts
           SET failures = CASE WHEN failures > {attempts} THEN failures - {attempts} ELSE 0 END
           WHERE failures > 0 AND key IN (${chunk.map((_key, index) => `{k${index}}`).join(', ')})`,
          values,
        );
        for (const key of chunk) owed.delete(key);
      }
    }
  }

  private async inTurn<T>(pair: string, task: () => Promise<T>): Promise<T> {
    let entry = this.pairs.get(pair);
    if (!entry) {
      entry = { semaphore: new Semaphore(this.settings.auth.maxFailedLogins), users: 0 };
      this.pairs.set(pair, entry);
    }
    entry.users++;
    try {
      return await entry.semaphore.run(task);
    } finally {
      if (--entry.users === 0) this.pairs.delete(pair);
    }
  }

  /**
   * Runs SQL written with `{name}` placeholders (`{name:t}` for a timestamp, which PostgreSQL needs typed) on
   * either engine.
   */
  private async query<T>(sql: string, values: Record<string, unknown>): Promise<T[]> {
    const dataSource = await this.database.dataSource();
    const parameters: unknown[] = [];
    const numbers = new Map<string, number>();
    const postgres = this.database.engine === 'postgres';
    const text = sql.replace(/\{(\w+)(:t)?\}/g, (_match, name: string, timestamp: string | undefined) => {
      if (!(name in values)) throw new Error(`No value for {${name}}`);
      if (!postgres) {
        parameters.push(values[name]);
        return '?';
      }
      let number = numbers.get(name);
      if (number === undefined) {
        parameters.push(values[name]);
        number = parameters.length;
        numbers.set(name, number);
      }
      return `$${number}${timestamp ? '::timestamp' : ''}`;
    });
    return dataSource.query(text, parameters);
  }
}

/**
 * One statement that counts an attempt on a counter and tells whether it may go on: `locked_until` comes back
 * NULL when it may. While the counter is locked nothing changes (but the time last seen); an expired counter
 * starts again at 1; an attempt that `admits` is counted; any other is refused and locks the counter `until`.
 */
function reserveStatement(expired: string, admits: string, until: string): string {
  const old = (sql: string) => sql.replace(/\ba\./g, 'login_attempts.');
  const [isExpired, isLocked, isAdmitted] = [old(expired), 'login_attempts.locked_until > {now:t}', old(admits)];
  return `INSERT INTO login_attempts (key, failures, window_started_at, locked_until, updated_at)
    VALUES ({key}, 1, {now:t}, NULL, {now:t})
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN ${isExpired} THEN 1 WHEN ${isLocked} THEN login_attempts.failures
        WHEN ${isAdmitted} THEN login_attempts.failures + 1 ELSE login_attempts.failures END,
      locked_until = CASE WHEN ${isExpired} THEN NULL WHEN ${isLocked} THEN login_attempts.locked_until
        WHEN ${isAdmitted} THEN NULL ELSE ${old(until)} END,
      window_started_at = CASE WHEN ${isExpired} THEN {now:t} ELSE login_attempts.window_started_at END,
      updated_at = {now:t}
    RETURNING locked_until`;
}

/** Keys stay short and storable whatever was typed: a long or odd name is kept as its hash. */
function counterKey(kind: Counter['kind'], value: string): string {
  if (value.length <= 200 && !value.includes('\u0000')) return `${kind}:${value}`;
  return `${kind}#${createHash('sha256').update(value).digest('hex')}`;
}
