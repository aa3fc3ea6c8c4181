import { Agent } from 'node:http';
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Response } from 'supertest';
import { DataSource, MoreThan } from 'typeorm';
import { formatTimestamp } from '@argilla/common';
import {
  AuditEvent,
  LoginAttempt,
  PersonalAccessToken,
  REVISIONS,
  TAGS,
  User,
  UserSession,
  Workspace,
} from '@argilla/database';
import { AuditEventResponse, toAuditEventResponse } from '@argilla/users';
import { HourlySweep } from '../apps/argilla-server/src/security/hourly-sweep';
import { api, ApiSuite, FORBIDDEN, MISSING_ID, openApiSuite, seedUser, TIMESTAMP, UNAUTHORIZED } from './support/api';
import { runCli } from './support/cli';
import { freePort, postLogin, ServerProcess, spawnServer } from './support/server';
import { engines, TestDatabase } from './support/test-database';
import { NOT_THE_CLOCK } from './support/clock';

const DAY_MS = 86_400_000;
/** The client address of a request from this machine (IPv4, IPv4-mapped IPv6, or IPv6). */
const LOOPBACK = /^(::ffff:127\.0\.0\.1|127\.0\.0\.1|::1)$/;
const PAT = /argu_pat_[0-9A-Za-z]{43}/;
/** bcrypt ($2y$, cost 5) of '1234', as in Argilla's own users files. */
const HASH_1234 = '$2y$05$eaw.j2Kaw8s8vpscVIZMfuqSIX3OLmxA21WjtWicDdn0losQ91Hw.';
const OS_USER = userInfo().username;
const CLI_ACTOR = { type: 'cli', name: OS_USER };

const ADMIN_PASSWORD = 'admin-Pw-s3cret-4f1';
const ADMIN_KEY = 'admin.key.s3cret.9d2';
const byKey = (key: string) => ({ 'X-Argilla-Api-Key': key });
const bearer = (jwt: string) => ({ Authorization: `Bearer ${jwt}` });
const userTarget = (user: { id: string; username: string }) => ({ type: 'user', id: user.id, name: user.username });

/** Runs `work` with `Date` standing still (timers keep real time): every failed login falls in one minute. */
async function clockStopped<T>(work: () => Promise<T>): Promise<T> {
  jest.useFakeTimers({ doNotFake: NOT_THE_CLOCK, now: Date.now() });
  try {
    return await work();
  } finally {
    jest.useRealTimers();
  }
}

type Expected = Omit<AuditEventResponse, 'id' | 'time'>;

