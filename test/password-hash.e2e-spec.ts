import type { NestExpressApplication } from '@nestjs/platform-express';
import * as argon2 from 'argon2';
import * as bcrypt from 'bcryptjs';
import { DataSource } from 'typeorm';
import { User } from '@argilla/database';
import { ARGON2_OPTIONS } from '@argilla/users';
import { api, ApiSuite, openApiSuite, seedUser } from './support/api';
import { runCli } from './support/cli';
import { freePort, spawnServer } from './support/server';
import { createMigratedDatabase, engines, TestDatabase } from './support/test-database';

/*
 * ARGILLA_PASSWORD_HASH chooses the hash of new and changed passwords. With `bcrypt`, every way of setting a
 * password writes what Argilla 1.8 verifies ($2b$12$, as passlib writes it) and logins keep the hashes as they are,
 * so that the database can go back to Argilla; with `argon2id` (the default), logins upgrade bcrypt hashes.
 */

const ADMIN = { 'X-Argilla-Api-Key': 'admin.apikey' };
/** bcrypt ($2y$, cost 5) of '1234', as in Argilla's own users files. */
const BCRYPT_1234 = '$2y$05$eaw.j2Kaw8s8vpscVIZMfuqSIX3OLmxA21WjtWicDdn0losQ91Hw.';
const ARGILLA_BCRYPT = /^\$2b\$12\$[./A-Za-z0-9]{53}$/;
const ARGON2ID = /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/;

async function storedHash(dataSource: DataSource, username: string): Promise<string> {
  return (await dataSource.getRepository(User).findOneByOrFail({ username })).passwordHash;
}

/** The hash is the one Argilla 1.8 writes and verifies, for this password only. */
async function expectArgillaBcrypt(hash: string, password: string): Promise<void> {
  expect(hash).toMatch(ARGILLA_BCRYPT);
  expect(await bcrypt.compare(password, hash)).toBe(true);
  expect(await bcrypt.compare(`${password}-not`, hash)).toBe(false);
}

function login(app: NestExpressApplication, username: string, password: string) {
  return api(app).post('/api/security/token').type('form').send({ username, password });
}

describe.each(engines())('ARGILLA_PASSWORD_HASH=bcrypt (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;
  const hashOf = (username: string) => storedHash(dataSource, username);
  const cli = (args: string[]) => runCli(args, suite.db.env);

  beforeAll(async () => {
    suite = await openApiSuite(engine, { ARGILLA_PASSWORD_HASH: 'bcrypt' });
    ({ app, dataSource } = suite);
    await seedUser(app, { username: 'admin', role: 'admin', password: 'admin-password', apiKey: 'admin.apikey' });
  });

  afterAll(async () => {
    await suite?.close();
  });

  it('hashes a user created with POST /api/users as $2b$12$, and keeps the hash at login', async () => {
    await api(app)
      .post('/api/users')
      .set(ADMIN)
      .send({ first_name: 'Grace', username: 'grace', password: 'grace-password' })
      .expect(200);
    const hash = await hashOf('grace');
    await expectArgillaBcrypt(hash, 'grace-password');

    await login(app, 'grace', 'wrong-password').expect(401);
    await login(app, 'grace', 'grace-password').expect(200);
    await login(app, 'grace', 'grace-password').expect(200);
    expect(await hashOf('grace')).toBe(hash);
  });

  it('hashes a password changed with PUT /api/v1/me/password as $2b$12$', async () => {
    await seedUser(app, { username: 'pat', password: 'old-password', apiKey: 'pat.api.key' });
    const token = (await login(app, 'pat', 'old-password').expect(200)).body.access_token;
    await api(app)
      .put('/api/v1/me/password')
      .set('Authorization', `Bearer ${token}`)
      .send({ current_password: 'old-password', new_password: 'new-password' })
      .expect(200);
    const hash = await hashOf('pat');
    await expectArgillaBcrypt(hash, 'new-password');
    await login(app, 'pat', 'new-password').expect(200);
    expect(await hashOf('pat')).toBe(hash);
  });

  it('hashes a password an admin resets with PUT /api/v1/users/{id}/password as $2b$12$', async () => {
    const { user } = await seedUser(app, { username: 'reset', password: 'old-password' });
    await api(app)
      .put(`/api/v1/users/${user.id}/password`)
      .set(ADMIN)
      .send({ new_password: 'brand-new-password' })
      .expect(200);
    const hash = await hashOf('reset');
    await expectArgillaBcrypt(hash, 'brand-new-password');
    await login(app, 'reset', 'brand-new-password').expect(200);
    expect(await hashOf('reset')).toBe(hash);
  });

  it('upgrades no hash at login: an imported bcrypt one and an argon2id one stay as they are', async () => {
    const { user: legacy } = await seedUser(app, { username: 'legacy' });
    await dataSource.getRepository(User).update({ id: legacy.id }, { passwordHash: BCRYPT_1234 });
    await login(app, 'legacy', '1234').expect(200);
    expect(await hashOf('legacy')).toBe(BCRYPT_1234);

    const { user: modern } = await seedUser(app, { username: 'modern' });
    const argon2idHash = await argon2.hash('modern-password', ARGON2_OPTIONS);
    await dataSource.getRepository(User).update({ id: modern.id }, { passwordHash: argon2idHash });
    await login(app, 'modern', 'modern-password').expect(200);
    expect(await hashOf('modern')).toBe(argon2idHash);
  });

  it('hashes the passwords of the CLI (users create, create_default, reset-password) as $2b$12$', async () => {
    const created = await cli([
      'users',
      'create',
      '--first-name',
      'Cli',
      '--username',
      'cli-user',
      '--role',
      'annotator',
      '--password',
      'cli-password',
    ]);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const createdHash = await hashOf('cli-user');
    await expectArgillaBcrypt(createdHash, 'cli-password');
    await login(app, 'cli-user', 'cli-password').expect(200);
    expect(await hashOf('cli-user')).toBe(createdHash);

    expect(await cli(['users', 'create_default', '--quiet'])).toEqual({ code: 0, stdout: '', stderr: '' });
    await expectArgillaBcrypt(await hashOf('argilla'), '1234');

    const reset = await cli(['users', 'reset-password', 'cli-user', '--password', 'cli-password-2']);
    expect(reset).toMatchObject({ code: 0, stderr: '' });
    await expectArgillaBcrypt(await hashOf('cli-user'), 'cli-password-2');
    await login(app, 'cli-user', 'cli-password-2').expect(200);
  });
});

