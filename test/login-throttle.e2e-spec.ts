import { Agent } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { LoginThrottle } from '@argilla/auth';
import { LoginAttempt } from '@argilla/database';
import { PasswordHasher } from '@argilla/users';
import { api, ApiSuite, envelope, openApiSuite, seedUser, UNAUTHORIZED } from './support/api';
import { freePort, postLogin, ServerProcess, spawnServer, startApp } from './support/server';
import { engines } from './support/test-database';

const LOCKOUT = 300;

function tooMany(retryAfter: number) {
  return envelope('TooManyRequestsError', {
    detail: 'Too many failed login attempts, try again later',
    retry_after: retryAfter,
  });
}

describe.each(engines())('login throttling (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;

  const login = (username: string, password: string, forwardedFor?: string) => {
    const call = api(app).post('/api/security/token').type('form');
    if (forwardedFor) call.set('X-Forwarded-For', forwardedFor);
    return call.send({ username, password });
  };
  const attempts = () => suite.dataSource.getRepository(LoginAttempt);

  beforeEach(async () => {
    suite = await openApiSuite(engine);
    app = suite.app;
    await seedUser(app, { username: 'ada', role: 'admin', password: 'ada-password', apiKey: 'ada.apikey' });
  });

  afterEach(async () => {
    await suite.close();
  });

  async function failTimes(username: string, times: number): Promise<void> {
    for (let i = 0; i < times; i++) await login(username, `wrong-${i}`).expect(401);
  }
  /** The counter rows of a kind, as `key → failures`. */
  async function counters(kind: 'pair' | 'user' | 'client'): Promise<Record<string, number>> {
    const rows = await attempts().find();
    return Object.fromEntries(
      rows.filter((row) => row.key.startsWith(`${kind}:`)).map((row) => [row.key.replace(/^\w+:/, ''), row.failures]),
    );
  }
  /** The one pair counter of `username` (this suite's requests all come from one address). */
  async function pair(username: string): Promise<LoginAttempt> {
    const rows = (await attempts().find()).filter(
      (row) => row.key.startsWith('pair:') && row.key.endsWith(` ${username}`),
    );
    expect(rows).toHaveLength(1);
    return rows[0];
  }
  /** Ends the current wait of `username`'s pair, as time passing would. */
  async function endWait(username: string): Promise<void> {
    await attempts().update({ key: (await pair(username)).key }, { lockedUntil: new Date(Date.now() - 1_000) });
  }

  it('makes a username wait after 5 failures from one client: 429 with Retry-After, even with the right password', async () => {
    await failTimes('ada', 5);
    const locked = await login('ada', 'ada-password').expect(429);
    expect(locked.body).toEqual(tooMany(1));
    expect(locked.headers['retry-after']).toBe('1');
    await login('ada', 'wrong').expect(429);
    expect(await pair('ada')).toMatchObject({ failures: 5 });
    expect(await counters('user')).toEqual({ ada: 5 });
  });

  it('doubles the wait at each further failure, up to the lockout', async () => {
    await failTimes('ada', 5);
    for (const wait of [1, 2, 4, 8]) {
      expect((await login('ada', 'ada-password').expect(429)).headers['retry-after']).toBe(String(wait));
      await endWait('ada');
      // Once the wait is over, one attempt is verified again.
      await login('ada', 'wrong').expect(401);
    }
    expect(await pair('ada')).toMatchObject({ failures: 9 });
    await attempts().update({ key: (await pair('ada')).key }, { failures: 40 });
    expect((await login('ada', 'ada-password').expect(429)).headers['retry-after']).toBe(String(LOCKOUT));
    await endWait('ada');
    await login('ada', 'ada-password').expect(200);
    expect(await counters('pair')).toEqual({});
  });

  it('treats a username that does not exist the same way', async () => {
    await failTimes('ghost', 5);
    const locked = await login('ghost', 'anything').expect(429);
    expect(locked.body).toEqual(tooMany(1));
  });

  it('keeps API-key authentication working while a username waits', async () => {
    await failTimes('ada', 5);
    await login('ada', 'ada-password').expect(429);
    const me = await api(app).get('/api/me').set('X-Argilla-Api-Key', 'ada.apikey').expect(200);
    expect(me.body.username).toBe('ada');
  });

  it("forgets the pair's failures on a success, and takes the success back from the other counters", async () => {
    await failTimes('ada', 4);
    await login('ada', 'ada-password').expect(200);
    expect(await counters('pair')).toEqual({});
    expect(await counters('user')).toEqual({ ada: 4 });
    await failTimes('ada', 4);
    await login('ada', 'ada-password').expect(200);
    expect(await counters('user')).toEqual({ ada: 8 });
    expect(Object.values(await counters('client'))).toEqual([8]);
  });

  it('forgets failures a window after the last one, or after the end of the last wait', async () => {
    await failTimes('ada', 4);
    const key = (await pair('ada')).key;
    await attempts().update({ key }, { updatedAt: new Date(Date.now() - 301_000) });
    await failTimes('ada', 1);
    expect(await pair('ada')).toMatchObject({ failures: 1 });

    await failTimes('ada', 4);
    await login('ada', 'ada-password').expect(429);
    await attempts().update({ key }, { lockedUntil: new Date(Date.now() - 301_000) });
    await failTimes('ada', 1);
    expect(await pair('ada')).toMatchObject({ failures: 1, lockedUntil: null });
  });

  it('holds across replicas and restarts: the counters are in the database', async () => {
    await failTimes('ada', 5);
    const other = await startApp(suite.db.settings);
    try {
      const response = await api(other)
        .post('/api/security/token')
        .type('form')
        .send({ username: 'ada', password: 'ada-password' });
      expect(response.status).toBe(429);
    } finally {
      await other.close();
    }
  });

  it('lets parallel right logins of one client through, each verified once the earlier ones are', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => login('ada', 'ada-password')));
    expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(200));
    expect(await counters('pair')).toEqual({});
    expect(await counters('user')).toEqual({ ada: 0 });
  });

  it('does not count an attempt whose check failed with an error (500), on any counter', async () => {
    await failTimes('ada', 2);
    const hasher = app.get(PasswordHasher);
    const spy = jest.spyOn(hasher, 'verify').mockRejectedValueOnce(new Error('hashing failed'));
    try {
      await login('ada', 'ada-password').expect(500);
    } finally {
      spy.mockRestore();
    }
    expect(await pair('ada')).toMatchObject({ failures: 2 });
    expect(await counters('user')).toEqual({ ada: 2 });
    expect(Object.values(await counters('client'))).toEqual([2]);
  });

  describe('when the counters cannot be written while an attempt ends (the database failing at that moment)', () => {
    /** Takes the counters' table away during the check, so that taking the attempt back fails, then brings it back. */
    async function loginWhileCountersAway(verify: () => Promise<boolean>): Promise<number> {
      const hasher = app.get(PasswordHasher);
      const spy = jest.spyOn(hasher, 'verify').mockImplementationOnce(async () => {
        await suite.dataSource.query('ALTER TABLE login_attempts RENAME TO login_attempts_away');
        return verify();
      });
      try {
        return (await login('ada', 'ada-password')).status;
      } finally {
        spy.mockRestore();
        await suite.dataSource.query('ALTER TABLE login_attempts_away RENAME TO login_attempts');
      }
    }

    it('takes back an attempt whose check failed, at the next attempt, so right passwords never add up to a lock', async () => {
      await failTimes('ada', 2);
      for (let i = 0; i < 6; i++) {
        const status = await loginWhileCountersAway(() => Promise.reject(new Error('hashing failed')));
        expect(status).toBe(500);
      }
      // Each error was taken back at the next attempt, the last one is still owed (left as they were, the six
      // would have added up to 8 and made the pair wait).
      expect(await pair('ada')).toMatchObject({ failures: 3 });
      await login('ada', 'wrong').expect(401);
      expect(await pair('ada')).toMatchObject({ failures: 3 });
      expect(await counters('user')).toEqual({ ada: 3 });
      expect(Object.values(await counters('client'))).toEqual([3]);
      await login('ada', 'ada-password').expect(200);
      expect(await counters('pair')).toEqual({});
    });

    it('takes back a right login that failed with the database while being settled', async () => {
      await failTimes('ada', 4);
      expect(await loginWhileCountersAway(() => Promise.resolve(true))).toBe(500);
      expect(await pair('ada')).toMatchObject({ failures: 5 });
      // Had the failed login stayed counted, this would be the pair's sixth failure and wait.
      await login('ada', 'wrong').expect(401);
      expect(await pair('ada')).toMatchObject({ failures: 5 });
      expect(await counters('user')).toEqual({ ada: 5 });
    });
  });

  it("counts a disabled user's right password as a failure, answering exactly as a wrong one does", async () => {
    const { user } = await seedUser(app, { username: 'dora', password: 'dora-password', apiKey: 'dora.apikey' });
    await api(app)
      .patch(`/api/v1/users/${user.id}`)
      .set('X-Argilla-Api-Key', 'ada.apikey')
      .send({ disabled: true })
      .expect(200);
    await failTimes('dora', 4);
    expect((await login('dora', 'dora-password').expect(401)).body).toEqual(UNAUTHORIZED);
    expect(await pair('dora')).toMatchObject({ failures: 5 });
    const locked = await login('dora', 'dora-password').expect(429);
    expect(locked.body).toEqual(tooMany(1));
    await login('dora', 'wrong').expect(429);
  });

  describe('PUT /api/v1/me/password', () => {
    const changePassword = (currentPassword: string, newPassword = 'ada-new-password') =>
      api(app)
        .put('/api/v1/me/password')
        .set('X-Argilla-Api-Key', 'ada.apikey')
        .send({ current_password: currentPassword, new_password: newPassword });

    it('counts a wrong current password as a failed login, on the same counters, and makes it wait alike', async () => {
      for (let i = 0; i < 5; i++) await changePassword(`wrong-${i}`).expect(422);
      expect(await pair('ada')).toMatchObject({ failures: 5 });
      expect(await counters('user')).toEqual({ ada: 5 });
      expect(Object.values(await counters('client'))).toEqual([5]);

      for (const current of ['wrong-again', 'ada-password']) {
        const locked = await changePassword(current).expect(429);
        expect(locked.body).toEqual(tooMany(1));
        expect(locked.headers['retry-after']).toBe('1');
      }
      await login('ada', 'ada-password').expect(429);
      // Nothing was changed while refused.
      await endWait('ada');
      await login('ada', 'ada-password').expect(200);
    });

    it('refuses with 429 while logins of this username from this client wait, even with the right password', async () => {
      await failTimes('ada', 5);
      const locked = await changePassword('ada-password').expect(429);
      expect(locked.body).toEqual(tooMany(1));
      expect(locked.headers['retry-after']).toBe('1');
      await changePassword('wrong').expect(429);
      expect(await pair('ada')).toMatchObject({ failures: 5 });
      await endWait('ada');
      await login('ada', 'ada-password').expect(200);
    });

    it("forgets the pair's failures on a success, as a login does", async () => {
      await failTimes('ada', 2);
      await changePassword('wrong').expect(422);
      expect(await pair('ada')).toMatchObject({ failures: 3 });
      await changePassword('ada-password').expect(200);
      expect(await counters('pair')).toEqual({});
      await login('ada', 'ada-new-password').expect(200);
    });
  });

  it('counts a wrong current password given to rotate the own API key, and refuses it while waiting', async () => {
    const token = (await login('ada', 'ada-password').expect(200)).body.access_token as string;
    const rotate = (currentPassword: string) =>
      api(app)
        .post('/api/v1/me/api-key')
        .set('Authorization', `Bearer ${token}`)
        .send({ current_password: currentPassword });
    for (let i = 0; i < 5; i++) await rotate(`wrong-${i}`).expect(422);
    expect(await pair('ada')).toMatchObject({ failures: 5 });
    const locked = await rotate('ada-password').expect(429);
    expect(locked.body).toEqual(tooMany(1));
    // The key did not change: it still authenticates.
    await api(app).get('/api/me').set('X-Argilla-Api-Key', 'ada.apikey').expect(200);
  });

  it('forgets counters that can no longer lock anyone', async () => {
    await failTimes('old', 2);
    await failTimes('recent', 2);
    await attempts().update({ key: 'user:old' }, { updatedAt: new Date(Date.now() - 3_600_000) });
    await attempts().update({ key: (await pair('old')).key }, { updatedAt: new Date(Date.now() - 3_600_000) });
    await app.get(LoginThrottle).purgeExpired();
    expect(Object.keys(await counters('user'))).toEqual(['recent']);
    expect(await counters('pair')).toEqual({ [(await pair('recent')).key.slice('pair:'.length)]: 2 });
  });
});

