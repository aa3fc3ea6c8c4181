import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { DataSource } from 'typeorm';
import type { ExportedUser } from '@argilla/users';
import { runCli } from './support/cli';
import { createMigratedDatabase, Engine, engines, TestDatabase } from './support/test-database';

/** More users than `users export` writes at a time (2,000). */
const USERS = 2_100;
const WORKSPACES = 30;
const ROLES = ['annotator', 'admin', 'owner'] as const;

interface Seeded {
  users: (ExportedUser & { id: string })[];
  emptyWorkspaces: string[];
}

/** Usernames that sort differently by code point than by a language's collation or by UTF-16 code units. */
function usernameOf(i: number): string {
  if (i === USERS) return '\u{1F600}-astral';
  if (i === USERS + 1) return '\uFB00-ligature';
  return [`User-${i}`, `user-${i}`, `ü-${i}`][i % 3];
}

/**
 * Writes the users, workspaces, memberships, identities and provider marks of `Seeded` in plain SQL, several
 * statements of bound parameters, and returns what was written as `users export` should write it.
 */
async function seed(dataSource: DataSource, engine: Engine): Promise<Seeded> {
  const id = () => (engine === 'postgres' ? randomUUID() : randomUUID().replace(/-/g, ''));
  const at = (second: number) =>
    `2026-01-01 00:${String(Math.floor(second / 60)).padStart(2, '0')}:${String(second % 60).padStart(2, '0')}.000000`;
  const insert = async (table: string, columns: string[], rows: unknown[][]) => {
    for (let start = 0; start < rows.length; start += 1_000) {
      const batch = rows.slice(start, start + 1_000);
      let next = 1;
      const placeholders = batch.map(
        (row) => `(${row.map(() => (engine === 'postgres' ? `$${next++}` : '?')).join(', ')})`,
      );
      await dataSource.query(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${placeholders.join(', ')}`,
        batch.flat(),
      );
    }
  };
  const disabled = (value: boolean) => (engine === 'postgres' ? value : Number(value));

  const workspaceIds = new Map<string, string>();
  const names = [...Array.from({ length: WORKSPACES }, (_, i) => `ws-${i}`), 'empty: b', 'empty-a'];
  for (const name of names) workspaceIds.set(name, id());
  await insert(
    'workspaces',
    ['id', 'name', 'inserted_at', 'updated_at'],
    names.map((name) => [workspaceIds.get(name), name, at(0), at(0)]),
  );

  const users: Seeded['users'] = [];
  const memberships: unknown[][] = [];
  const identities: unknown[][] = [];
  const marks: unknown[][] = [];
  for (let i = 0; i <= USERS + 1; i++) {
    const workspaces = [`ws-${i % WORKSPACES}`, ...(i % 4 === 0 ? [`ws-${(i + 7) % WORKSPACES}`] : [])];
    const user: Seeded['users'][number] = {
      id: id(),
      username: usernameOf(i),
      first_name: i % 50 === 0 ? `Multi\nline ${i}\n` : `First ${i}`,
      ...(i % 2 === 0 ? { last_name: i % 100 === 0 ? `'quoted': ${i} # no comment` : `Last ${i}` } : {}),
      role: ROLES[i % 3],
      api_key: `key-${i}`,
      hashed_password: `$2y$05$hash-${i}`,
      workspaces,
      disabled: i % 7 === 0,
    };
    workspaces.forEach((name, joined) => {
      const membership = id();
      memberships.push([membership, workspaceIds.get(name), user.id, at(joined), at(joined)]);
      if (i % 500 === 0 && joined === 0) marks.push([membership, 'idp', at(0)]);
    });
    if (i % 500 === 0) {
      const email = i % 1000 === 0 ? `user${i}@example.com` : null;
      identities.push([id(), 'idp', `subject-${i}`, user.id, email, at(1), at(1)]);
      user.identities = [{ provider: 'idp', subject: `subject-${i}`, ...(email !== null ? { email } : {}) }];
      user.provider_workspaces = { idp: [workspaces[0]] };
    }
    users.push(user);
  }
  await insert(
    'users',
    [
      'id',
      'first_name',
      'last_name',
      'username',
      'role',
      'api_key',
      'password_hash',
      'inserted_at',
      'updated_at',
      'disabled',
    ],
    users.map((user) => [
      user.id,
      user.first_name,
      user.last_name ?? null,
      user.username,
      user.role,
      user.api_key,
      user.hashed_password,
      at(0),
      at(0),
      disabled(user.disabled),
    ]),
  );
  await insert('workspaces_users', ['id', 'workspace_id', 'user_id', 'inserted_at', 'updated_at'], memberships);
  await insert(
    'oauth_identities',
    ['id', 'provider', 'subject', 'user_id', 'email', 'created_at', 'last_sign_in_at'],
    identities,
  );
  await insert('oauth_memberships', ['membership_id', 'provider', 'created_at'], marks);
  return { users, emptyWorkspaces: ['empty-a', 'empty: b'] };
}

/** Code point order: the bytes of the UTF-8. */
const byCodePoint = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe.each(engines())('argilla-cli users export of thousands of users (%s)', (engine) => {
  let db: TestDatabase;
  let seeded: Seeded;

  beforeAll(async () => {
    const created = await createMigratedDatabase(engine);
    db = created.db;
    seeded = await seed(created.dataSource, engine);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('writes them a chunk at a time as the whole document dumped at once, by username in code point order', async () => {
    const users = [...seeded.users]
      .sort((a, b) => byCodePoint(a.username, b.username))
      .map(({ id: _id, ...user }) => user);
    const expected =
      `# Argilla users: ${USERS + 2} users, ${WORKSPACES + 2} workspaces. It holds password hashes and API keys: ` +
      'keep it secret.\n# Import it with: argilla-cli users migrate --file <this file>\n' +
      dump({ workspaces: seeded.emptyWorkspaces, users }, { lineWidth: -1, noRefs: true });
    // The orders the export must not take: a language's collation (PostgreSQL's default), UTF-16 code units.
    expect(users.slice(0, 2).map((user) => user.username)).toEqual(['User-0', 'User-1002']);
    expect(users.slice(-2).map((user) => user.username)).toEqual(['\uFB00-ligature', '\u{1F600}-astral']);

    const exported = await runCli(['users', 'export'], db.env);
    expect({ code: exported.code, stderr: exported.stderr }).toEqual({ code: 0, stderr: '' });
    expect(exported.stdout).toBe(expected);

    const path = join(db.home, 'users.yml');
    expect(await runCli(['users', 'export', '--file', path], db.env)).toEqual({
      code: 0,
      stderr: '',
      stdout: `Exported ${USERS + 2} users, ${WORKSPACES + 2} workspaces to '${path}'\n`,
    });
    expect(readFileSync(path, 'utf8')).toBe(expected);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('leaves no file behind when it cannot write one (a clear error, the folder as it was), and with --force replaces the file whole', async () => {
    const missing = join(db.home, 'no-such-folder', 'users.yml');
    expect(await runCli(['users', 'export', '--file', missing], db.env)).toEqual({
      code: 1,
      stdout: '',
      stderr: `Error: Cannot write '${missing}': ENOENT\n`,
    });
    const existing = join(db.home, 'existing.yml');
    const kept = 'keep me\n';
    writeFileSync(existing, kept);
    const before = readdirSync(db.home).sort();
    expect(await runCli(['users', 'export', '--file', existing], db.env)).toEqual({
      code: 1,
      stdout: '',
      stderr: `Error: File '${existing}' already exists: choose another path, or add --force\n`,
    });
    expect(readFileSync(existing, 'utf8')).toBe(kept);
    expect(readdirSync(db.home).sort()).toEqual(before);
    // With --force the new file takes the path whole, owner-only, and nothing else is left in the folder.
    expect(await runCli(['users', 'export', '--file', existing, '--force'], db.env)).toEqual({
      code: 0,
      stderr: '',
      stdout: `Exported ${USERS + 2} users, ${WORKSPACES + 2} workspaces to '${existing}'\n`,
    });
    expect(readFileSync(existing, 'utf8')).toBe((await runCli(['users', 'export'], db.env)).stdout);
    expect(statSync(existing).mode & 0o777).toBe(0o600);
    expect(readdirSync(db.home).sort()).toEqual(before);
  });
});
