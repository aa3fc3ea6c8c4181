import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { MigrationRunner } from '@argilla/database';
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

  beforeAll(async () => {
    db = await TestDatabase.create('postgres');
    await new MigrationRunner(await db.connect()).migrate('head');
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
});
