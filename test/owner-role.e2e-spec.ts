import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { api, ApiSuite, envelope, FORBIDDEN, openApiSuite, seedUser } from './support/api';
import { runCli } from './support/cli';
import { createMigratedDatabase, engines, snapshot } from './support/test-database';

// The owner's rights, route by route, are the authorization matrix's (test/authorization-matrix.e2e-spec.ts runs
// every admin row again as an owner). Here: the role itself, everywhere a role is given, shown or counted.

/** bcrypt ($2y$, cost 5) of '1234', as in Argilla's own users files. */
const HASH_1234 = '$2y$05$eaw.j2Kaw8s8vpscVIZMfuqSIX3OLmxA21WjtWicDdn0losQ91Hw.';
const LAST_ADMIN = 'The last admin cannot be demoted, disabled or removed: make another user admin first';
const lastAdmin = (id: string) => envelope('LastAdminError', { detail: LAST_ADMIN, name: id, type: 'User' });
const keyOf = (username: string) => ({ 'X-Argilla-Api-Key': `${username}.apikey` });

describe.each(engines())('the owner role (%s)', (engine) => {
  let suite: ApiSuite;
  let app: NestExpressApplication;
  let dataSource: DataSource;

  beforeAll(async () => {
    suite = await openApiSuite(engine);
    ({ app, dataSource } = suite);
  });

  afterAll(async () => {
    await suite?.close();
  });

  // Each test starts with no users and no workspaces: the last-admin rules count every admin and owner there is.
  beforeEach(async () => {
    for (const table of ['workspaces_users', 'users', 'workspaces']) await dataSource.query(`DELETE FROM ${table}`);
  });

  const cli = (args: string[]) => runCli(args, suite.db.env);
  /** The stored roles, by plain SQL: a plain string on both engines. */
  const roles = async (): Promise<Record<string, string>> => {
    const rows: { username: string; role: string }[] = await dataSource.query(
      'SELECT username, role FROM users ORDER BY username',
    );
    return Object.fromEntries(rows.map((row) => [row.username, row.role]));
  };

  it('GET /api/me answers an owner as an admin: "role": "owner" and every workspace; so does /api/v1/me/workspaces', async () => {
    await seedUser(app, { username: 'boss', role: 'admin', workspaces: ['ops'] });
    await seedUser(app, { username: 'chief', role: 'owner' });
    await seedUser(app, { username: 'ann', workspaces: ['team'] });

    const chief = await api(app).get('/api/me').set(keyOf('chief')).expect(200);
    const boss = await api(app).get('/api/me').set(keyOf('boss')).expect(200);
    expect(chief.body).toMatchObject({ username: 'chief', role: 'owner', workspaces: ['ops', 'team'] });
    expect(boss.body).toMatchObject({ username: 'boss', role: 'admin', workspaces: ['ops', 'team'] });
    expect(Object.keys(chief.body)).toEqual(Object.keys(boss.body));
    const workspaces = (key: Record<string, string>) => api(app).get('/api/v1/me/workspaces').set(key).expect(200);
    expect((await workspaces(keyOf('chief'))).body).toEqual((await workspaces(keyOf('boss'))).body);
    expect((await workspaces(keyOf('chief'))).body.total).toBe(2);
    // An annotator's answers are Argilla 1.8's: its own workspaces, and no admin route.
    expect((await api(app).get('/api/me').set(keyOf('ann')).expect(200)).body).toMatchObject({
      role: 'annotator',
      workspaces: ['team'],
    });
    expect((await api(app).get('/api/users').set(keyOf('ann')).expect(403)).body).toEqual(FORBIDDEN);
  });

  it('POST /api/users, PATCH /api/v1/users/{id} and the v1 role filter take owner; stored as the string "owner"', async () => {
    await seedUser(app, { username: 'chief', role: 'owner' });
    await seedUser(app, { username: 'boss', role: 'admin' });

    const created = await api(app)
      .post('/api/users')
      .set(keyOf('chief'))
      .send({ first_name: 'Olga', username: 'olga', role: 'owner', password: 'olga-password' })
      .expect(200);
    expect(created.body).toMatchObject({ username: 'olga', role: 'owner', workspaces: [] });
    const ann = await api(app)
      .post('/api/users')
      .set({ 'X-Argilla-Api-Key': created.body.api_key })
      .send({ first_name: 'Ann', username: 'ann', password: 'ann-password' })
      .expect(200);
    expect(ann.body.role).toBe('annotator');

    const promoted = await api(app)
      .patch(`/api/v1/users/${ann.body.id}`)
      .set(keyOf('boss'))
      .send({ role: 'owner' })
      .expect(200);
    expect(promoted.body).toMatchObject({ id: ann.body.id, username: 'ann', role: 'owner', disabled: false });
    expect(await roles()).toEqual({ ann: 'owner', boss: 'admin', chief: 'owner', olga: 'owner' });

    const usernames = async (query: string) =>
      (await api(app).get(`/api/v1/users${query}`).set(keyOf('chief')).expect(200)).body.items.map(
        (user: { username: string }) => user.username,
      );
    expect(await usernames('?role=owner')).toEqual(['chief', 'olga', 'ann']);
    expect(await usernames('?role=admin')).toEqual(['boss']);
    expect(await usernames('?role=annotator')).toEqual([]);
    // The v0 list shows the role as it is stored; ann, an owner now, may read it.
    const listed = await api(app).get('/api/users').set({ 'X-Argilla-Api-Key': ann.body.api_key }).expect(200);
    expect(listed.body.map((user: { role: string }) => user.role)).toEqual(['owner', 'admin', 'owner', 'owner']);
  });

  it('counts admins and owners together as the last admin: 1 admin + 1 owner, either may go, not both', async () => {
    const { user: boss } = await seedUser(app, { username: 'boss', role: 'admin' });
    const { user: chief } = await seedUser(app, { username: 'chief', role: 'owner' });
    await seedUser(app, { username: 'ann' });

    // admin ↔ owner is no demotion, even for the last of them.
    await api(app).patch(`/api/v1/users/${chief.id}`).set(keyOf('boss')).send({ role: 'admin' }).expect(200);
    await api(app).patch(`/api/v1/users/${chief.id}`).set(keyOf('boss')).send({ role: 'owner' }).expect(200);

    // The owner deletes the admin: one of two goes.
    const deleted = await api(app).delete(`/api/v1/users/${boss.id}`).set(keyOf('chief')).expect(200);
    expect(deleted.body).toMatchObject({ id: boss.id, role: 'admin' });

    // The owner is now the last: not deleted, not demoted to annotator, not disabled (CLI), nothing changed.
    const before = await snapshot(dataSource);
    expect((await api(app).delete(`/api/v1/users/${chief.id}`).set(keyOf('chief')).expect(409)).body).toEqual(
      lastAdmin(chief.id),
    );
    expect(
      (await api(app).patch(`/api/v1/users/${chief.id}`).set(keyOf('chief')).send({ role: 'annotator' }).expect(409))
        .body,
    ).toEqual(lastAdmin(chief.id));
    expect(await cli(['users', 'disable', 'chief'])).toEqual({ code: 1, stdout: '', stderr: `Error: ${LAST_ADMIN}\n` });
    expect(await cli(['users', 'delete', 'chief'])).toEqual({ code: 1, stdout: '', stderr: `Error: ${LAST_ADMIN}\n` });
    expect(await snapshot(dataSource)).toEqual(before);
    // Becoming an admin keeps every right: allowed, and the last admin is then refused the same way.
    await api(app).patch(`/api/v1/users/${chief.id}`).set(keyOf('chief')).send({ role: 'admin' }).expect(200);
    expect(
      (await api(app).patch(`/api/v1/users/${chief.id}`).set(keyOf('chief')).send({ role: 'annotator' }).expect(409))
        .body,
    ).toEqual(lastAdmin(chief.id));
    expect(await roles()).toEqual({ ann: 'annotator', chief: 'admin' });
  });

  it('lets the last owner be demoted while an admin remains, then refuses the admin', async () => {
    const { user: boss } = await seedUser(app, { username: 'boss', role: 'admin' });
    const { user: chief } = await seedUser(app, { username: 'chief', role: 'owner' });

    await api(app).patch(`/api/v1/users/${chief.id}`).set(keyOf('boss')).send({ role: 'annotator' }).expect(200);
    expect(
      (await api(app).patch(`/api/v1/users/${boss.id}`).set(keyOf('boss')).send({ role: 'annotator' }).expect(409))
        .body,
    ).toEqual(lastAdmin(boss.id));
    // A disabled owner does not count: the enabled admin stays the last.
    await api(app).patch(`/api/v1/users/${chief.id}`).set(keyOf('boss')).send({ role: 'owner' }).expect(200);
    await api(app).patch(`/api/v1/users/${chief.id}`).set(keyOf('boss')).send({ disabled: true }).expect(200);
    expect((await api(app).delete(`/api/v1/users/${boss.id}`).set(keyOf('boss')).expect(409)).body).toEqual(
      lastAdmin(boss.id),
    );
    expect(await roles()).toEqual({ boss: 'admin', chief: 'owner' });
  });

  it('users create / update / list take --role owner', async () => {
    await seedUser(app, { username: 'boss', role: 'admin' });
    expect(
      await cli([
        'users',
        'create',
        '--first-name',
        'Olga',
        '--username',
        'olga',
        '--role',
        'owner',
        '--password',
        'olga-password',
        '--api-key',
        'olga.apikey',
      ]),
    ).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'User successfully created:',
        "• first_name: 'Olga'",
        "• username: 'olga'",
        "• role: 'owner'",
        "• api_key: 'olga.apikey'",
        '• workspaces: []',
        '',
      ].join('\n'),
    });
    expect(await cli(['users', 'update', 'boss', '--role', 'owner'])).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        "User 'boss' successfully updated:",
        "• first_name: 'boss'",
        "• username: 'boss'",
        "• role: 'owner'",
        '• disabled: False',
        '',
      ].join('\n'),
    });
    expect(await roles()).toEqual({ boss: 'owner', olga: 'owner' });
    // The new owner manages users at once.
    await api(app).get('/api/users').set(keyOf('olga')).expect(200);

    const owners = await cli(['users', 'list', '--role', 'owner']);
    expect(owners.stdout.split('\n').map((line) => line.split(' ')[0])).toEqual(['USERNAME', 'boss', 'olga', '']);
  });

  it('reads role: owner from a users file, and export → migrate keeps it', async () => {
    const file = join(suite.db.home, 'owners.yml');
    writeFileSync(
      file,
      [
        '- username: olga',
        '  first_name: Olga',
        '  role: owner',
        '  api_key: olga-key-0001',
        `  hashed_password: ${HASH_1234}`,
        '  workspaces: [team]',
        '- username: john',
        '  full_name: John Doe',
        '  api_key: john-key-0001',
        `  hashed_password: ${HASH_1234}`,
        '',
      ].join('\n'),
    );
    const imported = await cli(['users', 'migrate', '--file', file]);
    expect(imported).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        `Starting users migration process using file '${file}'`,
        "Migrating User with username 'olga'",
        "Migrating User with username 'john'",
        'Users migration process successfully finished',
        '',
      ].join('\n'),
    });
    // The literal entry is an owner; Argilla's own form (no role, no workspaces key) still makes an admin.
    expect(await roles()).toEqual({ john: 'admin', olga: 'owner' });
    await api(app).get('/api/users').set({ 'X-Argilla-Api-Key': 'olga-key-0001' }).expect(200);

    const exported = join(suite.db.home, 'export.yml');
    expect((await cli(['users', 'export', '--file', exported])).code).toBe(0);
    expect(readFileSync(exported, 'utf8')).toContain('  role: owner\n');
    const target = await createMigratedDatabase(engine);
    try {
      expect((await runCli(['users', 'migrate', '--file', exported], target.db.env)).code).toBe(0);
      expect(await target.dataSource.query('SELECT username, role FROM users ORDER BY username')).toEqual([
        { username: 'john', role: 'admin' },
        { username: 'olga', role: 'owner' },
      ]);
    } finally {
      await target.db.drop();
    }
  });
});