describe.each(engines())('audit log (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;
  let admin: User;
  let adminActor: { type: string; id: string; name: string };
  /** Every password, API key and token secret the suite uses: no event may contain one. */
  const secrets = new Set<string>([ADMIN_PASSWORD, ADMIN_KEY, HASH_1234]);
  /** The id of the last event before the current step. */
  let mark = 0;

  beforeAll(async () => {
    suite = await openApiSuite(engine);
    ({ app, dataSource } = suite);
    admin = (await seedUser(app, { username: 'admin', role: 'admin', password: ADMIN_PASSWORD, apiKey: ADMIN_KEY }))
      .user;
    adminActor = { type: 'user', id: admin.id, name: 'admin' };
  });

  afterAll(async () => {
    await suite?.close();
  });

  const events = () => dataSource.getRepository(AuditEvent);

  /** From here on, `expectEvents` sees only the events recorded afterwards. */
  async function markNow(): Promise<void> {
    const [last] = await events().find({ order: { id: 'DESC' }, take: 1 });
    mark = last ? Number(last.id) : 0;
  }

  beforeEach(async () => {
    await markNow();
    // Each test starts with no failed login counted against this client.
    await dataSource.getRepository(LoginAttempt).clear();
  });

  /** A new user, created through the service (its `user.created` by `system` is left behind by `markNow`). */
  async function newUser(username: string, role: 'annotator' | 'admin' = 'annotator', workspaces: string[] = []) {
    const password = `${username}-Pw-s3cret`;
    const apiKey = `${username}.key.s3cret`;
    secrets.add(password).add(apiKey);
    const { user } = await seedUser(app, { username, role, password, apiKey, workspaces });
    await markNow();
    return { user, id: user.id, username, password, apiKey };
  }

  function secretsIn(text: string): string[] {
    for (const secret of secrets) expect(typeof secret === 'string' && secret.length >= 8).toBe(true);
    return [...secrets].filter((secret) => text.includes(secret));
  }

  /**
   * The events recorded since `markNow`, oldest first, as the API shows them; checked to hold no secret and to be
   * what `GET /api/v1/audit` answers too (newest first).
   */
  async function recorded(): Promise<AuditEventResponse[]> {
    const rows = await events().find({ where: { id: MoreThan(mark) }, order: { id: 'ASC' } });
    for (const row of rows) expect(secretsIn(JSON.stringify(row))).toEqual([]);
    const shown = rows.map(toAuditEventResponse);
    const listed = await api(app).get('/api/v1/audit').query({ limit: 500 }).set(byKey(ADMIN_KEY)).expect(200);
    expect(listed.body.items.filter((event: AuditEventResponse) => event.id > mark)).toEqual([...shown].reverse());
    return shown;
  }

  async function expectEvents(expected: Expected[]): Promise<AuditEventResponse[]> {
    const shown = await recorded();
    expect(shown).toEqual(
      expected.map((event) => ({ id: expect.any(Number), time: expect.stringMatching(TIMESTAMP), ...event })),
    );
    return shown;
  }

  /** Who and where of a request: the caller, this machine, and the request's `X-Request-Id`. */
  function over(response: Response, actor: { type: string; id?: string; name: string } = adminActor) {
    const requestId = response.headers['x-request-id'];
    expect(requestId).toEqual(expect.any(String));
    return { actor, client: expect.stringMatching(LOOPBACK), request_id: requestId };
  }

  const login = (username: string, password: string) =>
    api(app).post('/api/security/token').set('User-Agent', 'audit-tests/1.0').type('form').send({ username, password });

  async function jwtOf(username: string, password: string): Promise<string> {
    const response = await login(username, password).expect(200);
    return response.body.access_token as string;
  }

  const workspaceId = async (name: string) => (await dataSource.getRepository(Workspace).findOneByOrFail({ name })).id;

  describe('a change refused inside its transaction leaves no event', () => {
    it('demoting, disabling or deleting the last admin (409)', async () => {
      const demote = await api(app)
        .patch(`/api/v1/users/${admin.id}`)
        .set(byKey(ADMIN_KEY))
        .send({ first_name: 'Changed', role: 'annotator' });
      expect(demote.status).toBe(409);
      await api(app).patch(`/api/v1/users/${admin.id}`).set(byKey(ADMIN_KEY)).send({ disabled: true }).expect(409);
      await api(app).delete(`/api/v1/users/${admin.id}`).set(byKey(ADMIN_KEY)).expect(409);
      const cli = await runCli(['users', 'disable', 'admin'], suite.db.env);
      expect(cli.code).not.toBe(0);
      const cliDemote = await runCli(['users', 'update', 'admin', '--role', 'annotator'], suite.db.env);
      expect(cliDemote.code).not.toBe(0);
      await expectEvents([]);
      expect(await dataSource.getRepository(User).findOneByOrFail({ id: admin.id })).toMatchObject({
        firstName: 'admin',
        role: 'admin',
        disabled: false,
      });
    });

    it('creating a taken username (409), in either app', async () => {
      await newUser('taken');
      await api(app)
        .post('/api/users')
        .set(byKey(ADMIN_KEY))
        .send({ first_name: 'Taken', username: 'taken', password: 'other-Pw-s3cret' })
        .expect(409);
      const cli = await runCli(
        ['users', 'create', '--username', 'taken', '--first-name', 'T', '--password', 'other-Pw-s3cret'],
        suite.db.env,
      );
      // As Argilla 1.8's CLI: said and skipped (exit 0).
      expect({ code: cli.code, stdout: cli.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/already/) });
      await api(app).post('/api/workspaces').set(byKey(ADMIN_KEY)).send({ name: 'dup-ws' }).expect(200);
      await markNow();
      await api(app).post('/api/workspaces').set(byKey(ADMIN_KEY)).send({ name: 'dup-ws' }).expect(409);
      await expectEvents([]);
    });

    it('adding a member twice (409), removing a non-member or deleting an unknown user (404)', async () => {
      const dora = await newUser('dora', 'annotator', ['dora-team']);
      const team = await workspaceId('dora-team');
      await api(app).post(`/api/workspaces/${team}/users/${dora.id}`).set(byKey(ADMIN_KEY)).expect(409);
      // The CLI's 409 (from inside the transaction) is said and skipped (exit 0).
      const cli = await runCli(['workspaces', 'add-user', 'dora-team', 'dora'], suite.db.env);
      expect({ code: cli.code, stdout: cli.stdout }).toEqual({
        code: 0,
        stdout: "User 'dora' is already a member of workspace 'dora-team'. Skipping...\n",
      });
      await api(app).delete(`/api/workspaces/${team}/users/${admin.id}`).set(byKey(ADMIN_KEY)).expect(404);
      await api(app).delete(`/api/users/${MISSING_ID}`).set(byKey(ADMIN_KEY)).expect(404);
      await api(app).delete(`/api/v1/users/${MISSING_ID}`).set(byKey(ADMIN_KEY)).expect(404);
      await api(app).patch(`/api/v1/users/${MISSING_ID}`).set(byKey(ADMIN_KEY)).send({ role: 'admin' }).expect(404);
      await api(app)
        .put(`/api/v1/users/${MISSING_ID}/password`)
        .set(byKey(ADMIN_KEY))
        .send({ new_password: 'never-Pw-s3cret' })
        .expect(404);
      await expectEvents([]);
    });

    it('a wrong current password, or a token name taken, changes nothing and records nothing of the kind', async () => {
      const ed = await newUser('ed');
      await api(app).post('/api/v1/me/tokens').set(byKey(ed.apiKey)).send({ name: 'dup' }).expect(201);
      await markNow();
      await api(app).post('/api/v1/me/tokens').set(byKey(ed.apiKey)).send({ name: 'dup' }).expect(409);
      const wrong = await api(app)
        .put('/api/v1/me/password')
        .set(byKey(ed.apiKey))
        .send({ current_password: 'not-it-s3cret', new_password: 'next-Pw-s3cret' });
      expect(wrong.status).toBe(422);
      secrets.add('not-it-s3cret').add('next-Pw-s3cret');
      expect((await recorded()).filter((event) => !event.action.startsWith('login.'))).toEqual([]);
    });
  });

  describe('over HTTP, one event per action', () => {
    it('POST /api/users: user.created by the admin, with role and workspaces (none: Argilla 1.8 takes none)', async () => {
      secrets.add('fay-Pw-s3cret');
      const response = await api(app)
        .post('/api/users')
        .set(byKey(ADMIN_KEY))
        .send({ first_name: 'Fay', username: 'fay', password: 'fay-Pw-s3cret', role: 'admin' });
      expect(response.status).toBe(200);
      secrets.add(response.body.api_key);
      await expectEvents([
        {
          ...over(response),
          action: 'user.created',
          target: { type: 'user', id: response.body.id, name: 'fay' },
          details: { role: 'admin', workspaces: [] },
        },
      ]);
      await api(app).delete(`/api/users/${response.body.id}`).set(byKey(ADMIN_KEY)).expect(200);
      // There is no POST /api/v1/users: users are created by POST /api/users.
      const v1 = await api(app).post('/api/v1/users').set(byKey(ADMIN_KEY)).send({ username: 'x' });
      expect([404, 405]).toContain(v1.status);
    });

    it('PATCH: names → user.updated, role → user.role_changed, disabled → user.disabled / user.enabled', async () => {
      const gus = await newUser('gus');
      const names = await api(app)
        .patch(`/api/v1/users/${gus.id}`)
        .set(byKey(ADMIN_KEY))
        .send({ first_name: 'Gustav', last_name: 'Mahler' })
        .expect(200);
      const promote = await api(app)
        .patch(`/api/v1/users/${gus.id}`)
        .set(byKey(ADMIN_KEY))
        .send({ role: 'admin' })
        .expect(200);
      const demote = await api(app)
        .patch(`/api/v1/users/${gus.id}`)
        .set(byKey(ADMIN_KEY))
        .send({ role: 'annotator' })
        .expect(200);
      const disable = await api(app)
        .patch(`/api/v1/users/${gus.id}`)
        .set(byKey(ADMIN_KEY))
        .send({ disabled: true })
        .expect(200);
      const enable = await api(app)
        .patch(`/api/v1/users/${gus.id}`)
        .set(byKey(ADMIN_KEY))
        .send({ disabled: false })
        .expect(200);
      const noLastName = await api(app)
        .patch(`/api/v1/users/${gus.id}`)
        .set(byKey(ADMIN_KEY))
        .send({ last_name: null })
        .expect(200);
      const target = userTarget(gus);
      await expectEvents([
        { ...over(names), action: 'user.updated', target, details: { first_name: 'Gustav', last_name: 'Mahler' } },
        { ...over(promote), action: 'user.role_changed', target, details: { from: 'annotator', to: 'admin' } },
        { ...over(demote), action: 'user.role_changed', target, details: { from: 'admin', to: 'annotator' } },
        { ...over(disable), action: 'user.disabled', target, details: {} },
        { ...over(enable), action: 'user.enabled', target, details: {} },
        { ...over(noLastName), action: 'user.updated', target, details: { last_name: null } },
      ]);
    });

    it('one PATCH changing several kinds: one event per kind, in one request; the same values again: none', async () => {
      const hal = await newUser('hal');
      const body = { first_name: 'Hal 9000', role: 'admin', disabled: true };
      const response = await api(app).patch(`/api/v1/users/${hal.id}`).set(byKey(ADMIN_KEY)).send(body).expect(200);
      const target = userTarget(hal);
      await expectEvents([
        { ...over(response), action: 'user.updated', target, details: { first_name: 'Hal 9000' } },
        { ...over(response), action: 'user.role_changed', target, details: { from: 'annotator', to: 'admin' } },
        { ...over(response), action: 'user.disabled', target, details: {} },
      ]);
      await markNow();
      await api(app).patch(`/api/v1/users/${hal.id}`).set(byKey(ADMIN_KEY)).send(body).expect(200);
      await api(app).patch(`/api/v1/users/${hal.id}`).set(byKey(ADMIN_KEY)).send({}).expect(200);
      await expectEvents([]);
      // A disabled admin counts for nothing: the next test's last admin is still `admin`.
      await api(app).delete(`/api/v1/users/${hal.id}`).set(byKey(ADMIN_KEY)).expect(200);
    });

    it('DELETE /api/users/{id} and DELETE /api/v1/users/{id}: user.deleted with the role', async () => {
      const ida = await newUser('ida');
      const jon = await newUser('jon', 'admin');
      const one = await api(app).delete(`/api/users/${ida.id}`).set(byKey(ADMIN_KEY)).expect(200);
      const two = await api(app).delete(`/api/v1/users/${jon.id}`).set(byKey(ADMIN_KEY)).expect(200);
      await expectEvents([
        { ...over(one), action: 'user.deleted', target: userTarget(ida), details: { role: 'annotator' } },
        { ...over(two), action: 'user.deleted', target: userTarget(jon), details: { role: 'admin' } },
      ]);
    });

    it('PUT /api/v1/me/password with a login JWT: user.password_changed by the user itself', async () => {
      const kim = await newUser('kim');
      const jwt = await jwtOf('kim', kim.password);
      await markNow();
      secrets.add('kim-new-Pw-s3cret').add(jwt);
      const response = await api(app)
        .put('/api/v1/me/password')
        .set(bearer(jwt))
        .send({ current_password: kim.password, new_password: 'kim-new-Pw-s3cret' })
        .expect(200);
      const kimActor = { type: 'user', id: kim.id, name: 'kim' };
      await expectEvents([
        { ...over(response, kimActor), action: 'user.password_changed', target: userTarget(kim), details: {} },
      ]);
    });

    it('PUT /api/v1/users/{id}/password: user.password_reset by the admin, + user.api_key_rotated when asked', async () => {
      const lea = await newUser('lea');
      secrets.add('lea-reset-Pw-s3cret').add('lea-reset2-Pw-s3cret');
      const reset = await api(app)
        .put(`/api/v1/users/${lea.id}/password`)
        .set(byKey(ADMIN_KEY))
        .send({ new_password: 'lea-reset-Pw-s3cret' })
        .expect(200);
      const rotated = await api(app)
        .put(`/api/v1/users/${lea.id}/password`)
        .set(byKey(ADMIN_KEY))
        .send({ new_password: 'lea-reset2-Pw-s3cret', rotate_api_key: true })
        .expect(200);
      secrets.add(rotated.body.api_key);
      const target = userTarget(lea);
      await expectEvents([
        { ...over(reset), action: 'user.password_reset', target, details: {} },
        { ...over(rotated), action: 'user.password_reset', target, details: {} },
        { ...over(rotated), action: 'user.api_key_rotated', target, details: {} },
      ]);
    });

    it("API key rotation, the caller's own (POST /api/v1/me/api-key) and by an admin: user.api_key_rotated", async () => {
      const max = await newUser('max');
      const own = await api(app).post('/api/v1/me/api-key').set(byKey(max.apiKey)).expect(200);
      secrets.add(own.body.api_key);
      const byAdmin = await api(app).post(`/api/v1/users/${max.id}/api-key`).set(byKey(ADMIN_KEY)).expect(200);
      secrets.add(byAdmin.body.api_key);
      const target = userTarget(max);
      await expectEvents([
        {
          ...over(own, { type: 'user', id: max.id, name: 'max' }),
          action: 'user.api_key_rotated',
          target,
          details: {},
        },
        { ...over(byAdmin), action: 'user.api_key_rotated', target, details: {} },
      ]);
    });

    it('personal access tokens: token.created, token.revoked (by the owner and by an admin)', async () => {
      const ned = await newUser('ned');
      const nedActor = { type: 'user', id: ned.id, name: 'ned' };
      const created = await api(app)
        .post('/api/v1/me/tokens')
        .set(byKey(ned.apiKey))
        .send({ name: 'ci', scope: 'full', expires_in_days: 30 })
        .expect(201);
      const other = await api(app).post('/api/v1/me/tokens').set(byKey(ned.apiKey)).send({ name: 'cd' }).expect(201);
      secrets.add(created.body.secret).add(other.body.secret);
      const rows = await dataSource
        .getRepository(PersonalAccessToken)
        .find({ where: { userId: ned.id }, order: { createdAt: 'ASC' } });
      for (const row of rows) secrets.add(row.tokenHash);
      const revoked = await api(app).delete(`/api/v1/me/tokens/${created.body.id}`).set(byKey(ned.apiKey)).expect(200);
      const revokedByAdmin = await api(app)
        .delete(`/api/v1/users/${ned.id}/tokens/${other.body.id}`)
        .set(byKey(ADMIN_KEY))
        .expect(200);
      const shown = await expectEvents([
        {
          ...over(created, nedActor),
          action: 'token.created',
          target: { type: 'personal_access_token', id: created.body.id, name: 'ci' },
          details: { user_id: ned.id, scope: 'full', expires_at: expect.any(String) },
        },
        {
          ...over(other, nedActor),
          action: 'token.created',
          target: { type: 'personal_access_token', id: other.body.id, name: 'cd' },
          details: { user_id: ned.id, scope: 'read', expires_at: expect.any(String) },
        },
        {
          ...over(revoked, nedActor),
          action: 'token.revoked',
          target: { type: 'personal_access_token', id: created.body.id, name: 'ci' },
          details: { user_id: ned.id },
        },
        {
          ...over(revokedByAdmin),
          action: 'token.revoked',
          target: { type: 'personal_access_token', id: other.body.id, name: 'cd' },
          details: { user_id: ned.id },
        },
      ]);
      // The expiry, in the API's time format (naive UTC, microseconds), as the token's own `expires_at`.
      expect(shown[0].details.expires_at).toBe(formatTimestamp(rows[0].expiresAt!));
      expect(shown[1].details.expires_at).toBe(formatTimestamp(rows[1].expiresAt!));
    });

    it('workspaces and members: created, member_added, member_removed, deleted (by API key and by a login JWT)', async () => {
      const oli = await newUser('oli');
      const jwt = await jwtOf('admin', ADMIN_PASSWORD);
      secrets.add(jwt);
      await markNow();
      const created = await api(app).post('/api/workspaces').set(bearer(jwt)).send({ name: 'lab' }).expect(200);
      const lab = { type: 'workspace', id: created.body.id, name: 'lab' };
      const added = await api(app).post(`/api/workspaces/${lab.id}/users/${oli.id}`).set(byKey(ADMIN_KEY)).expect(200);
      const removed = await api(app).delete(`/api/workspaces/${lab.id}/users/${oli.id}`).set(bearer(jwt)).expect(200);
      const deleted = await api(app).delete(`/api/v1/workspaces/${lab.id}`).set(byKey(ADMIN_KEY)).expect(200);
      await expectEvents([
        { ...over(created), action: 'workspace.created', target: lab, details: {} },
        {
          ...over(added),
          action: 'workspace.member_added',
          target: lab,
          details: { user_id: oli.id, username: 'oli' },
        },
        {
          ...over(removed),
          action: 'workspace.member_removed',
          target: lab,
          details: { user_id: oli.id, username: 'oli' },
        },
        { ...over(deleted), action: 'workspace.deleted', target: lab, details: {} },
      ]);
    });

    it("a client's own X-Request-Id is the event's request_id; an unacceptable one is replaced", async () => {
      const given = await api(app)
        .post('/api/workspaces')
        .set(byKey(ADMIN_KEY))
        .set('X-Request-Id', 'trace-0123456789')
        .send({ name: 'traced' })
        .expect(200);
      expect(given.headers['x-request-id']).toBe('trace-0123456789');
      const replaced = await api(app)
        .delete(`/api/v1/workspaces/${given.body.id}`)
        .set(byKey(ADMIN_KEY))
        .set('X-Request-Id', 'not acceptable')
        .expect(200);
      expect(replaced.headers['x-request-id']).not.toBe('not acceptable');
      const traced = { type: 'workspace', id: given.body.id, name: 'traced' };
      await expectEvents([
        { ...over(given), request_id: 'trace-0123456789', action: 'workspace.created', target: traced, details: {} },
        { ...over(replaced), action: 'workspace.deleted', target: traced, details: {} },
      ]);
    });

    it('a login: login.succeeded naming the session, in its transaction', async () => {
      const pam = await newUser('pam');
      const response = await login('pam', pam.password).expect(200);
      const jwt = response.body.access_token as string;
      secrets.add(jwt);
      const [session] = await dataSource.getRepository(UserSession).findBy({ userId: pam.id });
      const pamUser = { type: 'user', id: pam.id, name: 'pam' };
      await expectEvents([
        {
          ...over(response, pamUser),
          action: 'login.succeeded',
          target: userTarget(pam),
          details: { session_id: session.id, provider: null, user_agent: 'audit-tests/1.0' },
        },
      ]);
      // The JWT names that session.
      const payload = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as { sid: string };
      expect(payload.sid).toBe(session.id);
    });

    it('failed logins: one event per username and client in a minute, counting them, unknown usernames too', async () => {
      const quin = await newUser('quin');
      secrets.add('wrong-s3cret-0').add('wrong-s3cret-1').add('wrong-s3cret-2');
      const [first, ghost] = await clockStopped(async () => {
        const quinFailures: Response[] = [];
        const ghostFailures: Response[] = [];
        for (let i = 0; i < 3; i++) quinFailures.push(await login('quin', `wrong-s3cret-${i}`).expect(401));
        for (let i = 0; i < 2; i++) ghostFailures.push(await login('ghost', `wrong-s3cret-${i}`).expect(401));
        // One more for quin after the ghost's: still quin's row.
        await login('quin', 'wrong-s3cret-0').expect(401);
        return [quinFailures[0], ghostFailures[0]];
      });
      await expectEvents([
        {
          ...over(first, { type: 'user', name: 'quin' }),
          action: 'login.failed',
          target: userTarget(quin),
          details: { known_user: true, count: 4 },
        },
        {
          ...over(ghost, { type: 'user', name: 'ghost' }),
          action: 'login.failed',
          target: { type: 'user', name: 'ghost' },
          details: { known_user: false, count: 2 },
        },
      ]);
    });

    it('locked out (429): login.locked_out, one per client and minute, counting the refusals', async () => {
      const rex = await newUser('rex');
      const [firstFailure, firstLocked, statuses] = await clockStopped(async () => {
        const failures: Response[] = [];
        for (let i = 0; i < 5; i++) failures.push(await login('rex', `wrong-s3cret-${i % 3}`).expect(401));
        const locked: Response[] = [];
        // Refused before the password is looked at, the right one too; then another username of this client.
        locked.push(await login('rex', rex.password));
        locked.push(await login('rex', 'wrong-s3cret-0'));
        locked.push(await login('rex', rex.password));
        return [failures[0], locked[0], locked.map((response) => response.status)] as const;
      });
      expect(statuses).toEqual([429, 429, 429]);
      await expectEvents([
        {
          ...over(firstFailure, { type: 'user', name: 'rex' }),
          action: 'login.failed',
          target: userTarget(rex),
          details: { known_user: true, count: 5 },
        },
        {
          ...over(firstLocked, { type: 'user', name: 'rex' }),
          action: 'login.locked_out',
          target: { type: 'user', name: 'rex' },
          details: { count: 3 },
        },
      ]);
    });
  });

  describe('the CLI, one event per command, by the operating-system user', () => {
    const cli = async (...args: string[]) => {
      const result = await runCli(args, suite.db.env);
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
      return result;
    };
    const userNamed = (username: string) => dataSource.getRepository(User).findOneByOrFail({ username });

    it('users create, update, disable, enable, reset-password, rotate-api-key, tokens, delete', async () => {
      secrets.add('carl-Pw-s3cret').add('carl-key-s3cret-01').add('carl-reset-s3cret').add('carl-reset2-s3cret');
      await cli(
        'users',
        'create',
        '--username',
        'carl',
        '--first-name',
        'Carl',
        '--password',
        'carl-Pw-s3cret',
        '--api-key',
        'carl-key-s3cret-01',
        '--role',
        'annotator',
        '--workspace',
        'carl-team',
      );
      const carl = await userNamed('carl');
      const target = userTarget(carl);
      await cli('users', 'update', 'carl', '--first-name', 'Carlos', '--last-name', 'Santana', '--role', 'admin');
      await cli('users', 'update', 'carl', '--role', 'annotator');
      await cli('users', 'disable', 'carl');
      await cli('users', 'enable', 'carl');
      // Already enabled: nothing changes, nothing is recorded.
      await cli('users', 'enable', 'carl');
      await cli('users', 'reset-password', 'carl', '--password', 'carl-reset-s3cret');
      await cli('users', 'reset-password', 'carl', '--password', 'carl-reset2-s3cret', '--rotate-api-key');
      secrets.add((await userNamed('carl')).apiKey);
      await cli('users', 'rotate-api-key', 'carl');
      secrets.add((await userNamed('carl')).apiKey);
      const token = await cli('users', 'create-token', 'carl', '--name', 'cli-token', '--scope', 'full');
      const secret = PAT.exec(token.stdout)?.[0];
      expect(secret).toBeDefined();
      secrets.add(secret!);
      const [tokenRow] = await dataSource.getRepository(PersonalAccessToken).findBy({ userId: carl.id });
      secrets.add(tokenRow.tokenHash);
      await cli('users', 'revoke-token', 'carl', 'cli-token');
      await cli('users', 'delete', 'carl');
      const tokenTarget = { type: 'personal_access_token', id: tokenRow.id, name: 'cli-token' };
      await expectEvents([
        {
          actor: CLI_ACTOR,
          action: 'user.created',
          target,
          details: { role: 'annotator', workspaces: ['carl-team'] },
        },
        { actor: CLI_ACTOR, action: 'user.updated', target, details: { first_name: 'Carlos', last_name: 'Santana' } },
        { actor: CLI_ACTOR, action: 'user.role_changed', target, details: { from: 'annotator', to: 'admin' } },
        { actor: CLI_ACTOR, action: 'user.role_changed', target, details: { from: 'admin', to: 'annotator' } },
        { actor: CLI_ACTOR, action: 'user.disabled', target, details: {} },
        { actor: CLI_ACTOR, action: 'user.enabled', target, details: {} },
        { actor: CLI_ACTOR, action: 'user.password_reset', target, details: {} },
        { actor: CLI_ACTOR, action: 'user.password_reset', target, details: {} },
        { actor: CLI_ACTOR, action: 'user.api_key_rotated', target, details: {} },
        { actor: CLI_ACTOR, action: 'user.api_key_rotated', target, details: {} },
        {
          actor: CLI_ACTOR,
          action: 'token.created',
          target: tokenTarget,
          details: { user_id: carl.id, scope: 'full', expires_at: formatTimestamp(tokenRow.expiresAt!) },
        },
        { actor: CLI_ACTOR, action: 'token.revoked', target: tokenTarget, details: { user_id: carl.id } },
        { actor: CLI_ACTOR, action: 'user.deleted', target, details: { role: 'annotator' } },
      ]);
    });

    it('workspaces create, add-user, remove-user, delete', async () => {
      const dan = await newUser('dan');
      await cli('workspaces', 'create', 'cli-ws');
      const ws = { type: 'workspace', id: await workspaceId('cli-ws'), name: 'cli-ws' };
      // Exists already: nothing to record.
      await cli('workspaces', 'create', 'cli-ws');
      await cli('workspaces', 'add-user', 'cli-ws', 'dan');
      await cli('workspaces', 'remove-user', 'cli-ws', 'dan');
      await cli('workspaces', 'delete', 'cli-ws');
      await expectEvents([
        { actor: CLI_ACTOR, action: 'workspace.created', target: ws, details: {} },
        {
          actor: CLI_ACTOR,
          action: 'workspace.member_added',
          target: ws,
          details: { user_id: dan.id, username: 'dan' },
        },
        {
          actor: CLI_ACTOR,
          action: 'workspace.member_removed',
          target: ws,
          details: { user_id: dan.id, username: 'dan' },
        },
        { actor: CLI_ACTOR, action: 'workspace.deleted', target: ws, details: {} },
      ]);
    });

    it('users migrate: ONE users.imported event with the count and the file, none per user', async () => {
      const path = join(suite.db.home, 'audit-users.yaml');
      const keys = ['a14427ea-9197-11ec-b909-0242ac120002', '78a10b53-8db7-4ab5-9e9e-fbd4b7e76551'];
      for (const key of keys) secrets.add(key);
      writeFileSync(
        path,
        [
          '- username: imported-one',
          '  full_name: Imported One',
          `  api_key: ${keys[0]}`,
          `  hashed_password: ${HASH_1234}`,
          '- username: imported-two',
          `  api_key: ${keys[1]}`,
          `  hashed_password: ${HASH_1234}`,
          '  workspaces: [imported-team]',
          '',
        ].join('\n'),
      );
      await cli('users', 'migrate', '--file', path);
      expect(await dataSource.getRepository(User).countBy({ username: 'imported-two' })).toBe(1);
      await expectEvents([
        {
          actor: CLI_ACTOR,
          action: 'users.imported',
          target: { type: 'users_file', name: path },
          details: { count: 2 },
        },
      ]);
      // The same file again: refused (the usernames are taken), nothing imported, nothing recorded.
      await markNow();
      const again = await runCli(['users', 'migrate', '--file', path], suite.db.env);
      expect(again.code).not.toBe(0);
      await expectEvents([]);
    });

    it('users create_default: user.default_created', async () => {
      secrets.add('default-Pw-s3cret').add('default.key.s3cret');
      await cli('users', 'create_default', '--password', 'default-Pw-s3cret', '--api-key', 'default.key.s3cret');
      const argilla = await userNamed('argilla');
      // Already there: nothing.
      await cli('users', 'create_default', '--password', 'default-Pw-s3cret', '--api-key', 'default.key.s3cret');
      await expectEvents([
        {
          actor: CLI_ACTOR,
          action: 'user.default_created',
          target: userTarget(argilla),
          details: { role: 'admin', workspaces: ['argilla'] },
        },
      ]);
    });

    it('database migrate: database.migrated with from and to, once the schema has the table', async () => {
      const db = await TestDatabase.create(engine);
      try {
        const previous = REVISIONS[REVISIONS.length - 2].id;
        const head = REVISIONS[REVISIONS.length - 1].id;
        expect(head).toBe(TAGS['users-7']);
        expect((await runCli(['database', 'migrate', '--revision', 'users-6'], db.env)).code).toBe(0);
        expect((await runCli(['database', 'migrate'], db.env)).code).toBe(0);
        // At head: nothing to do, nothing recorded.
        expect((await runCli(['database', 'migrate'], db.env)).code).toBe(0);
        const fresh = await db.connect();
        const rows = await fresh.getRepository(AuditEvent).find({ order: { id: 'ASC' } });
        expect(rows.map(toAuditEventResponse)).toEqual([
          {
            id: expect.any(Number),
            time: expect.stringMatching(TIMESTAMP),
            actor: CLI_ACTOR,
            action: 'database.migrated',
            target: { type: 'database', name: expect.any(String) },
            details: { from: previous, to: head, steps: 1 },
          },
        ]);
        expect(rows[0].targetName).toBe(engine);
      } finally {
        await db.drop();
      }
    });
  });

  describe('reading: GET /api/v1/audit and argilla-cli audit list', () => {
    let all: AuditEventResponse[];
    let reader: { apiKey: string };

    beforeAll(async () => {
      reader = await newUser('reader');
    });

    beforeEach(async () => {
      const response = await api(app).get('/api/v1/audit').query({ limit: 500 }).set(byKey(ADMIN_KEY)).expect(200);
      all = response.body.items;
      expect(response.body.total).toBe(await events().count());
      expect(all.length).toBe(response.body.total);
      expect(all.length).toBeGreaterThan(40);
    });

    const query = async (params: Record<string, string | number>) =>
      (await api(app).get('/api/v1/audit').query(params).set(byKey(ADMIN_KEY)).expect(200)).body as {
        items: AuditEventResponse[];
        total: number;
      };
    const expectFiltered = async (
      params: Record<string, string | number>,
      keep: (event: AuditEventResponse) => boolean,
    ) => {
      const expected = all.filter(keep);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(all.length);
      expect(await query({ ...params, limit: 500 })).toEqual({ items: expected, total: expected.length });
    };

    it('lists newest first, 50 by default, a page at a time with the total', async () => {
      const ids = all.map((event) => event.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(await query({})).toEqual({ items: all.slice(0, 50), total: all.length });
      expect(await query({ limit: 3, offset: 2 })).toEqual({ items: all.slice(2, 5), total: all.length });
      expect(await query({ limit: 10, offset: all.length })).toEqual({ items: [], total: all.length });
      // Every event has the documented shape.
      for (const event of all) {
        expect(Object.keys(event).filter((key) => !['client', 'request_id'].includes(key))).toEqual([
          'id',
          'time',
          'actor',
          'action',
          'target',
          'details',
        ]);
      }
    });

    it('filters by actor (name or id), action, target type and target id, together too', async () => {
      await expectFiltered({ actor: 'admin' }, (event) => event.actor.name === 'admin');
      await expectFiltered({ actor: admin.id }, (event) => event.actor.id === admin.id);
      await expectFiltered({ actor: OS_USER }, (event) => event.actor.name === OS_USER);
      await expectFiltered({ actor: 'system' }, (event) => event.actor.type === 'system');
      await expectFiltered({ action: 'user.created' }, (event) => event.action === 'user.created');
      await expectFiltered({ target_type: 'workspace' }, (event) => event.target.type === 'workspace');
      await expectFiltered({ target_id: admin.id }, (event) => event.target.id === admin.id);
      await expectFiltered(
        { actor: admin.id, action: 'user.created' },
        (event) => event.actor.id === admin.id && event.action === 'user.created',
      );
      expect(await query({ action: 'no.such.action' })).toEqual({ items: [], total: 0 });
    });

    it('filters by time: since (at or after) and until (before), to the microsecond, without a zone (UTC) and with one', async () => {
      /** `time` (as the API shows it) moved by `micros`, written without a zone, in UTC (Z) or at +02:00/-05:00. */
      const shifted = (time: string, micros: number, zone: '' | 'Z' | '+02:00' | '-05:00') => {
        const total = Date.parse(`${time.slice(0, 19)}Z`) * 1000 + Number(time.slice(20, 26)) + micros;
        const seconds = Math.floor(total / 1_000_000) * 1000;
        const fraction = String(total - seconds * 1000).padStart(6, '0');
        const offset = { '': 0, Z: 0, '+02:00': 2, '-05:00': -5 }[zone] * 3_600_000;
        return `${new Date(seconds + offset).toISOString().slice(0, 19)}.${fraction}${zone}`;
      };
      const times = [...new Set(all.map((event) => event.time))].sort();
      const boundary = times[Math.floor(times.length / 2)];
      for (const zone of ['', 'Z', '+02:00', '-05:00'] as const) {
        await expectFiltered({ since: shifted(boundary, 0, zone) }, (event) => event.time >= boundary);
        await expectFiltered({ since: shifted(boundary, 1, zone) }, (event) => event.time > boundary);
        await expectFiltered({ until: shifted(boundary, 0, zone) }, (event) => event.time < boundary);
        await expectFiltered({ until: shifted(boundary, 1, zone) }, (event) => event.time <= boundary);
      }
      // To the second, with and without a zone.
      const second = boundary.slice(0, 19);
      await expectFiltered({ since: second }, (event) => event.time >= second);
      await expectFiltered(
        { since: `${shifted(`${second}.000000`, 0, '-05:00').slice(0, 19)}-05:00` },
        (event) => event.time >= second,
      );
      // The ends of the range both engines store: the last microsecond of 9999 was rounded to the year 10000.
      expect(await query({ since: '0001-01-01T00:00:00', until: '9999-12-31T23:59:59.999999', limit: 500 })).toEqual({
        items: all,
        total: all.length,
      });
      expect(await query({ since: '9999-12-31T23:59:59.999999' })).toEqual({ items: [], total: 0 });
      const first = all[all.length - 1].time;
      const last = all[0].time;
      expect(await query({ since: first, until: last, limit: 500 })).toEqual({
        items: all.filter((event) => event.time >= first && event.time < last),
        total: all.filter((event) => event.time >= first && event.time < last).length,
      });
    });

    it('refuses bad parameters (422), an annotator (403) and the anonymous (401)', async () => {
      for (const params of [
        { since: 'yesterday' },
        { until: '2026-01-01' },
        { since: '2026-01-01 10:00:00' },
        { until: '2026-01-01T10:00:00+2' },
        // The pattern, but no such time.
        { since: '2026-13-45T00:00:00' },
        { since: '2026-02-30T00:00:00' },
        { until: '2026-01-01T25:00:00Z' },
        { until: '2026-01-01T10:60:00.5+02:00' },
        { since: '2026-01-01T10:00:00+25:00' },
        { limit: 0 },
        { limit: 501 },
        { limit: 'x' },
        { offset: -1 },
        { actor: 'x'.repeat(256) },
      ]) {
        const response = await api(app).get('/api/v1/audit').query(params).set(byKey(ADMIN_KEY));
        expect({ params, status: response.status, code: response.body.detail?.code }).toEqual({
          params,
          status: 422,
          code: 'argilla.api.errors::ValidationError',
        });
      }
      const since = await api(app).get('/api/v1/audit').query({ since: 'yesterday' }).set(byKey(ADMIN_KEY));
      expect(since.body.detail.params.errors).toEqual([
        expect.objectContaining({
          loc: ['query', 'since'],
          msg: 'invalid datetime format',
          type: 'value_error.datetime',
        }),
      ]);
      const forbidden = await api(app).get('/api/v1/audit').set(byKey(reader.apiKey));
      expect({ status: forbidden.status, body: forbidden.body }).toEqual({ status: 403, body: FORBIDDEN });
      const anonymous = await api(app).get('/api/v1/audit');
      expect({ status: anonymous.status, body: anonymous.body }).toEqual({ status: 401, body: UNAUTHORIZED });
    });

    it('argilla-cli audit list: --json as the API answers, filters, a table, and "No events."', async () => {
      const cli = (...args: string[]) => runCli(['audit', 'list', ...args], suite.db.env);
      const json = await cli('--json', '--limit', '500');
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({ items: all, total: all.length });
      const filtered = await cli(
        '--json',
        '--action',
        'user.created',
        '--actor',
        admin.id,
        '--limit',
        '3',
        '--offset',
        '1',
      );
      expect(JSON.parse(filtered.stdout)).toEqual(
        await query({ action: 'user.created', actor: admin.id, limit: 3, offset: 1 }),
      );
      const byTarget = await cli('--json', '--target-type', 'workspace', '--since', all[all.length - 1].time);
      expect(JSON.parse(byTarget.stdout)).toEqual(
        await query({ target_type: 'workspace', since: all[all.length - 1].time }),
      );
      const byTargetId = await cli('--json', '--target-id', admin.id, '--until', all[0].time);
      expect(JSON.parse(byTargetId.stdout)).toEqual(await query({ target_id: admin.id, until: all[0].time }));

      const table = await cli('--limit', '3');
      expect(table.code).toBe(0);
      const lines = table.stdout.trimEnd().split('\n');
      expect(lines[0].split(/\s+/)).toEqual(['TIME', 'ACTOR', 'ACTION', 'TARGET', 'CLIENT', 'DETAILS']);
      expect(lines).toHaveLength(1 + 3 + 1);
      expect(lines[lines.length - 1]).toBe(`3 of ${all.length} events (see --limit and --offset).`);
      const rows = lines.slice(1, 4);
      all.slice(0, 3).forEach((event, i) => {
        expect(rows[i].startsWith(event.time)).toBe(true);
        expect(rows[i]).toContain(` ${event.actor.type}:${event.actor.name} `);
        expect(rows[i]).toContain(` ${event.action} `);
      });

      const none = await cli('--action', 'no.such.action');
      expect({ code: none.code, stdout: none.stdout }).toEqual({ code: 0, stdout: 'No events.\n' });
      const past = await cli('--offset', String(all.length + 5));
      expect(past.stdout).toBe(`No events on this page (${all.length} in all).\n`);
      for (const since of ['yesterday', '2026-02-30T00:00:00']) {
        const bad = await cli('--since', since);
        expect(bad.code).not.toBe(0);
        expect(bad.stdout).toBe('');
        expect(bad.stderr).toContain('invalid datetime format');
      }
      // Reading records nothing.
      await expectEvents([]);
    });
  });

  describe('retention', () => {
    it('the hourly sweep deletes the events older than ARGILLA_AUDIT_RETENTION_DAYS (180) and keeps the others', async () => {
      for (const name of ['old-ws', 'kept-ws', 'new-ws']) {
        await api(app).post('/api/workspaces').set(byKey(ADMIN_KEY)).send({ name }).expect(200);
      }
      const [old, kept, recent] = await events().find({ where: { id: MoreThan(mark) }, order: { id: 'ASC' } });
      const before = await events().count();
      await events().update({ id: old.id }, { time: new Date(Date.now() - 181 * DAY_MS) });
      await events().update({ id: kept.id }, { time: new Date(Date.now() - 179 * DAY_MS) });
      await app.get(HourlySweep).sweep();
      expect(await events().findBy({ id: old.id })).toEqual([]);
      expect((await events().findBy({ id: kept.id })).map((row) => row.id)).toEqual([kept.id]);
      expect((await events().findBy({ id: recent.id })).map((row) => row.id)).toEqual([recent.id]);
      expect(await events().count()).toBe(before - 1);
    });

    it('with ARGILLA_AUDIT_RETENTION_DAYS=0, keeps every event', async () => {
      const forever = await openApiSuite(engine, { ARGILLA_AUDIT_RETENTION_DAYS: '0' });
      try {
        await seedUser(forever.app, { username: 'ancient' });
        const repository = forever.dataSource.getRepository(AuditEvent);
        const [row] = await repository.find();
        await repository.update({ id: row.id }, { time: new Date(Date.now() - 3650 * DAY_MS) });
        await forever.app.get(HourlySweep).sweep();
        expect((await repository.find()).map((event) => [event.id, event.action])).toEqual([[row.id, 'user.created']]);
      } finally {
        await forever.close();
      }
    });
  });

  it('no event holds a password, hash, API key or token secret', async () => {
    const users = await dataSource.getRepository(User).find();
    for (const user of users) secrets.add(user.passwordHash).add(user.apiKey);
    const tokens = await dataSource.getRepository(PersonalAccessToken).find();
    for (const token of tokens) secrets.add(token.tokenHash);
    const text = JSON.stringify(await events().find());
    expect(secretsIn(text)).toEqual([]);
    expect(text).not.toMatch(PAT);
    expect(text).not.toMatch(/\$2[aby]\$|\$argon2/);
  });
});

