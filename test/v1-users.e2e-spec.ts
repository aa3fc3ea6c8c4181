import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { formatTimestamp } from '@argilla/common';
import { User, Workspace, WorkspaceUser } from '@argilla/database';
import {
  api,
  ApiSuite,
  envelope,
  invalid,
  MISSING_ID,
  notFound,
  openApiSuite,
  seedUser,
  UNAUTHORIZED,
} from './support/api';
import { runCli } from './support/cli';
import { engines } from './support/test-database';

const ADMIN = { 'X-Argilla-Api-Key': 'admin.apikey' };

/** A user as the v1 routes answer it. */
const v1User = (user: User) => ({
  id: user.id,
  first_name: user.firstName,
  last_name: user.lastName,
  username: user.username,
  role: user.role,
  disabled: user.disabled,
  inserted_at: formatTimestamp(user.insertedAt),
  updated_at: formatTimestamp(user.updatedAt),
});

describe.each(engines())('v1 user management (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;
  let anna: User;

  beforeAll(async () => {
    suite = await openApiSuite(engine);
    ({ app, dataSource } = suite);
    await seedUser(app, {
      username: 'admin',
      role: 'admin',
      firstName: 'Ada',
      lastName: 'Lovelace',
      workspaces: ['ops'],
    });
    anna = (await seedUser(app, { username: 'anna', firstName: 'Anna', workspaces: ['zeta', 'alpha'] })).user;
  });

  afterAll(async () => {
    await suite.close();
  });

  const names = (body: { items: { name: string }[] }) => body.items.map((item) => item.name);

  it('GET /api/v1/me and /api/v1/users/{id} answer the v1 shape: no full_name, workspaces or api_key, last_name null', async () => {
    const me = await api(app).get('/api/v1/me').set('X-Argilla-Api-Key', 'anna.apikey').expect(200);
    expect(me.body).toEqual(v1User(anna));
    expect(me.body.last_name).toBeNull();
    const byId = await api(app).get(`/api/v1/users/${anna.id}`).set(ADMIN).expect(200);
    expect(byId.body).toEqual(v1User(anna));
    expect((await api(app).get(`/api/v1/users/${MISSING_ID}`).set(ADMIN).expect(404)).body).toEqual(
      notFound(MISSING_ID, 'User'),
    );
  });

  it("lists workspaces as {items}: the caller's (all of them for an admin), a user's, a workspace's members", async () => {
    expect(
      names((await api(app).get('/api/v1/me/workspaces').set('X-Argilla-Api-Key', 'anna.apikey').expect(200)).body),
    ).toEqual(['zeta', 'alpha']);
    expect(names((await api(app).get('/api/v1/me/workspaces').set(ADMIN).expect(200)).body)).toEqual([
      'ops',
      'zeta',
      'alpha',
    ]);
    const ofAnna = await api(app).get(`/api/v1/users/${anna.id}/workspaces`).set(ADMIN).expect(200);
    expect(names(ofAnna.body)).toEqual(['zeta', 'alpha']);
    const zeta = await dataSource.getRepository(Workspace).findOneByOrFail({ name: 'zeta' });
    expect(ofAnna.body.items[0]).toEqual({
      id: zeta.id,
      name: 'zeta',
      inserted_at: formatTimestamp(zeta.insertedAt),
      updated_at: formatTimestamp(zeta.updatedAt),
    });
    const members = await api(app).get(`/api/v1/workspaces/${zeta.id}/users`).set(ADMIN).expect(200);
    expect(members.body).toEqual({ items: [v1User(anna)], total: 1 });
    expect((await api(app).get(`/api/v1/users/${MISSING_ID}/workspaces`).set(ADMIN).expect(404)).body).toEqual(
      notFound(MISSING_ID, 'User'),
    );
  });

  it("rotates the caller's API key: the new one is returned once and works, the old one is refused at once", async () => {
    const { user } = await seedUser(app, { username: 'rotor', apiKey: 'rotor.old.key' });
    const rotated = await api(app).post('/api/v1/me/api-key').set('X-Argilla-Api-Key', 'rotor.old.key').expect(200);
    const fresh = await dataSource.getRepository(User).findOneByOrFail({ id: user.id });
    expect(rotated.body).toEqual({ ...v1User(fresh), api_key: fresh.apiKey });
    expect(fresh.apiKey).toMatch(/^[A-Za-z0-9_-]{107}$/);
    expect((await api(app).get('/api/me').set('X-Argilla-Api-Key', 'rotor.old.key').expect(401)).body).toEqual(
      UNAUTHORIZED,
    );
    await api(app).get('/api/me').set('X-Argilla-Api-Key', fresh.apiKey).expect(200);
    // Shown once: no other answer of the v1 routes carries it.
    expect((await api(app).get('/api/v1/me').set('X-Argilla-Api-Key', fresh.apiKey)).body.api_key).toBeUndefined();
  });

  it("lets an admin rotate a user's key", async () => {
    const { user } = await seedUser(app, { username: 'rotated', apiKey: 'rotated.old.key' });
    const rotated = await api(app).post(`/api/v1/users/${user.id}/api-key`).set(ADMIN).expect(200);
    await api(app).get('/api/me').set('X-Argilla-Api-Key', 'rotated.old.key').expect(401);
    await api(app).get('/api/me').set('X-Argilla-Api-Key', rotated.body.api_key).expect(200);
    expect((await api(app).post(`/api/v1/users/${MISSING_ID}/api-key`).set(ADMIN).expect(404)).body).toEqual(
      notFound(MISSING_ID, 'User'),
    );
  });

  it('deletes a workspace with its memberships, keeping the users; an unknown one is a 404', async () => {
    const { user } = await seedUser(app, { username: 'leaver', workspaces: ['doomed', 'kept'] });
    const doomed = await dataSource.getRepository(Workspace).findOneByOrFail({ name: 'doomed' });
    const response = await api(app).delete(`/api/v1/workspaces/${doomed.id}`).set(ADMIN).expect(200);
    expect(response.body).toEqual({
      id: doomed.id,
      name: 'doomed',
      inserted_at: formatTimestamp(doomed.insertedAt),
      updated_at: formatTimestamp(doomed.updatedAt),
    });
    expect(await dataSource.getRepository(Workspace).existsBy({ id: doomed.id })).toBe(false);
    expect(await dataSource.getRepository(WorkspaceUser).countBy({ workspaceId: doomed.id })).toBe(0);
    expect(await dataSource.getRepository(User).existsBy({ id: user.id })).toBe(true);
    const me = await api(app).get('/api/me').set('X-Argilla-Api-Key', 'leaver.apikey').expect(200);
    expect(me.body.workspaces).toEqual(['kept']);
    expect((await api(app).delete(`/api/v1/workspaces/${doomed.id}`).set(ADMIN).expect(404)).body).toEqual(
      notFound(doomed.id, 'Workspace'),
    );
  });
});

