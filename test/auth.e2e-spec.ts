import { createHmac } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import * as argon2 from 'argon2';
import { DataSource } from 'typeorm';
import { User } from '@argilla/database';
import { PasswordHasher } from '@argilla/users';
import { api, invalid, seedUser, UNAUTHORIZED, ApiSuite, openApiSuite, TEST_SECRET } from './support/api';
import { engines } from './support/test-database';
import { NOT_THE_CLOCK } from './support/clock';

const BCRYPT_1234 = '$2y$05$eaw.j2Kaw8s8vpscVIZMfuqSIX3OLmxA21WjtWicDdn0losQ91Hw.';

function decode(token: string): { header: Record<string, unknown>; claims: Record<string, number | string> } {
  const [header, claims] = token
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
  return { header, claims };
}

function forge(header: Record<string, unknown>, claims: Record<string, unknown>, secret = TEST_SECRET): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A stored time (`YYYY-MM-DD HH:MM:SS.ffffff`, UTC) in microseconds since the epoch. */
function microseconds(stored: string): number {
  const [seconds, fraction = ''] = stored.split('.');
  return Date.parse(`${seconds.replace(' ', 'T')}Z`) * 1000 + Number(fraction.padEnd(6, '0'));
}

describe.each(engines())('authentication (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;
  let ada: User;

  beforeAll(async () => {
    suite = await openApiSuite(engine);
    ({ app, dataSource } = suite);
    ({ user: ada } = await seedUser(app, {
      username: 'ada',
      role: 'admin',
      password: 'ada-password',
      apiKey: 'ada.apikey',
    }));
  });

  afterAll(async () => {
    await suite?.close();
  });

  function login(username: string, password: string) {
    return api(app).post('/api/security/token').type('form').send({ username, password });
  }

  describe('POST /api/security/token', () => {
    it("issues an HS256 JWT with sub, iat, exp (one day), the user's id, token version and session for the right password", async () => {
      const before = nowSeconds();
      const response = await login('ada', 'ada-password').expect(200);
      expect(response.body).toEqual({ access_token: expect.any(String), token_type: 'bearer' });
      expect(response.headers['cache-control']).toBe('no-store');
      const { header, claims } = decode(response.body.access_token);
      expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
      expect(Object.keys(claims).sort()).toEqual(['exp', 'iat', 'sid', 'sub', 'uid', 'ver']);
      // No password change or disabling yet: version 0.
      expect(claims.ver).toBe(0);
      expect(claims.sub).toBe('ada');
      expect(claims.uid).toBe(ada.id);
      expect(claims.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(claims.iat).toBeGreaterThanOrEqual(before);
      expect((claims.exp as number) - (claims.iat as number)).toBe(1440 * 60);
      // The session it names (test/sessions.e2e-spec.ts covers them).
      expect(claims.sid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });

    it('accepts the optional OAuth2 fields', async () => {
      await api(app)
        .post('/api/security/token')
        .type('form')
        .send({ grant_type: 'password', username: 'ada', password: 'ada-password', scope: '', client_id: 'x' })
        .expect(200);
    });

    it('answers a wrong password and an unknown user with the same 401', async () => {
      const wrong = await login('ada', 'not-the-password').expect(401);
      const unknown = await login('nobody', 'not-the-password').expect(401);
      expect(wrong.body).toEqual(UNAUTHORIZED);
      expect(unknown.body).toEqual(UNAUTHORIZED);
      expect(wrong.headers['www-authenticate']).toBe('Bearer');
    });

    it('answers missing or empty fields with 422, listing each', async () => {
      const missing = await api(app).post('/api/security/token').type('form').send({}).expect(422);
      expect(missing.body).toEqual(
        invalid(
          { loc: ['body', 'username'], msg: 'field required', type: 'value_error.missing' },
          { loc: ['body', 'password'], msg: 'field required', type: 'value_error.missing' },
        ),
      );
      const empty = await login('', '').expect(422);
      expect(empty.body).toEqual(missing.body);
    });

    it('rejects a duplicated form field deterministically', async () => {
      const response = await api(app)
        .post('/api/security/token')
        .type('form')
        .send('username=ada&username=eve&password=ada-password')
        .expect(422);
      expect(response.body).toEqual(
        invalid({ loc: ['body', 'username'], msg: 'str type expected', type: 'type_error.str' }),
      );
    });

    it('verifies an imported bcrypt ($2y$) hash, then replaces it with argon2id', async () => {
      const { user } = await seedUser(app, { username: 'legacy', apiKey: 'legacy.apikey' });
      await dataSource.getRepository(User).update({ id: user.id }, { passwordHash: BCRYPT_1234 });

      await login('legacy', 'wrong-password').expect(401);
      expect((await dataSource.getRepository(User).findOneByOrFail({ id: user.id })).passwordHash).toBe(BCRYPT_1234);

      await login('legacy', '1234').expect(200);
      const stored = (await dataSource.getRepository(User).findOneByOrFail({ id: user.id })).passwordHash;
      expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
      expect(await argon2.verify(stored, '1234')).toBe(true);
      await login('legacy', '1234').expect(200);
    });
  });

  describe('credentials on protected routes', () => {
    it('accepts the API key header, in any case', async () => {
      await api(app).get('/api/me').set('X-Argilla-Api-Key', 'ada.apikey').expect(200);
      await api(app).get('/api/me').set('x-argilla-api-key', 'ada.apikey').expect(200);
      await api(app).get('/api/me').set('X-ARGILLA-API-KEY', 'ada.apikey').expect(200);
    });

    it('accepts a bearer JWT from the login', async () => {
      const token = (await login('ada', 'ada-password')).body.access_token;
      const response = await api(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
      expect(response.body.username).toBe('ada');
    });

    it('accepts what the Argilla 1.8 client sends: the key in both headers', async () => {
      await api(app)
        .get('/api/me')
        .set('X-Argilla-Api-Key', 'ada.apikey')
        .set('Authorization', 'Bearer ada.apikey')
        .expect(200);
    });

    it('lets the API key header decide alone: an unknown key is 401 even with a valid token', async () => {
      const token = (await login('ada', 'ada-password')).body.access_token;
      const response = await api(app)
        .get('/api/me')
        .set('X-Argilla-Api-Key', 'not-a-key')
        .set('Authorization', `Bearer ${token}`)
        .expect(401);
      expect(response.body).toEqual(UNAUTHORIZED);
      await api(app).get('/api/me').set('X-Argilla-Api-Key', '').expect(401);
    });

    it.each([
      ['no credentials', {}],
      ['a malformed bearer', { Authorization: 'Bearer not.a.jwt' }],
      ['a bearer without a token', { Authorization: 'Bearer ' }],
      ['another scheme', { Authorization: 'Basic YWRhOmFkYS1wYXNzd29yZA==' }],
      ['the API key as a bearer alone', { Authorization: 'Bearer ada.apikey' }],
    ])('refuses %s with 401', async (_label, headers) => {
      const response = await api(app).get('/api/me').set(headers).expect(401);
      expect(response.body).toEqual(UNAUTHORIZED);
    });

    it('ignores credentials in the query string', async () => {
      const token = (await login('ada', 'ada-password')).body.access_token;
      await api(app).get('/api/me?api_key=ada.apikey').expect(401);
      await api(app).get(`/api/me?access_token=${token}&token=${token}`).expect(401);
    });

    it.each([
      [
        'signed with another secret',
        () =>
          forge(
            { alg: 'HS256', typ: 'JWT' },
            { sub: 'ada', iat: nowSeconds(), exp: nowSeconds() + 60 },
            'other-secret',
          ),
      ],
      [
        'expired',
        () => forge({ alg: 'HS256', typ: 'JWT' }, { sub: 'ada', iat: nowSeconds() - 120, exp: nowSeconds() - 60 }),
      ],
      ['without exp', () => forge({ alg: 'HS256', typ: 'JWT' }, { sub: 'ada', iat: nowSeconds() })],
      [
        'without iat (as Argilla 1.8 issues them)',
        () => forge({ alg: 'HS256', typ: 'JWT' }, { sub: 'ada', exp: nowSeconds() + 60 }),
      ],
      [
        'with alg none',
        () =>
          `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'ada', iat: nowSeconds(), exp: nowSeconds() + 60 })).toString('base64url')}.`,
      ],
      [
        'with alg HS512',
        () => forge({ alg: 'HS512', typ: 'JWT' }, { sub: 'ada', iat: nowSeconds(), exp: nowSeconds() + 60 }),
      ],
      [
        'for a user that does not exist',
        () => forge({ alg: 'HS256', typ: 'JWT' }, { sub: 'ghost', iat: nowSeconds(), exp: nowSeconds() + 60 }),
      ],
    ])('refuses a token %s with 401', async (_label, token) => {
      const response = await api(app).get('/api/me').set('Authorization', `Bearer ${token()}`).expect(401);
      expect(response.body).toEqual(UNAUTHORIZED);
    });

    it('accepts a token forged with the right secret and claims (the refusals above are for their reason)', async () => {
      const token = forge({ alg: 'HS256', typ: 'JWT' }, { sub: 'ada', iat: nowSeconds(), exp: nowSeconds() + 60 });
      await api(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
    });

    it('refuses the token of a deleted user, and an old token after the username is created again', async () => {
      const { user } = await seedUser(app, { username: 'temp', password: 'temp-password', apiKey: 'temp.apikey' });
      const token = (await login('temp', 'temp-password')).body.access_token;
      await api(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);

      await api(app).delete(`/api/users/${user.id}`).set('X-Argilla-Api-Key', 'ada.apikey').expect(200);
      await api(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(401);

      const { user: again } = await seedUser(app, {
        username: 'temp',
        password: 'temp-password',
        apiKey: 'temp2.apikey',
      });
      // A token issued a second before the new user existed, as the deleted user's old tokens were.
      const old = forge(
        { alg: 'HS256', typ: 'JWT' },
        { sub: 'temp', iat: Math.floor(again.insertedAt.getTime() / 1000) - 1, exp: nowSeconds() + 600 },
      );
      await api(app).get('/api/me').set('Authorization', `Bearer ${old}`).expect(401);
      const fresh = (await login('temp', 'temp-password')).body.access_token;
      await api(app).get('/api/me').set('Authorization', `Bearer ${fresh}`).expect(200);
    });

    it('refuses an old token after the username is created again within the same second', async () => {
      const { user } = await seedUser(app, { username: 'quick', password: 'quick-password', apiKey: 'quick.apikey' });
      const token = (await login('quick', 'quick-password')).body.access_token;
      const { iat } = decode(token).claims;
      await api(app).delete(`/api/users/${user.id}`).set('X-Argilla-Api-Key', 'ada.apikey').expect(200);
      const { user: again } = await seedUser(app, {
        username: 'quick',
        password: 'quick-password',
        apiKey: 'quick2.apikey',
      });
      // Created in the second the old token was issued in, as a fast re-creation is: whole seconds cannot tell.
      await dataSource.getRepository(User).update({ id: again.id }, { insertedAt: new Date((iat as number) * 1000) });

      expect((await api(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(401)).body).toEqual(
        UNAUTHORIZED,
      );
      const fresh = (await login('quick', 'quick-password')).body.access_token;
      expect(decode(fresh).claims.uid).toBe(again.id);
      await api(app).get('/api/me').set('Authorization', `Bearer ${fresh}`).expect(200);
    });

    it.each([
      ['of another user', () => '00000000-0000-4000-8000-000000000000'],
      ['in another spelling (no dashes)', () => ada.id.replace(/-/g, '')],
      ['in upper case', () => ada.id.toUpperCase()],
      ['that is not a string', () => 42],
      ['that is null', () => null],
    ])('refuses a token whose uid is %s', async (_label, uid) => {
      const token = forge(
        { alg: 'HS256', typ: 'JWT' },
        { sub: 'ada', iat: nowSeconds(), exp: nowSeconds() + 60, uid: uid() },
      );
      expect((await api(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(401)).body).toEqual(
        UNAUTHORIZED,
      );
    });

    it('accepts a token without uid (earlier releases) under the rules before it: iat not before the creation second', async () => {
      const { user } = await seedUser(app, { username: 'legacy-token', apiKey: 'legacy-token.apikey' });
      const created = Math.floor(user.insertedAt.getTime() / 1000);
      const token = (iat: number) =>
        forge({ alg: 'HS256', typ: 'JWT' }, { sub: 'legacy-token', iat, exp: nowSeconds() + 60 });
      await api(app)
        .get('/api/me')
        .set('Authorization', `Bearer ${token(created)}`)
        .expect(200);
      await api(app)
        .get('/api/me')
        .set('Authorization', `Bearer ${token(created - 1)}`)
        .expect(401);
      const withUid = forge(
        { alg: 'HS256', typ: 'JWT' },
        { sub: 'legacy-token', iat: created, exp: nowSeconds() + 60, uid: user.id },
      );
      await api(app).get('/api/me').set('Authorization', `Bearer ${withUid}`).expect(200);
    });

    it("ends a token whose version is no longer the user's, and refuses a version that is not an integer", async () => {
      const { user } = await seedUser(app, { username: 'versioned', password: 'versioned-pass', apiKey: 'v.apikey' });
      const token = (await login('versioned', 'versioned-pass').expect(200)).body.access_token as string;
      await api(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
      const claims = { sub: 'versioned', iat: nowSeconds(), exp: nowSeconds() + 60, uid: user.id };
      for (const ver of [1, 0.5, '0']) {
        const forged = forge({ alg: 'HS256', typ: 'JWT' }, { ...claims, ver });
        await api(app).get('/api/me').set('Authorization', `Bearer ${forged}`).expect(401);
      }
      // A password change moves the version: the new login's token carries it, the old one is refused.
      await api(app)
        .put(`/api/v1/users/${user.id}/password`)
        .set('X-Argilla-Api-Key', 'ada.apikey')
        .send({ new_password: 'versioned-pass-2' })
        .expect(200);
      await api(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(401);
      const fresh = (await login('versioned', 'versioned-pass-2').expect(200)).body.access_token as string;
      const asText = engine === 'postgres' ? 'tokens_valid_after::text' : 'tokens_valid_after';
      const [row] = await dataSource.query(`SELECT ${asText} AS changed FROM users WHERE username = 'versioned'`);
      expect(decode(fresh).claims.ver).toBe(microseconds(row.changed));
      await api(app).get('/api/me').set('Authorization', `Bearer ${fresh}`).expect(200);
    });

    it('issues a usable token when the clock has stepped back since the user was created', async () => {
      const { user } = await seedUser(app, {
        username: 'clock-back',
        password: 'clock-back-pass',
        apiKey: 'cb.apikey',
      });
      jest.useFakeTimers({ doNotFake: NOT_THE_CLOCK, now: user.insertedAt.getTime() - 5_000 });
      try {
        const token = (await login('clock-back', 'clock-back-pass').expect(200)).body.access_token as string;
        expect(decode(token).claims.iat).toBe(Math.floor(user.insertedAt.getTime() / 1000));
        await api(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
      } finally {
        jest.useRealTimers();
      }
    });

    it('refuses the token of a login that was verifying the old password while an admin reset it', async () => {
      const { user } = await seedUser(app, { username: 'racer', password: 'racer-old', apiKey: 'racer.apikey' });
      const hasher = app.get(PasswordHasher);
      const verify = hasher.verify.bind(hasher);
      let reached!: () => void;
      let release!: () => void;
      const verifying = new Promise<void>((resolve) => (reached = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      // The login is held after it read the user and before its password check ends.
      const spy = jest.spyOn(hasher, 'verify').mockImplementationOnce(async (hash, password) => {
        reached();
        await released;
        return verify(hash, password);
      });
      try {
        // Sent now (a supertest request starts when it is awaited).
        const loggingIn = login('racer', 'racer-old').then((response) => response);
        await verifying;
        await api(app)
          .put(`/api/v1/users/${user.id}/password`)
          .set('X-Argilla-Api-Key', 'ada.apikey')
          .send({ new_password: 'racer-new' })
          .expect(200);
        // The login finishes in a later second than the reset, as a slow hash or a busy server makes it.
        jest.useFakeTimers({ doNotFake: NOT_THE_CLOCK, now: Date.now() + 2_000 });
        release();
        const response = await loggingIn;
        expect(response.status).toBe(200);
        await api(app).get('/api/me').set('Authorization', `Bearer ${response.body.access_token}`).expect(401);
      } finally {
        jest.useRealTimers();
        spy.mockRestore();
      }
      await login('racer', 'racer-old').expect(401);
      const fresh = (await login('racer', 'racer-new').expect(200)).body.access_token as string;
      await api(app).get('/api/me').set('Authorization', `Bearer ${fresh}`).expect(200);
    });

    it('reads the role from the database, not from the token', async () => {
      const { user } = await seedUser(app, {
        username: 'demoted',
        role: 'admin',
        password: 'demoted-pass',
        apiKey: 'demoted.apikey',
      });
      const token = (await login('demoted', 'demoted-pass')).body.access_token;
      await api(app).get('/api/users').set('Authorization', `Bearer ${token}`).expect(200);
      await dataSource.getRepository(User).update({ id: user.id }, { role: 'annotator' });
      await api(app).get('/api/users').set('Authorization', `Bearer ${token}`).expect(403);
    });
  });
});