describe.each(engines())('login throttling per client (%s)', (engine) => {
  let suite: ApiSuite;

  afterEach(async () => {
    await suite.close();
  });

  it('stops password spraying from one client across usernames', async () => {
    suite = await openApiSuite(engine, { ARGILLA_LOGIN_MAX_FAILURES_PER_CLIENT: '10' });
    await seedUser(suite.app, { username: 'ada', password: 'ada-password', apiKey: 'ada.apikey' });
    const login = (username: string, password: string) =>
      api(suite.app).post('/api/security/token').type('form').send({ username, password });

    for (let i = 0; i < 10; i++) expect((await login(`user-${i}`, 'spray-password')).body).toEqual(UNAUTHORIZED);
    const refused = await login('ada', 'ada-password').expect(429);
    expect(refused.headers['retry-after']).toBe(String(LOCKOUT));
  });

  it('counts each client behind a trusted proxy by its X-Forwarded-For address', async () => {
    suite = await openApiSuite(engine, {
      ARGILLA_LOGIN_MAX_FAILURES_PER_CLIENT: '3',
      ARGILLA_TRUSTED_PROXIES: 'loopback',
    });
    await seedUser(suite.app, { username: 'ada', password: 'ada-password', apiKey: 'ada.apikey' });
    const login = (username: string, forwardedFor: string) =>
      api(suite.app)
        .post('/api/security/token')
        .type('form')
        .set('X-Forwarded-For', forwardedFor)
        .send({ username, password: 'x-password' });

    for (let i = 0; i < 3; i++) await login(`user-${i}`, '203.0.113.7').expect(401);
    await login('user-9', '203.0.113.7').expect(429);
    await login('user-9', '198.51.100.4').expect(401);
    expect(await suite.dataSource.getRepository(LoginAttempt).existsBy({ key: 'client:203.0.113.7' })).toBe(true);
  });
});