describe.each(engines())('audit log of failed logins on two server processes (%s)', (engine) => {
  let suite: ApiSuite;
  const servers: ServerProcess[] = [];

  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await suite?.close();
  });

  it('counts every 401 in login.failed and every 429 in login.locked_out, exactly', async () => {
    // A long first wait, so that no wait ends during the burst.
    suite = await openApiSuite(engine, { ARGILLA_LOGIN_DELAY_SECONDS: '300' });
    const usernames = ['uma', 'vic', 'wes', 'nobody'];
    for (const username of usernames.slice(0, 3)) {
      await seedUser(suite.app, { username, password: `${username}-Pw-s3cret` });
    }
    for (let i = 0; i < 2; i++) servers.push(await spawnServer(suite.db.env, await freePort()));
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    const attempts = usernames.flatMap((username) =>
      Array.from({ length: 11 }, (_, i) => ({ username, password: `guess-${i}` })),
    );
    let statuses: { username: string; status: number }[];
    try {
      statuses = await Promise.all(
        attempts.map(async ({ username, password }, i) => ({
          username,
          status: await postLogin(agent, servers[i % 2].port, username, password),
        })),
      );
    } finally {
      agent.destroy();
    }
    const rows = (await suite.dataSource.getRepository(AuditEvent).find()).map(toAuditEventResponse);
    const sum = (action: string, username?: string) =>
      rows
        .filter((row) => row.action === action && (username === undefined || row.target.name === username))
        .reduce((total, row) => total + (row.details.count as number), 0);
    const counted = (status: number, username?: string) =>
      statuses.filter((entry) => entry.status === status && (username === undefined || entry.username === username))
        .length;
    expect(counted(401) + counted(429)).toBe(attempts.length);
    for (const username of usernames) {
      expect({ username, failed: sum('login.failed', username) }).toEqual({ username, failed: counted(401, username) });
      expect(counted(401, username)).toBe(5);
    }
    expect(sum('login.failed')).toBe(counted(401));
    expect(sum('login.locked_out')).toBe(counted(429));
    expect(counted(429)).toBe(attempts.length - 20);
    for (const row of rows.filter((event) => event.action.startsWith('login.'))) {
      expect(row.client).toMatch(LOOPBACK);
      expect(row.request_id).toEqual(expect.any(String));
    }
  });
});
