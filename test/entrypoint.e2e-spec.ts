import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { parse } from 'yaml';
import { REVISIONS } from '@argilla/database';
import { childEnv } from './support/cli';
import { commandArgv, dockerStages, instructionFlags, parseDockerfile, stageInstructions } from './support/dockerfile';
import { freePort } from './support/server';
import { currentRevision, engines, listTables, TestDatabase } from './support/test-database';

/*
 * docker/entrypoint.sh run as the image runs it, outside a container: `sh entrypoint.sh` with the settings in the
 * environment, from a working directory that is not the repository (the script finds the app from its own path).
 */

const ROOT = join(__dirname, '..');
const ENTRYPOINT = join(ROOT, 'docker', 'entrypoint.sh');
/** The revision the built CLI migrates to and the built server requires: the last of the migrations. */
const HEAD = REVISIONS[REVISIONS.length - 1].id;
const SECRET_KEY = 'an entrypoint test secret, longer than 32 characters';
/** How long a start may take: 150 polls of /api/_info, 200 ms apart. */
const READY_ATTEMPTS = 150;
const READY_DELAY_MS = 200;
/** How long a process that should end by itself, or on SIGTERM, may take. */
const EXIT_TIMEOUT_MS = 20_000;

interface Started {
  child: ChildProcess;
  port: number;
  output: () => string;
  /** The exit code once the process (the shell, or the server it became) has ended; null after a signal. */
  exited: Promise<number | null>;
  /** Its output streams are closed: everything it printed is in output(). */
  closed: Promise<void>;
  isClosed: () => boolean;
}

