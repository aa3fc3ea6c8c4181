// `npm run bench [-- --engine postgres|sqlite] [--runs N] [--duration S]`: the server's HTTP and CLI benchmarks,
// next to the limits of the platform (a bare Node server with a constant answer, and one doing the same query
// through pg), on a fresh seeded database. Writes bench/results/latest.md and prints its table.
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Request as LoadRequest } from 'autocannon';
import * as argon2 from 'argon2';
import * as bcrypt from 'bcryptjs';
import {
  createFreshDatabase,
  Engine,
  FreshDatabase,
  parseEngine,
  timeSetBasedInsert,
  timeUsersImport,
} from './lib/database';
import { integerOption, readOptions } from './lib/options';
import { LoadResult, LoadSpec, runLoad, stopAllLoads } from './lib/load';
import {
  AbortedError,
  assertNotAborting,
  childEnv,
  freePort,
  installSignalHandlers,
  onCleanup,
  ROOT,
  rssOf,
  runCleanups,
  runCli,
  CLI_WITHOUT_CACHE,
  sleep,
  startNode,
  waitForBuild,
  waitForHttp,
} from './lib/processes';
import { describeMachine, formatMarkdown, Machine, markdownTable, Row } from './lib/report';
import {
  formatMegabytes,
  formatMs,
  formatPercent,
  formatRate,
  formatSeconds,
  median,
  summarize,
  Summary,
} from './lib/stats';
import { GeneratedUser, generateUsers, PASSWORD_1234, usersYaml } from './lib/users-file';
import { assertAlive, getText, loginAll, RunningServer, startServer } from './lib/server';

const CONNECTIONS = 32;
const WARMUP_SECONDS = 2;
const LOGIN_CONNECTIONS = 8;
const STORM_S1_RATE = 50;
const STORM_S1_CONNECTIONS = 2;
/** S5b: wrong-password logins of one user whose hash Argilla 1.8 wrote (bcrypt, cost 12), in worker threads. */
const BCRYPT_STORM_CONNECTIONS = 20;
const BCRYPT_USER = 'argilla18-bcrypt';
const BCRYPT_ROUNDS = 12;
const SEED_USERS = 1_000;
const LARGE_IMPORT_USERS = 10_000;
const SHARED_WORKSPACES = 20;
/** Users 0, 100, …, 900 are admins; the others annotators in 1 or 2 of the shared workspaces. */
const ADMIN_EVERY = 100;
/** The users whose keys and tokens the load rotates over: 200 annotators spread over the seed. */
const isLoadUser = (user: GeneratedUser): boolean => user.index % 5 === 1;
const CLI_COLD_START_RUNS = 5;
const ARGON2_SAMPLES = 20;
/** The project's parameters (libs/users/src/password-hasher.ts). */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const DEFAULT_API_KEY = 'argilla.apikey';
const SERVER_POOL_SIZE = 10;
const REPORT_FILE = join(ROOT, 'bench', 'results', 'latest.md');

interface Options {
  engine: Engine;
  runs: number;
  duration: number;
}