describe.each(engines())('login throttling: what a stranger can do (%s)', (engine) => {
  let suite: ApiSuite;

  afterEach(async () => {
    await suite.close();
  });

  async function open(env: Record<string, string> = {}): Promise<void> {
    suite = await openApiSuite(engine, { ARGILLA_TRUSTED_PROXIES: 'loopback', ...env });
    await seedUser(suite.app, { username: 'ada', role: 'admin', password: 'ada-password', apiKey: 'ada.apikey' });
  }
  const loginFrom = (address: string, password: string) =>
    api(suite.app)
      .post('/api/security/token')
      .type('form')
      .set('X-Forwarded-For', address)
      .send({ username: 'ada', password });

  it('cannot lock a user out: the right password from another address still logs in', async () => {
    await open();
    const answers: number[] = [];
    for (let i = 0; i < 20; i++) answers.push((await loginFrom('203.0.113.7', `guess-${i}`)).status);
    expect(answers).toEqual([...Array(5).fill(401), ...Array(15).fill(429)]);
    await loginFrom('198.51.100.4', 'ada-password').expect(200);
    // The stranger's own address still waits, right password or not.
    await loginFrom('203.0.113.7', 'ada-password').expect(429);
    const rows = await suite.dataSource.getRepository(LoginAttempt).find({ order: { key: 'ASC' } });
    expect(rows.map((row) => [row.key, row.failures])).toEqual([
      ['client:198.51.100.4', 0],
      ['client:203.0.113.7', 5],
      ['pair:203.0.113.7 ada', 5],
      ['user:ada', 5],
    ]);
  });

  it('locks the username for everyone past ARGILLA_LOGIN_MAX_FAILURES_PER_USER failures from all addresses', async () => {
    await open({ ARGILLA_LOGIN_MAX_FAILURES_PER_USER: '6' });
    for (let i = 0; i < 6; i++) await loginFrom(`203.0.113.${i + 1}`, 'guess').expect(401);
    const locked = await loginFrom('198.51.100.4', 'ada-password').expect(429);
    expect(locked.body).toEqual(tooMany(LOCKOUT));
    expect(locked.headers['retry-after']).toBe(String(LOCKOUT));
    // Refused attempts do not count: the other counters of the refused address did not move.
    const rows = await suite.dataSource.getRepository(LoginAttempt).findBy({ key: 'client:198.51.100.4' });
    expect(rows).toEqual([]);
  });
});

