import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { formatTimestamp } from '@argilla/common';
import { User, Workspace, WorkspaceUser } from '@argilla/database';
import type { ArgillaClient, components, operations } from '@argilla/client';
import {
  answer,
  api,
  ApiSuite,
  envelope,
  invalid,
  listenForClients,
  MISSING_ID,
  notFound,
  openApiSuite,
  seedUser,
  UNAUTHORIZED,
} from './support/api';
import { runCli } from './support/cli';
import { engines } from './support/test-database';

const ADMIN = { 'X-Argilla-Api-Key': 'admin.apikey' };

type ClientFor = Awaited<ReturnType<typeof listenForClients>>;

const byKey = (key: string) => ({ 'X-Argilla-Api-Key': key });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
/**
 * The form login of /api/security/token, through the typed client. The serializer is spelled out: openapi-fetch's own
 * picks the form encoding from the header with an `instanceof Function` that fails across jest's module realm.
 */
const loginBody = (username: string, password: string) => ({
  body: { username, password },
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  bodySerializer: (body: Record<string, string>) => new URLSearchParams(body).toString(),
});

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
  let clientFor: ClientFor;
  let admin: ArgillaClient;

  beforeAll(async () => {
    suite = await openApiSuite(engine);
    ({ app, dataSource } = suite);
    clientFor = await listenForClients(app);
    admin = clientFor(ADMIN);
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

  const names = (body: unknown) => (body as { items: { name: string }[] }).items.map((item) => item.name);
  const asKey = (key: string) => clientFor(byKey(key));
  const userPath = (user_id: string) => ({ params: { path: { user_id } } });

  it('GET /api/v1/me and /api/v1/users/{id} answer the v1 shape: no full_name, workspaces or api_key, last_name null', async () => {
    const me = await asKey('anna.apikey').GET('/api/v1/me');
    expect(me.response.status).toBe(200);
    expect(me.data).toEqual(v1User(anna));
    expect(me.data!.last_name).toBeNull();
    expect(await answer(admin.GET('/api/v1/users/{user_id}', userPath(anna.id)))).toEqual({
      status: 200,
      body: v1User(anna),
    });
    expect(await answer(admin.GET('/api/v1/users/{user_id}', userPath(MISSING_ID)))).toEqual({
      status: 404,
      body: notFound(MISSING_ID, 'User'),
    });
  });

  it("lists workspaces as {items}: the caller's (all of them for an admin), a user's, a workspace's members", async () => {
    const own = await answer(asKey('anna.apikey').GET('/api/v1/me/workspaces'));
    expect(own.status).toBe(200);
    expect(names(own.body)).toEqual(['zeta', 'alpha']);
    const all = await answer(admin.GET('/api/v1/me/workspaces'));
    expect(all.status).toBe(200);
    expect(names(all.body)).toEqual(['ops', 'zeta', 'alpha']);
    const ofAnna = await admin.GET('/api/v1/users/{user_id}/workspaces', userPath(anna.id));
    expect(ofAnna.response.status).toBe(200);
    expect(names(ofAnna.data)).toEqual(['zeta', 'alpha']);
    const zeta = await dataSource.getRepository(Workspace).findOneByOrFail({ name: 'zeta' });
    expect(ofAnna.data!.items[0]).toEqual({
      id: zeta.id,
      name: 'zeta',
      inserted_at: formatTimestamp(zeta.insertedAt),
      updated_at: formatTimestamp(zeta.updatedAt),
    });
    const members = admin.GET('/api/v1/workspaces/{workspace_id}/users', {
      params: { path: { workspace_id: zeta.id } },
    });
    expect(await answer(members)).toEqual({ status: 200, body: { items: [v1User(anna)], total: 1 } });
    expect(await answer(admin.GET('/api/v1/users/{user_id}/workspaces', userPath(MISSING_ID)))).toEqual({
      status: 404,
      body: notFound(MISSING_ID, 'User'),
    });
  });

  it("rotates the caller's API key: the new one is returned once and works, the old one is refused at once", async () => {
    const { user } = await seedUser(app, { username: 'rotor', apiKey: 'rotor.old.key' });
    const rotated = await answer(asKey('rotor.old.key').POST('/api/v1/me/api-key', { body: {} }));
    const fresh = await dataSource.getRepository(User).findOneByOrFail({ id: user.id });
    expect(rotated).toEqual({ status: 200, body: { ...v1User(fresh), api_key: fresh.apiKey } });
    expect(fresh.apiKey).toMatch(/^[A-Za-z0-9_-]{107}$/);
    expect(await answer(asKey('rotor.old.key').GET('/api/me'))).toEqual({ status: 401, body: UNAUTHORIZED });
    expect((await asKey(fresh.apiKey).GET('/api/me')).response.status).toBe(200);
    // Shown once: no other answer of the v1 routes carries it.
    const again = await asKey(fresh.apiKey).GET('/api/v1/me');
    expect(again.response.status).toBe(200);
    expect((again.data as Record<string, unknown>).api_key).toBeUndefined();
  });

  it("lets an admin rotate a user's key", async () => {
    const { user } = await seedUser(app, { username: 'rotated', apiKey: 'rotated.old.key' });
    const rotated = await admin.POST('/api/v1/users/{user_id}/api-key', userPath(user.id));
    expect(rotated.response.status).toBe(200);
    expect((await asKey('rotated.old.key').GET('/api/me')).response.status).toBe(401);
    expect((await asKey(rotated.data!.api_key).GET('/api/me')).response.status).toBe(200);
    expect(await answer(admin.POST('/api/v1/users/{user_id}/api-key', userPath(MISSING_ID)))).toEqual({
      status: 404,
      body: notFound(MISSING_ID, 'User'),
    });
  });

  it('deletes a workspace with its memberships, keeping the users; an unknown one is a 404', async () => {
    const { user } = await seedUser(app, { username: 'leaver', workspaces: ['doomed', 'kept'] });
    const doomed = await dataSource.getRepository(Workspace).findOneByOrFail({ name: 'doomed' });
    const remove = () =>
      admin.DELETE('/api/v1/workspaces/{workspace_id}', { params: { path: { workspace_id: doomed.id } } });
    expect(await answer(remove())).toEqual({
      status: 200,
      body: {
        id: doomed.id,
        name: 'doomed',
        inserted_at: formatTimestamp(doomed.insertedAt),
        updated_at: formatTimestamp(doomed.updatedAt),
      },
    });
    expect(await dataSource.getRepository(Workspace).existsBy({ id: doomed.id })).toBe(false);
    expect(await dataSource.getRepository(WorkspaceUser).countBy({ workspaceId: doomed.id })).toBe(0);
    expect(await dataSource.getRepository(User).existsBy({ id: user.id })).toBe(true);
    const me = await asKey('leaver.apikey').GET('/api/me');
    expect(me.response.status).toBe(200);
    expect(me.data!.workspaces).toEqual(['kept']);
    expect(await answer(remove())).toEqual({ status: 404, body: notFound(doomed.id, 'Workspace') });
  });
});

