import type { NestExpressApplication } from '@nestjs/platform-express';
import * as argon2 from 'argon2';
import { DataSource } from 'typeorm';
import { User, Workspace, WorkspaceUser } from '@argilla/database';
import { formatTimestamp } from '@argilla/common';
import {
  alreadyExists,
  api,
  FORBIDDEN,
  invalid,
  notFound,
  seedUser,
  TIMESTAMP,
  UNAUTHORIZED,
  ApiSuite,
  MISSING_ID,
  openApiSuite,
} from './support/api';
import { engines } from './support/test-database';

const ADMIN = { 'X-Argilla-Api-Key': 'admin.apikey' };
const ANNOTATOR = { 'X-Argilla-Api-Key': 'anna.apikey' };

describe.each(engines())('users API (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;
  let admin: User;
  let anna: User;

  const userCount = () => dataSource.getRepository(User).count();

  beforeAll(async () => {
    suite = await openApiSuite(engine);
    ({ app, dataSource } = suite);
    admin = (
      await seedUser(app, {
        username: 'admin',
        role: 'admin',
        firstName: 'Ada',
        lastName: 'Lovelace',
        workspaces: ['admin'],
      })
    ).user;
    anna = (await seedUser(app, { username: 'anna', firstName: 'Anna', workspaces: ['anna', 'team'] })).user;
    await seedUser(app, { username: 'outsider', workspaces: ['elsewhere'] });
  });

  afterAll(async () => {
    await suite?.close();
  });

  describe('GET /api/me', () => {
    it('answers an annotator with its own workspaces, in membership order, and no last_name when it has none', async () => {
      const response = await api(app).get('/api/me').set(ANNOTATOR).expect(200);
      expect(response.body).toEqual({
        id: anna.id,
        first_name: 'Anna',
        full_name: 'Anna',
        username: 'anna',
        role: 'annotator',
        workspaces: ['anna', 'team'],
        api_key: 'anna.apikey',
        inserted_at: formatTimestamp(anna.insertedAt),
        updated_at: formatTimestamp(anna.updatedAt),
      });
      expect(Object.keys(response.body)).toEqual([
        'id',
        'first_name',
        'full_name',
        'username',
        'role',
        'workspaces',
        'api_key',
        'inserted_at',
        'updated_at',
      ]);
      expect(response.body.inserted_at).toMatch(TIMESTAMP);
    });

    it('answers an admin with every workspace, and its full name', async () => {
      const response = await api(app).get('/api/me').set(ADMIN).expect(200);
      expect(response.body).toMatchObject({
        first_name: 'Ada',
        last_name: 'Lovelace',
        full_name: 'Ada Lovelace',
        role: 'admin',
        workspaces: ['admin', 'anna', 'team', 'elsewhere'],
      });
    });

    it('refuses an anonymous call with 401', async () => {
      expect((await api(app).get('/api/me').expect(401)).body).toEqual(UNAUTHORIZED);
    });
  });

  describe('GET /api/users', () => {
    it('lists every user, oldest first, each with its own workspaces', async () => {
      const response = await api(app).get('/api/users').set(ADMIN).expect(200);
      expect(
        response.body.map((user: { username: string; workspaces: string[] }) => [user.username, user.workspaces]),
      ).toEqual([
        ['admin', ['admin']],
        ['anna', ['anna', 'team']],
        ['outsider', ['elsewhere']],
      ]);
    });

    it('refuses an annotator with 403 and an anonymous caller with 401', async () => {
      expect((await api(app).get('/api/users').set(ANNOTATOR).expect(403)).body).toEqual(FORBIDDEN);
      expect((await api(app).get('/api/users').expect(401)).body).toEqual(UNAUTHORIZED);
    });
  });

  describe('POST /api/users', () => {
    it('creates an annotator with a generated 107-character key and no workspace, storing an argon2id hash', async () => {
      const response = await api(app)
        .post('/api/users')
        .set(ADMIN)
        .send({
          first_name: '  Grace ',
          last_name: ' Hopper ',
          username: 'grace',
          password: 'grace-password',
          extra: 'ignored',
        })
        .expect(200);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        first_name: 'Grace',
        last_name: 'Hopper',
        full_name: 'Grace Hopper',
        username: 'grace',
        role: 'annotator',
        workspaces: [],
        api_key: expect.stringMatching(/^[A-Za-z0-9_-]{107}$/),
        inserted_at: expect.stringMatching(TIMESTAMP),
        updated_at: expect.stringMatching(TIMESTAMP),
      });
      const stored = await dataSource.getRepository(User).findOneByOrFail({ username: 'grace' });
      expect(stored).toMatchObject({
        id: response.body.id,
        firstName: 'Grace',
        lastName: 'Hopper',
        role: 'annotator',
        apiKey: response.body.api_key,
      });
      expect(stored.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
      expect(await argon2.verify(stored.passwordHash, 'grace-password')).toBe(true);
      await api(app)
        .post('/api/security/token')
        .type('form')
        .send({ username: 'grace', password: 'grace-password' })
        .expect(200);
    });

    it('creates an admin when asked', async () => {
      const response = await api(app)
        .post('/api/users')
        .set(ADMIN)
        .send({ first_name: 'Root', username: 'root2', role: 'admin', password: 'root-password' })
        .expect(200);
      expect(response.body.role).toBe('admin');
      expect(response.body.last_name).toBeUndefined();
    });

    it('answers a taken username with 409 and stores nothing', async () => {
      const before = await userCount();
      const response = await api(app)
        .post('/api/users')
        .set(ADMIN)
        .send({ first_name: 'Anna', username: 'anna', password: 'another-password' })
        .expect(409);
      expect(response.body).toEqual(alreadyExists('anna', 'User'));
      expect(await userCount()).toBe(before);
    });

    it('answers an invalid body with 422 listing each failing field, and stores nothing', async () => {
      const before = await userCount();
      const response = await api(app)
        .post('/api/users')
        .set(ADMIN)
        .send({ first_name: '   ', username: 'Bad-Name', role: 'superuser', password: 'short' })
        .expect(422);
      expect(response.body).toEqual(
        invalid(
          {
            loc: ['body', 'first_name'],
            msg: 'ensure this value has at least 1 characters',
            type: 'value_error.any_str.min_length',
            ctx: { limit_value: 1 },
          },
          {
            loc: ['body', 'username'],
            msg: 'string does not match regex "^(?!-|_)[a-z0-9-_]+$"',
            type: 'value_error.str.regex',
            ctx: { pattern: '^(?!-|_)[a-z0-9-_]+$' },
          },
          {
            loc: ['body', 'role'],
            msg: "value is not a valid enumeration member; permitted: 'admin', 'annotator', 'owner'",
            type: 'type_error.enum',
            ctx: { enum_values: ['admin', 'annotator', 'owner'] },
          },
          {
            loc: ['body', 'password'],
            msg: 'ensure this value has at least 8 characters',
            type: 'value_error.any_str.min_length',
            ctx: { limit_value: 8 },
          },
        ),
      );
      expect(await userCount()).toBe(before);
    });

    it.each([
      ['a username starting with _', { username: '_x' }, 'username'],
      ['a username starting with -', { username: '-x' }, 'username'],
      ['a password over 100 characters', { password: 'x'.repeat(101) }, 'password'],
      ['an empty last name', { last_name: '  ' }, 'last_name'],
      ['a number as first name', { first_name: 42 }, 'first_name'],
    ])('refuses %s with 422 on that field', async (_label, override, field) => {
      const body = { first_name: 'X', username: 'valid-name_1', password: 'long-enough', ...override };
      const response = await api(app).post('/api/users').set(ADMIN).send(body).expect(422);
      expect(response.body.detail.params.errors.map((error: { loc: string[] }) => error.loc)).toEqual([
        ['body', field],
      ]);
    });

    it('answers a body that is not JSON, or no body, with 422', async () => {
      const broken = await api(app)
        .post('/api/users')
        .set(ADMIN)
        .set('Content-Type', 'application/json')
        .send('{"username": ')
        .expect(422);
      expect(broken.body).toEqual(
        invalid({ loc: ['body'], msg: 'request body is not valid JSON or form data', type: 'value_error.jsondecode' }),
      );
      const none = await api(app).post('/api/users').set(ADMIN).expect(422);
      expect(none.body).toEqual(invalid({ loc: ['body'], msg: 'field required', type: 'value_error.missing' }));
      const list = await api(app).post('/api/users').set(ADMIN).send([1, 2]).expect(422);
      expect(list.body).toEqual(invalid({ loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' }));
    });

    it('checks validation before permission: an annotator gets 422 for a bad body, 403 for a good one, and nothing is stored', async () => {
      const before = await userCount();
      await api(app).post('/api/users').set(ANNOTATOR).send({ username: 'x' }).expect(422);
      const response = await api(app)
        .post('/api/users')
        .set(ANNOTATOR)
        .send({ first_name: 'Eve', username: 'eve', password: 'eve-password' })
        .expect(403);
      expect(response.body).toEqual(FORBIDDEN);
      expect(await userCount()).toBe(before);
      expect(await dataSource.getRepository(User).existsBy({ username: 'eve' })).toBe(false);
    });

    it('refuses an anonymous caller with 401 before validating anything', async () => {
      expect((await api(app).post('/api/users').send({}).expect(401)).body).toEqual(UNAUTHORIZED);
    });

    it('creates exactly one user when 20 requests race for one username', async () => {
      const body = { first_name: 'Race', username: 'racer', password: 'race-password' };
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => api(app).post('/api/users').set(ADMIN).send(body)),
      );
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([200, ...Array(19).fill(409)]);
      for (const response of responses.filter((r) => r.status === 409)) {
        expect(response.body).toEqual(alreadyExists('racer', 'User'));
      }
      expect(await dataSource.getRepository(User).countBy({ username: 'racer' })).toBe(1);
    });
  });

  describe('DELETE /api/users/{user_id}', () => {
    it('deletes the user with its memberships and answers it as it was', async () => {
      const { user } = await seedUser(app, { username: 'leaving', workspaces: ['team', 'leavers'] });
      const response = await api(app).delete(`/api/users/${user.id}`).set(ADMIN).expect(200);
      expect(response.body).toMatchObject({ id: user.id, username: 'leaving', workspaces: ['team', 'leavers'] });
      expect(await dataSource.getRepository(User).existsBy({ id: user.id })).toBe(false);
      expect(await dataSource.getRepository(WorkspaceUser).countBy({ userId: user.id })).toBe(0);
      // The workspaces stay.
      expect(await dataSource.getRepository(Workspace).existsBy({ name: 'leavers' })).toBe(true);
      await api(app).delete(`/api/users/${user.id}`).set(ADMIN).expect(404);
    });

    it('answers an unknown id with 404 and a malformed one with 422', async () => {
      expect((await api(app).delete(`/api/users/${MISSING_ID}`).set(ADMIN).expect(404)).body).toEqual(
        notFound(MISSING_ID, 'User'),
      );
      expect((await api(app).delete('/api/users/not-a-uuid').set(ADMIN).expect(422)).body).toEqual(
        invalid({ loc: ['path', 'user_id'], msg: 'value is not a valid uuid', type: 'type_error.uuid' }),
      );
    });

    it('refuses an annotator with 403 whether or not the id exists, deleting nothing', async () => {
      expect((await api(app).delete(`/api/users/${admin.id}`).set(ANNOTATOR).expect(403)).body).toEqual(FORBIDDEN);
      await api(app).delete(`/api/users/${MISSING_ID}`).set(ANNOTATOR).expect(403);
      expect(await dataSource.getRepository(User).existsBy({ id: admin.id })).toBe(true);
      await api(app).delete(`/api/users/${admin.id}`).expect(401);
    });
  });
});
