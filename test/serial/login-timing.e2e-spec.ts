import * as bcrypt from 'bcryptjs';
import request from 'supertest';
import { hashKind } from '@argilla/auth';
import { UsersRepository, UsersService } from '@argilla/users';
import { api, ApiSuite, openApiSuite, seedUser } from '../support/api';
import { startApp } from '../support/server';
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
    // Interleaved, the first of each pair alternating, so that any drift weighs on both alike: the machine's, and
    // the padding target's own, which comes down by a step after each failure shorter than it (from a first
    // estimate made on a cold start), so that the second of a pair is padded to a little less than the first.
    for (let i = 0; i < 50; i++) {
      if (i % 2 === 0) {
        wrongPassword.push(await timeLogin('ada'));
        unknownUser.push(await timeLogin(`nobody-${i}`));
      } else {
        unknownUser.push(await timeLogin(`nobody-${i}`));
        wrongPassword.push(await timeLogin('ada'));
      }
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

/** bcrypt ($2y$, cost 5) of '1234', as in Argilla's own users files and the users file example of docs/cli.md. */
const CHEAP_BCRYPT_1234 = '$2y$05$eaw.j2Kaw8s8vpscVIZMfuqSIX3OLmxA21WjtWicDdn0losQ91Hw.';

/**
 * Measured rounds of one failure of each case. Every failure takes as long as a cost-12 bcrypt verification (about
 * 0.3 s on a quiet machine, several times that on a busy one): 14 rounds of 5, about 20 s when quiet.
 */
const ROUNDS = 12;

describe.each(engines())('failed-login timing across stored hash kinds (%s)', (engine) => {
  let suite: ApiSuite;
  let timeFailure: (username: string, password?: string) => Promise<number>;

  beforeAll(async () => {
    suite = await openApiSuite(engine, {
      ARGILLA_LOGIN_MAX_FAILURES: '100000',
      ARGILLA_LOGIN_MAX_FAILURES_PER_CLIENT: '100000',
      // The per-user limit of the lockout rework, where it exists (an unknown ARGILLA_ variable is ignored).
      ARGILLA_LOGIN_MAX_FAILURES_PER_USER: '100000',
    });
    const users = suite.app.get(UsersService);
    const seed = (username: string, passwordHash?: string) =>
      users.create({
        firstName: username,
        username,
        apiKey: `${username}.apikey`,
        password: 'right-password-1',
        passwordHash,
      });
    // The costly kind Argilla 1.8 writes (passlib's bcrypt, cost 12), a cheap imported one, and argon2id.
    await seed('argilla18', await bcrypt.hash('right-password-1', 12));
    await seed('imported', CHEAP_BCRYPT_1234);
    await seed('ada');
    const disabled = await seed('disabled', CHEAP_BCRYPT_1234);
    await users.update(disabled.user.id, { disabled: true });
    // Started again on these users, as a server finds them at its start.
    await suite.app.close();
    suite.app = await startApp(suite.db.settings);
    timeFailure = async (username, password = 'not-the-password') => {
      const started = process.hrtime.bigint();
      const response: request.Response = await api(suite.app)
        .post('/api/security/token')
        .type('form')
        .send({ username, password });
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      expect(response.status).toBe(401);
      return elapsed;
    };
  });

  afterAll(async () => {
    await suite.close();
  });

  it('reads one stored hash of each kind, grouped in the database', async () => {
    const samples = await suite.app.get(UsersRepository).passwordHashSamples();
    expect(samples.map(hashKind).sort()).toEqual(['$2b$12$', '$2y$05$', '$argon2id$v=19$m=19456,p=1,t=2$']);
  });

  it('pads the first failure after a start to the costliest kind in the users table', async () => {
    const first = await timeFailure('imported');
    const costly = [await timeFailure('argilla18'), await timeFailure('argilla18'), await timeFailure('argilla18')];
    expect({ first: Math.round(first), atLeast80PercentOfCostly: first >= 0.8 * median(costly) }).toEqual({
      first: Math.round(first),
      atLeast80PercentOfCostly: true,
    });
  });

  it('takes the same time (medians of 12 within 20%) for every failure: wrong password whatever the stored hash, unknown username, disabled user', async () => {
    // The disabled user gives its right password: refused after a successful check, as a wrong password is.
    const failures: [string, () => Promise<number>][] = [
      ['bcrypt $2b$12$', () => timeFailure('argilla18')],
      ['bcrypt $2y$05$', () => timeFailure('imported')],
      ['argon2id', () => timeFailure('ada')],
      ['unknown username', () => timeFailure(`nobody-${Math.random()}`)],
      ['disabled user', () => timeFailure('disabled', '1234')],
    ];
    const samples = new Map<string, number[]>(failures.map(([name]) => [name, []]));
    // Interleaved, each round starting one further, so that any drift of the machine weighs on all alike.
    for (let round = -2; round < ROUNDS; round++) {
      for (let i = 0; i < failures.length; i++) {
        const [name, time] = failures[(i + Math.max(round, 0)) % failures.length];
        const elapsed = await time();
        if (round >= 0) samples.get(name)!.push(elapsed);
      }
    }
    const medians = Object.fromEntries([...samples].map(([name, values]) => [name, Math.round(median(values))]));
    const values = Object.values(medians);
    const spread = (Math.max(...values) - Math.min(...values)) / Math.max(...values);
    expect({ medians, withinTwentyPercent: spread <= 0.2 }).toEqual({ medians, withinTwentyPercent: true });
  }, 120_000);
});
