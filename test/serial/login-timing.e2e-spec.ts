import request from 'supertest';
import { api, ApiSuite, openApiSuite, seedUser } from '../support/api';
import { engines } from '../support/test-database';

// Runs alone (test/serial): suites running in parallel on the 2 cores would make the timings noise.

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

describe.each(engines())('login timing (%s)', (engine) => {
  let suite: ApiSuite;

  beforeAll(async () => {
    suite = await openApiSuite(engine, {
      ARGILLA_LOGIN_MAX_FAILURES: '100000',
      ARGILLA_LOGIN_MAX_FAILURES_PER_USER: '100000',
      ARGILLA_LOGIN_MAX_FAILURES_PER_CLIENT: '100000',
    });
    await seedUser(suite.app, { username: 'ada', password: 'ada-password', apiKey: 'ada.apikey' });
  });

  afterAll(async () => {
    await suite.close();
  });

  async function timeLogin(username: string): Promise<number> {
    const started = process.hrtime.bigint();
    const response: request.Response = await api(suite.app)
      .post('/api/security/token')
      .type('form')
      .send({ username, password: 'not-the-password' });
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    expect(response.status).toBe(401);
    return elapsed;
  }

  it('takes the same time (within 10%, median of 50) for an unknown username as for a wrong password', async () => {
    for (let i = 0; i < 5; i++) {
      await timeLogin('ada');
      await timeLogin(`nobody-${i}`);
    }
    const wrongPassword: number[] = [];
    const unknownUser: number[] = [];
    // Interleaved, so that any drift of the machine weighs on both alike.
    for (let i = 0; i < 50; i++) {
      wrongPassword.push(await timeLogin('ada'));
      unknownUser.push(await timeLogin(`nobody-${i}`));
    }
    const [known, unknown] = [median(wrongPassword), median(unknownUser)];
    const gap = Math.abs(known - unknown) / Math.max(known, unknown);
    expect({ known: Math.round(known), unknown: Math.round(unknown), withinTenPercent: gap <= 0.1 }).toEqual({
      known: Math.round(known),
      unknown: Math.round(unknown),
      withinTenPercent: true,
    });
  });

  (engine === 'postgres' ? it : it.skip)('looks API keys up by indexed equality (PostgreSQL plan)', async () => {
    const rows = Array.from(
      { length: 2000 },
      (_, i) =>
        `('00000000-0000-4000-8000-${String(i).padStart(12, '0')}', 'U', 'u-${i}', 'annotator', 'key-${i}', 'h', now(), now())`,
    );
    await suite.dataSource.query(
      `INSERT INTO users (id, first_name, username, role, api_key, password_hash, inserted_at, updated_at) VALUES ${rows.join(',')}`,
    );
    await suite.dataSource.query('ANALYZE users');
    const plan: { 'QUERY PLAN': string }[] = await suite.dataSource.query(
      "EXPLAIN SELECT * FROM users WHERE api_key = 'key-1234' LIMIT 1",
    );
    expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toContain('Index Scan using ix_users_api_key on users');
  });
});