/** The final stage's HEALTHCHECK command, to run it against the server the entrypoint started. */
function dockerHealthcheck(): string[] {
  const stages = dockerStages(parseDockerfile(readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8')));
  const healthcheck = stageInstructions(stages[stages.length - 1], 'HEALTHCHECK').pop();
  const command = /^CMD\s+(.*)$/is.exec(instructionFlags(healthcheck?.args ?? '').rest)?.[1];
  if (command === undefined) throw new Error('docker/Dockerfile has no HEALTHCHECK command in its final stage');
  return commandArgv(command);
}

/** The HTTP paths of the Deployment's readiness and liveness probes. */
function probePaths(): { readiness: string; liveness: string } {
  const deployment = parse(readFileSync(join(ROOT, 'docker', 'kubernetes', 'deployment.yaml'), 'utf8')) as {
    spec: {
      template: {
        spec: {
          containers: { readinessProbe: { httpGet: { path: string } }; livenessProbe: { httpGet: { path: string } } }[];
        };
      };
    };
  };
  const [container] = deployment.spec.template.spec.containers;
  return { readiness: container.readinessProbe.httpGet.path, liveness: container.livenessProbe.httpGet.path };
}

function run(command: string[], env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { env: childEnv(env), stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Its exit code and complete output, or an error once EXIT_TIMEOUT_MS have passed. */
async function finished(entry: Started): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Still running after ${EXIT_TIMEOUT_MS} ms:\n${entry.output()}`)),
      EXIT_TIMEOUT_MS,
    );
  });
  try {
    const code = await Promise.race([entry.exited, timeout]);
    await Promise.race([entry.closed, timeout]);
    return code;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Kills whatever is left of a start: the shell's process group, with a server it left behind if it did not exec.
 * Output still open means a process of that group is alive, so the group id still names only those processes.
 */
async function killGroup(entry: Started): Promise<void> {
  const pid = entry.child.pid;
  if (pid === undefined || entry.isClosed()) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
  await entry.closed;
}

describe.each(engines())('docker/entrypoint.sh (%s)', (engine) => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let started: Started[] = [];

  beforeEach(async () => {
    db = await TestDatabase.create(engine);
    dataSource = await db.connect();
  });

  afterEach(async () => {
    try {
      await Promise.all(started.map(killGroup));
    } finally {
      started = [];
      await db.drop();
    }
  });

  async function startEntrypoint(extra: Record<string, string> = {}): Promise<Started> {
    const port = await freePort();
    const env = {
      ...db.env,
      DEFAULT_USER_ENABLED: 'true',
      ARGILLA_PORT: String(port),
      ARGILLA_HOST: '127.0.0.1',
      ARGILLA_LOCAL_AUTH_SECRET_KEY: SECRET_KEY,
      ...extra,
    };
    // Its own process group, so that cleanup also reaches a server left behind by a shell that did not exec.
    const child = spawn('sh', [ENTRYPOINT], { cwd: db.home, env: childEnv(env), detached: true });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let isClosed = false;
    const closed = new Promise<void>((resolve) =>
      child.on('close', () => {
        isClosed = true;
        resolve();
      }),
    );
    const entry: Started = { child, port, output: () => output, exited, closed, isClosed: () => isClosed };
    started.push(entry);
    return entry;
  }

  /** Polls GET /api/_info until it answers 200; fails with the output when the process ends or never answers. */
  async function waitUntilServing(entry: Started): Promise<void> {
    for (let attempt = 0; attempt < READY_ATTEMPTS; attempt++) {
      if (entry.child.exitCode !== null) break;
      const response = await fetch(`http://127.0.0.1:${entry.port}/api/_info`, {
        signal: AbortSignal.timeout(1_000),
      }).catch(() => undefined);
      if (response?.status === 200) return;
      await delay(READY_DELAY_MS);
    }
    throw new Error(`The entrypoint's server does not answer on /api/_info; it printed:\n${entry.output()}`);
  }

  async function stop(entry: Started): Promise<number | null> {
    entry.child.kill('SIGTERM');
    return finished(entry);
  }

  const usernames = async (): Promise<string[]> =>
    ((await dataSource.query('SELECT username FROM users ORDER BY username')) as { username: string }[]).map(
      (row) => row.username,
    );

  it('migrates an empty database, execs the server (default user, SIGTERM exits 0), and on restart has nothing to do', async () => {
    const first = await startEntrypoint();
    await waitUntilServing(first);

    // exec: the process the shell was started as is now the server itself, so signals reach Node.
    if (existsSync('/proc/self/cmdline')) {
      const argv = readFileSync(`/proc/${first.child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      expect(argv.slice(1)).toEqual([join(ROOT, 'dist', 'apps', 'argilla-server', 'main.js')]);
    }
    expect(await currentRevision(dataSource)).toBe(HEAD);
    expect(await usernames()).toEqual(['argilla']);
    const me = await fetch(`http://127.0.0.1:${first.port}/api/me`, {
      headers: { 'X-Argilla-Api-Key': 'argilla.apikey' },
    });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ username: 'argilla', role: 'admin', workspaces: ['argilla'] });

    // What the image's HEALTHCHECK and the Deployment's probes ask answers 200.
    const healthcheck = dockerHealthcheck();
    expect(await run(healthcheck, { ARGILLA_PORT: String(first.port) })).toBe(0);
    const probes = probePaths();
    for (const path of [probes.readiness, probes.liveness]) {
      expect([path, (await fetch(`http://127.0.0.1:${first.port}${path}`)).status]).toEqual([path, 200]);
    }

    const [firstRevision] = REVISIONS;
    expect(first.output()).toContain(`Running upgrade  -> ${firstRevision.id}, ${firstRevision.description}`);
    expect(first.output()).toContain(`Database now at revision '${HEAD}' (head).`);
    expect(first.output()).toContain("Created the default user 'argilla'");
    expect(await stop(first)).toBe(0);
    expect(await run(healthcheck, { ARGILLA_PORT: String(first.port) })).toBe(1);

    const second = await startEntrypoint();
    await waitUntilServing(second);
    expect(await stop(second)).toBe(0);
    expect(second.output()).toContain(`Database already at revision '${HEAD}' (head): nothing to do.`);
    expect(second.output()).not.toContain('Running upgrade');
    expect(second.output()).not.toContain('Created the default user');
    expect(await usernames()).toEqual(['argilla']);
  });

  /**
   * The version table does not exist. Checked by message: errors from the SQLite driver may come from another
   * test file's module registry (jest reuses workers), where `rejects.toThrow` does not recognise them.
   */
  async function noVersionTable(): Promise<boolean> {
    const error = await currentRevision(dataSource).then(
      () => undefined,
      (reason: unknown) => reason as { message?: unknown },
    );
    return /alembic_version/.test(String(error?.message ?? ''));
  }

  it.each(['false', 'FALSE', '0', 'no', ' Off '])(
    'with ARGILLA_MIGRATE_ON_START=%p does not migrate, and the server refuses the empty database',
    async (value) => {
      const entry = await startEntrypoint({ ARGILLA_MIGRATE_ON_START: value });
      expect(await finished(entry)).toBe(1);
      expect(entry.output()).toContain(
        `The database schema is at no revision (empty database), but this version needs '${HEAD}' (head). ` +
          "Run 'argilla-cli database migrate' first.",
      );
      expect(entry.output()).not.toContain('Running upgrade');
      expect(await listTables(dataSource)).toEqual([]);
      expect(await noVersionTable()).toBe(true);
    },
  );

  it('stops with the migration exit code when the migration fails, without starting the server', async () => {
    const entry = await startEntrypoint({ ARGILLA_MIGRATE_ON_START: 'maybe' });
    expect(await finished(entry)).toBe(1);
    const message = "Invalid settings: ARGILLA_MIGRATE_ON_START must be true or false (got 'maybe')";
    // The CLI printed it; the server, which would print it too, never ran.
    expect(entry.output().split(message)).toHaveLength(2);
    expect(entry.output()).not.toContain('Listening on');
    expect(await listTables(dataSource)).toEqual([]);
    expect(await noVersionTable()).toBe(true);
  });
});
