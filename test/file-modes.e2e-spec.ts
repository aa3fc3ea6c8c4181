import { chmodSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { runCli } from './support/cli';
import { freePort, ServerProcess, spawnServer } from './support/server';
import { engines, TestDatabase } from './support/test-database';

/** A file's permissions in octal, as `ls -l` and `chmod` speak of them (`0600`). */
const modeOf = (path: string): string => '0' + (statSync(path).mode & 0o7777).toString(8);

/** Runs `start` (which spawns a process synchronously) under `mask`: the child keeps it, this process does not. */
function withUmask<T>(mask: number, start: () => T): T {
  const previous = process.umask(mask);
  try {
    return start();
  } finally {
    process.umask(previous);
  }
}

async function stop(server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
}

/** The database and JWT secret files hold every API key and the token signing key: owner only (issue #13). */
describe.each(engines())('private files (%s)', (engine) => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await TestDatabase.create(engine);
  });

  afterEach(async () => {
    await db.drop();
  });

  it.each([
    ['0022', 0o022],
    ['0000', 0o000],
  ])(
    'under umask %s, a home folder the CLI and the server create is 0700; the database files and JWT secret 0600',
    async (_name, mask) => {
      const home = join(db.home, 'data', 'argilla');
      const env = { ...db.env, ARGILLA_HOME_PATH: home, DEFAULT_USER_ENABLED: 'true' };
      const migrated = await withUmask(mask, () => runCli(['database', 'migrate'], env));
      expect(migrated.code).toBe(0);
      const port = await freePort();
      const server = await withUmask(mask, () => spawnServer(env, port));
      try {
        // The server holds the database open: on SQLite its -wal and -shm files exist now.
        const me = await fetch(`http://127.0.0.1:${port}/api/me`, {
          headers: { 'X-Argilla-Api-Key': 'argilla.apikey' },
        });
        expect(me.status).toBe(200);
        const files = [join(home, '.jwt_secret')];
        if (engine === 'sqlite') files.push(...['', '-wal', '-shm'].map((suffix) => join(home, `argilla.db${suffix}`)));
        expect({
          folders: [join(db.home, 'data'), home].map(modeOf),
          files: files.map((file) => [file, existsSync(file) && modeOf(file)]),
        }).toEqual({
          folders: ['0700', '0700'],
          files: files.map((file) => [file, '0600']),
        });
      } finally {
        await stop(server);
      }
    },
  );

  if (engine !== 'sqlite') return;

  it('tightens database files an older version left 0644 to 0600 and says so; leaves the home folder as it is', async () => {
    chmodSync(db.home, 0o755);
    expect((await runCli(['database', 'migrate'], db.env)).code).toBe(0);
    const path = join(db.home, 'argilla.db');
    // As release 1.8.0 of this server (or Argilla) left them: the database 0644, so SQLite made its -wal and
    // -shm 0644 too (they exist while a connection is open).
    chmodSync(path, 0o644);
    const older = withUmask(0o022, () => new BetterSqlite3(path));
    try {
      older.prepare('SELECT count(*) FROM users').get();
      const companions = [`${path}-wal`, `${path}-shm`];
      expect(companions.map(modeOf)).toEqual(['0644', '0644']);

      const server = await spawnServer(db.env, await freePort());
      try {
        expect({
          home: modeOf(db.home),
          files: [path, ...companions].map(modeOf),
        }).toEqual({ home: '0755', files: ['0600', '0600', '0600'] });
        const warnings = server
          .output()
          .split('\n')
          .filter((line) => line.includes('holds API keys'));
        expect(warnings).toEqual(
          [path, ...companions].map((file) =>
            expect.stringContaining(
              `${file} could be read by other users (mode 0644) and holds API keys: changed to 0600.`,
            ),
          ),
        );
        // A home folder only its owner can write to gets no warning.
        expect(server.output()).not.toContain('can be written by other users');
      } finally {
        await stop(server);
      }
    } finally {
      older.close();
    }

    // The CLI, often the first to open the database (the entrypoint migrates before the server starts), too.
    chmodSync(path, 0o644);
    const revisions = await runCli(['database', 'revisions'], db.env);
    expect([revisions.code, modeOf(path)]).toEqual([0, '0600']);
  });
});
