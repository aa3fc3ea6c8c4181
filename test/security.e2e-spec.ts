import { createHmac, generateKeyPairSync } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { User, Workspace, WorkspaceUser } from '@argilla/database';
import { UsersService } from '@argilla/users';
import { api, ApiSuite, openApiSuite, seedUser, TEST_SECRET, UNAUTHORIZED } from './support/api';
import { runCli } from './support/cli';
import { freePort, spawnServer } from './support/server';
import { createMigratedDatabase, engines, snapshot, TestDatabase } from './support/test-database';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe.each(engines())('security (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;

  beforeAll(async () => {
    suite = await openApiSuite(engine, { ARGILLA_LOGIN_MAX_FAILURES_PER_CLIENT: '1000' });
    app = suite.app;
    await seedUser(app, { username: 'ada', role: 'admin', password: 'ada-password', apiKey: 'ada.apikey' });
  });

  afterAll(async () => {
    await suite.close();
  });

  describe('headers', () => {
    it('sends security headers, no X-Powered-By, and no-store on answers carrying keys or tokens', async () => {
      const me = await api(app).get('/api/me').set('X-Argilla-Api-Key', 'ada.apikey').expect(200);
      expect(me.headers['x-powered-by']).toBeUndefined();
      expect(me.headers['x-content-type-options']).toBe('nosniff');
      expect(me.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(me.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
      expect(me.headers['content-security-policy']).toContain("default-src 'self'");
      expect(me.headers['cache-control']).toBe('no-store');
      expect(me.headers.etag).toBeUndefined();
      const token = await api(app)
        .post('/api/security/token')
        .type('form')
        .send({ username: 'ada', password: 'ada-password' });
      expect(token.headers['cache-control']).toBe('no-store');
      const users = await api(app).get('/api/users').set('X-Argilla-Api-Key', 'ada.apikey');
      expect(users.headers['cache-control']).toBe('no-store');
    });

    it('sends no CORS headers when ARGILLA_CORS_ORIGINS is not set', async () => {
      const response = await api(app).get('/api/_info').set('Origin', 'https://evil.example');
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await api(app)
        .options('/api/me')
        .set('Origin', 'https://evil.example')
        .set('Access-Control-Request-Method', 'GET');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('tokens (RFC 8725)', () => {
    it('refuses RS256, even "signed" with the public key as an HMAC secret', async () => {
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const input = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub: 'ada', iat: nowSeconds(), exp: nowSeconds() + 60 })}`;
      for (const secret of [pem, TEST_SECRET]) {
        const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
        expect((await api(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(401)).body).toEqual(
          UNAUTHORIZED,
        );
      }
    });

    it('refuses a token whose header asks for critical extensions, or carries a key', async () => {
      for (const header of [
        { alg: 'HS256', typ: 'JWT', crit: ['exp'] },
        { alg: 'HS256', typ: 'at+jwt' },
      ]) {
        const input = `${part(header)}.${part({ sub: 'ada', iat: nowSeconds(), exp: nowSeconds() + 60 })}`;
        const token = `${input}.${createHmac('sha256', TEST_SECRET).update(input).digest('base64url')}`;
        await api(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(401);
      }
    });

    it('accepts only the canonical encoding of a signature, not another spelling of the same bytes', async () => {
      const token: string = (
        await api(app).post('/api/security/token').type('form').send({ username: 'ada', password: 'ada-password' })
      ).body.access_token;
      await api(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
      // 32 bytes take 43 base64url characters: the last one carries 2 unused bits, which decoders ignore.
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(token.at(-1)!);
      for (const unused of [1, 2, 3]) {
        const altered = `${token.slice(0, -1)}${alphabet[last ^ unused]}`;
        // The same signature bytes, so the refusal is for the spelling alone.
        expect(Buffer.from(altered.split('.')[2], 'base64url')).toEqual(Buffer.from(token.split('.')[2], 'base64url'));
        expect((await api(app).get('/api/me').set('Authorization', `Bearer ${altered}`).expect(401)).body).toEqual(
          UNAUTHORIZED,
        );
      }
    });
  });

  it('answers 200 simultaneous logins without failing, while GET /api/me keeps answering', async () => {
    const logins = Array.from({ length: 200 }, () =>
      api(app).post('/api/security/token').type('form').send({ username: 'ada', password: 'ada-password' }),
    );
    const meDuringStorm = api(app).get('/api/me').set('X-Argilla-Api-Key', 'ada.apikey');
    const [me, ...answers] = await Promise.all([meDuringStorm, ...logins]);
    expect(me.status).toBe(200);
    expect(answers.map((answer) => answer.status)).toEqual(Array(200).fill(200));
  });
});

describe.each(engines())('transactions (%s)', (engine) => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeEach(async () => {
    ({ db, dataSource } = await createMigratedDatabase(engine));
  });

  afterEach(async () => {
    await db.drop();
  });

  /** Makes the database refuse some inserts into `table` (`when` is SQL over NEW), so a write fails half-way. */
  async function refuseInserts(table: string, when: string): Promise<void> {
    if (engine === 'postgres') {
      await dataSource.query(`CREATE FUNCTION refuse_insert() RETURNS trigger AS $$
        BEGIN IF ${when} THEN RAISE EXCEPTION 'refused by test trigger'; END IF; RETURN NEW; END;
        $$ LANGUAGE plpgsql`);
      await dataSource.query(
        `CREATE TRIGGER refuse_insert BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION refuse_insert()`,
      );
    } else {
      await dataSource.query(`CREATE TRIGGER refuse_insert BEFORE INSERT ON ${table} WHEN ${when}
        BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END`);
    }
  }

  it('leaves the database exactly as it was when a users import fails in the middle', async () => {
    await runCli(['users', 'create_default'], db.env);
    const entries = Array.from({ length: 2500 }, (_, i) =>
      [
        `- username: user-${i}`,
        `  api_key: key-${i}-0000`,
        '  hashed_password: $2y$05$eaw.j2Kaw8s8vpscVIZMfuqSIX3OLmxA21WjtWicDdn0losQ91Hw.',
        `  workspaces: [team-${i % 7}]`,
      ].join('\n'),
    );
    const { writeFileSync } = await import('node:fs');
    const file = join(db.home, 'users.yaml');
    writeFileSync(file, entries.join('\n') + '\n');
    // Entry 2,200 is in the third batch of inserts: the first two are written before it fails.
    await refuseInserts('users', "NEW.username = 'user-2199'");
    const before = await snapshot(dataSource);
    const result = await runCli(['users', 'migrate', '--file', file], db.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('refused by test trigger');
    expect(await snapshot(dataSource)).toEqual(before);
  });

  it('creates a user with its workspaces and memberships all together, or nothing', async () => {
    const app = await (await import('./support/server')).startApp(db.settings);
    try {
      // The memberships are written last: the user and both workspaces are in by then.
      await refuseInserts('workspaces_users', 'TRUE');
      await expect(
        app.get(UsersService).create({
          firstName: 'D',
          username: 'doomed',
          password: 'long-enough',
          workspaces: ['fresh-one', 'fresh-two'],
        }),
      ).rejects.toThrow();
      expect(await dataSource.getRepository(User).count()).toBe(0);
      expect(await dataSource.getRepository(Workspace).count()).toBe(0);
      expect(await dataSource.getRepository(WorkspaceUser).count()).toBe(0);
    } finally {
      await app.close();
    }
  });
});

describe('secrets hygiene', () => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await TestDatabase.create(engines().includes('postgres') ? 'postgres' : 'sqlite');
    await runCli(['database', 'migrate'], db.env);
  });

  afterEach(async () => {
    await db.drop();
  });

  it('generates the JWT secret once, mode 0600, warns about it, and never logs a credential it handled', async () => {
    const env = {
      ...db.env,
      DEFAULT_USER_ENABLED: 'true',
      DEFAULT_USER_PASSWORD: 'first-admin-pass',
      DEFAULT_USER_API_KEY: 'first-admin-key',
    };
    const server = await spawnServer(env, await freePort());
    const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
    const secrets: string[] = ['first-admin-pass', 'first-admin-key'];
    try {
      const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
      const login = await fetch(url('/api/security/token'), {
        method: 'POST',
        headers: form,
        body: 'username=argilla&password=first-admin-pass',
      });
      const token = ((await login.json()) as { access_token: string }).access_token;
      secrets.push(token);
      await fetch(url('/api/security/token'), {
        method: 'POST',
        headers: form,
        body: 'username=argilla&password=wrong-guess-pass',
      });
      secrets.push('wrong-guess-pass');
      const created = await fetch(url('/api/users'), {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ first_name: 'New', username: 'newbie', password: 'newbie-secret-pass' }),
      });
      expect(created.status).toBe(200);
      secrets.push('newbie-secret-pass', ((await created.json()) as { api_key: string }).api_key);
      await fetch(url('/api/me?api_key=first-admin-key&token=' + token));
      await fetch(url('/api/me'), { headers: { 'X-Argilla-Api-Key': 'not-a-real-key-123' } });
      secrets.push('not-a-real-key-123');
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);

    const secretFile = join(db.home, '.jwt_secret');
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    const { readFileSync } = await import('node:fs');
    secrets.push(readFileSync(secretFile, 'utf8').trim());
    const output = server.output();
    expect(output).toContain(`signing tokens with the generated secret in ${secretFile}`);
    for (const secret of secrets) expect([secret, output.includes(secret)]).toEqual([secret, false]);
  });
});

describe('CORS', () => {
  let suite: ApiSuite | undefined;

  afterEach(async () => {
    await suite?.close();
    suite = undefined;
  });

  it('allows only the configured origins, never with credentials', async () => {
    suite = await openApiSuite('sqlite', { ARGILLA_CORS_ORIGINS: 'https://annotate.example' });
    const allowed = await api(suite.app)
      .options('/api/me')
      .set('Origin', 'https://annotate.example')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'X-Argilla-Api-Key');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://annotate.example');
    expect(allowed.headers['access-control-allow-headers']).toContain('X-Argilla-Api-Key');
    expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
    const other = await api(suite.app).get('/api/_info').set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers a wildcard with *, which browsers never combine with credentials', async () => {
    suite = await openApiSuite('sqlite', { ARGILLA_CORS_ORIGINS: '["*"]' });
    const response = await api(suite.app).get('/api/_info').set('Origin', 'https://anywhere.example');
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });
});