describe.each(engines())('login throttling under a burst (%s)', (engine) => {
  let suite: ApiSuite;
  const servers: ServerProcess[] = [];

  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await suite.close();
  });

  it('verifies at most 5 of 40 parallel guesses sent to two server processes on one database', async () => {
    // A long first wait, so that no wait ends during the burst.
    suite = await openApiSuite(engine, { ARGILLA_LOGIN_DELAY_SECONDS: '300' });
    await seedUser(suite.app, { username: 'ada', password: 'ada-password', apiKey: 'ada.apikey' });
    for (let i = 0; i < 2; i++) servers.push(await spawnServer(suite.db.env, await freePort()));
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    try {
      const passwords = [...Array.from({ length: 39 }, (_, i) => `guess-${i}`), 'ada-password'];
      const statuses = await Promise.all(
        passwords.map((password, i) => postLogin(agent, servers[i % 2].port, 'ada', password)),
      );
      expect(count(statuses)).toEqual({ 401: 5, 429: 35 });
      const rows = await suite.dataSource.getRepository(LoginAttempt).find({ order: { key: 'ASC' } });
      expect(rows.map((row) => [row.key.replace(/:.* /, ': '), row.failures])).toEqual([
        ['client:127.0.0.1', 5],
        ['pair: ada', 5],
        ['user:ada', 5],
      ]);
    } finally {
      agent.destroy();
    }
  });
});

function count(values: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
