import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { formatTimestamp } from '@argilla/common';
import { User, Workspace, WorkspaceUser } from '@argilla/database';
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
import { UsersImporter } from '@argilla/users';
import { engines } from './support/test-database';

const ADMIN = { 'X-Argilla-Api-Key': 'admin.apikey' };
const MEMBER = { 'X-Argilla-Api-Key': 'member.apikey' };
const OUTSIDER = { 'X-Argilla-Api-Key': 'outsider.apikey' };

describe.each(engines())('workspaces API (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;
  let team: Workspace;
  let member: User;
  let outsider: User;

  const workspaceCount = () => dataSource.getRepository(Workspace).count();
  const membershipCount = () => dataSource.getRepository(WorkspaceUser).count();
  const byName = (name: string) => dataSource.getRepository(Workspace).findOneByOrFail({ name });

  beforeAll(async () => {
    suite = await openApiSuite(engine);
    ({ app, dataSource } = suite);
    await seedUser(app, { username: 'admin', role: 'admin' });
    member = (await seedUser(app, { username: 'member', workspaces: ['team'] })).user;
    outsider = (await seedUser(app, { username: 'outsider' })).user;
    team = await byName('team');
  });

  afterAll(async () => {
    await suite?.close();
  });

  describe('GET /api/workspaces', () => {
    it('lists every workspace to any user, oldest first', async () => {
      const expected = [
        {
          id: team.id,
          name: 'team',
          inserted_at: formatTimestamp(team.insertedAt),
          updated_at: formatTimestamp(team.updatedAt),
        },
      ];
      expect((await api(app).get('/api/workspaces').set(OUTSIDER).expect(200)).body).toEqual(expected);
      expect((await api(app).get('/api/workspaces').set(ADMIN).expect(200)).body).toEqual(expected);
      expect((await api(app).get('/api/workspaces').expect(401)).body).toEqual(UNAUTHORIZED);
    });
  });

  describe('POST /api/workspaces', () => {
    it('creates a workspace', async () => {
      const response = await api(app).post('/api/workspaces').set(ADMIN).send({ name: 'new-space_1' }).expect(200);
      expect(response.body).toEqual({
        id: expect.any(String),
        name: 'new-space_1',
        inserted_at: expect.stringMatching(TIMESTAMP),
        updated_at: expect.stringMatching(TIMESTAMP),
      });
      expect((await byName('new-space_1')).id).toBe(response.body.id);
      const names = (await api(app).get('/api/workspaces').set(ADMIN)).body.map((w: { name: string }) => w.name);
      expect(names).toEqual(['team', 'new-space_1']);
    });

    it('answers a taken name with 409, an invalid one with 422, and stores nothing', async () => {
      const before = await workspaceCount();
      expect((await api(app).post('/api/workspaces').set(ADMIN).send({ name: 'team' }).expect(409)).body).toEqual(
        alreadyExists('team', 'Workspace'),
      );
      expect((await api(app).post('/api/workspaces').set(ADMIN).send({ name: 'Team!' }).expect(422)).body).toEqual(
        invalid({
          loc: ['body', 'name'],
          msg: 'string does not match regex "^(?!-|_)[a-z0-9-_]+$"',
          type: 'value_error.str.regex',
          ctx: { pattern: '^(?!-|_)[a-z0-9-_]+$' },
        }),
      );
      expect((await api(app).post('/api/workspaces').set(ADMIN).send({}).expect(422)).body).toEqual(
        invalid({ loc: ['body', 'name'], msg: 'field required', type: 'value_error.missing' }),
      );
      expect(await workspaceCount()).toBe(before);
    });

    it('refuses an annotator with 403, storing nothing', async () => {
      const before = await workspaceCount();
      expect((await api(app).post('/api/workspaces').set(MEMBER).send({ name: 'mine' }).expect(403)).body).toEqual(
        FORBIDDEN,
      );
      expect(await workspaceCount()).toBe(before);
    });

    it('creates exactly one workspace when 20 requests race for one name', async () => {
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => api(app).post('/api/workspaces').set(ADMIN).send({ name: 'raced' })),
      );
      expect(responses.map((response) => response.status).sort()).toEqual([200, ...Array(19).fill(409)]);
      expect(await dataSource.getRepository(Workspace).countBy({ name: 'raced' })).toBe(1);
    });
  });

  describe('memberships', () => {
    it('lists the members of a workspace in the order they joined, each with all its workspaces', async () => {
      const response = await api(app).get(`/api/workspaces/${team.id}/users`).set(ADMIN).expect(200);
      expect(
        response.body.map((user: { username: string; workspaces: string[] }) => [user.username, user.workspaces]),
      ).toEqual([['member', ['team']]]);
      expect((await api(app).get(`/api/workspaces/${MISSING_ID}/users`).set(ADMIN).expect(404)).body).toEqual(
        notFound(MISSING_ID, 'Workspace'),
      );
      expect((await api(app).get(`/api/workspaces/${team.id}/users`).set(MEMBER).expect(403)).body).toEqual(FORBIDDEN);
      await api(app).get(`/api/workspaces/${team.id}/users`).expect(401);
    });

    it('adds a user to a workspace, answering the user with its workspaces; adding again is a 409', async () => {
      const added = await api(app).post(`/api/workspaces/${team.id}/users/${outsider.id}`).set(ADMIN).expect(200);
      expect(added.body).toMatchObject({ id: outsider.id, username: 'outsider', workspaces: ['team'] });
      expect(await dataSource.getRepository(WorkspaceUser).countBy({ workspaceId: team.id, userId: outsider.id })).toBe(
        1,
      );

      const again = await api(app).post(`/api/workspaces/${team.id}/users/${outsider.id}`).set(ADMIN).expect(409);
      expect(again.body).toEqual(alreadyExists(outsider.id, 'User'));

      const members = await api(app).get(`/api/workspaces/${team.id}/users`).set(ADMIN).expect(200);
      expect(members.body.map((user: { username: string }) => user.username)).toEqual(['member', 'outsider']);
    });

    it('removes a user from a workspace, answering the user without it; removing again is a 404', async () => {
      const removed = await api(app).delete(`/api/workspaces/${team.id}/users/${outsider.id}`).set(ADMIN).expect(200);
      expect(removed.body).toMatchObject({ id: outsider.id, workspaces: [] });
      expect(await dataSource.getRepository(WorkspaceUser).countBy({ userId: outsider.id })).toBe(0);
      expect(
        (await api(app).delete(`/api/workspaces/${team.id}/users/${outsider.id}`).set(ADMIN).expect(404)).body,
      ).toEqual(notFound(outsider.id, 'User'));
    });

    it('answers unknown workspaces and users with 404, malformed ids with 422', async () => {
      expect(
        (await api(app).post(`/api/workspaces/${MISSING_ID}/users/${outsider.id}`).set(ADMIN).expect(404)).body,
      ).toEqual(notFound(MISSING_ID, 'Workspace'));
      expect(
        (await api(app).post(`/api/workspaces/${team.id}/users/${MISSING_ID}`).set(ADMIN).expect(404)).body,
      ).toEqual(notFound(MISSING_ID, 'User'));
      // Removing looks up the membership, as Argilla 1.8 does: an unknown workspace is a 404 naming the user.
      expect(
        (await api(app).delete(`/api/workspaces/${MISSING_ID}/users/${outsider.id}`).set(ADMIN).expect(404)).body,
      ).toEqual(notFound(outsider.id, 'User'));
      expect(
        (await api(app).delete(`/api/workspaces/${team.id}/users/${MISSING_ID}`).set(ADMIN).expect(404)).body,
      ).toEqual(notFound(MISSING_ID, 'User'));
      expect((await api(app).post(`/api/workspaces/nope/users/${outsider.id}`).set(ADMIN).expect(422)).body).toEqual(
        invalid({ loc: ['path', 'workspace_id'], msg: 'value is not a valid uuid', type: 'type_error.uuid' }),
      );
    });

    it('refuses annotators with 403 (before any lookup), changing nothing', async () => {
      const before = await membershipCount();
      expect(
        (await api(app).post(`/api/workspaces/${team.id}/users/${outsider.id}`).set(MEMBER).expect(403)).body,
      ).toEqual(FORBIDDEN);
      await api(app).post(`/api/workspaces/${MISSING_ID}/users/${MISSING_ID}`).set(MEMBER).expect(403);
      expect(
        (await api(app).delete(`/api/workspaces/${team.id}/users/${member.id}`).set(MEMBER).expect(403)).body,
      ).toEqual(FORBIDDEN);
      await api(app).delete(`/api/workspaces/${team.id}/users/${member.id}`).expect(401);
      expect(await membershipCount()).toBe(before);
    });

    it('adds one membership when 20 requests race to add it', async () => {
      const { user } = await seedUser(app, { username: 'racer' });
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => api(app).post(`/api/workspaces/${team.id}/users/${user.id}`).set(ADMIN)),
      );
      expect(responses.map((response) => response.status).sort()).toEqual([200, ...Array(19).fill(409)]);
      expect(await dataSource.getRepository(WorkspaceUser).countBy({ workspaceId: team.id, userId: user.id })).toBe(1);
    });

    it('deleting a workspace member user removes its memberships', async () => {
      const { user } = await seedUser(app, { username: 'gone', workspaces: ['team'] });
      await api(app).delete(`/api/users/${user.id}`).set(ADMIN).expect(200);
      const members = await api(app).get(`/api/workspaces/${team.id}/users`).set(ADMIN).expect(200);
      expect(members.body.map((u: { username: string }) => u.username)).not.toContain('gone');
    });
  });

  describe('GET /api/v1/workspaces/{workspace_id}', () => {
    it('answers an admin and a member with the workspace', async () => {
      const expected = {
        id: team.id,
        name: 'team',
        inserted_at: formatTimestamp(team.insertedAt),
        updated_at: formatTimestamp(team.updatedAt),
      };
      expect((await api(app).get(`/api/v1/workspaces/${team.id}`).set(ADMIN).expect(200)).body).toEqual(expected);
      expect((await api(app).get(`/api/v1/workspaces/${team.id}`).set(MEMBER).expect(200)).body).toEqual(expected);
    });

    it('answers an admin asking for an unknown id with a plain 404', async () => {
      const response = await api(app).get(`/api/v1/workspaces/${MISSING_ID}`).set(ADMIN).expect(404);
      expect(response.body).toEqual({ detail: `Workspace with id \`${MISSING_ID}\` not found` });
    });

    it('refuses a non-member with 403, whether or not the workspace exists', async () => {
      expect((await api(app).get(`/api/v1/workspaces/${team.id}`).set(OUTSIDER).expect(403)).body).toEqual(FORBIDDEN);
      expect((await api(app).get(`/api/v1/workspaces/${MISSING_ID}`).set(OUTSIDER).expect(403)).body).toEqual(
        FORBIDDEN,
      );
      expect((await api(app).get(`/api/v1/workspaces/${team.id}`).expect(401)).body).toEqual(UNAUTHORIZED);
    });
  });
});