describe.each(engines())('v1 user updates (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;
  let clientFor: ClientFor;
  let admin: ArgillaClient;

  beforeEach(async () => {
    suite = await openApiSuite(engine);
    ({ app, dataSource } = suite);
    clientFor = await listenForClients(app);
    admin = clientFor(ADMIN);
  });

  afterEach(async () => {
    await suite.close();
  });

  type UserUpdate = components['schemas']['UpdateUserDto'];
  const update = (client: ArgillaClient, user_id: string, body: UserUpdate) =>
    client.PATCH('/api/v1/users/{user_id}', { params: { path: { user_id } }, body });
  const remove = (client: ArgillaClient, user_id: string) =>
    client.DELETE('/api/v1/users/{user_id}', { params: { path: { user_id } } });

  it('changes names and role, and refuses unknown fields with 422, changing nothing', async () => {
    await seedUser(app, { username: 'admin', role: 'admin' });
    const { user } = await seedUser(app, { username: 'bea', firstName: 'Bea', lastName: 'Old' });
    const response = await update(admin, user.id, { first_name: ' Beatrice ', last_name: null, role: 'admin' });
    expect(response.response.status).toBe(200);
    expect(response.data).toMatchObject({ id: user.id, first_name: 'Beatrice', last_name: null, role: 'admin' });
    const stored = await dataSource.getRepository(User).findOneByOrFail({ id: user.id });
    expect(stored).toMatchObject({ firstName: 'Beatrice', lastName: null, role: 'admin' });
    expect(stored.updatedAt.getTime()).toBeGreaterThanOrEqual(user.updatedAt.getTime());

    // Bodies the types refuse go through supertest.
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
    expect(await answer(update(admin, MISSING_ID, { role: 'admin' }))).toEqual({
      status: 404,
      body: notFound(MISSING_ID, 'User'),
    });
  });

  it('refuses to demote the last admin (409), and allows it once another admin exists', async () => {
    const { user: first } = await seedUser(app, { username: 'admin', role: 'admin' });
    expect(await answer(update(admin, first.id, { role: 'annotator' }))).toEqual({
      status: 409,
      body: envelope('LastAdminError', {
        detail: 'The last admin cannot be demoted, disabled or removed: make another user admin first',
        name: first.id,
        type: 'User',
      }),
    });
    expect((await dataSource.getRepository(User).findOneByOrFail({ id: first.id })).role).toBe('admin');

    await seedUser(app, { username: 'second', role: 'admin' });
    expect((await update(admin, first.id, { role: 'annotator' })).response.status).toBe(200);
    // The role is read from the database: the demoted admin is refused at once.
    expect((await admin.GET('/api/users')).response.status).toBe(403);
  });

  it('DELETE /api/v1/users/{id} refuses to delete the last enabled admin (409), and deletes others with their memberships', async () => {
    const { user: first } = await seedUser(app, { username: 'admin', role: 'admin' });
    const { user: annotator } = await seedUser(app, { username: 'ann', workspaces: ['team'] });
    expect(await answer(remove(admin, first.id))).toEqual({
      status: 409,
      body: envelope('LastAdminError', {
        detail: 'The last admin cannot be demoted, disabled or removed: make another user admin first',
        name: first.id,
        type: 'User',
      }),
    });
    expect(await dataSource.getRepository(User).countBy({ id: first.id })).toBe(1);

    const deleted = await remove(admin, annotator.id);
    expect(deleted.response.status).toBe(200);
    expect(deleted.data).toMatchObject({ id: annotator.id, username: 'ann', role: 'annotator', disabled: false });
    expect(await dataSource.getRepository(User).countBy({ id: annotator.id })).toBe(0);
    expect(await dataSource.getRepository(WorkspaceUser).countBy({ userId: annotator.id })).toBe(0);

    // A disabled admin does not count: the only enabled admin stays protected; another enabled admin lifts it.
    const { user: second } = await seedUser(app, { username: 'second', role: 'admin' });
    expect((await update(admin, second.id, { disabled: true })).response.status).toBe(200);
    expect((await remove(admin, first.id)).response.status).toBe(409);
    await seedUser(app, { username: 'third', role: 'admin' });
    expect((await remove(clientFor(byKey('third.apikey')), first.id)).response.status).toBe(200);
    const left = await dataSource.getRepository(User).find({ select: { username: true }, order: { username: 'ASC' } });
    expect(left).toEqual([{ username: 'second' }, { username: 'third' }]);
  });

  it('keeps one admin when two admins demote each other at once', async () => {
    const { user: first } = await seedUser(app, { username: 'first', role: 'admin' });
    const { user: second } = await seedUser(app, { username: 'second', role: 'admin' });
    const responses = await Promise.all([
      update(clientFor(byKey('second.apikey')), first.id, { role: 'annotator' }),
      update(clientFor(byKey('first.apikey')), second.id, { role: 'annotator' }),
    ]);
    // The loser is refused either as the last admin (409) or, if the other change landed first, as no longer an
    // admin (403): never both changes.
    const statuses = responses.map(({ response }) => response.status).sort();
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
  let clientFor: ClientFor;
  let adminClient: ArgillaClient;

  beforeEach(async () => {
    suite = await openApiSuite(engine);
    ({ app, dataSource } = suite);
    clientFor = await listenForClients(app);
    adminClient = clientFor(ADMIN);
    admin = (await seedUser(app, { username: 'admin', role: 'admin' })).user;
  });

  afterEach(async () => {
    await suite.close();
  });

  const login = (username: string, password: string) =>
    clientFor().POST('/api/security/token', loginBody(username, password));
  const tokenOf = async (username: string, password: string): Promise<string> => {
    const response = await login(username, password);
    expect(response.response.status).toBe(200);
    return response.data!.access_token;
  };
  const me = (headers: Record<string, string>) => answer(clientFor(headers).GET('/api/me'));
  const update = (user_id: string, body: components['schemas']['UpdateUserDto']) =>
    adminClient.PATCH('/api/v1/users/{user_id}', { params: { path: { user_id } }, body });
  const reset = (user_id: string, body: components['schemas']['AdminResetPasswordDto']) =>
    adminClient.PUT('/api/v1/users/{user_id}/password', { params: { path: { user_id } }, body });
  const REFUSED = { status: 401, body: UNAUTHORIZED };

  it("refuses a disabled user's key, tokens and logins with 401; once enabled, its key and logins work, not its old tokens", async () => {
    const { user } = await seedUser(app, { username: 'dora', password: 'dora-password', apiKey: 'dora.api.key' });
    const token = await tokenOf('dora', 'dora-password');

    const disabled = await update(user.id, { disabled: true });
    expect(disabled.response.status).toBe(200);
    expect(disabled.data!.disabled).toBe(true);
    expect(await me(byKey('dora.api.key'))).toEqual(REFUSED);
    expect(await me(bearer(token))).toEqual(REFUSED);
    expect(await answer(login('dora', 'dora-password'))).toEqual(REFUSED);

    expect((await update(user.id, { disabled: false })).response.status).toBe(200);
    expect((await me(byKey('dora.api.key'))).status).toBe(200);
    // Disabling ended the tokens issued before it, as a password change does: enabling does not revive them.
    expect(await me(bearer(token))).toEqual(REFUSED);
    const fresh = await tokenOf('dora', 'dora-password');
    expect((await me(bearer(fresh))).status).toBe(200);
  });

  it('ends the tokens issued before users disable (CLI): enabled again, the old token is 401, a new login works', async () => {
    const cli = (args: string[]) => runCli(args, suite.db.env);
    await seedUser(app, { username: 'cleo', password: 'cleo-password', apiKey: 'cleo.api.key' });
    const token = await tokenOf('cleo', 'cleo-password');
    expect((await me(bearer(token))).status).toBe(200);

    expect((await cli(['users', 'disable', 'cleo'])).code).toBe(0);
    const stored = () => dataSource.getRepository(User).findOneByOrFail({ username: 'cleo' });
    expect((await stored()).disabled).toBe(true);
    expect((await cli(['users', 'enable', 'cleo'])).code).toBe(0);

    expect(await me(bearer(token))).toEqual(REFUSED);
    expect((await stored()).tokensValidAfter).not.toBeNull();
    expect((await me(byKey('cleo.api.key'))).status).toBe(200);
    const fresh = await tokenOf('cleo', 'cleo-password');
    expect((await me(bearer(fresh))).status).toBe(200);
  });

  it('refuses an admin disabling itself, and disabling the last enabled admin (409)', async () => {
    expect(await answer(update(admin.id, { disabled: true }))).toEqual({
      status: 409,
      body: envelope('SelfDisableError', { detail: 'An admin cannot disable itself', name: admin.id, type: 'User' }),
    });
    const { user: other } = await seedUser(app, { username: 'other', role: 'admin' });
    expect((await update(other.id, { disabled: true })).response.status).toBe(200);
    // `other` is disabled: `admin` is the last enabled admin and cannot be demoted.
    const demoted = await update(admin.id, { role: 'annotator' });
    expect(demoted.response.status).toBe(409);
    expect(demoted.error?.detail.code).toBe('argilla.api.errors::LastAdminError');
    expect(await dataSource.getRepository(User).countBy({ role: 'admin', disabled: false })).toBe(1);
    // A body the types refuse goes through supertest.
    expect(
      (await api(app).patch(`/api/v1/users/${admin.id}`).set(ADMIN).send({ disabled: 'yes' }).expect(422)).body.detail
        .params.errors,
    ).toEqual([{ loc: ['body', 'disabled'], msg: 'value could not be parsed to a boolean', type: 'type_error.bool' }]);
  });

  it('changes the own password: the old JWT fails right after, the old password too, a new login works', async () => {
    await seedUser(app, { username: 'pat', password: 'old-password', apiKey: 'pat.api.key' });
    const oldToken = await tokenOf('pat', 'old-password');
    const change = (body: components['schemas']['ChangePasswordDto']) =>
      clientFor(bearer(oldToken)).PUT('/api/v1/me/password', { body });
    expect(await answer(change({ current_password: 'not-it-at-all', new_password: 'new-password' }))).toEqual({
      status: 422,
      body: invalid({
        loc: ['body', 'current_password'],
        msg: 'current password is not correct',
        type: 'value_error.password',
      }),
    });
    await tokenOf('pat', 'old-password');

    expect((await change({ current_password: 'old-password', new_password: 'new-password' })).response.status).toBe(
      200,
    );
    expect(await me(bearer(oldToken))).toEqual(REFUSED);
    expect((await login('pat', 'old-password')).response.status).toBe(401);
    const newToken = await tokenOf('pat', 'new-password');
    expect((await me(bearer(newToken))).status).toBe(200);
    // The API key is not a session: it keeps working.
    expect((await me(byKey('pat.api.key'))).status).toBe(200);
  });

  it("lets an admin reset a user's password, ending its tokens", async () => {
    const { user } = await seedUser(app, { username: 'reset', password: 'old-password' });
    const oldToken = await tokenOf('reset', 'old-password');
    expect((await reset(user.id, { new_password: 'short' })).response.status).toBe(422);
    expect((await reset(user.id, { new_password: 'brand-new-password' })).response.status).toBe(200);
    expect((await me(bearer(oldToken))).status).toBe(401);
    expect((await login('reset', 'old-password')).response.status).toBe(401);
    await tokenOf('reset', 'brand-new-password');
    expect(await answer(reset(MISSING_ID, { new_password: 'brand-new-password' }))).toEqual({
      status: 404,
      body: notFound(MISSING_ID, 'User'),
    });
  });
});

describe.each(engines())('v1 API keys and the credentials behind them (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;
  let clientFor: ClientFor;

  beforeEach(async () => {
    suite = await openApiSuite(engine);
    ({ app, dataSource } = suite);
    clientFor = await listenForClients(app);
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
  const login = async (username: string, password: string): Promise<string> => {
    const response = await clientFor().POST('/api/security/token', loginBody(username, password));
    expect(response.response.status).toBe(200);
    return response.data!.access_token;
  };
  const stored = (username: string) => dataSource.getRepository(User).findOneByOrFail({ username });
  const me = (headers: Record<string, string>) => answer(clientFor(headers).GET('/api/me'));
  const rotateOwn = (headers: Record<string, string>, body: components['schemas']['RotateApiKeyDto']) =>
    clientFor(headers).POST('/api/v1/me/api-key', { body });
  const reset = (user_id: string, body: components['schemas']['AdminResetPasswordDto']) =>
    clientFor(ADMIN).PUT('/api/v1/users/{user_id}/password', { params: { path: { user_id } }, body });
  const REFUSED = { status: 401, body: UNAUTHORIZED };

  it('refuses to rotate the own key for a bearer token without the current password, or with a wrong one (422)', async () => {
    await seedUser(app, { username: 'tina', password: 'tina-password', apiKey: 'tina.api.key' });
    const token = bearer(await login('tina', 'tina-password'));
    const before = await stored('tina');

    // No body at all, and a password of the wrong type, go through supertest: the types require one, a string.
    const noBody = await api(app).post('/api/v1/me/api-key').set(token).expect(422);
    expect(noBody.body).toEqual(WRONG_CURRENT_PASSWORD);
    expect(await answer(rotateOwn(token, {}))).toEqual({ status: 422, body: WRONG_CURRENT_PASSWORD });
    expect(await answer(rotateOwn(token, { current_password: 'not-the-password' }))).toEqual({
      status: 422,
      body: WRONG_CURRENT_PASSWORD,
    });
    expect(
      (await api(app).post('/api/v1/me/api-key').set(token).send({ current_password: 42 }).expect(422)).body,
    ).toEqual(invalid({ loc: ['body', 'current_password'], msg: 'str type expected', type: 'type_error.str' }));

    expect(await stored('tina')).toEqual(before);
    expect((await me(byKey('tina.api.key'))).status).toBe(200);
  });

  it('rotates the own key for a bearer token with the right current password: the old key is refused', async () => {
    await seedUser(app, { username: 'tom', password: 'tom-password', apiKey: 'tom.api.key' });
    const token = await login('tom', 'tom-password');
    const rotated = await answer(rotateOwn(bearer(token), { current_password: 'tom-password' }));
    const fresh = await stored('tom');
    expect(fresh.apiKey).toMatch(/^[A-Za-z0-9_-]{107}$/);
    expect(rotated).toEqual({ status: 200, body: { ...v1User(fresh), api_key: fresh.apiKey } });
    expect(await me(byKey('tom.api.key'))).toEqual(REFUSED);
    expect((await me(byKey(fresh.apiKey))).status).toBe(200);
    // The token is not ended by a key rotation.
    expect((await me(bearer(token))).status).toBe(200);
  });

  it('rotates the own key for the API key without a password; a password given anyway is checked', async () => {
    await seedUser(app, { username: 'kim', password: 'kim-password', apiKey: 'kim.api.key' });
    expect(await answer(rotateOwn(byKey('kim.api.key'), { current_password: 'not-the-password' }))).toEqual({
      status: 422,
      body: WRONG_CURRENT_PASSWORD,
    });
    // An unknown field, and no body at all, go through supertest: the types allow neither.
    const extra = await api(app).post('/api/v1/me/api-key').set('X-Argilla-Api-Key', 'kim.api.key').send({ x: 1 });
    expect(extra.status).toBe(422);
    expect(extra.body.detail.params.errors).toEqual([
      { loc: ['body', 'x'], msg: 'extra fields not permitted', type: 'value_error.extra' },
    ]);
    expect((await stored('kim')).apiKey).toBe('kim.api.key');

    const first = await api(app).post('/api/v1/me/api-key').set('X-Argilla-Api-Key', 'kim.api.key').expect(200);
    expect(first.body.api_key).toBe((await stored('kim')).apiKey);
    const second = await answer(rotateOwn(byKey(first.body.api_key), { current_password: 'kim-password' }));
    const fresh = await stored('kim');
    expect(second).toEqual({ status: 200, body: { ...v1User(fresh), api_key: fresh.apiKey } });
    expect((await me(byKey(first.body.api_key))).status).toBe(401);
    expect((await me(byKey(fresh.apiKey))).status).toBe(200);
  });

  it('keeps the key on an admin password reset without rotate_api_key: no api_key in the answer', async () => {
    const { user } = await seedUser(app, { username: 'rita', password: 'old-password', apiKey: 'rita.api.key' });
    const response = await answer(reset(user.id, { new_password: 'brand-new-password', rotate_api_key: false }));
    expect(response).toEqual({ status: 200, body: v1User(await stored('rita')) });
    expect((await stored('rita')).apiKey).toBe('rita.api.key');
    expect((await me(byKey('rita.api.key'))).status).toBe(200);
  });

  it('replaces the key on an admin password reset with rotate_api_key: shown once, the old key refused', async () => {
    const { user } = await seedUser(app, { username: 'rob', password: 'old-password', apiKey: 'rob.api.key' });
    const oldToken = await login('rob', 'old-password');
    const before = await stored('rob');
    // A flag that is no boolean goes through supertest: the types refuse it.
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

    const response = await answer(reset(user.id, { new_password: 'brand-new-password', rotate_api_key: true }));
    const fresh = await stored('rob');
    expect(fresh.apiKey).toMatch(/^[A-Za-z0-9_-]{107}$/);
    expect(response).toEqual({ status: 200, body: { ...v1User(fresh), api_key: fresh.apiKey } });
    expect(await me(byKey('rob.api.key'))).toEqual(REFUSED);
    expect((await me(bearer(oldToken))).status).toBe(401);
    expect((await me(byKey(fresh.apiKey))).status).toBe(200);
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
    expect(await me(byKey('cora.api.key'))).toEqual(REFUSED);
    expect((await me(byKey(match![1]))).status).toBe(200);
    await login('cora', 'brand-new-password');
  });
});

describe.each(engines())('v1 user list: paging and filters (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let adminClient: ArgillaClient;

  beforeAll(async () => {
    suite = await openApiSuite(engine);
    app = suite.app;
    adminClient = (await listenForClients(app))(ADMIN);
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

  type ListQuery = NonNullable<operations['UsersV1Controller_list']['parameters']['query']>;
  /** The page's body, once its status is checked. */
  const list = async (query: ListQuery, status = 200): Promise<unknown> => {
    const response = await answer(adminClient.GET('/api/v1/users', { params: { query } }));
    expect(response.status).toBe(status);
    return response.body;
  };
  const page = async (query: ListQuery) => (await list(query)) as { items: { username: string }[]; total: number };
  const usernames = async (query: ListQuery) => (await page(query)).items.map((item) => item.username);

  it('pages through every user exactly once, oldest first, with the total', async () => {
    const first = await page({ limit: 5 });
    expect(first.total).toBe(13);
    expect(first.items.map((item) => item.username)).toEqual(['admin', 'user-1', 'user-2', 'user-3', 'user-4']);
    const seen: string[] = [];
    for (let offset = 0; offset < 13; offset += 5) seen.push(...(await usernames({ limit: 5, offset })));
    expect(seen).toEqual(['admin', ...Array.from({ length: 12 }, (_, i) => `user-${i + 1}`)]);
    expect((await page({})).items).toHaveLength(13);
    // Past the end: no items, and still the total.
    expect(await list({ limit: 5, offset: 13 })).toEqual({ items: [], total: 13 });
    expect(await list({ workspace: 'team', offset: 500 })).toEqual({ items: [], total: 4 });
  });

  it('keeps every existing user exactly once across pages while users are being created', async () => {
    const before = await usernames({ limit: 500 });
    const seen: string[] = [];
    let creations = 0;
    for (let offset = 0; offset < before.length + creations; offset += 4) {
      seen.push(...(await usernames({ limit: 4, offset })));
      await seedUser(app, { username: `late-${++creations}` });
    }
    expect(seen.filter((name) => before.includes(name))).toEqual(before);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('filters by role, workspace and username prefix', async () => {
    expect(await usernames({ role: 'admin' })).toEqual(['admin', 'user-4', 'user-8', 'user-12']);
    const team = await page({ workspace: 'team' });
    expect(team.items.map((item) => item.username)).toEqual(['user-3', 'user-6', 'user-9', 'user-12']);
    expect(team.total).toBe(4);
    expect(await usernames({ q: 'user-1' })).toEqual(['user-1', 'user-10', 'user-11', 'user-12']);
    expect(await usernames({ q: 'user-1', role: 'admin', workspace: 'team' })).toEqual(['user-12']);
    // `_` is no wildcard: a prefix is a prefix.
    expect(await list({ q: 'user_' })).toEqual({ items: [], total: 0 });
  });

  it('refuses bad paging or filters with a 422 on the query field', async () => {
    const error = async (query: ListQuery) =>
      ((await list(query, 422)) as { detail: { params: { errors: unknown[] } } }).detail.params.errors;
    expect(await error({ limit: 0 })).toEqual([
      {
        loc: ['query', 'limit'],
        msg: 'ensure this value is greater than or equal to 1',
        type: 'value_error.number.not_ge',
        ctx: { limit_value: 1 },
      },
    ]);
    expect(await error({ limit: 501 })).toEqual([
      {
        loc: ['query', 'limit'],
        msg: 'ensure this value is less than or equal to 500',
        type: 'value_error.number.not_le',
        ctx: { limit_value: 500 },
      },
    ]);
    expect(await error({ offset: -1 })).toEqual([
      { loc: ['query', 'offset'], msg: 'value is not a valid integer', type: 'type_error.integer' },
    ]);
    // Past the largest exact integer, an offset is refused; the databases would fail on it (a 500 before).
    const tooFar = await api(app).get('/api/v1/users?offset=9223372036854775808').set(ADMIN).expect(422);
    expect(tooFar.body.detail.params.errors).toEqual([
      {
        loc: ['query', 'offset'],
        msg: 'ensure this value is less than or equal to 9007199254740991',
        type: 'value_error.number.not_le',
        ctx: { limit_value: 9007199254740991 },
      },
    ]);
    for (const path of ['/api/v1/users', '/api/v1/me/tokens', '/api/v1/me/sessions']) {
      const farthest = await api(app).get(`${path}?offset=9007199254740991`).set(ADMIN).expect(200);
      expect(farthest.body.items).toEqual([]);
      await api(app).get(`${path}?offset=99999999999999999999`).set(ADMIN).expect(422);
    }
    // An unknown role and a repeated parameter go through supertest: the types allow neither.
    const raw = async (query: string) =>
      (await api(app).get(`/api/v1/users${query}`).set(ADMIN).expect(422)).body.detail.params.errors;
    expect((await raw('?role=superuser'))[0]).toMatchObject({ loc: ['query', 'role'], type: 'type_error.enum' });
    expect((await raw('?limit=1&limit=2'))[0]).toMatchObject({ loc: ['query', 'limit'], type: 'type_error.integer' });
    await api(app).get('/api/v1/users').set('X-Argilla-Api-Key', 'user-1.apikey').expect(403);
  });
});