describe.each(engines())('v1 user updates (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;

  beforeEach(async () => {
    suite = await openApiSuite(engine);
    ({ app, dataSource } = suite);
  });

  afterEach(async () => {
    await suite.close();
  });

  it('changes names and role, and refuses unknown fields with 422, changing nothing', async () => {
    await seedUser(app, { username: 'admin', role: 'admin' });
    const { user } = await seedUser(app, { username: 'bea', firstName: 'Bea', lastName: 'Old' });
    const response = await api(app)
      .patch(`/api/v1/users/${user.id}`)
      .set(ADMIN)
      .send({ first_name: ' Beatrice ', last_name: null, role: 'admin' })
      .expect(200);
    expect(response.body).toMatchObject({ id: user.id, first_name: 'Beatrice', last_name: null, role: 'admin' });
    const stored = await dataSource.getRepository(User).findOneByOrFail({ id: user.id });
    expect(stored).toMatchObject({ firstName: 'Beatrice', lastName: null, role: 'admin' });
    expect(stored.updatedAt.getTime()).toBeGreaterThanOrEqual(user.updatedAt.getTime());

    const unknown = await api(app)
      .patch(`/api/v1/users/${user.id}`)
      .set(ADMIN)
      .send({ username: 'renamed' })
      .expect(422);
    expect(unknown.body).toEqual(
      envelope('ValidationError', {
        model: 'Request',
        errors: [{ loc: ['body', 'username'], msg: 'extra fields not permitted', type: 'value_error.extra' }],
      }),
    );
    await api(app).patch(`/api/v1/users/${user.id}`).set(ADMIN).send({ role: 'superuser' }).expect(422);
    expect(await dataSource.getRepository(User).findOneByOrFail({ id: user.id })).toEqual(stored);
    expect(
      (await api(app).patch(`/api/v1/users/${MISSING_ID}`).set(ADMIN).send({ role: 'admin' }).expect(404)).body,
    ).toEqual(notFound(MISSING_ID, 'User'));
  });

  it('refuses to demote the last admin (409), and allows it once another admin exists', async () => {
    const { user: admin } = await seedUser(app, { username: 'admin', role: 'admin' });
    const refused = await api(app)
      .patch(`/api/v1/users/${admin.id}`)
      .set(ADMIN)
      .send({ role: 'annotator' })
      .expect(409);
    expect(refused.body).toEqual(
      envelope('LastAdminError', {
        detail: 'The last admin cannot be demoted, disabled or removed: make another user admin first',
        name: admin.id,
        type: 'User',
      }),
    );
    expect((await dataSource.getRepository(User).findOneByOrFail({ id: admin.id })).role).toBe('admin');

    await seedUser(app, { username: 'second', role: 'admin' });
    await api(app).patch(`/api/v1/users/${admin.id}`).set(ADMIN).send({ role: 'annotator' }).expect(200);
    // The role is read from the database: the demoted admin is refused at once.
    await api(app).get('/api/users').set(ADMIN).expect(403);
  });

  it('DELETE /api/v1/users/{id} refuses to delete the last enabled admin (409), and deletes others with their memberships', async () => {
    const { user: admin } = await seedUser(app, { username: 'admin', role: 'admin' });
    const { user: annotator } = await seedUser(app, { username: 'ann', workspaces: ['team'] });
    const refused = await api(app).delete(`/api/v1/users/${admin.id}`).set(ADMIN).expect(409);
    expect(refused.body).toEqual(
      envelope('LastAdminError', {
        detail: 'The last admin cannot be demoted, disabled or removed: make another user admin first',
        name: admin.id,
        type: 'User',
      }),
    );
    expect(await dataSource.getRepository(User).countBy({ id: admin.id })).toBe(1);

    const deleted = await api(app).delete(`/api/v1/users/${annotator.id}`).set(ADMIN).expect(200);
    expect(deleted.body).toMatchObject({ id: annotator.id, username: 'ann', role: 'annotator', disabled: false });
    expect(await dataSource.getRepository(User).countBy({ id: annotator.id })).toBe(0);
    expect(await dataSource.getRepository(WorkspaceUser).countBy({ userId: annotator.id })).toBe(0);

    // A disabled admin does not count: the only enabled admin stays protected; another enabled admin lifts it.
    const { user: second } = await seedUser(app, { username: 'second', role: 'admin' });
    await api(app).patch(`/api/v1/users/${second.id}`).set(ADMIN).send({ disabled: true }).expect(200);
    await api(app).delete(`/api/v1/users/${admin.id}`).set(ADMIN).expect(409);
    await seedUser(app, { username: 'third', role: 'admin' });
    await api(app).delete(`/api/v1/users/${admin.id}`).set('X-Argilla-Api-Key', 'third.apikey').expect(200);
    const left = await dataSource.getRepository(User).find({ select: { username: true }, order: { username: 'ASC' } });
    expect(left).toEqual([{ username: 'second' }, { username: 'third' }]);
  });

  it('keeps one admin when two admins demote each other at once', async () => {
    const { user: first } = await seedUser(app, { username: 'first', role: 'admin' });
    const { user: second } = await seedUser(app, { username: 'second', role: 'admin' });
    const responses = await Promise.all([
      api(app).patch(`/api/v1/users/${first.id}`).set('X-Argilla-Api-Key', 'second.apikey').send({ role: 'annotator' }),
      api(app).patch(`/api/v1/users/${second.id}`).set('X-Argilla-Api-Key', 'first.apikey').send({ role: 'annotator' }),
    ]);
    // The loser is refused either as the last admin (409) or, if the other change landed first, as no longer an
    // admin (403): never both changes.
    const statuses = responses.map((response) => response.status).sort();
    expect([
      [200, 403],
      [200, 409],
    ]).toContainEqual(statuses);
    expect(await dataSource.getRepository(User).countBy({ role: 'admin' })).toBe(1);
  });
});

