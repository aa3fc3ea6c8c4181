import { createHmac, randomUUID } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { formatTimestamp } from '@argilla/common';
import { MigrationRunner, User, UserSession } from '@argilla/database';
import { MAX_SESSIONS_PER_USER } from '@argilla/users';
import { HourlySweep } from '../apps/argilla-server/src/security/hourly-sweep';
import {
  api,
  ApiSuite,
  envelope,
  FORBIDDEN,
  invalid,
  MISSING_ID,
  notFound,
  openApiSuite,
  seedUser,
  TEST_SECRET,
  TIMESTAMP,
  UNAUTHORIZED,
} from './support/api';
import { freePort, ServerProcess, spawnServer } from './support/server';
import { engines } from './support/test-database';
import { later } from './support/clock';

const byKey = (key: string) => ({ 'X-Argilla-Api-Key': key });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const sessionNotFound = (id: string) => envelope('EntityNotFoundError', { name: id, type: 'UserSession' });
const badRequest = (detail: string) => envelope('BadRequestError', { detail });
const NOT_A_SESSION_REQUEST =
  'This request has no session to end: it was made with an API key or a personal access token, not with the ' +
  'bearer token of a login (revoke a personal access token with DELETE /api/v1/me/tokens/{token_id})';
const SESSIONLESS_TOKEN =
  'This bearer token has no session (it was issued by an earlier release): it cannot be ended alone; it ends ' +
  'when it expires, when the password changes, or when the user is disabled or deleted';

/** The claims of a JWT, unverified. */
function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
}

/** An HS256 JWT signed with the test secret (as an earlier release, or Argilla itself, would sign it). */
function forge(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', TEST_SECRET).update(unsigned).digest('base64url')}`;
}

