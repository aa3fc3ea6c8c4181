import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource, In } from 'typeorm';
import { isDatabaseUnavailable, MigrationRunner, User, Workspace, WorkspaceUser } from '@argilla/database';
import { UsersService } from '@argilla/users';
import { postgresControlAvailable, startPostgres, stopPostgres } from '../support/postgres-control';
import { seedUser } from '../support/api';
import { startApp } from '../support/server';
import { engines, TestDatabase } from '../support/test-database';

const UNAVAILABLE = {
  detail: { code: 'argilla.api.errors::ServiceUnavailableError', params: { detail: 'Database unavailable' } },
};

const runnable = engines().includes('postgres') && postgresControlAvailable();
if (!runnable && process.env.CI === 'true') {
  throw new Error('The PostgreSQL outage suite must run under CI=true (needs root and pg_ctlcluster).');
}

/** Asks until the answer has the wanted status, at most `attempts` times: recovery takes a moment, not forever. */
async function untilStatus(
  app: NestExpressApplication,
  path: string,
  status: number,
  attempts = 40,
): Promise<request.Response> {
  let response = await request(app.getHttpServer()).get(path);
  for (let attempt = 1; attempt < attempts && response.status !== status; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    response = await request(app.getHttpServer()).get(path);
  }
  return response;
}

(runnable ? describe : describe.skip)('PostgreSQL outage and recovery', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await TestDatabase.create('postgres');
    dataSource = await db.connect();
    await new MigrationRunner(dataSource).migrate('head');
    app = await startApp(db.settings);
    await seedUser(app, { username: 'ada', role: 'admin', apiKey: 'ada.apikey', password: 'ada-password' });
  });

  afterAll(async () => {
    startPostgres();
    await app?.close();
    await db?.drop();
  });

  it('answers /api/_status with 503 while PostgreSQL is down and 200 once it is back, without a restart', async () => {
    await request(app.getHttpServer()).get('/api/_status').expect(200);
    try {
      stopPostgres();
      const down = await request(app.getHttpServer()).get('/api/_status');
      expect(down.status).toBe(503);
      expect(down.body).toEqual(UNAVAILABLE);
      // Authenticated calls need the database too: the same 503, never a 500.
      for (const call of [
        request(app.getHttpServer()).get('/api/me').set('X-Argilla-Api-Key', 'ada.apikey'),
        request(app.getHttpServer()).get('/api/users').set('X-Argilla-Api-Key', 'ada.apikey'),
        request(app.getHttpServer())
          .post('/api/security/token')
          .type('form')
          .send({ username: 'ada', password: 'ada-password' }),
      ]) {
        const response = await call;
        expect([response.status, response.body]).toEqual([503, UNAVAILABLE]);
      }
      // The server itself stays up.
      await request(app.getHttpServer()).get('/api/_info').expect(200);
    } finally {
      startPostgres();
    }
    const back = await untilStatus(app, '/api/_status', 200);
    expect(back.status).toBe(200);
    expect(back.body.database).toEqual({ engine: 'postgresql', status: 'ok' });
    const me = await request(app.getHttpServer()).get('/api/me').set('X-Argilla-Api-Key', 'ada.apikey').expect(200);
    expect(me.body.username).toBe('ada');
  });

  it('under load: stopping PostgreSQL gives 503s (never a 500) and no half-written user; then it recovers', async () => {
    const users = app.get(UsersService);
    let created = 0;
    let stopped = false;
    // Each creation writes a user, two new workspaces and two memberships in one transaction.
    const creations = Array.from({ length: 40 }, (_, i) =>
      users
        .create({
          firstName: 'Load',
          username: `load-${i}`,
          password: 'load-password',
          workspaces: [`load-${i}-a`, `load-${i}-b`],
        })
        .then(
          () => {
            // Stop the database while the other creations are still under way.
            if (++created === 5 && !stopped) {
              stopped = true;
              stopPostgres();
            }
            return 'created';
          },
          (error: unknown) => (isDatabaseUnavailable(error) ? 'unavailable' : `unexpected: ${String(error)}`),
        ),
    );
    const reads = Array.from({ length: 40 }, () =>
      request(app.getHttpServer())
        .get('/api/me')
        .set('X-Argilla-Api-Key', 'ada.apikey')
        .then((response) => response.status),
    );
    let outcomes: string[];
    let statuses: number[];
    try {
      [outcomes, statuses] = await Promise.all([Promise.all(creations), Promise.all(reads)]);
    } finally {
      startPostgres();
    }
    expect(stopped).toBe(true);
    expect(outcomes.filter((outcome) => outcome !== 'created' && outcome !== 'unavailable')).toEqual([]);
    expect(outcomes).toContain('unavailable');
    expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([]);

    expect((await untilStatus(app, '/api/_status', 200)).status).toBe(200);
    for (let i = 0; i < 40; i++) {
      const user = await dataSource.getRepository(User).findOneBy({ username: `load-${i}` });
      const workspaces = await dataSource
        .getRepository(Workspace)
        .countBy({ name: In([`load-${i}-a`, `load-${i}-b`]) });
      const memberships = user ? await dataSource.getRepository(WorkspaceUser).countBy({ userId: user.id }) : 0;
      // All or nothing. A creation reported done is all there; one cut off is normally absent, or complete if
      // its commit reached the database just before the connection died.
      const state = [user ? 1 : 0, workspaces, memberships];
      if (outcomes[i] === 'created') expect([i, state]).toEqual([i, [1, 2, 2]]);
      else
        expect([
          [0, 0, 0],
          [1, 2, 2],
        ]).toContainEqual(state);
    }
    await request(app.getHttpServer()).get('/api/me').set('X-Argilla-Api-Key', 'ada.apikey').expect(200);
  });
});
