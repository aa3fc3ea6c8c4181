import type { NestExpressApplication } from '@nestjs/platform-express';
import { LoginThrottle } from '@argilla/auth';
import { LoginAttempt } from '@argilla/database';
import { api, ApiSuite, envelope, openApiSuite, seedUser, UNAUTHORIZED } from './support/api';
import { startApp } from './support/server';
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

  it('locks a username after 5 failures: 429 with Retry-After, even with the right password', async () => {
    await failTimes('ada', 5);
    const locked = await login('ada', 'ada-password').expect(429);
    expect(locked.body).toEqual(tooMany(LOCKOUT));
    expect(locked.headers['retry-after']).toBe(String(LOCKOUT));
    await login('ada', 'wrong').expect(429);
    expect(await attempts().findOneByOrFail({ key: 'user:ada' })).toMatchObject({ failures: 5 });
  });

  it('treats a username that does not exist the same way', async () => {
    await failTimes('ghost', 5);
    const locked = await login('ghost', 'anything').expect(429);
    expect(locked.body).toEqual(tooMany(LOCKOUT));
  });

  it('keeps API-key authentication working for a locked account', async () => {
    await failTimes('ada', 5);
    await login('ada', 'ada-password').expect(429);
    const me = await api(app).get('/api/me').set('X-Argilla-Api-Key', 'ada.apikey').expect(200);
    expect(me.body.username).toBe('ada');
  });

  it('resets the username counter on a success', async () => {
    await failTimes('ada', 4);
    await login('ada', 'ada-password').expect(200);
    expect(await attempts().existsBy({ key: 'user:ada' })).toBe(false);
    await failTimes('ada', 4);
    await login('ada', 'ada-password').expect(200);
  });

  it('starts a new window once the old one has passed, and unlocks when the lockout ends', async () => {
    await failTimes('ada', 4);
    // Move the window into the past: the next failure counts as the first of a new window.
    await attempts().update({ key: 'user:ada' }, { windowStartedAt: new Date(Date.now() - 301_000) });
    await failTimes('ada', 1);
    expect(await attempts().findOneByOrFail({ key: 'user:ada' })).toMatchObject({ failures: 1 });

    await failTimes('ada', 4);
    await login('ada', 'ada-password').expect(429);
    await attempts().update({ key: 'user:ada' }, { lockedUntil: new Date(Date.now() - 1_000) });
    await login('ada', 'ada-password').expect(200);
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

  it("counts a disabled user's right password as a failure, answering exactly as a wrong one does", async () => {
    const { user } = await seedUser(app, { username: 'dora', password: 'dora-password', apiKey: 'dora.apikey' });
    await api(app)
      .patch(`/api/v1/users/${user.id}`)
      .set('X-Argilla-Api-Key', 'ada.apikey')
      .send({ disabled: true })
      .expect(200);
    await failTimes('dora', 4);
    expect((await login('dora', 'dora-password').expect(401)).body).toEqual(UNAUTHORIZED);
    expect(await attempts().findOneByOrFail({ key: 'user:dora' })).toMatchObject({ failures: 5 });
    const locked = await login('dora', 'dora-password').expect(429);
    expect(locked.body).toEqual(tooMany(LOCKOUT));
    await login('dora', 'wrong').expect(429);
  });

  describe('PUT /api/v1/me/password', () => {
    const changePassword = (currentPassword: string, newPassword = 'ada-new-password') =>
      api(app)
        .put('/api/v1/me/password')
        .set('X-Argilla-Api-Key', 'ada.apikey')
        .send({ current_password: currentPassword, new_password: newPassword });
    const clientFailures = async () =>
      (await attempts().find()).filter((row) => row.key.startsWith('client:')).map((row) => row.failures);

    it('counts a wrong current password as a failed login, per username and per client, and locks alike', async () => {
      for (let i = 0; i < 5; i++) await changePassword(`wrong-${i}`).expect(422);
      expect(await attempts().findOneByOrFail({ key: 'user:ada' })).toMatchObject({ failures: 5 });
      expect(await clientFailures()).toEqual([5]);

      for (const current of ['wrong-again', 'ada-password']) {
        const locked = await changePassword(current).expect(429);
        expect(locked.body).toEqual(tooMany(LOCKOUT));
        expect(locked.headers['retry-after']).toBe(String(LOCKOUT));
      }
      await login('ada', 'ada-password').expect(429);
      // Nothing was changed while locked out.
      await attempts().update({ key: 'user:ada' }, { lockedUntil: new Date(Date.now() - 1_000) });
      await login('ada', 'ada-password').expect(200);
    });

    it('refuses with 429 while the account is locked out of login, even with the right current password', async () => {
      await failTimes('ada', 5);
      const locked = await changePassword('ada-password').expect(429);
      expect(locked.body).toEqual(tooMany(LOCKOUT));
      expect(locked.headers['retry-after']).toBe(String(LOCKOUT));
      await changePassword('wrong').expect(429);
      expect(await attempts().findOneByOrFail({ key: 'user:ada' })).toMatchObject({ failures: 5 });
      await attempts().update({ key: 'user:ada' }, { lockedUntil: new Date(Date.now() - 1_000) });
      await login('ada', 'ada-password').expect(200);
    });

    it('resets the username counter on a success, as a login does', async () => {
      await failTimes('ada', 2);
      await changePassword('wrong').expect(422);
      expect(await attempts().findOneByOrFail({ key: 'user:ada' })).toMatchObject({ failures: 3 });
      await changePassword('ada-password').expect(200);
      expect(await attempts().existsBy({ key: 'user:ada' })).toBe(false);
      await login('ada', 'ada-new-password').expect(200);
    });
  });

  it('counts a wrong current password given to rotate the own API key, and refuses it while locked out', async () => {
    const token = (await login('ada', 'ada-password').expect(200)).body.access_token as string;
    const rotate = (currentPassword: string) =>
      api(app)
        .post('/api/v1/me/api-key')
        .set('Authorization', `Bearer ${token}`)
        .send({ current_password: currentPassword });
    for (let i = 0; i < 5; i++) await rotate(`wrong-${i}`).expect(422);
    expect(await attempts().findOneByOrFail({ key: 'user:ada' })).toMatchObject({ failures: 5 });
    const locked = await rotate('ada-password').expect(429);
    expect(locked.body).toEqual(tooMany(LOCKOUT));
    // The key did not change: it still authenticates.
    await api(app).get('/api/me').set('X-Argilla-Api-Key', 'ada.apikey').expect(200);
  });

  it('forgets counters that can no longer lock anyone', async () => {
    await failTimes('old', 2);
    await failTimes('recent', 2);
    await attempts().update({ key: 'user:old' }, { updatedAt: new Date(Date.now() - 3_600_000) });
    await app.get(LoginThrottle).purgeExpired();
    expect(await attempts().existsBy({ key: 'user:old' })).toBe(false);
    expect(await attempts().existsBy({ key: 'user:recent' })).toBe(true);
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
