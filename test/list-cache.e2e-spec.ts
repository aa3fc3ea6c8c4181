import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { toUserResponse, toUserV1Response, UsersRepository } from '@argilla/users';
import { toWorkspaceResponse, WorkspacesService } from '@argilla/workspaces';
import { api, ApiSuite, openApiSuite, seedUser } from './support/api';
import { startApp } from './support/server';
import { engines } from './support/test-database';

const ADMIN = { 'X-Argilla-Api-Key': 'admin.apikey' };

/**
 * `GET /api/users`, `GET /api/workspaces`, a workspace's members, an admin's workspaces in `GET /api/me` and the pages
 * of `GET /api/v1/users` are built once per data version. Two replicas share one database: whatever one of them (or plain SQL) changes, the
 * other's very next answer shows it.
 */
describe.each(engines())('versioned lists across replicas (%s)', (engine) => {
  let suite: ApiSuite;
  let replicaA: NestExpressApplication;
  let replicaB: NestExpressApplication;
  let dataSource: DataSource;
  let adaId: string;

  beforeEach(async () => {
    suite = await openApiSuite(engine);
    ({ app: replicaA, dataSource } = suite);
    replicaB = await startApp(suite.db.settings);
    await seedUser(replicaA, { username: 'admin', role: 'admin' });
    adaId = (await seedUser(replicaA, { username: 'ada', workspaces: ['team'] })).user.id;
  });

  afterEach(async () => {
    await replicaB.close();
    await suite.close();
  });

  /** What the list is, computed afresh from the database. */
  const fresh = async () => {
    const users: ReturnType<typeof toUserResponse>[] = [];
    await replicaB.get(UsersRepository).listInChunks(1_000, (chunk) => {
      users.push(...chunk.map((user) => toUserResponse(user)));
    });
    return users;
  };
  const listOnA = async () => {
    const response = await api(replicaA).get('/api/users').set(ADMIN).expect(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    return response.body;
  };

  it('answers the fresh list after each change made on the other replica or in SQL', async () => {
    expect(await listOnA()).toEqual(await fresh());

    const rotated = await api(replicaB).post(`/api/v1/users/${adaId}/api-key`).set(ADMIN).expect(200);
    const afterRotation = await listOnA();
    expect(afterRotation.find((user: { username: string }) => user.username === 'ada').api_key).toBe(
      rotated.body.api_key,
    );
    expect(afterRotation).toEqual(await fresh());

    await api(replicaB).patch(`/api/v1/users/${adaId}`).set(ADMIN).send({ role: 'admin' }).expect(200);
    expect((await listOnA()).map((user: { role: string }) => user.role)).toEqual(['admin', 'admin']);

    const team = await api(replicaB).post('/api/workspaces').set(ADMIN).send({ name: 'second' }).expect(200);
    await api(replicaB).post(`/api/workspaces/${team.body.id}/users/${adaId}`).set(ADMIN).expect(200);
    expect((await listOnA())[1].workspaces).toEqual(['team', 'second']);

    await dataSource.query("UPDATE users SET first_name = 'Augusta' WHERE username = 'ada'");
    expect((await listOnA())[1].first_name).toBe('Augusta');

    await api(replicaB).delete(`/api/users/${adaId}`).set(ADMIN).expect(200);
    expect((await listOnA()).map((user: { username: string }) => user.username)).toEqual(['admin']);
    expect(await listOnA()).toEqual(await fresh());
  });

  it('gives concurrent requests one consistent answer', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => listOnA()));
    const expected = await fresh();
    for (const answer of answers) expect(answer).toEqual(expected);
  });

  it('answers fresh v1 pages (each filter, limit and offset kept apart) after each change made elsewhere', async () => {
    const repository = () => replicaB.get(UsersRepository);
    const queries = [
      {},
      { limit: 1 },
      { limit: 1, offset: 1 },
      { workspace: 'team' },
      { role: 'admin' },
      { q: 'a' },
      { workspace: 'team', role: 'annotator', q: 'ad', limit: 5 },
    ];
    const check = async () => {
      for (const query of queries) {
        const response = await api(replicaA).get('/api/v1/users').query(query).set(ADMIN).expect(200);
        expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
        const { limit = 50, offset = 0, ...filters } = query as { limit?: number; offset?: number };
        const { items, total } = await repository().page(filters, limit, offset);
        expect({ query, body: response.body }).toEqual({ query, body: { items: items.map(toUserV1Response), total } });
      }
    };
    await check();
    expect((await api(replicaA).get('/api/v1/users').query({ workspace: 'team' }).set(ADMIN)).body.total).toBe(1);

    await seedUser(replicaB, { username: 'adam', workspaces: ['team'] });
    await check();
    expect((await api(replicaA).get('/api/v1/users').query({ workspace: 'team' }).set(ADMIN)).body.total).toBe(2);

    await api(replicaB).patch(`/api/v1/users/${adaId}`).set(ADMIN).send({ role: 'admin' }).expect(200);
    await check();

    await dataSource.query("UPDATE users SET first_name = 'Augusta' WHERE username = 'ada'");
    await check();
    const page = await api(replicaA).get('/api/v1/users').query({ q: 'ada' }).set(ADMIN).expect(200);
    expect(page.body.items.map((user: { first_name: string }) => user.first_name)).toEqual(['Augusta', 'adam']);

    await api(replicaB).delete(`/api/users/${adaId}`).set(ADMIN).expect(200);
    await check();
    expect((await api(replicaA).get('/api/v1/users').set(ADMIN)).body.total).toBe(2);
  });

  it('answers fresh workspaces, members and admin workspaces after each change made elsewhere', async () => {
    const service = () => replicaB.get(WorkspacesService);
    const freshWorkspaces = async () => (await service().list()).map(toWorkspaceResponse);
    const freshMembers = async (id: string) => (await service().members(id)).map((user) => toUserResponse(user));
    const onA = async (path: string) => {
      const response = await api(replicaA).get(path).set(ADMIN).expect(200);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      return response.body;
    };
    const teamId = (await freshWorkspaces()).find((workspace) => workspace.name === 'team')!.id;
    const check = async (names: string[], teamMembers: string[]) => {
      const workspaces = await onA('/api/workspaces');
      expect(workspaces.map((workspace: { name: string }) => workspace.name)).toEqual(names);
      expect(workspaces).toEqual(await freshWorkspaces());
      const members = await onA(`/api/workspaces/${teamId}/users`);
      expect(members.map((user: { username: string }) => user.username)).toEqual(teamMembers);
      expect(members).toEqual(await freshMembers(teamId));
      expect((await onA('/api/me')).workspaces).toEqual(names);
    };
    await check(['team'], ['ada']);

    const second = await api(replicaB).post('/api/workspaces').set(ADMIN).send({ name: 'second' }).expect(200);
    await check(['team', 'second'], ['ada']);

    const admin = (await api(replicaB).get('/api/me').set(ADMIN).expect(200)).body.id as string;
    await api(replicaB).post(`/api/workspaces/${teamId}/users/${admin}`).set(ADMIN).expect(200);
    await check(['team', 'second'], ['ada', 'admin']);

    await dataSource.query("UPDATE workspaces SET name = 'renamed' WHERE name = 'second'");
    await check(['team', 'renamed'], ['ada', 'admin']);

    await dataSource.query("UPDATE users SET first_name = 'Augusta' WHERE username = 'ada'");
    expect((await onA(`/api/workspaces/${teamId}/users`))[0].first_name).toBe('Augusta');

    await api(replicaB).delete(`/api/workspaces/${teamId}/users/${adaId}`).set(ADMIN).expect(200);
    await api(replicaB).delete(`/api/v1/workspaces/${second.body.id}`).set(ADMIN).expect(200);
    await check(['team'], ['admin']);

    // A workspace deleted elsewhere is a 404 at once, not its members of before.
    await api(replicaB).delete(`/api/v1/workspaces/${teamId}`).set(ADMIN).expect(200);
    const gone = await api(replicaA).get(`/api/workspaces/${teamId}/users`).set(ADMIN);
    expect(gone.status).toBe(404);
    expect(await onA('/api/workspaces')).toEqual([]);
  });
});