function parseOptions(argv: string[]): Options {
  const values = readOptions(argv, ['engine', 'runs', 'duration'], '--engine postgres|sqlite, --runs N, --duration S');
  return {
    engine: parseEngine(values.get('engine') ?? 'postgres'),
    runs: integerOption(values, 'runs', 3, 1, 20),
    duration: integerOption(values, 'duration', 10, 1, 300),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Processes under test

async function startLimit(
  name: string,
  script: string,
  env: Record<string, string>,
  readyKey: string,
): Promise<RunningServer> {
  const port = await freePort();
  const child = startNode(name, join(ROOT, 'bench', 'limits', script), [], childEnv({ ...env, PORT: String(port) }));
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHttp(`${baseUrl}/api/me`, child, { 'x-argilla-api-key': readyKey });
  return { child, baseUrl };
}

/**
 * Returns once the logins that a load left in flight are done: a load stops its clients, not the verifications
 * they queued in the server (20 cost-12 bcrypt ones are seconds of CPU), which would weigh on the next
 * measurement. Verifications queue first come, first served, so one more wrong-password login answers after them.
 */
async function awaitQueuedLogins(baseUrl: string): Promise<void> {
  const response = await fetch(`${baseUrl}/api/security/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: BCRYPT_USER, password: 'not-the-password' }).toString(),
    signal: AbortSignal.timeout(120_000),
  });
  await response.text();
  if (response.status !== 401) throw new Error(`A wrong password for '${BCRYPT_USER}' answered ${response.status}`);
}

async function measureArgon2(): Promise<number[]> {
  await argon2.hash('warm-up', ARGON2_OPTIONS);
  const seconds: number[] = [];
  for (let i = 0; i < ARGON2_SAMPLES; i++) {
    assertNotAborting();
    const started = performance.now();
    await argon2.hash(PASSWORD_1234, ARGON2_OPTIONS);
    seconds.push((performance.now() - started) / 1000);
  }
  return seconds;
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP scenarios: each round runs every scenario once (after its own warm-up), so that drift over the run spreads
// over all of them alike.

type MetricId = 'L1' | 'L2' | 'S1' | 'S2' | 'S3' | 'S4' | 'S5' | 'S5-S1' | 'S5b' | 'S5b-info' | 'S5c';

interface HttpScenario {
  id: MetricId;
  run(seconds: number): Promise<Partial<Record<MetricId, LoadResult>>>;
}

const get = (path: string, headers: Record<string, string>): LoadRequest => ({ method: 'GET', path, headers });

function buildScenarios(
  server: RunningServer,
  l1: RunningServer,
  l2: RunningServer,
  loadUsers: readonly GeneratedUser[],
  tokens: readonly string[],
): HttpScenario[] {
  const byKey = (path: string) => loadUsers.map((user) => get(path, { 'x-argilla-api-key': user.apiKey }));
  const s1: LoadSpec = { baseUrl: server.baseUrl, requests: byKey('/api/me'), connections: CONNECTIONS };
  const single = (id: MetricId, spec: LoadSpec) => async (seconds: number) => ({ [id]: await runLoad(spec, seconds) });
  const loginRequests: LoadRequest[] = loadUsers.map((user) => ({
    method: 'POST',
    path: '/api/security/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: user.username, password: PASSWORD_1234 }).toString(),
  }));
  return [
    {
      id: 'L1',
      run: single('L1', {
        baseUrl: l1.baseUrl,
        requests: [get('/api/me', { 'x-argilla-api-key': loadUsers[0].apiKey })],
        connections: CONNECTIONS,
      }),
    },
    { id: 'L2', run: single('L2', { ...s1, baseUrl: l2.baseUrl }) },
    { id: 'S1', run: single('S1', s1) },
    {
      id: 'S2',
      run: single('S2', {
        baseUrl: server.baseUrl,
        requests: tokens.map((token) => get('/api/me', { authorization: `Bearer ${token}` })),
        connections: CONNECTIONS,
      }),
    },
    {
      id: 'S3',
      run: single('S3', {
        baseUrl: server.baseUrl,
        requests: [get('/api/users', { 'x-argilla-api-key': DEFAULT_API_KEY })],
        connections: CONNECTIONS,
      }),
    },
    {
      id: 'S4',
      run: single('S4', { baseUrl: server.baseUrl, requests: byKey('/api/workspaces'), connections: CONNECTIONS }),
    },
    {
      id: 'S5',
      run: async (seconds) => {
        const [logins, background] = await Promise.all([
          runLoad({ baseUrl: server.baseUrl, requests: loginRequests, connections: LOGIN_CONNECTIONS }, seconds),
          runLoad({ ...s1, connections: STORM_S1_CONNECTIONS, overallRate: STORM_S1_RATE }, seconds),
        ]);
        return { S5: logins, 'S5-S1': background };
      },
    },
    {
      id: 'S5b',
      run: async (seconds) => {
        const wrongPassword: LoadRequest = {
          method: 'POST',
          path: '/api/security/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ username: BCRYPT_USER, password: 'not-the-password' }).toString(),
        };
        const [logins, info] = await Promise.all([
          runLoad(
            {
              baseUrl: server.baseUrl,
              requests: [wrongPassword],
              connections: BCRYPT_STORM_CONNECTIONS,
              expectedStatus: 401,
            },
            seconds,
          ),
          runLoad(
            {
              baseUrl: server.baseUrl,
              requests: [get('/api/_info', {})],
              connections: STORM_S1_CONNECTIONS,
              overallRate: STORM_S1_RATE,
            },
            seconds,
          ),
        ]);
        await awaitQueuedLogins(server.baseUrl);
        return { S5b: logins, 'S5b-info': info };
      },
    },
    {
      id: 'S5c',
      run: async (seconds) => {
        // Each request creates a user of its own (a password to hash, a row, its audit event where there is one);
        // they are deleted afterwards, so that the other scenarios meet the same database in every round.
        const prefix = `bench-created-${++createdRuns}-`;
        // One request whose body is built anew for every send (autocannon iterates the requests per connection:
        // a fixed list would make the connections send the same usernames).
        let next = 0;
        const creations: LoadRequest[] = [
          {
            method: 'POST',
            path: '/api/users',
            headers: { 'content-type': 'application/json', 'x-argilla-api-key': DEFAULT_API_KEY },
            setupRequest: (request) => ({
              ...request,
              body: JSON.stringify({
                first_name: 'Bench',
                username: `${prefix}${next++}`,
                password: 'bench-password-1',
              }),
            }),
          },
        ];
        const created = await runLoad(
          { baseUrl: server.baseUrl, requests: creations, connections: LOGIN_CONNECTIONS },
          seconds,
        );
        await deleteUsersStartingWith(server.baseUrl, prefix);
        return { S5c: created };
      },
    },
  ];
}

let createdRuns = 0;

/** How many audit events the load wrote, and what the table takes with its indexes (bytes). */
async function measureAuditLog(database: FreshDatabase): Promise<{ events: number; bytes: number }> {
  if (database.postgresUrl !== undefined) {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: database.postgresUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ events: string; bytes: string }>(
        "SELECT (SELECT COUNT(*) FROM audit_events) AS events, pg_total_relation_size('audit_events') AS bytes",
      );
      return { events: Number(rows[0].events), bytes: Number(rows[0].bytes) };
    } finally {
      await client.end();
    }
  }
  const { default: Sqlite } = await import('better-sqlite3');
  const db = new Sqlite(database.sqlitePath!, { readonly: true });
  try {
    const { events } = db.prepare('SELECT COUNT(*) AS events FROM audit_events').get() as { events: number };
    const { bytes } = db
      .prepare(
        "SELECT SUM(pgsize) AS bytes FROM dbstat WHERE name = 'audit_events' OR name LIKE 'ix_audit_events_%' " +
          "OR name LIKE 'sqlite_autoindex_audit_events%'",
      )
      .get() as { bytes: number };
    return { events, bytes };
  } finally {
    db.close();
  }
}

/** Deletes, through the API, every user whose username starts with `prefix`. */
async function deleteUsersStartingWith(baseUrl: string, prefix: string): Promise<void> {
  const headers = { 'x-argilla-api-key': DEFAULT_API_KEY };
  for (;;) {
    const page = (await (
      await fetch(`${baseUrl}/api/v1/users?q=${encodeURIComponent(prefix)}&limit=500`, { headers })
    ).json()) as { items: { id: string }[] };
    if (page.items.length === 0) return;
    for (const user of page.items) {
      const response = await fetch(`${baseUrl}/api/users/${user.id}`, { method: 'DELETE', headers });
      if (response.status !== 200) throw new Error(`Deleting a created user answered ${response.status}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The report

interface Measurements {
  options: Options;
  machine: Machine;
  http: Map<MetricId, LoadResult[]>;
  hashSeconds: number[];
  import1k: number[];
  import10k: number[];
  /** The same rows as S7, inserted set-based: the reference of S7's target. */
  insert10k: number[];
  coldStart: number[];
  coldStartWithoutCache: number[];
  rssIdle: number;
  rssAfterLoad: number;
  auditLog: { events: number; bytes: number };
  l2Note: string;
  l2Matches: string;
  loadUsers: number;
}

/** The median p99, with the range over the runs when there were several. */
function formatP99(s: Summary): string {
  if (s.count <= 1 || s.min === s.max) return formatMs(s.median);
  return `${formatMs(s.median)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
}

const yesNo = (ok: boolean, detail = ''): string => (ok ? 'yes' : '**no**') + (detail ? ` (${detail})` : '');

function buildReport(m: Measurements): { rows: Row[]; notes: string[] } {
  const rows: Row[] = [];
  const notes: string[] = [];
  const rates = (id: MetricId): Summary => summarize((m.http.get(id) ?? []).map((r) => r.rps));
  const p99s = (id: MetricId): Summary => summarize((m.http.get(id) ?? []).map((r) => r.p99));
  const p99 = (id: MetricId): number => p99s(id).median;
  const failures = (id: MetricId): string => {
    const results = m.http.get(id) ?? [];
    const count = results.reduce((sum, r) => sum + r.failures, 0);
    if (count === 0) return '';
    const detail = results.map((r) => r.failureDetail).filter(Boolean);
    notes.push(`${id}: ${count} failed requests (${detail.join('; ')}).`);
    return `${count} failed requests`;
  };
  const httpRow = (id: MetricId, label: string, target: string, ok?: boolean, detail = '', unit = 'req/s'): void => {
    const s = rates(id);
    const failed = failures(id);
    const met = ok === undefined ? (failed ? `**${failed}**` : '—') : yesNo(ok && !failed, failed || detail);
    rows.push({
      scenario: label,
      median: formatRate(s.median, unit),
      range: `${formatRate(s.min, '')}–${formatRate(s.max, unit)}`,
      p99: formatP99(p99s(id)),
      target,
      met,
    });
  };

  const l1 = rates('L1').median;
  const l2 = m.http.has('L2') ? rates('L2').median : NaN;
  const s1 = rates('S1').median;
  const s2 = rates('S2').median;
  httpRow('L1', 'L1 bare `http`, constant `/api/me`', 'limit');
  if (m.http.has('L2'))
    httpRow(
      'L2',
      `L2 bare \`http\` + ${m.options.engine === 'postgres' ? '`pg`' : '`better-sqlite3`'}, \`/api/me\``,
      'limit',
    );
  const hasL2 = Number.isFinite(l2);
  httpRow(
    'S1',
    'S1 `GET /api/me`, API key',
    hasL2 ? `≥ 50% of L2 (${formatRate(0.5 * l2)}), p99 < 20 ms` : 'p99 < 20 ms',
    (!hasL2 || s1 >= 0.5 * l2) && p99('S1') < 20,
    hasL2 ? `${formatPercent(s1 / l2)} of L2` : '',
  );
  httpRow(
    'S2',
    'S2 `GET /api/me`, bearer JWT',
    hasL2 ? `≥ 45% of L2 (${formatRate(0.45 * l2)})` : '—',
    hasL2 ? s2 >= 0.45 * l2 : undefined,
    hasL2 ? `${formatPercent(s2 / l2)} of L2` : '',
  );
  httpRow('S3', 'S3 `GET /api/users`, admin', '≥ 500 req/s', rates('S3').median >= 500);
  httpRow('S4', 'S4 `GET /api/workspaces`, annotator', '—');

  const cores = m.machine.cores;
  const hash = median(m.hashSeconds);
  const loginTarget = cores / hash;
  const s5 = rates('S5').median;
  httpRow(
    'S5',
    'S5 `POST /api/security/token` (8 connections)',
    `≥ 80% of cores ÷ hash time (${formatRate(0.8 * loginTarget, 'logins/s')})`,
    s5 >= 0.8 * loginTarget,
    `${formatPercent(s5 / loginTarget)} of ${formatRate(loginTarget, 'logins/s')}`,
    'logins/s',
  );
  httpRow('S5-S1', `S5 storm: S1 at ${STORM_S1_RATE} req/s alongside`, 'p99 < 100 ms', p99('S5-S1') < 100);
  httpRow(
    'S5b',
    `S5b \`POST /api/security/token\`, wrong password of a \`$2b$12$\` user (${BCRYPT_STORM_CONNECTIONS} connections)`,
    '—',
    undefined,
    '',
    'logins/s',
  );
  httpRow(
    'S5c',
    `S5c \`POST /api/users\`, a new user each (${LOGIN_CONNECTIONS} connections)`,
    `— (${formatPercent(rates('S5c').median / loginTarget)} of cores ÷ hash time)`,
    undefined,
    '',
    'users/s',
  );
  const infoMedian = summarize((m.http.get('S5b-info') ?? []).map((r) => r.p50)).median;
  httpRow(
    'S5b-info',
    `S5b storm: \`GET /api/_info\` at ${STORM_S1_RATE} req/s alongside`,
    'p99 < 100 ms',
    p99('S5b-info') < 100,
    `median latency ${formatMs(infoMedian)}`,
  );

  const cliRow = (label: string, values: number[], target: string, ok?: boolean): void => {
    const s = summarize(values);
    rows.push({
      scenario: label,
      median: formatSeconds(s.median),
      range: `${s.min.toFixed(2)}–${formatSeconds(s.max)}`,
      p99: '—',
      target,
      met: ok === undefined ? '—' : yesNo(ok),
    });
  };
  cliRow(`S6 \`users migrate\`, ${SEED_USERS.toLocaleString('en-US')} users`, m.import1k, '—');
  const insertMedian = median(m.insert10k);
  cliRow(
    `S7 \`users migrate\`, ${LARGE_IMPORT_USERS.toLocaleString('en-US')} users`,
    m.import10k,
    `≤ 2 s; ≤ 2× S7-ref (${formatSeconds(2 * insertMedian)})`,
    median(m.import10k) <= 2 && median(m.import10k) <= 2 * insertMedian,
  );
  cliRow(
    `S7-ref the same rows inserted set-based (one statement per table, one transaction; ` +
      `S7 is ${(median(m.import10k) / insertMedian).toFixed(1)}×)`,
    m.insert10k,
    '—',
  );
  cliRow('S8 CLI cold start (`users create_default`, user exists)', m.coldStart, '≤ 0.4 s', median(m.coldStart) <= 0.4);
  cliRow('S8 without the compile cache (`cli.js` run directly)', m.coldStartWithoutCache, '—');
  const rssRow = (label: string, bytes: number, limitMb: number): void => {
    rows.push({
      scenario: label,
      median: formatMegabytes(bytes),
      range: '—',
      p99: '—',
      target: `≤ ${limitMb} MB`,
      met: yesNo(bytes <= limitMb * 1024 * 1024),
    });
  };
  rssRow('S9 server RSS, idle after start + seed', m.rssIdle, 80);
  rssRow('S9 server RSS, after all the load', m.rssAfterLoad, 150);

  notes.unshift(
    `Ratios of medians: S1/L2 ${hasL2 ? formatPercent(s1 / l2) : 'n/a'}, S1/L1 ${formatPercent(s1 / l1)}, ` +
      `S2/L2 ${hasL2 ? formatPercent(s2 / l2) : 'n/a'}.`,
    `argon2id (m = 19456 KiB, t = 2, p = 1), one hash in the bench process: median ${formatMs(hash * 1000)} ` +
      `(min ${formatMs(Math.min(...m.hashSeconds) * 1000)}, max ${formatMs(Math.max(...m.hashSeconds) * 1000)}, ` +
      `${m.hashSeconds.length} hashes); target cores ÷ hash time = ${cores} ÷ ${(hash * 1000).toFixed(1)} ms = ` +
      `${formatRate(loginTarget, 'logins/s')}; S5 reached ${formatPercent(s5 / loginTarget)} of it.`,
    m.l2Note,
    m.l2Matches,
  );
  return { rows, notes: notes.filter(Boolean) };
}

function renderReport(m: Measurements, rows: Row[], notes: string[]): string {
  const { machine, options } = m;
  const engine = options.engine === 'postgres' ? 'PostgreSQL' : 'SQLite';
  return [
    '# Benchmark results',
    '',
    `Written by \`npm run bench -- --engine ${options.engine} --runs ${options.runs} --duration ${options.duration}\`.`,
    '',
    '## Machine',
    '',
    `- CPU: ${machine.cpu}`,
    `- cores: ${machine.cores}`,
    `- memory: ${machine.memory}`,
    `- Node.js: ${machine.node}`,
    `- database: ${machine.database}`,
    `- date: ${machine.date}`,
    '',
    '## Setup',
    '',
    `- Engine ${engine}, a fresh database migrated with \`argilla-cli database migrate\`, seeded with ` +
      `${SEED_USERS.toLocaleString('en-US')} users by \`argilla-cli users migrate\` ` +
      `(${SEED_USERS / ADMIN_EVERY} admins, the others annotators in 1–2 of ${SHARED_WORKSPACES} shared workspaces; ` +
      'the import also gives every user a workspace named after it) and the default admin by ' +
      '`argilla-cli users create_default`.',
    `- Server: \`dist/apps/argilla-server/main.js\` on 127.0.0.1, \`ARGILLA_LOG_LEVEL=warn\`, brute-force limits ` +
      `raised, database pool ${SERVER_POOL_SIZE} (the default).`,
    '- Load: autocannon in the bench process, on the same machine (it shares the cores with the server), ' +
      `${CONNECTIONS} connections, ${options.duration} s per run after a ${WARMUP_SECONDS} s warm-up, ` +
      `${options.runs} run(s) per scenario, the scenarios interleaved run by run. S1, S4 and L2 rotate over the ` +
      `API keys of ${m.loadUsers} seeded annotators, S2 over their tokens (logged in ` +
      'beforehand, which also rehashed their bcrypt hashes to argon2id), S5 over their usernames; L1 knows one key.',
    `- S5: ${LOGIN_CONNECTIONS} connections of logins while S1 runs at ${STORM_S1_RATE} req/s on ` +
      `${STORM_S1_CONNECTIONS} connections.`,
    `- S5b: ${BCRYPT_STORM_CONNECTIONS} connections of logins with a wrong password (each answered 401, after ` +
      `the padding of failed logins) for user \`${BCRYPT_USER}\`, imported with a \`$2b$${BCRYPT_ROUNDS}$\` ` +
      `bcrypt hash as Argilla 1.8 writes them (verified in worker threads), while \`GET /api/_info\` runs at ` +
      `${STORM_S1_RATE} req/s on ${STORM_S1_CONNECTIONS} connections.`,
    `- S5c: ${LOGIN_CONNECTIONS} connections of \`POST /api/users\` by the default admin, each creating a user ` +
      'with a password (argon2id), deleted after each run.',
    `- Audit log after the load (every login, creation and deletion above records an event): ${m.auditLog.events} ` +
      `events in ${formatMegabytes(m.auditLog.bytes)}, ` +
      `${Math.round(m.auditLog.bytes / Math.max(m.auditLog.events, 1))} bytes per event with its indexes.`,
    '- S6/S7: wall time of the `argilla-cli users migrate` process on a fresh, migrated database each run ' +
      '(start, parsing and writing); S7-ref: the same users, workspaces and memberships inserted by the bench ' +
      'itself with one statement per table in one transaction, from BEGIN to COMMIT on an open connection; ' +
      `S8: ${CLI_COLD_START_RUNS} runs, with the CLI's compile cache filled (as after its first command, or in the ` +
      'Docker image), and as many without it; S9: VmRSS of the server process.',
    '- median, min–max: over the runs; p99: median of the runs’ p99 latencies (their range in brackets).',
    '',
    '## Results',
    '',
    markdownTable(rows),
    ...notes.map((note) => `- ${note}`),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  installSignalHandlers(stopAllLoads);
  await waitForBuild();
  const machine = await describeMachine(options.engine);
  console.log(
    `Benchmark on ${options.engine}: ${options.runs} run(s) × ${options.duration} s per scenario ` +
      `(${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.database})`,
  );

  const files = mkdtempSync(join(tmpdir(), 'argilla-bench-files-'));
  onCleanup('users files', () => rmSync(files, { recursive: true, force: true }));
  const generate = (count: number) =>
    generateUsers({
      count,
      adminEvery: ADMIN_EVERY,
      sharedWorkspaces: SHARED_WORKSPACES,
      membershipsOf: (i) => 1 + (i % 2),
    });
  const seedUsers = generate(SEED_USERS);
  const seedFile = join(files, 'users-1k.yaml');
  writeFileSync(seedFile, usersYaml(seedUsers));
  // One user as Argilla 1.8 stores them (never logged in successfully here, so its hash stays bcrypt).
  const bcryptFile = join(files, 'users-bcrypt.yaml');
  writeFileSync(
    bcryptFile,
    `- username: ${BCRYPT_USER}\n  api_key: ${BCRYPT_USER}.apikey.0001\n` +
      `  hashed_password: ${await bcrypt.hash(PASSWORD_1234, BCRYPT_ROUNDS)}\n  workspaces: []\n`,
  );
  const largeFile = join(files, 'users-10k.yaml');
  const largeUsers = generate(LARGE_IMPORT_USERS);
  writeFileSync(largeFile, usersYaml(largeUsers));
  const loadUsers = seedUsers.filter(isLoadUser);

  console.log(`Measuring one argon2id hash (${ARGON2_SAMPLES} times)…`);
  const hashSeconds = await measureArgon2();
  console.log(`  median ${formatMs(median(hashSeconds) * 1000)}`);

  console.log(`Creating a fresh ${options.engine} database and seeding ${SEED_USERS} users…`);
  const database: FreshDatabase = await createFreshDatabase(options.engine);
  const cliEnv = childEnv(database.env);
  await runCli(['database', 'migrate'], cliEnv);
  await runCli(['users', 'migrate', '--file', seedFile], cliEnv);
  await runCli(['users', 'migrate', '--file', bcryptFile], cliEnv);
  await runCli(['users', 'create_default'], cliEnv);

  const server = await startServer(database.env);
  await sleep(1_000);
  const rssIdle = rssOf(server.child.pid) ?? NaN;
  console.log(
    `Server ready at ${server.baseUrl} (RSS ${formatMegabytes(rssIdle)}); logging in ${loadUsers.length} users…`,
  );
  const tokens = await loginAll(server.baseUrl, loadUsers);

  const sample = await getText(`${server.baseUrl}/api/me`, { 'x-argilla-api-key': loadUsers[0].apiKey });
  if (sample.status !== 200) throw new Error(`GET /api/me answered ${sample.status}: ${sample.body}`);
  const l1 = await startLimit(
    'L1',
    'l1-constant.js',
    { API_KEY: loadUsers[0].apiKey, BODY: sample.body },
    loadUsers[0].apiKey,
  );
  const l2 =
    options.engine === 'postgres'
      ? await startLimit(
          'L2',
          'l2-pg.js',
          { DATABASE_URL: database.postgresUrl!, POOL_SIZE: String(SERVER_POOL_SIZE) },
          loadUsers[0].apiKey,
        )
      : await startLimit('L2', 'l2-sqlite.js', { SQLITE_PATH: database.sqlitePath! }, loadUsers[0].apiKey);
  const l2Note =
    options.engine === 'postgres'
      ? `L2: one prepared query per request through a \`pg\` Pool of ${SERVER_POOL_SIZE} connections on the seeded database.`
      : 'L2 on SQLite: one prepared statement per request through `better-sqlite3` (synchronous, one connection) ' +
        'on the seeded database file, instead of a `pg` Pool.';

  // L2 must do the same work as the server: its answers are compared byte for byte (annotators and an admin).
  const admin = seedUsers.find((user) => user.role === 'admin')!;
  const mismatches: string[] = [];
  for (const user of [...loadUsers.slice(0, 3), admin]) {
    const headers = { 'x-argilla-api-key': user.apiKey };
    const [ours, limit] = [
      await getText(`${server.baseUrl}/api/me`, headers),
      await getText(`${l2.baseUrl}/api/me`, headers),
    ];
    if (ours.status !== 200 || ours.body !== limit.body) mismatches.push(user.username);
  }
  const l2Matches =
    mismatches.length === 0
      ? "L2's answers are byte-identical to the server's `/api/me` (checked for 3 annotators and an admin)."
      : `**L2's answers differ from the server's** for ${mismatches.join(', ')}.`;
  if (mismatches.length > 0) console.warn(`Warning: L2 answers differ from the server's for ${mismatches.join(', ')}`);

  const scenarios = buildScenarios(server, l1, l2, loadUsers, tokens);
  const http = new Map<MetricId, LoadResult[]>();
  for (let round = 1; round <= options.runs; round++) {
    for (const scenario of scenarios) {
      assertNotAborting();
      assertAlive(server, l1, l2);
      await scenario.run(WARMUP_SECONDS);
      const results = await scenario.run(options.duration);
      assertNotAborting();
      for (const [id, result] of Object.entries(results) as [MetricId, LoadResult][]) {
        if (!http.has(id)) http.set(id, []);
        http.get(id)!.push(result);
        const failed = result.failures > 0 ? `, ${result.failures} failed (${result.failureDetail})` : '';
        const unit = id === 'S5' || id === 'S5b' ? 'logins/s' : id === 'S5c' ? 'users/s' : 'req/s';
        console.log(
          `  [${round}/${options.runs}] ${id.padEnd(5)} ${formatRate(result.rps, unit).padStart(16)}  p99 ${formatMs(result.p99)}${failed}`,
        );
      }
    }
  }
  assertAlive(server, l1, l2);
  const auditLog = await measureAuditLog(database);
  console.log(
    `Audit log after the load: ${auditLog.events} events, ${formatMegabytes(auditLog.bytes)} ` +
      `(${Math.round(auditLog.bytes / Math.max(auditLog.events, 1))} bytes per event, indexes included)`,
  );
  await sleep(1_000);
  const rssAfterLoad = rssOf(server.child.pid) ?? NaN;
  console.log(`Server RSS after the load: ${formatMegabytes(rssAfterLoad)}`);
  await Promise.all([l1.child.stop(), l2.child.stop(), server.child.stop()]);

  console.log(`CLI cold start (${CLI_COLD_START_RUNS} runs)…`);
  const coldStart: number[] = [];
  const coldStartWithoutCache: number[] = [];
  for (let i = 0; i < CLI_COLD_START_RUNS; i++) {
    coldStart.push(await runCli(['users', 'create_default'], cliEnv));
    coldStartWithoutCache.push(await runCli(['users', 'create_default'], cliEnv, CLI_WITHOUT_CACHE));
  }
  await database.drop();

  const import1k: number[] = [];
  const import10k: number[] = [];
  const insert10k: number[] = [];
  for (let round = 1; round <= options.runs; round++) {
    console.log(`Imports [${round}/${options.runs}]…`);
    import1k.push(await timeUsersImport(options.engine, seedFile));
    import10k.push(await timeUsersImport(options.engine, largeFile));
    insert10k.push(await timeSetBasedInsert(options.engine, largeUsers));
  }

  const measurements: Measurements = {
    options,
    machine,
    http,
    hashSeconds,
    import1k,
    import10k,
    insert10k,
    coldStart,
    coldStartWithoutCache,
    rssIdle,
    rssAfterLoad,
    auditLog,
    l2Note,
    l2Matches,
    loadUsers: loadUsers.length,
  };
  const { rows, notes } = buildReport(measurements);
  const report = await formatMarkdown(renderReport(measurements, rows, notes), REPORT_FILE);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(`${REPORT_FILE}.tmp`, report);
  renameSync(`${REPORT_FILE}.tmp`, REPORT_FILE);
  const table = report.slice(report.indexOf('## Results'));
  console.log(`\n${table}`);
  console.log('Written to bench/results/latest.md');
}

main()
  .catch((error) => {
    if (!(error instanceof AbortedError))
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  })
  .finally(() => runCleanups());
