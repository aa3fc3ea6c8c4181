import { createHash } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { formatTimestamp } from '@argilla/common';
import { DowngradeRefusedError, MigrationRunner, PersonalAccessToken, User, Workspace } from '@argilla/database';
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
  TIMESTAMP,
  UNAUTHORIZED,
} from './support/api';
import { runCli } from './support/cli';
import { freePort, spawnServer } from './support/server';
import { engines, snapshot } from './support/test-database';
import { later } from './support/clock';

const DAY_MS = 86_400_000;
const SECRET = /^argu_pat_[0-9A-Za-z]{43}$/;
const byKey = (key: string) => ({ 'X-Argilla-Api-Key': key });
/** `YYYY-02` of the next February to come (this year's in January). */
const nextFebruary = () => `${new Date().getUTCFullYear() + (new Date().getUTCMonth() === 0 ? 0 : 1)}-02`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const tokenNotFound = (name: string) => envelope('EntityNotFoundError', { name, type: 'PersonalAccessToken' });

describe.each(engines())('personal access tokens (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;
  let ann: User;
  let admin: User;

  beforeAll(async () => {
    suite = await openApiSuite(engine);
    ({ app, dataSource } = suite);
    admin = (await seedUser(app, { username: 'admin', role: 'admin' })).user;
    ann = (await seedUser(app, { username: 'ann', workspaces: ['team'] })).user;
  });

  afterAll(async () => {
    await suite?.close();
  });

  const rows = () => dataSource.getRepository(PersonalAccessToken).find({ order: { createdAt: 'ASC' } });
  const rowsOf = (user: User) =>
    dataSource.getRepository(PersonalAccessToken).find({ where: { userId: user.id }, order: { createdAt: 'ASC' } });

  /** Creates a token with the caller's credentials; its answer's body. */
  async function create(
    headers: Record<string, string>,
    body: Record<string, unknown>,
  ): Promise<{ id: string; secret: string; name: string; scope: string; expires_at: string | null }> {
    const response = await api(app).post('/api/v1/me/tokens').set(headers).send(body);
    expect(response.status).toBe(201);
    return response.body;
  }

  describe('creation', () => {
    it('answers 201 with the secret once, stores only its SHA-256, and lists the token without it', async () => {
      const response = await api(app)
        .post('/api/v1/me/tokens')
        .set(byKey('ann.apikey'))
        .send({ name: '  ci  ', scope: 'full', expires_in_days: 30 });
      expect(response.status).toBe(201);
      const [row] = await rowsOf(ann);
      const secret = response.body.secret as string;
      expect(secret).toMatch(SECRET);
      expect(response.body).toEqual({
        id: row.id,
        name: 'ci',
        scope: 'full',
        prefix: secret.slice(0, 15),
        created_at: formatTimestamp(row.createdAt),
        expires_at: formatTimestamp(row.expiresAt!),
        last_used_at: null,
        secret,
      });
      expect(row).toEqual({
        id: row.id,
        userId: ann.id,
        name: 'ci',
        scope: 'full',
        prefix: secret.slice(0, 15),
        tokenHash: sha256(secret),
        createdAt: row.createdAt,
        expiresAt: row.expiresAt,
        lastUsedAt: null,
      });
      expect(row.expiresAt!.getTime() - row.createdAt.getTime()).toBe(30 * DAY_MS);
      expect(response.body.created_at).toMatch(TIMESTAMP);

      const list = await api(app).get('/api/v1/me/tokens').set(byKey('ann.apikey'));
      expect(list.status).toBe(200);
      const shown: Record<string, unknown> = { ...response.body };
      delete shown.secret;
      expect(list.body).toEqual({ items: [shown], total: 1 });
      await api(app).delete(`/api/v1/me/tokens/${row.id}`).set(byKey('ann.apikey')).expect(200);
    });

    it("defaults to scope read and the server's maximum lifetime (365 days)", async () => {
      const token = await create(byKey('ann.apikey'), { name: 'defaults' });
      const [row] = await rowsOf(ann);
      expect(token.scope).toBe('read');
      expect(row.scope).toBe('read');
      expect(row.expiresAt!.getTime() - row.createdAt.getTime()).toBe(365 * DAY_MS);
      await api(app).delete(`/api/v1/me/tokens/${token.id}`).set(byKey('ann.apikey')).expect(200);
    });

    it('accepts expires_at, with or without a zone', async () => {
      const at = new Date(Date.now() + 10 * DAY_MS);
      const naive = at.toISOString().slice(0, 19);
      const first = await create(byKey('ann.apikey'), { name: 'naive', expires_at: naive });
      const second = await create(byKey('ann.apikey'), { name: 'zoned', expires_at: `${naive}+02:00` });
      expect(first.expires_at).toBe(`${naive}.000000`);
      expect(second.expires_at).toBe(formatTimestamp(new Date(Date.parse(`${naive}Z`) - 2 * 3_600_000)));
      for (const token of [first, second]) {
        await api(app).delete(`/api/v1/me/tokens/${token.id}`).set(byKey('ann.apikey')).expect(200);
      }
    });

    it('refuses a duplicate name with 409, and leaves other users free to use it', async () => {
      const token = await create(byKey('ann.apikey'), { name: 'twice' });
      const again = await api(app).post('/api/v1/me/tokens').set(byKey('ann.apikey')).send({ name: 'twice' });
      expect(again.status).toBe(409);
      expect(again.body).toEqual(envelope('EntityAlreadyExistsError', { name: 'twice', type: 'PersonalAccessToken' }));
      const admins = await create(byKey('admin.apikey'), { name: 'twice' });
      expect((await rows()).map((row) => row.name)).toEqual(['twice', 'twice']);
      await api(app).delete(`/api/v1/me/tokens/${token.id}`).set(byKey('ann.apikey')).expect(200);
      await api(app).delete(`/api/v1/me/tokens/${admins.id}`).set(byKey('admin.apikey')).expect(200);
    });

    it.each([
      [{}, [{ loc: ['body', 'name'], msg: 'field required', type: 'value_error.missing' }]],
      [
        { name: 'x', scope: 'admin' },
        [
          {
            loc: ['body', 'scope'],
            msg: "value is not a valid enumeration member; permitted: 'read', 'full'",
            type: 'type_error.enum',
            ctx: { enum_values: ['read', 'full'] },
          },
        ],
      ],
      [
        { name: 'x', expires_in_days: 0 },
        [
          {
            loc: ['body', 'expires_in_days'],
            msg: 'ensure this value is greater than or equal to 1',
            type: 'value_error.number.not_ge',
            ctx: { limit_value: 1 },
          },
        ],
      ],
      [
        { name: 'x', expires_in_days: 366 },
        [
          {
            loc: ['body', 'expires_in_days'],
            msg: "ensure this value is less than or equal to 365 (the server's maximum)",
            type: 'value_error.number.not_le',
          },
        ],
      ],
      [
        { name: 'x', expires_at: '2020-01-01T00:00:00' },
        [{ loc: ['body', 'expires_at'], msg: 'ensure this time is in the future', type: 'value_error.datetime.past' }],
      ],
      [
        { name: 'x', expires_at: 'tomorrow' },
        [{ loc: ['body', 'expires_at'], msg: 'invalid datetime format', type: 'value_error.datetime' }],
      ],
      // Times of the pattern that do not exist are refused, as the audit filters refuse them; February 30 was read
      // as March 1 or 2.
      [
        { name: 'x', expires_at: `${nextFebruary()}-30T00:00:00` },
        [{ loc: ['body', 'expires_at'], msg: 'invalid datetime format', type: 'value_error.datetime' }],
      ],
      [
        { name: 'x', expires_at: `${nextFebruary()}-28T12:00:00+25:00` },
        [{ loc: ['body', 'expires_at'], msg: 'invalid datetime format', type: 'value_error.datetime' }],
      ],
      [
        { name: 'x', expires_at: `${nextFebruary()}-30T00:00:00Z` },
        [{ loc: ['body', 'expires_at'], msg: 'invalid datetime format', type: 'value_error.datetime' }],
      ],
      [
        { name: 'x', expires_at: '2099-01-01T00:00:00' },
        [
          {
            loc: ['body', 'expires_at'],
            msg: "ensure this time is at most 365 days ahead (the server's maximum)",
            type: 'value_error.datetime.too_late',
          },
        ],
      ],
      [
        { name: 'x', expires_in_days: 1, expires_at: '2099-01-01T00:00:00' },
        [
          {
            loc: ['body', 'expires_at'],
            msg: 'give either expires_at or expires_in_days, not both',
            type: 'value_error.conflict',
          },
        ],
      ],
    ])('refuses %j with 422', async (body, errors) => {
      const response = await api(app).post('/api/v1/me/tokens').set(byKey('ann.apikey')).send(body);
      expect(response.status).toBe(422);
      expect(response.body).toEqual(invalid(...errors));
      expect(await rows()).toEqual([]);
    });
  });

  describe('authentication', () => {
    it('authenticates wherever an API key does, alone or with the Bearer header the Argilla client adds', async () => {
      const { secret, id } = await create(byKey('ann.apikey'), { name: 'client', scope: 'full' });
      const me = await api(app).get('/api/me').set(byKey(secret));
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ username: 'ann', workspaces: ['team'], api_key: null });
      await api(app).get('/api/me').set(byKey(secret)).set('Authorization', `Bearer ${secret}`).expect(200);
      // The user's own rights, never more.
      const users = await api(app).get('/api/users').set(byKey(secret));
      expect([users.status, users.body]).toEqual([403, FORBIDDEN]);
      // Unknown secrets with the prefix, and the prefix alone, are 401.
      // (The last character changed to another: the secret is random and may end in 'x'.)
      const changed = `${secret.slice(0, -1)}${secret.endsWith('x') ? 'y' : 'x'}`;
      for (const bad of [changed, 'argu_pat_', `${secret}x`, secret.toLowerCase()]) {
        expect(bad).not.toBe(secret);
        const response = await api(app).get('/api/me').set(byKey(bad));
        expect([response.status, response.body]).toEqual([401, UNAUTHORIZED]);
      }
      // The legacy API key is untouched.
      await api(app).get('/api/me').set(byKey('ann.apikey')).expect(200);
      await api(app).delete(`/api/v1/me/tokens/${id}`).set(byKey('ann.apikey')).expect(200);
    });

    it('never shows an API key to a request made with a token: a token cannot turn itself into a lasting key', async () => {
      const { user: kim } = await seedUser(app, { username: 'kim', role: 'admin', workspaces: ['kims'] });
      const read = await create(byKey('kim.apikey'), { name: 'kim-read', scope: 'read' });
      const full = await create(byKey('kim.apikey'), { name: 'kim-full', scope: 'full' });
      const [team] = await dataSource.getRepository(Workspace).findBy({ name: 'kims' });
      const keysIn = (body: unknown): unknown[] =>
        (Array.isArray(body) ? body : [body]).map((user) => (user as { api_key?: unknown }).api_key);
      for (const { secret } of [read, full]) {
        expect(keysIn((await api(app).get('/api/me').set(byKey(secret)).expect(200)).body)).toEqual([null]);
        const users = (await api(app).get('/api/users').set(byKey(secret)).expect(200)).body as unknown[];
        expect(new Set(keysIn(users))).toEqual(new Set([null]));
        const members = await api(app).get(`/api/workspaces/${team.id}/users`).set(byKey(secret)).expect(200);
        expect(keysIn(members.body)).toEqual([null]);
      }
      // Writes with a full token: the users they answer with carry no key either.
      const created = await api(app)
        .post('/api/users')
        .set(byKey(full.secret))
        .send({ first_name: 'Lea', username: 'lea-by-token', password: 'lea-password' })
        .expect(200);
      expect(created.body.api_key).toBeNull();
      const added = await api(app)
        .post(`/api/workspaces/${team.id}/users/${created.body.id}`)
        .set(byKey(full.secret))
        .expect(200);
      expect(added.body.api_key).toBeNull();
      const removed = await api(app)
        .delete(`/api/workspaces/${team.id}/users/${created.body.id}`)
        .set(byKey(full.secret))
        .expect(200);
      expect(removed.body.api_key).toBeNull();
      const deleted = await api(app).delete(`/api/users/${created.body.id}`).set(byKey(full.secret)).expect(200);
      expect(deleted.body.api_key).toBeNull();
      // The API key and a login's JWT still see keys, as Argilla's clients expect.
      const byApiKey = (await api(app).get('/api/users').set(byKey('kim.apikey')).expect(200)).body as unknown[];
      expect(keysIn(byApiKey)).toContain('kim.apikey');
      const jwt = (
        await api(app)
          .post('/api/security/token')
          .type('form')
          .send({ username: 'kim', password: 'password-1234' })
          .expect(200)
      ).body.access_token as string;
      const me = await api(app).get('/api/me').set('Authorization', `Bearer ${jwt}`).expect(200);
      expect(me.body.api_key).toBe('kim.apikey');
      // Kim goes, with its tokens: the suite's later tests count the tokens left.
      await api(app).delete(`/api/users/${kim.id}`).set(byKey('admin.apikey')).expect(200);
      expect((await rows()).filter((row) => row.userId === kim.id)).toEqual([]);
    });

    it('writes last_used_at at most once a minute', async () => {
      const { secret, id } = await create(byKey('ann.apikey'), { name: 'used' });
      const lastUsed = async () =>
        (await dataSource.getRepository(PersonalAccessToken).findOneByOrFail({ id })).lastUsedAt;
      expect(await lastUsed()).toBeNull();
      await api(app).get('/api/me').set(byKey(secret)).expect(200);
      const first = await lastUsed();
      expect(first).not.toBeNull();
      await api(app).get('/api/me').set(byKey(secret)).expect(200);
      expect(await lastUsed()).toEqual(first);
      await later(61_000, () => api(app).get('/api/me').set(byKey(secret)).expect(200));
      const second = await lastUsed();
      expect(second!.getTime() - first!.getTime()).toBeGreaterThanOrEqual(60_000);
      const list = await api(app).get('/api/v1/me/tokens').set(byKey('ann.apikey')).expect(200);
      expect(list.body.items[0].last_used_at).toBe(formatTimestamp(second!));
      await api(app).delete(`/api/v1/me/tokens/${id}`).set(byKey('ann.apikey')).expect(200);
    });

    it('a read token may GET and HEAD, and gets 403 for POST, PUT, PATCH and DELETE, changing nothing', async () => {
      const { secret, id } = await create(byKey('admin.apikey'), { name: 'reader', scope: 'read' });
      await api(app).get('/api/users').set(byKey(secret)).expect(200);
      await api(app).head('/api/v1/me').set(byKey(secret)).expect(200);
      const before = await snapshot(dataSource);
      const team = await dataSource.getRepository(Workspace).findOneByOrFail({ name: 'team' });
      const attempts = [
        api(app).post('/api/workspaces').send({ name: 'by-reader' }),
        api(app).put(`/api/v1/users/${ann.id}/password`).send({ new_password: 'password-5678' }),
        api(app).patch(`/api/v1/users/${ann.id}`).send({ first_name: 'Renamed' }),
        api(app).delete(`/api/workspaces/${team.id}/users/${ann.id}`),
        api(app).delete(`/api/v1/me/tokens/${id}`),
      ];
      for (const attempt of attempts) {
        const response = await attempt.set(byKey(secret));
        expect([response.status, response.body]).toEqual([403, FORBIDDEN]);
      }
      expect(await snapshot(dataSource)).toEqual(before);
      expect((await rows()).map((row) => row.id)).toEqual([id]);
      await api(app).delete(`/api/v1/me/tokens/${id}`).set(byKey('admin.apikey')).expect(200);
    });

    it("a full token has its user's rights, but cannot create tokens, change a password or replace an API key", async () => {
      const { secret, id } = await create(byKey('admin.apikey'), { name: 'full', scope: 'full' });
      await api(app).post('/api/workspaces').set(byKey(secret)).send({ name: 'by-full-token' }).expect(200);
      const before = await snapshot(dataSource);
      const attempts = [
        api(app).post('/api/v1/me/tokens').send({ name: 'child' }),
        api(app).put('/api/v1/me/password').send({ current_password: 'password-1234', new_password: 'password-5678' }),
        api(app).post('/api/v1/me/api-key'),
        api(app).put(`/api/v1/users/${ann.id}/password`).send({ new_password: 'password-5678' }),
        api(app).post(`/api/v1/users/${ann.id}/api-key`),
      ];
      for (const attempt of attempts) {
        const response = await attempt.set(byKey(secret));
        expect([response.status, response.body]).toEqual([403, FORBIDDEN]);
      }
      expect(await snapshot(dataSource)).toEqual(before);
      expect((await rows()).map((row) => row.name)).toEqual(['full']);
      await api(app).delete(`/api/v1/me/tokens/${id}`).set(byKey('admin.apikey')).expect(200);
    });

    it('refuses an expired token (401), deletes it when met, and sweeps the ones nobody presents', async () => {
      const met = await create(byKey('ann.apikey'), { name: 'met', expires_in_days: 1 });
      await create(byKey('ann.apikey'), { name: 'unseen', expires_in_days: 1 });
      const kept = await create(byKey('ann.apikey'), { name: 'kept', expires_in_days: 2 });
      await later(DAY_MS + 1_000, async () => {
        const response = await api(app).get('/api/me').set(byKey(met.secret));
        expect([response.status, response.body]).toEqual([401, UNAUTHORIZED]);
        expect((await rowsOf(ann)).map((row) => row.name)).toEqual(['unseen', 'kept']);
        await app.get(HourlySweep).sweep();
        expect((await rowsOf(ann)).map((row) => row.name)).toEqual(['kept']);
        await api(app).get('/api/me').set(byKey(kept.secret)).expect(200);
      });
      await api(app).delete(`/api/v1/me/tokens/${kept.id}`).set(byKey('ann.apikey')).expect(200);
    });
  });

  describe('revocation', () => {
    it("revokes one's own token (the revoked token in the answer), 404 for someone else's or twice", async () => {
      const token = await create(byKey('ann.apikey'), { name: 'revoked', scope: 'full' });
      const [row] = await rowsOf(ann);
      const others = await api(app).delete(`/api/v1/me/tokens/${token.id}`).set(byKey('admin.apikey'));
      expect([others.status, others.body]).toEqual([404, tokenNotFound(token.id)]);
      await api(app).get('/api/me').set(byKey(token.secret)).expect(200);
      const revoked = await api(app).delete(`/api/v1/me/tokens/${token.id}`).set(byKey('ann.apikey'));
      expect(revoked.status).toBe(200);
      expect(revoked.body).toEqual({
        id: token.id,
        name: 'revoked',
        scope: 'full',
        prefix: token.secret.slice(0, 15),
        created_at: formatTimestamp(row.createdAt),
        expires_at: formatTimestamp(row.expiresAt!),
        last_used_at: expect.stringMatching(TIMESTAMP),
      });
      expect(await rows()).toEqual([]);
      const response = await api(app).get('/api/me').set(byKey(token.secret));
      expect([response.status, response.body]).toEqual([401, UNAUTHORIZED]);
      const twice = await api(app).delete(`/api/v1/me/tokens/${token.id}`).set(byKey('ann.apikey'));
      expect([twice.status, twice.body]).toEqual([404, tokenNotFound(token.id)]);
    });

    it('ends every token of a user that is disabled, or whose password is changed or reset', async () => {
      const bob = (await seedUser(app, { username: 'bob', password: 'bob-password' })).user;
      const enable = () =>
        api(app).patch(`/api/v1/users/${bob.id}`).set(byKey('admin.apikey')).send({ disabled: false });

      const first = await create(byKey('bob.apikey'), { name: 'a' });
      await api(app).patch(`/api/v1/users/${bob.id}`).set(byKey('admin.apikey')).send({ disabled: true }).expect(200);
      expect(await rowsOf(bob)).toEqual([]);
      await enable().expect(200);
      expect((await api(app).get('/api/me').set(byKey(first.secret))).status).toBe(401);

      const second = await create(byKey('bob.apikey'), { name: 'b' });
      await api(app)
        .put('/api/v1/me/password')
        .set(byKey('bob.apikey'))
        .send({ current_password: 'bob-password', new_password: 'bob-password-2' })
        .expect(200);
      expect(await rowsOf(bob)).toEqual([]);
      expect((await api(app).get('/api/me').set(byKey(second.secret))).status).toBe(401);

      const third = await create(byKey('bob.apikey'), { name: 'c' });
      await api(app)
        .put(`/api/v1/users/${bob.id}/password`)
        .set(byKey('admin.apikey'))
        .send({ new_password: 'bob-password-3' })
        .expect(200);
      expect(await rowsOf(bob)).toEqual([]);
      expect((await api(app).get('/api/me').set(byKey(third.secret))).status).toBe(401);
      // The API key stays.
      await api(app).get('/api/me').set(byKey('bob.apikey')).expect(200);
    });

    it("refuses a token created before its user's last password change or disabling (a creation that raced it)", async () => {
      const carl = (await seedUser(app, { username: 'carl' })).user;
      const token = await create(byKey('carl.apikey'), { name: 'raced' });
      await api(app).get('/api/me').set(byKey(token.secret)).expect(200);
      const [row] = await rowsOf(carl);
      // As a password change lands: it sets tokens_valid_after, and this token was written after its delete.
      await dataSource
        .getRepository(User)
        .update({ id: carl.id }, { tokensValidAfter: new Date(row.createdAt.getTime() + 1) });
      const response = await api(app).get('/api/me').set(byKey(token.secret));
      expect([response.status, response.body]).toEqual([401, UNAUTHORIZED]);
      await api(app).get('/api/me').set(byKey('carl.apikey')).expect(200);
      await api(app).delete(`/api/v1/me/tokens/${token.id}`).set(byKey('carl.apikey')).expect(200);
    });

    it("admins list and revoke anyone's tokens; annotators may not; unknown users and tokens are 404", async () => {
      const token = await create(byKey('ann.apikey'), { name: 'seen-by-admin' });
      const list = await api(app).get(`/api/v1/users/${ann.id}/tokens`).set(byKey('admin.apikey'));
      expect(list.status).toBe(200);
      expect(list.body).toEqual({
        items: [expect.objectContaining({ id: token.id, name: 'seen-by-admin', scope: 'read', last_used_at: null })],
        total: 1,
      });
      expect(list.body.items[0]).not.toHaveProperty('secret');
      const paged = await api(app).get(`/api/v1/users/${ann.id}/tokens?limit=1&offset=1`).set(byKey('admin.apikey'));
      expect(paged.body).toEqual({ items: [], total: 1 });

      for (const path of [`/api/v1/users/${admin.id}/tokens`, `/api/v1/users/${admin.id}/tokens/${token.id}`]) {
        const method = path.endsWith('/tokens') ? 'get' : 'delete';
        const response = await api(app)[method](path).set(byKey('ann.apikey'));
        expect([response.status, response.body]).toEqual([403, FORBIDDEN]);
      }
      const noUser = await api(app).get(`/api/v1/users/${MISSING_ID}/tokens`).set(byKey('admin.apikey'));
      expect([noUser.status, noUser.body]).toEqual([404, notFound(MISSING_ID, 'User')]);
      const wrongUser = await api(app)
        .delete(`/api/v1/users/${admin.id}/tokens/${token.id}`)
        .set(byKey('admin.apikey'));
      expect([wrongUser.status, wrongUser.body]).toEqual([404, tokenNotFound(token.id)]);

      const revoked = await api(app).delete(`/api/v1/users/${ann.id}/tokens/${token.id}`).set(byKey('admin.apikey'));
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({ id: token.id, name: 'seen-by-admin' });
      expect(await rows()).toEqual([]);
      expect((await api(app).get('/api/me').set(byKey(token.secret))).status).toBe(401);
    });

    it('a revocation is seen at once by a second server process on the same database', async () => {
      const token = await create(byKey('ann.apikey'), { name: 'replica', scope: 'full' });
      const other = await spawnServer(suite.db.env, await freePort());
      try {
        const base = `http://127.0.0.1:${other.port}`;
        const me = () => fetch(`${base}/api/v1/me`, { headers: byKey(token.secret) });
        expect((await me()).status).toBe(200);
        await api(app).delete(`/api/v1/me/tokens/${token.id}`).set(byKey('ann.apikey')).expect(200);
        const refused = await me();
        expect([refused.status, await refused.json()]).toEqual([401, UNAUTHORIZED]);
      } finally {
        other.child.kill('SIGTERM');
        await other.exited;
      }
    });
  });

  describe('downgrade', () => {
    it('refuses to migrate below users-5 while tokens exist, naming their users, and changes nothing', async () => {
      const token = await create(byKey('ann.apikey'), { name: 'kept-by-downgrade' });
      const refused = new MigrationRunner(dataSource).migrate('users-4');
      await expect(refused).rejects.toThrow(DowngradeRefusedError);
      await expect(refused).rejects.toThrow(
        "Refusing to migrate down to 'users-4': it would lose the personal access tokens of ann, which would be " +
          'refused from then on (their API keys and passwords stay). Nothing was changed. ' +
          'To go ahead anyway, run it again with --force.',
      );
      expect((await rows()).map((row) => row.name)).toEqual(['kept-by-downgrade']);
      await api(app).get('/api/me').set(byKey(token.secret)).expect(200);
      await api(app).delete(`/api/v1/me/tokens/${token.id}`).set(byKey('ann.apikey')).expect(200);
    });
  });

  describe('argilla-cli', () => {
    it('creates a token (secret printed once), lists it, and revokes it by name', async () => {
      const created = await runCli(
        ['users', 'create-token', 'ann', '--name', 'from-cli', '--scope', 'full', '--expires-in-days', '7'],
        suite.db.env,
      );
      expect(created.code).toBe(0);
      expect(created.stderr).toBe('');
      const [row] = await rowsOf(ann);
      const secret = /• secret: '(argu_pat_[0-9A-Za-z]{43})'/.exec(created.stdout)![1];
      expect(created.stdout).toBe(
        [
          "Personal access token 'from-cli' created for user 'ann':",
          `• id: '${row.id}'`,
          "• scope: 'full'",
          `• expires_at: '${formatTimestamp(row.expiresAt!)}'`,
          `• secret: '${secret}'`,
          'Keep the secret now: it is not shown again.',
          '',
        ].join('\n'),
      );
      expect(row.tokenHash).toBe(sha256(secret));
      await api(app).get('/api/me').set(byKey(secret)).expect(200);

      const listed = await runCli(['users', 'tokens', 'ann', '--json'], suite.db.env);
      expect(listed.code).toBe(0);
      const [shown] = JSON.parse(listed.stdout);
      expect(JSON.parse(listed.stdout)).toEqual([
        {
          id: row.id,
          name: 'from-cli',
          scope: 'full',
          prefix: secret.slice(0, 15),
          created_at: formatTimestamp(row.createdAt),
          expires_at: formatTimestamp(row.expiresAt!),
          last_used_at: shown.last_used_at,
        },
      ]);
      expect(shown.last_used_at).toMatch(TIMESTAMP);

      const revoked = await runCli(['users', 'revoke-token', 'ann', 'from-cli'], suite.db.env);
      expect(revoked).toEqual({
        code: 0,
        stdout: `Personal access token 'from-cli' (${row.id}) of user 'ann' revoked.\n`,
        stderr: '',
      });
      expect(await rows()).toEqual([]);
      expect((await api(app).get('/api/me').set(byKey(secret))).status).toBe(401);
    });
  });
});