describe.each(engines())('sessions (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;
  let admin: User;

  beforeAll(async () => {
    suite = await openApiSuite(engine);
    ({ app, dataSource } = suite);
    admin = (await seedUser(app, { username: 'admin', role: 'admin', password: 'admin-password' })).user;
  });

  afterAll(async () => {
    await suite?.close();
  });

  /** A new annotator with its password `<name>-password` and API key `<name>.apikey`. */
  const newUser = async (username: string): Promise<User> =>
    (await seedUser(app, { username, password: `${username}-password`, apiKey: `${username}.apikey` })).user;

  const login = async (username: string, userAgent = 'session-tests/1.0'): Promise<string> => {
    const response = await api(app)
      .post('/api/security/token')
      .set('User-Agent', userAgent)
      .type('form')
      .send({ username, password: `${username}-password` })
      .expect(200);
    return response.body.access_token as string;
  };

  const sessionRows = (user: User) =>
    dataSource.getRepository(UserSession).find({ where: { userId: user.id }, order: { createdAt: 'ASC' } });

  const sidOf = (token: string) => claimsOf(token).sid as string;

  describe('a login', () => {
    it("starts a session that its JWT names, with the client's address and user agent, ending with the JWT", async () => {
      const ann = await newUser('ann');
      const token = await login('ann', 'Mozilla/5.0 (X11; Linux x86_64) test');
      const claims = claimsOf(token);
      const rows = await sessionRows(ann);
      expect(rows).toHaveLength(1);
      const [row] = rows;
      expect({ ...row, createdAt: undefined, lastSeenAt: undefined }).toEqual({
        id: claims.sid,
        userId: ann.id,
        createdAt: undefined,
        lastSeenAt: undefined,
        expiresAt: new Date((claims.exp as number) * 1000),
        client: expect.stringMatching(/127\.0\.0\.1$/),
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) test',
        provider: null,
      });
      expect(row.lastSeenAt).toEqual(row.createdAt);

      const listed = await api(app).get('/api/v1/me/sessions').set(bearer(token)).expect(200);
      expect(listed.body).toEqual({
        items: [
          {
            id: claims.sid,
            created_at: formatTimestamp(row.createdAt),
            last_seen_at: formatTimestamp(row.lastSeenAt),
            expires_at: formatTimestamp(row.expiresAt),
            client: row.client,
            user_agent: 'Mozilla/5.0 (X11; Linux x86_64) test',
            provider: null,
            current: true,
          },
        ],
        total: 1,
      });
      expect(listed.body.items[0].created_at).toMatch(TIMESTAMP);
    });

    it('keeps a long user agent cut to 512 characters, and none when there is none', async () => {
      const cut = await newUser('cut');
      await login('cut', 'x'.repeat(2_000));
      await api(app)
        .post('/api/security/token')
        .unset('User-Agent')
        .type('form')
        .send({ username: 'cut', password: 'cut-password' })
        .expect(200);
      expect((await sessionRows(cut)).map((row) => row.userAgent)).toEqual(['x'.repeat(512), null]);
    });

    it('lists the sessions newest first, paged, marking the one the request is made with', async () => {
      const bo = await newUser('bo');
      const first = await login('bo', 'first');
      const second = await login('bo', 'second');
      const third = await login('bo', 'third');
      const list = await api(app).get('/api/v1/me/sessions').set(bearer(second)).expect(200);
      expect(list.body.total).toBe(3);
      expect(list.body.items.map((item: { id: string }) => item.id)).toEqual([third, second, first].map(sidOf));
      expect(list.body.items.map((item: { user_agent: string }) => item.user_agent)).toEqual([
        'third',
        'second',
        'first',
      ]);
      expect(list.body.items.map((item: { current: boolean }) => item.current)).toEqual([false, true, false]);
      // With the API key, none is current.
      const byApiKey = await api(app).get('/api/v1/me/sessions').set(byKey('bo.apikey')).expect(200);
      expect(byApiKey.body.items.map((item: { current: boolean }) => item.current)).toEqual([false, false, false]);
      const page = await api(app).get('/api/v1/me/sessions?limit=1&offset=1').set(byKey('bo.apikey')).expect(200);
      expect(page.body).toEqual({ items: [expect.objectContaining({ id: sidOf(second) })], total: 3 });
      const bad = await api(app).get('/api/v1/me/sessions?limit=0').set(byKey('bo.apikey'));
      expect(bad.status).toBe(422);
      expect((await sessionRows(bo)).length).toBe(3);
    });

    it(`keeps at most ${MAX_SESSIONS_PER_USER} sessions per user: signing in once more ends the oldest`, async () => {
      const many = await newUser('many');
      const first = await login('many');
      // The rest written directly, each a millisecond later than the one before.
      const base = Date.now();
      const rows = Array.from({ length: MAX_SESSIONS_PER_USER - 1 }, (_, i) =>
        Object.assign(new UserSession(), {
          id: randomUUID(),
          userId: many.id,
          createdAt: new Date(base + i + 1),
          lastSeenAt: new Date(base + i + 1),
          expiresAt: new Date(base + 86_400_000),
          client: null,
          userAgent: `seeded-${i}`,
          provider: null,
        }),
      );
      await dataSource.getRepository(UserSession).insert(rows);
      await api(app).get('/api/me').set(bearer(first)).expect(200);
      const latest = await later(1_000, () => login('many'));
      const kept = await sessionRows(many);
      expect(kept).toHaveLength(MAX_SESSIONS_PER_USER);
      expect(kept.map((row) => row.id)).not.toContain(sidOf(first));
      expect(kept.map((row) => row.id)).toContain(sidOf(latest));
      expect((await api(app).get('/api/me').set(bearer(first))).status).toBe(401);
      await api(app).get('/api/me').set(bearer(latest)).expect(200);
    });

    it('writes last_seen_at at most once a minute', async () => {
      const cy = await newUser('cy');
      const token = await login('cy');
      const lastSeen = async () => (await sessionRows(cy))[0].lastSeenAt;
      const created = await lastSeen();
      await api(app).get('/api/me').set(bearer(token)).expect(200);
      expect(await lastSeen()).toEqual(created);
      const moved = await later(61_000, async () => {
        await api(app).get('/api/me').set(bearer(token)).expect(200);
        return lastSeen();
      });
      expect(moved.getTime()).toBeGreaterThan(created.getTime() + 60_000);
      await api(app).get('/api/me').set(bearer(token)).expect(200);
      expect(await lastSeen()).toEqual(moved);
    });
  });

  describe('logout', () => {
    it('ends the current session: the answer is the session, its JWT is refused, other sessions stay', async () => {
      const di = await newUser('di');
      const kept = await login('di', 'laptop');
      const ended = await login('di', 'phone');
      const response = await api(app).post('/api/v1/me/logout').set(bearer(ended)).expect(200);
      expect(response.body).toEqual({
        id: sidOf(ended),
        created_at: expect.stringMatching(TIMESTAMP),
        last_seen_at: expect.stringMatching(TIMESTAMP),
        expires_at: formatTimestamp(new Date((claimsOf(ended).exp as number) * 1000)),
        client: expect.any(String),
        user_agent: 'phone',
        provider: null,
        current: true,
      });
      expect((await sessionRows(di)).map((row) => row.id)).toEqual([sidOf(kept)]);
      for (const path of ['/api/me', '/api/v1/me/sessions']) {
        const refused = await api(app).get(path).set(bearer(ended));
        expect([refused.status, refused.body]).toEqual([401, UNAUTHORIZED]);
      }
      const again = await api(app).post('/api/v1/me/logout').set(bearer(ended));
      expect([again.status, again.body]).toEqual([401, UNAUTHORIZED]);
      await api(app).get('/api/me').set(bearer(kept)).expect(200);
      // A new login is a new session.
      const fresh = await login('di');
      expect(sidOf(fresh)).not.toBe(sidOf(ended));
      await api(app).get('/api/me').set(bearer(fresh)).expect(200);
    });

    it('is a 400 for a request made without a session, which changes nothing', async () => {
      const ed = await newUser('ed');
      const token = await login('ed');
      const full = await api(app)
        .post('/api/v1/me/tokens')
        .set(byKey('ed.apikey'))
        .send({ name: 'full', scope: 'full' })
        .expect(201);
      const read = await api(app).post('/api/v1/me/tokens').set(byKey('ed.apikey')).send({ name: 'read' }).expect(201);
      // Issued no earlier than the user's creation (which an earlier test's moved clock may have put ahead).
      const iat = Math.max(Math.floor(Date.now() / 1000), Math.floor(ed.insertedAt.getTime() / 1000));
      const legacy = forge({ sub: 'ed', iat, exp: iat + 600 });
      const cases: [Record<string, string>, number, unknown][] = [
        [byKey('ed.apikey'), 400, badRequest(NOT_A_SESSION_REQUEST)],
        [byKey(full.body.secret as string), 400, badRequest(NOT_A_SESSION_REQUEST)],
        [byKey(read.body.secret as string), 403, FORBIDDEN],
        [bearer(legacy), 400, badRequest(SESSIONLESS_TOKEN)],
      ];
      for (const [headers, status, body] of cases) {
        const response = await api(app).post('/api/v1/me/logout').set(headers);
        expect([response.status, response.body]).toEqual([status, body]);
      }
      expect((await sessionRows(ed)).map((row) => row.id)).toEqual([sidOf(token)]);
      await api(app).get('/api/me').set(bearer(token)).expect(200);
      await api(app).get('/api/me').set(bearer(legacy)).expect(200);
    });

    it('refuses a JWT naming a session that is not its user’s, or that never existed', async () => {
      const fay = await newUser('fay');
      await newUser('gus');
      const gusToken = await login('gus');
      const claims = claimsOf(await login('fay'));
      // The test secret signs what an attacker could not: fay's claims with gus's session, and a made-up one.
      for (const sid of [sidOf(gusToken), randomUUID()]) {
        const forged = forge({ ...claims, sid });
        const response = await api(app).get('/api/me').set(bearer(forged));
        expect([response.status, response.body]).toEqual([401, UNAUTHORIZED]);
      }
      await api(app)
        .get('/api/me')
        .set(bearer(forge(claims)))
        .expect(200);
      expect((await sessionRows(fay)).length).toBe(1);
    });
  });

  describe('ending sessions', () => {
    it("ends one of one's own sessions by id; another user's or an unknown one is a 404, a bad id a 422", async () => {
      const hal = await newUser('hal');
      await newUser('ida');
      const current = await login('hal', 'current');
      const other = await login('hal', 'other');
      const idaToken = await login('ida');
      const ended = await api(app)
        .delete(`/api/v1/me/sessions/${sidOf(other)}`)
        .set(bearer(current))
        .expect(200);
      expect(ended.body).toEqual(expect.objectContaining({ id: sidOf(other), user_agent: 'other', current: false }));
      expect((await api(app).get('/api/me').set(bearer(other))).status).toBe(401);
      await api(app).get('/api/me').set(bearer(current)).expect(200);

      for (const id of [sidOf(idaToken), sidOf(other), MISSING_ID]) {
        const response = await api(app).delete(`/api/v1/me/sessions/${id}`).set(bearer(current));
        expect([response.status, response.body]).toEqual([404, sessionNotFound(id)]);
      }
      const bad = await api(app).delete('/api/v1/me/sessions/not-a-uuid').set(bearer(current));
      expect([bad.status, bad.body]).toEqual([
        422,
        invalid({
          loc: ['path', 'session_id'],
          msg: 'value is not a valid uuid',
          type: 'type_error.uuid',
        }),
      ]);
      await api(app).get('/api/me').set(bearer(idaToken)).expect(200);
      // Ending the current one by id is a logout.
      const self = await api(app)
        .delete(`/api/v1/me/sessions/${sidOf(current)}`)
        .set(bearer(current))
        .expect(200);
      expect(self.body.current).toBe(true);
      expect((await api(app).get('/api/me').set(bearer(current))).status).toBe(401);
      expect(await sessionRows(hal)).toEqual([]);
    });

    it("lets an admin list and end every session of a user; the user's API key and tokens stay", async () => {
      const jo = await newUser('jo');
      const tokens = [await login('jo', 'a'), await login('jo', 'b')];
      const pat = await api(app)
        .post('/api/v1/me/tokens')
        .set(byKey('jo.apikey'))
        .send({ name: 'kept', scope: 'full' })
        .expect(201);
      const listed = await api(app).get(`/api/v1/users/${jo.id}/sessions`).set(byKey('admin.apikey')).expect(200);
      expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual(tokens.map(sidOf).reverse());
      expect(listed.body.total).toBe(2);

      const ended = await api(app).delete(`/api/v1/users/${jo.id}/sessions`).set(byKey('admin.apikey')).expect(200);
      expect(ended.body).toEqual({ items: listed.body.items, total: 2 });
      expect(await sessionRows(jo)).toEqual([]);
      for (const token of tokens) expect((await api(app).get('/api/me').set(bearer(token))).status).toBe(401);
      await api(app).get('/api/me').set(byKey('jo.apikey')).expect(200);
      await api(app)
        .get('/api/me')
        .set(byKey(pat.body.secret as string))
        .expect(200);
      // Nothing left: an empty answer, not an error.
      const none = await api(app).delete(`/api/v1/users/${jo.id}/sessions`).set(byKey('admin.apikey')).expect(200);
      expect(none.body).toEqual({ items: [], total: 0 });
    });

    it('refuses an annotator the admin routes (403), and answers 404 for an unknown user', async () => {
      const kai = await newUser('kai');
      const token = await login('kai');
      for (const method of ['get', 'delete'] as const) {
        const refused = await api(app)[method](`/api/v1/users/${admin.id}/sessions`).set(byKey('kai.apikey'));
        expect([refused.status, refused.body]).toEqual([403, FORBIDDEN]);
        const unknown = await api(app)[method](`/api/v1/users/${MISSING_ID}/sessions`).set(byKey('admin.apikey'));
        expect([unknown.status, unknown.body]).toEqual([404, notFound(MISSING_ID, 'User')]);
      }
      expect((await sessionRows(kai)).map((row) => row.id)).toEqual([sidOf(token)]);
    });

    it("ends a user's sessions when its password changes or it is disabled", async () => {
      const lu = await newUser('lu');
      const first = await login('lu');
      await api(app)
        .put('/api/v1/me/password')
        .set(bearer(first))
        .send({ current_password: 'lu-password', new_password: 'lu-password-2' })
        .expect(200);
      expect(await sessionRows(lu)).toEqual([]);
      expect((await api(app).get('/api/me').set(bearer(first))).status).toBe(401);

      const second = (
        await api(app)
          .post('/api/security/token')
          .type('form')
          .send({ username: 'lu', password: 'lu-password-2' })
          .expect(200)
      ).body.access_token as string;
      expect((await sessionRows(lu)).map((row) => row.id)).toEqual([sidOf(second)]);
      await api(app).patch(`/api/v1/users/${lu.id}`).set(byKey('admin.apikey')).send({ disabled: true }).expect(200);
      expect(await sessionRows(lu)).toEqual([]);
      await api(app).patch(`/api/v1/users/${lu.id}`).set(byKey('admin.apikey')).send({ disabled: false }).expect(200);
      expect((await api(app).get('/api/me').set(bearer(second))).status).toBe(401);
      // Deleting a user deletes its sessions (cascade).
      const third = (
        await api(app)
          .post('/api/security/token')
          .type('form')
          .send({ username: 'lu', password: 'lu-password-2' })
          .expect(200)
      ).body.access_token as string;
      expect((await sessionRows(lu)).map((row) => row.id)).toEqual([sidOf(third)]);
      await api(app).delete(`/api/users/${lu.id}`).set(byKey('admin.apikey')).expect(200);
      expect(await sessionRows(lu)).toEqual([]);
    });

    it('deletes expired sessions in the hourly sweep; an expired JWT is refused by its own expiry', async () => {
      const mo = await newUser('mo');
      const expired = await login('mo');
      const live = await login('mo');
      await dataSource
        .getRepository(UserSession)
        .update({ id: sidOf(expired) }, { expiresAt: new Date(Date.now() - 1_000) });
      await app.get(HourlySweep).sweep();
      expect((await sessionRows(mo)).map((row) => row.id)).toEqual([sidOf(live)]);
      expect((await api(app).get('/api/me').set(bearer(expired))).status).toBe(401);
      await later(86_400_000 + 1_000, async () => {
        expect((await api(app).get('/api/me').set(bearer(live))).status).toBe(401);
        await app.get(HourlySweep).sweep();
      });
      expect(await sessionRows(mo)).toEqual([]);
    });
  });

  describe('across server processes', () => {
    let servers: ServerProcess[] = [];

    afterEach(async () => {
      for (const server of servers) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
      servers = [];
    });

    it('a logout on one process is refused at once by another, under a burst of keep-alive requests', async () => {
      await newUser('nia');
      for (let i = 0; i < 2; i++) servers.push(await spawnServer(suite.db.env, await freePort()));
      const [one, two] = servers.map((server) => `http://127.0.0.1:${server.port}`);
      // fetch keeps its connections alive between requests, as real clients do.
      const login1 = await fetch(`${one}/api/security/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'nia', password: 'nia-password' }),
      });
      const token = ((await login1.json()) as { access_token: string }).access_token;
      const me = (base: string) => fetch(`${base}/api/me`, { headers: bearer(token) }).then((r) => r.status);
      const burst = (size: number) => Promise.all(Array.from({ length: size }, (_, i) => me(i % 2 ? one : two)));
      expect(new Set(await burst(20))).toEqual(new Set([200]));
      // Requests in flight while the logout runs may see either answer; every one sent after it is refused.
      const during = burst(20);
      const logout = await fetch(`${two}/api/v1/me/logout`, { method: 'POST', headers: bearer(token) });
      expect(logout.status).toBe(200);
      for (const status of await during) expect([200, 401]).toContain(status);
      expect(await burst(40)).toEqual(Array.from({ length: 40 }, () => 401));
      const nia = (await dataSource.getRepository(User).findOneByOrFail({ username: 'nia' })) as User;
      expect(await sessionRows(nia)).toEqual([]);
    });

    it("an admin's ending of a user's sessions on one process is seen by the other, with parallel logins", async () => {
      const oz = await newUser('oz');
      for (let i = 0; i < 2; i++) servers.push(await spawnServer(suite.db.env, await freePort()));
      const [one, two] = servers.map((server) => `http://127.0.0.1:${server.port}`);
      const loginAt = async (base: string) => {
        const response = await fetch(`${base}/api/security/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ username: 'oz', password: 'oz-password' }),
        });
        expect(response.status).toBe(200);
        return ((await response.json()) as { access_token: string }).access_token;
      };
      // Logins at once on both processes (four: the login throttle counts attempts in flight, five per username):
      // as many distinct sessions.
      const tokens = await Promise.all(Array.from({ length: 4 }, (_, i) => loginAt(i % 2 ? one : two)));
      expect(new Set(tokens.map(sidOf)).size).toBe(4);
      expect((await sessionRows(oz)).length).toBe(4);
      const ended = await fetch(`${one}/api/v1/users/${oz.id}/sessions`, {
        method: 'DELETE',
        headers: byKey('admin.apikey'),
      });
      expect([ended.status, ((await ended.json()) as { total: number }).total]).toEqual([200, 4]);
      const statuses = await Promise.all(
        tokens.map((token, i) =>
          fetch(`${i % 2 ? two : one}/api/me`, { headers: bearer(token) }).then((response) => response.status),
        ),
      );
      expect(statuses).toEqual(Array.from({ length: 4 }, () => 401));
    });
  });

  describe('downgrade', () => {
    it('drops the sessions below users-6 without refusing, and a JWT of a dropped session is refused after', async () => {
      await newUser('pia');
      const token = await login('pia');
      const runner = new MigrationRunner(dataSource);
      await runner.migrate('users-5');
      const tables: { name: string }[] = await dataSource.query(
        engine === 'postgres'
          ? "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'user_sessions'"
          : "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'user_sessions'",
      );
      expect(tables).toEqual([]);
      await runner.migrate('head');
      expect((await api(app).get('/api/me').set(bearer(token))).status).toBe(401);
      await api(app)
        .get('/api/me')
        .set(bearer(await login('pia')))
        .expect(200);
    });
  });
});