describe.each(engines())('ARGILLA_PASSWORD_HASH=bcrypt at server start (%s)', (engine) => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    ({ db, dataSource } = await createMigratedDatabase(engine));
  });

  afterAll(async () => {
    await db.drop();
  });

  it('creates the default user with a $2b$12$ hash, which a login through the built server keeps', async () => {
    const server = await spawnServer(
      { ...db.env, DEFAULT_USER_ENABLED: 'true', ARGILLA_PASSWORD_HASH: 'bcrypt' },
      await freePort(),
    );
    try {
      expect(server.output()).toContain("Created the default user 'argilla'");
      const hash = await storedHash(dataSource, 'argilla');
      await expectArgillaBcrypt(hash, '1234');
      const response = await fetch(`http://127.0.0.1:${server.port}/api/security/token`, {
        method: 'POST',
        body: new URLSearchParams({ username: 'argilla', password: '1234' }),
      });
      expect(response.status).toBe(200);
      expect(await storedHash(dataSource, 'argilla')).toBe(hash);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  });
});

describe.each(engines())('ARGILLA_PASSWORD_HASH=argon2id, the default (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;
  const hashOf = (username: string) => storedHash(dataSource, username);

  beforeAll(async () => {
    suite = await openApiSuite(engine);
    ({ app, dataSource } = suite);
    await seedUser(app, { username: 'admin', role: 'admin', password: 'admin-password', apiKey: 'admin.apikey' });
  });

  afterAll(async () => {
    await suite?.close();
  });

  it('hashes new passwords from the API and the CLI as argon2id', async () => {
    await api(app)
      .post('/api/users')
      .set(ADMIN)
      .send({ first_name: 'Grace', username: 'grace', password: 'grace-password' })
      .expect(200);
    expect(await hashOf('grace')).toMatch(ARGON2ID);
    const created = await runCli(
      [
        'users',
        'create',
        '--first-name',
        'Cli',
        '--username',
        'cli-user',
        '--role',
        'annotator',
        '--password',
        'cli-password',
      ],
      suite.db.env,
    );
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const hash = await hashOf('cli-user');
    expect(hash).toMatch(ARGON2ID);
    expect(await argon2.verify(hash, 'cli-password')).toBe(true);
  });

  it('replaces a $2b$12$ hash (written during a bcrypt trial) by argon2id at the next login', async () => {
    const { user } = await seedUser(app, { username: 'trial' });
    const trialHash = await bcrypt.hash('trial-password', 12);
    await dataSource.getRepository(User).update({ id: user.id }, { passwordHash: trialHash });
    await login(app, 'trial', 'wrong-password').expect(401);
    expect(await hashOf('trial')).toBe(trialHash);
    await login(app, 'trial', 'trial-password').expect(200);
    const upgraded = await hashOf('trial');
    expect(upgraded).toMatch(ARGON2ID);
    expect(await argon2.verify(upgraded, 'trial-password')).toBe(true);
    await login(app, 'trial', 'trial-password').expect(200);
  });
});

describe('a bad ARGILLA_PASSWORD_HASH', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    ({ db } = await createMigratedDatabase('sqlite'));
  });

  afterAll(async () => {
    await db.drop();
  });

  const message = "Invalid settings: ARGILLA_PASSWORD_HASH must be one of argon2id, bcrypt (got 'md5')";

  it('stops the CLI with exit code 1 and a message naming it', async () => {
    expect(await runCli(['users', 'list'], { ...db.env, ARGILLA_PASSWORD_HASH: 'md5' })).toEqual({
      code: 1,
      stdout: '',
      stderr: `Error: ${message}\n`,
    });
  });

  it('stops the server with exit code 1 and a message naming it', async () => {
    const server = await spawnServer({ ...db.env, ARGILLA_PASSWORD_HASH: 'md5' }, await freePort());
    expect(await server.exited).toBe(1);
    expect(server.output()).toBe(`${message}\n`);
  });
});