describe.each(engines())('v1 disable and passwords (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;
  let admin: User;

  beforeEach(async () => {
    suite = await openApiSuite(engine);
    ({ app, dataSource } = suite);
    admin = (await seedUser(app, { username: 'admin', role: 'admin' })).user;
  });

  afterEach(async () => {
    await suite.close();
  });

  const login = (username: string, password: string) =>
    api(app).post('/api/security/token').type('form').send({ username, password });

  it("refuses a disabled user's key, tokens and logins with 401; once enabled, its key and logins work, not its old tokens", async () => {
    const { user } = await seedUser(app, { username: 'dora', password: 'dora-password', apiKey: 'dora.api.key' });
    const token = (await login('dora', 'dora-password').expect(200)).body.access_token;

    const disabled = await api(app).patch(`/api/v1/users/${user.id}`).set(ADMIN).send({ disabled: true }).expect(200);
    expect(disabled.body.disabled).toBe(true);
    expect((await api(app).get('/api/me').set('X-Argilla-Api-Key', 'dora.api.key').expect(401)).body).toEqual(
      UNAUTHORIZED,
    );
    expect((await api(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(401)).body).toEqual(
      UNAUTHORIZED,
    );
    expect((await login('dora', 'dora-password').expect(401)).body).toEqual(UNAUTHORIZED);

    await api(app).patch(`/api/v1/users/${user.id}`).set(ADMIN).send({ disabled: false }).expect(200);
    await api(app).get('/api/me').set('X-Argilla-Api-Key', 'dora.api.key').expect(200);
    // Disabling ended the tokens issued before it, as a password change does: enabling does not revive them.
    expect((await api(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(401)).body).toEqual(
      UNAUTHORIZED,
    );
    const fresh = (await login('dora', 'dora-password').expect(200)).body.access_token;
    await api(app).get('/api/me').set('Authorization', `Bearer ${fresh}`).expect(200);
  });

  it('ends the tokens issued before users disable (CLI): enabled again, the old token is 401, a new login works', async () => {
    const cli = (args: string[]) => runCli(args, suite.db.env);
    await seedUser(app, { username: 'cleo', password: 'cleo-password', apiKey: 'cleo.api.key' });
    const token = (await login('cleo', 'cleo-password').expect(200)).body.access_token;
    await api(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);

    expect((await cli(['users', 'disable', 'cleo'])).code).toBe(0);
    const stored = () => dataSource.getRepository(User).findOneByOrFail({ username: 'cleo' });
    expect((await stored()).disabled).toBe(true);
    expect((await cli(['users', 'enable', 'cleo'])).code).toBe(0);

    expect((await api(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(401)).body).toEqual(
      UNAUTHORIZED,
    );
    expect((await stored()).tokensValidAfter).not.toBeNull();
    await api(app).get('/api/me').set('X-Argilla-Api-Key', 'cleo.api.key').expect(200);
    const fresh = (await login('cleo', 'cleo-password').expect(200)).body.access_token;
    await api(app).get('/api/me').set('Authorization', `Bearer ${fresh}`).expect(200);
  });

  it('refuses an admin disabling itself, and disabling the last enabled admin (409)', async () => {
    const self = await api(app).patch(`/api/v1/users/${admin.id}`).set(ADMIN).send({ disabled: true }).expect(409);
    expect(self.body).toEqual(
      envelope('SelfDisableError', { detail: 'An admin cannot disable itself', name: admin.id, type: 'User' }),
    );
    const { user: other } = await seedUser(app, { username: 'other', role: 'admin' });
    await api(app).patch(`/api/v1/users/${other.id}`).set(ADMIN).send({ disabled: true }).expect(200);
    // `other` is disabled: `admin` is the last enabled admin and cannot be demoted.
    expect(
      (await api(app).patch(`/api/v1/users/${admin.id}`).set(ADMIN).send({ role: 'annotator' }).expect(409)).body.detail
        .code,
    ).toBe('argilla.api.errors::LastAdminError');
    expect(await dataSource.getRepository(User).countBy({ role: 'admin', disabled: false })).toBe(1);
    expect(
      (await api(app).patch(`/api/v1/users/${admin.id}`).set(ADMIN).send({ disabled: 'yes' }).expect(422)).body.detail
        .params.errors,
    ).toEqual([{ loc: ['body', 'disabled'], msg: 'value could not be parsed to a boolean', type: 'type_error.bool' }]);
  });

  it('changes the own password: the old JWT fails right after, the old password too, a new login works', async () => {
    await seedUser(app, { username: 'pat', password: 'old-password', apiKey: 'pat.api.key' });
    const oldToken = (await login('pat', 'old-password').expect(200)).body.access_token;
    const wrong = await api(app)
      .put('/api/v1/me/password')
      .set('Authorization', `Bearer ${oldToken}`)
      .send({ current_password: 'not-it-at-all', new_password: 'new-password' })
      .expect(422);
    expect(wrong.body.detail.params.errors).toEqual([
      { loc: ['body', 'current_password'], msg: 'current password is not correct', type: 'value_error.password' },
    ]);
    await login('pat', 'old-password').expect(200);

    await api(app)
      .put('/api/v1/me/password')
      .set('Authorization', `Bearer ${oldToken}`)
      .send({ current_password: 'old-password', new_password: 'new-password' })
      .expect(200);
    expect((await api(app).get('/api/me').set('Authorization', `Bearer ${oldToken}`).expect(401)).body).toEqual(
      UNAUTHORIZED,
    );
    await login('pat', 'old-password').expect(401);
    const newToken = (await login('pat', 'new-password').expect(200)).body.access_token;
    await api(app).get('/api/me').set('Authorization', `Bearer ${newToken}`).expect(200);
    // The API key is not a session: it keeps working.
    await api(app).get('/api/me').set('X-Argilla-Api-Key', 'pat.api.key').expect(200);
  });

  it("lets an admin reset a user's password, ending its tokens", async () => {
    const { user } = await seedUser(app, { username: 'reset', password: 'old-password' });
    const oldToken = (await login('reset', 'old-password').expect(200)).body.access_token;
    await api(app).put(`/api/v1/users/${user.id}/password`).set(ADMIN).send({ new_password: 'short' }).expect(422);
    await api(app)
      .put(`/api/v1/users/${user.id}/password`)
      .set(ADMIN)
      .send({ new_password: 'brand-new-password' })
      .expect(200);
    await api(app).get('/api/me').set('Authorization', `Bearer ${oldToken}`).expect(401);
    await login('reset', 'old-password').expect(401);
    await login('reset', 'brand-new-password').expect(200);
    expect(
      (
        await api(app)
          .put(`/api/v1/users/${MISSING_ID}/password`)
          .set(ADMIN)
          .send({ new_password: 'brand-new-password' })
          .expect(404)
      ).body,
    ).toEqual(notFound(MISSING_ID, 'User'));
  });
});

describe.each(engines())('v1 API keys and the credentials behind them (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;

  beforeEach(async () => {
    suite = await openApiSuite(engine);
    ({ app, dataSource } = suite);
    await seedUser(app, { username: 'admin', role: 'admin' });
  });

  afterEach(async () => {
    await suite.close();
  });

  const WRONG_CURRENT_PASSWORD = invalid({
    loc: ['body', 'current_password'],
    msg: 'current password is not correct',
    type: 'value_error.password',
  });
  const login = async (username: string, password: string): Promise<string> =>
    (await api(app).post('/api/security/token').type('form').send({ username, password }).expect(200)).body
      .access_token;
  const stored = (username: string) => dataSource.getRepository(User).findOneByOrFail({ username });

  it('refuses to rotate the own key for a bearer token without the current password, or with a wrong one (422)', async () => {
    await seedUser(app, { username: 'tina', password: 'tina-password', apiKey: 'tina.api.key' });
    const bearer = { Authorization: `Bearer ${await login('tina', 'tina-password')}` };
    const before = await stored('tina');

    const noBody = await api(app).post('/api/v1/me/api-key').set(bearer).expect(422);
    expect(noBody.body).toEqual(WRONG_CURRENT_PASSWORD);
    expect((await api(app).post('/api/v1/me/api-key').set(bearer).send({}).expect(422)).body).toEqual(
      WRONG_CURRENT_PASSWORD,
    );
    const wrong = await api(app)
      .post('/api/v1/me/api-key')
      .set(bearer)
      .send({ current_password: 'not-the-password' })
      .expect(422);
    expect(wrong.body).toEqual(WRONG_CURRENT_PASSWORD);
    expect(
      (await api(app).post('/api/v1/me/api-key').set(bearer).send({ current_password: 42 }).expect(422)).body,
    ).toEqual(invalid({ loc: ['body', 'current_password'], msg: 'str type expected', type: 'type_error.str' }));

    expect(await stored('tina')).toEqual(before);
    await api(app).get('/api/me').set('X-Argilla-Api-Key', 'tina.api.key').expect(200);
  });

  it('rotates the own key for a bearer token with the right current password: the old key is refused', async () => {
    await seedUser(app, { username: 'tom', password: 'tom-password', apiKey: 'tom.api.key' });
    const token = await login('tom', 'tom-password');
    const rotated = await api(app)
      .post('/api/v1/me/api-key')
      .set('Authorization', `Bearer ${token}`)
      .send({ current_password: 'tom-password' })
      .expect(200);
    const fresh = await stored('tom');
    expect(fresh.apiKey).toMatch(/^[A-Za-z0-9_-]{107}$/);
    expect(rotated.body).toEqual({ ...v1User(fresh), api_key: fresh.apiKey });
    expect((await api(app).get('/api/me').set('X-Argilla-Api-Key', 'tom.api.key').expect(401)).body).toEqual(
      UNAUTHORIZED,
    );
    await api(app).get('/api/me').set('X-Argilla-Api-Key', fresh.apiKey).expect(200);
    // The token is not ended by a key rotation.
    await api(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
  });

  it('rotates the own key for the API key without a password; a password given anyway is checked', async () => {
    await seedUser(app, { username: 'kim', password: 'kim-password', apiKey: 'kim.api.key' });
    const wrong = await api(app)
      .post('/api/v1/me/api-key')
      .set('X-Argilla-Api-Key', 'kim.api.key')
      .send({ current_password: 'not-the-password' })
      .expect(422);
    expect(wrong.body).toEqual(WRONG_CURRENT_PASSWORD);
    const extra = await api(app).post('/api/v1/me/api-key').set('X-Argilla-Api-Key', 'kim.api.key').send({ x: 1 });
    expect(extra.status).toBe(422);
    expect(extra.body.detail.params.errors).toEqual([
      { loc: ['body', 'x'], msg: 'extra fields not permitted', type: 'value_error.extra' },
    ]);
    expect((await stored('kim')).apiKey).toBe('kim.api.key');

    const first = await api(app).post('/api/v1/me/api-key').set('X-Argilla-Api-Key', 'kim.api.key').expect(200);
    expect(first.body.api_key).toBe((await stored('kim')).apiKey);
    const second = await api(app)
      .post('/api/v1/me/api-key')
      .set('X-Argilla-Api-Key', first.body.api_key)
      .send({ current_password: 'kim-password' })
      .expect(200);
    const fresh = await stored('kim');
    expect(second.body).toEqual({ ...v1User(fresh), api_key: fresh.apiKey });
    await api(app).get('/api/me').set('X-Argilla-Api-Key', first.body.api_key).expect(401);
    await api(app).get('/api/me').set('X-Argilla-Api-Key', fresh.apiKey).expect(200);
  });

  it('keeps the key on an admin password reset without rotate_api_key: no api_key in the answer', async () => {
    const { user } = await seedUser(app, { username: 'rita', password: 'old-password', apiKey: 'rita.api.key' });
    const reset = await api(app)
      .put(`/api/v1/users/${user.id}/password`)
      .set(ADMIN)
      .send({ new_password: 'brand-new-password', rotate_api_key: false })
      .expect(200);
    expect(reset.body).toEqual(v1User(await stored('rita')));
    expect((await stored('rita')).apiKey).toBe('rita.api.key');
    await api(app).get('/api/me').set('X-Argilla-Api-Key', 'rita.api.key').expect(200);
  });

  it('replaces the key on an admin password reset with rotate_api_key: shown once, the old key refused', async () => {
    const { user } = await seedUser(app, { username: 'rob', password: 'old-password', apiKey: 'rob.api.key' });
    const oldToken = await login('rob', 'old-password');
    const before = await stored('rob');
    const notBool = await api(app)
      .put(`/api/v1/users/${user.id}/password`)
      .set(ADMIN)
      .send({ new_password: 'brand-new-password', rotate_api_key: 'yes' })
      .expect(422);
    expect(notBool.body).toEqual(
      invalid({
        loc: ['body', 'rotate_api_key'],
        msg: 'value could not be parsed to a boolean',
        type: 'type_error.bool',
      }),
    );
    expect(await stored('rob')).toEqual(before);

    const reset = await api(app)
      .put(`/api/v1/users/${user.id}/password`)
      .set(ADMIN)
      .send({ new_password: 'brand-new-password', rotate_api_key: true })
      .expect(200);
    const fresh = await stored('rob');
    expect(fresh.apiKey).toMatch(/^[A-Za-z0-9_-]{107}$/);
    expect(reset.body).toEqual({ ...v1User(fresh), api_key: fresh.apiKey });
    expect((await api(app).get('/api/me').set('X-Argilla-Api-Key', 'rob.api.key').expect(401)).body).toEqual(
      UNAUTHORIZED,
    );
    await api(app).get('/api/me').set('Authorization', `Bearer ${oldToken}`).expect(401);
    await api(app).get('/api/me').set('X-Argilla-Api-Key', fresh.apiKey).expect(200);
    await login('rob', 'brand-new-password');
  });

  it('users reset-password --rotate-api-key (CLI) replaces the key and prints it once; the old key is refused', async () => {
    await seedUser(app, { username: 'cora', password: 'old-password', apiKey: 'cora.api.key' });
    const result = await runCli(
      ['users', 'reset-password', 'cora', '--password', 'brand-new-password', '--rotate-api-key'],
      suite.db.env,
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const match = result.stdout.match(
      /^Password and API key of user 'cora' successfully reset; tokens issued before and the old key are refused\.\n• api_key: '([A-Za-z0-9_-]{107})'\n$/,
    );
    expect(match).not.toBeNull();
    expect((await stored('cora')).apiKey).toBe(match![1]);
    expect((await api(app).get('/api/me').set('X-Argilla-Api-Key', 'cora.api.key').expect(401)).body).toEqual(
      UNAUTHORIZED,
    );
    await api(app).get('/api/me').set('X-Argilla-Api-Key', match![1]).expect(200);
    await login('cora', 'brand-new-password');
  });
});

describe.each(engines())('v1 user list: paging and filters (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;

  beforeAll(async () => {
    suite = await openApiSuite(engine);
    app = suite.app;
    await seedUser(app, { username: 'admin', role: 'admin' });
    for (let i = 1; i <= 12; i++) {
      await seedUser(app, {
        username: `user-${i}`,
        role: i % 4 === 0 ? 'admin' : 'annotator',
        workspaces: i % 3 === 0 ? ['team'] : [],
      });
    }
  });

  afterAll(async () => {
    await suite.close();
  });

  const list = (query: string) => api(app).get(`/api/v1/users${query}`).set(ADMIN);
  const usernames = (body: { items: { username: string }[] }) => body.items.map((item) => item.username);

  it('pages through every user exactly once, oldest first, with the total', async () => {
    const first = await list('?limit=5').expect(200);
    expect(first.body.total).toBe(13);
    expect(usernames(first.body)).toEqual(['admin', 'user-1', 'user-2', 'user-3', 'user-4']);
    const seen: string[] = [];
    for (let offset = 0; offset < 13; offset += 5)
      seen.push(...usernames((await list(`?limit=5&offset=${offset}`).expect(200)).body));
    expect(seen).toEqual(['admin', ...Array.from({ length: 12 }, (_, i) => `user-${i + 1}`)]);
    expect((await list('').expect(200)).body.items).toHaveLength(13);
  });

  it('keeps every existing user exactly once across pages while users are being created', async () => {
    const before = usernames((await list('?limit=500').expect(200)).body);
    const seen: string[] = [];
    let creations = 0;
    for (let offset = 0; offset < before.length + creations; offset += 4) {
      seen.push(...usernames((await list(`?limit=4&offset=${offset}`).expect(200)).body));
      await seedUser(app, { username: `late-${++creations}` });
    }
    expect(seen.filter((name) => before.includes(name))).toEqual(before);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('filters by role, workspace and username prefix', async () => {
    expect(usernames((await list('?role=admin').expect(200)).body)).toEqual(['admin', 'user-4', 'user-8', 'user-12']);
    const team = await list('?workspace=team').expect(200);
    expect(usernames(team.body)).toEqual(['user-3', 'user-6', 'user-9', 'user-12']);
    expect(team.body.total).toBe(4);
    expect(usernames((await list('?q=user-1').expect(200)).body)).toEqual(['user-1', 'user-10', 'user-11', 'user-12']);
    expect(usernames((await list('?q=user-1&role=admin&workspace=team').expect(200)).body)).toEqual(['user-12']);
    // `_` is no wildcard: a prefix is a prefix.
    expect((await list('?q=user_').expect(200)).body).toEqual({ items: [], total: 0 });
  });

  it('refuses bad paging or filters with a 422 on the query field', async () => {
    const error = async (query: string) => (await list(query).expect(422)).body.detail.params.errors;
    expect(await error('?limit=0')).toEqual([
      {
        loc: ['query', 'limit'],
        msg: 'ensure this value is greater than or equal to 1',
        type: 'value_error.number.not_ge',
        ctx: { limit_value: 1 },
      },
    ]);
    expect(await error('?limit=501')).toEqual([
      {
        loc: ['query', 'limit'],
        msg: 'ensure this value is less than or equal to 500',
        type: 'value_error.number.not_le',
        ctx: { limit_value: 500 },
      },
    ]);
    expect(await error('?offset=-1')).toEqual([
      { loc: ['query', 'offset'], msg: 'value is not a valid integer', type: 'type_error.integer' },
    ]);
    expect((await error('?role=superuser'))[0]).toMatchObject({ loc: ['query', 'role'], type: 'type_error.enum' });
    expect((await error('?limit=1&limit=2'))[0]).toMatchObject({ loc: ['query', 'limit'], type: 'type_error.integer' });
    await api(app).get('/api/v1/users').set('X-Argilla-Api-Key', 'user-1.apikey').expect(403);
  });
});