describe.each(engines())('a workspace with more members than one IN list holds (%s)', (engine) => {
  let suite: ApiSuite;

  beforeAll(async () => {
    suite = await openApiSuite(engine);
    await seedUser(suite.app, { username: 'admin', role: 'admin' });
  });

  afterAll(async () => {
    await suite.close();
  });

  it('lists its 1,500 members, each with its workspaces', async () => {
    const users = Array.from({ length: 1_500 }, (_, index) => ({
      username: `member-${String(index).padStart(4, '0')}`,
      firstName: 'M',
      lastName: null,
      role: 'annotator' as const,
      apiKey: `member-key-${index}`,
      // bcrypt of '1234': imported as it is, no hashing here.
      passwordHash: '$2y$05$eaw.j2Kaw8s8vpscVIZMfuqSIX3OLmxA21WjtWicDdn0losQ91Hw.',
      workspaces: ['crowd', `own-${index}`],
      disabled: false,
    }));
    await suite.app.get(UsersImporter).import({ users, workspaces: [] });
    const crowd = await suite.dataSource.getRepository(Workspace).findOneByOrFail({ name: 'crowd' });
    const response = await api(suite.app).get(`/api/workspaces/${crowd.id}/users`).set(ADMIN).expect(200);
    expect(response.body).toHaveLength(1_500);
    const seen = new Map(
      (response.body as { username: string; workspaces: string[] }[]).map((user) => [user.username, user.workspaces]),
    );
    expect(seen.get('member-0000')).toEqual(['crowd', 'own-0']);
    expect(seen.get('member-1499')).toEqual(['crowd', 'own-1499']);
    expect([...seen.values()].every((names) => names.length === 2 && names[0] === 'crowd')).toBe(true);
  });
});
