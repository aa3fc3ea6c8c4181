// `npm run bench:scale [-- --engines postgres,sqlite] [--sizes 1000,10000,100000] [--duration S]`: how the server
// behaves as the number of users grows. For each engine and size: a fresh database seeded by `users migrate` of a
// generated users file (timed), then the server under load, one scenario at a time, then `users export` (timed).
// Writes bench/results/scale.json (one engine's run replaces that engine's results), scale.md and scale.svg.
import { get as httpGet } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Request as LoadRequest } from 'autocannon';
import { renderChart, Series } from './lib/chart';
import { createFreshDatabase, Engine, parseEngine } from './lib/database';
import { integerOption, readOptions } from './lib/options';
import { LoadResult, LoadSpec, runLoad, stopAllLoads } from './lib/load';
import {
  AbortedError,
  assertNotAborting,
  childEnv,
  CLI,
  installSignalHandlers,
  onCleanup,
  ROOT,
  rssOf,
  runCleanups,
  runCli,
  sleep,
  startNode,
  waitForBuild,
} from './lib/processes';
import { describeMachine, formatMarkdown, Machine } from './lib/report';
import { assertAlive, loginAll, RunningServer, startServer } from './lib/server';
import { formatMegabytes, formatMs, formatRate, formatSeconds } from './lib/stats';
import { GeneratedUser, generateUsers, PASSWORD_1234, usersYaml } from './lib/users-file';

const RESULTS = join(ROOT, 'bench', 'results');
const JSON_FILE = join(RESULTS, 'scale.json');
const MARKDOWN_FILE = join(RESULTS, 'scale.md');
const SVG_FILE = join(RESULTS, 'scale.svg');
const WARMUP_SECONDS = 1;
/** Connections for the small answers (`/api/me`, a page), and for the ones that grow with the data. */
const CONNECTIONS = 32;
const LARGE_CONNECTIONS = 8;
const LOGIN_CONNECTIONS = 8;
/** Annotators the load rotates over (keys), and how many of them log in (tokens, and the login scenario). */
const LOAD_USERS = 200;
const TOKEN_USERS = 50;
/** One shared workspace per 50 users (at least 20); admins every 100 users, as in `npm run bench`. */
const USERS_PER_WORKSPACE = 50;
const ADMIN_EVERY = 100;
const RSS_SAMPLE_MS = 25;

interface Options {
  engines: Engine[];
  sizes: number[];
  duration: number;
}

function parseOptions(argv: string[]): Options {
  const values = readOptions(
    argv,
    ['engines', 'sizes', 'duration'],
    '--engines postgres,sqlite, --sizes 1000,10000, --duration S',
  );
  const sizes = (values.get('sizes') ?? '1000,10000,100000').split(',').map((text) => {
    const size = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(size >= 1_000 && size <= 1_000_000)) throw new Error(`--sizes: each size must be from 1000 to 1000000`);
    return size;
  });
  const duration = integerOption(values, 'duration', 5, 1, 120);
  const engines = [...new Set((values.get('engines') ?? 'postgres,sqlite').split(',').map(parseEngine))];
  return { engines, sizes: [...new Set(sizes)].sort((a, b) => a - b), duration };
}

/** What one size measured on one engine. Rates in req/s (logins/s), times in ms unless named `_s`, memory in bytes. */
interface SizeResult {
  /** Generated users (the default admin `argilla` is one more). */
  users: number;
  workspaces: number;
  memberships: number;
  import_s: number;
  import_rss_peak: number;
  export_s: number;
  export_rss_peak: number;
  rss_idle: number;
  rss_peak: number;
  me_key: LoadSummary;
  me_token: LoadSummary;
  workspaces_list: LoadSummary;
  v1_page: LoadSummary;
  users_list: LoadSummary;
  users_list_rss_peak: number;
  users_list_cold: Timing;
  users_list_warm: Timing;
  login: LoadSummary;
}

interface LoadSummary {
  rps: number;
  p50: number;
  p99: number;
  failures: number;
}

interface Timing {
  ttfb: number;
  total: number;
  bytes: number;
}

interface EngineResults {
  machine: Machine;
  duration: number;
  sizes: SizeResult[];
}

type Results = Partial<Record<Engine, EngineResults>>;

/** The highest RSS of a process, sampled every 25 ms until stopped. */
function sampleRss(pid: number): { peak: () => number; reset: () => void; stop: () => void } {
  let peak = 0;
  const take = () => {
    const rss = rssOf(pid);
    if (rss !== undefined && rss > peak) peak = rss;
  };
  take();
  const timer = setInterval(take, RSS_SAMPLE_MS);
  return {
    peak: () => {
      take();
      return peak;
    },
    reset: () => {
      peak = 0;
      take();
    },
    stop: () => clearInterval(timer),
  };
}

/** `argilla-cli <args>`: wall time in seconds and peak RSS. */
async function runCliMeasured(args: string[], env: Record<string, string>): Promise<{ seconds: number; rss: number }> {
  await waitForBuild();
  const started = performance.now();
  const child = startNode(`argilla-cli ${args[0]}`, CLI, args, env);
  const sampler = sampleRss(child.pid);
  const code = await child.exited;
  const seconds = (performance.now() - started) / 1000;
  sampler.stop();
  await child.stop();
  if (code !== 0) throw new Error(`argilla-cli ${args.join(' ')} failed (${code}):\n${child.output().trim()}`);
  return { seconds, rss: sampler.peak() };
}

/** One GET: time to the first byte of the body, time to its end, and its size. */
function timeGet(url: string, headers: Record<string, string>): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let ttfb = NaN;
    let bytes = 0;
    const request = httpGet(url, { headers, agent: false }, (response) => {
      if (response.statusCode !== 200) reject(new Error(`GET ${url} answered ${response.statusCode}`));
      response.on('data', (chunk: Buffer) => {
        if (bytes === 0) ttfb = performance.now() - started;
        bytes += chunk.length;
      });
      response.on('end', () => resolve({ ttfb, total: performance.now() - started, bytes }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.setTimeout(120_000, () => request.destroy(new Error(`GET ${url} timed out`)));
  });
}

const get = (path: string, headers: Record<string, string>): LoadRequest => ({ method: 'GET', path, headers });

async function measureLoad(spec: LoadSpec, seconds: number, label: string): Promise<LoadSummary> {
  assertNotAborting();
  await runLoad(spec, WARMUP_SECONDS);
  const result: LoadResult = await runLoad(spec, seconds);
  const failed = result.failures > 0 ? `, ${result.failures} failed (${result.failureDetail})` : '';
  console.log(`    ${label.padEnd(24)} ${formatRate(result.rps).padStart(14)}  p99 ${formatMs(result.p99)}${failed}`);
  return { rps: result.rps, p50: result.p50, p99: result.p99, failures: result.failures };
}

/** Evenly spread annotators, `count` of them. */
function spreadAnnotators(users: readonly GeneratedUser[], count: number): GeneratedUser[] {
  const annotators = users.filter((user) => user.role === 'annotator');
  const step = Math.max(1, Math.floor(annotators.length / count));
  return annotators.filter((_, index) => index % step === 0).slice(0, count);
}

async function measureSize(engine: Engine, size: number, duration: number, files: string): Promise<SizeResult> {
  console.log(`  ${size.toLocaleString('en-US')} users on ${engine}`);
  const sharedWorkspaces = Math.max(20, Math.round(size / USERS_PER_WORKSPACE));
  const users = generateUsers({
    count: size,
    adminEvery: ADMIN_EVERY,
    sharedWorkspaces,
    membershipsOf: (i) => 1 + (i % 2),
  });
  const file = join(files, `users-${size}.yaml`);
  writeFileSync(file, usersYaml(users));
  // Each user also joins a workspace named after it (Argilla's rule for users files).
  const workspaces = sharedWorkspaces + size;
  const memberships = size + users.reduce((sum, user) => sum + user.workspaces.length, 0);

  const database = await createFreshDatabase(engine);
  try {
    const env = childEnv(database.env);
    await runCli(['database', 'migrate'], env);
    const imported = await runCliMeasured(['users', 'migrate', '--file', file], env);
    console.log(
      `    users migrate            ${formatSeconds(imported.seconds)}, peak RSS ${formatMegabytes(imported.rss)}`,
    );

    const server: RunningServer = await startServer(database.env);
    const sampler = sampleRss(server.child.pid);
    try {
      await sleep(1_000);
      const rssIdle = rssOf(server.child.pid) ?? NaN;
      const loadUsers = spreadAnnotators(users, LOAD_USERS);
      const loginUsers = loadUsers.slice(0, TOKEN_USERS);
      // Their first login rehashes bcrypt to argon2id: done here, not during the login scenario.
      const tokens = await loginAll(server.baseUrl, loginUsers);
      const admin = { 'x-argilla-api-key': users[0].apiKey };
      const byKey = (path: string) => loadUsers.map((user) => get(path, { 'x-argilla-api-key': user.apiKey }));
      const base = { baseUrl: server.baseUrl };

      const usersListCold = await timeGet(`${server.baseUrl}/api/users`, admin);
      const warm: Timing[] = [];
      for (let i = 0; i < 3; i++) warm.push(await timeGet(`${server.baseUrl}/api/users`, admin));
      const usersListWarm = warm.sort((a, b) => a.total - b.total)[1];
      console.log(
        `    GET /api/users once      first byte ${formatMs(usersListCold.ttfb)}, all ${formatMs(usersListCold.total)} ` +
          `(${formatMegabytes(usersListCold.bytes)}); again ${formatMs(usersListWarm.total)}`,
      );

      const meKey = await measureLoad(
        { ...base, requests: byKey('/api/me'), connections: CONNECTIONS },
        duration,
        'GET /api/me, API key',
      );
      const meToken = await measureLoad(
        {
          ...base,
          requests: tokens.map((token) => get('/api/me', { authorization: `Bearer ${token}` })),
          connections: CONNECTIONS,
        },
        duration,
        'GET /api/me, JWT',
      );
      const workspacesList = await measureLoad(
        { ...base, requests: byKey('/api/workspaces'), connections: LARGE_CONNECTIONS },
        duration,
        'GET /api/workspaces',
      );
      const v1Page = await measureLoad(
        {
          ...base,
          requests: Array.from({ length: 10 }, (_, i) =>
            get(`/api/v1/users?workspace=team-${(i * 3) % sharedWorkspaces}&limit=50`, admin),
          ),
          connections: CONNECTIONS,
        },
        duration,
        'v1 page of 50, workspace',
      );
      sampler.reset();
      const usersList = await measureLoad(
        { ...base, requests: [get('/api/users', admin)], connections: LARGE_CONNECTIONS },
        duration,
        'GET /api/users',
      );
      const usersListRss = sampler.peak();
      const login = await measureLoad(
        {
          ...base,
          requests: loginUsers.map((user) => ({
            method: 'POST',
            path: '/api/security/token',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ username: user.username, password: PASSWORD_1234 }).toString(),
          })),
          connections: LOGIN_CONNECTIONS,
        },
        duration,
        'login',
      );
      assertAlive(server);
      const rssPeak = sampler.peak();
      console.log(`    server RSS               idle ${formatMegabytes(rssIdle)}, peak ${formatMegabytes(rssPeak)}`);
      sampler.stop();
      await server.child.stop();

      const exportFile = join(files, `export-${engine}-${size}.yaml`);
      const exported = await runCliMeasured(['users', 'export', '--file', exportFile], env);
      rmSync(exportFile, { force: true });
      console.log(
        `    users export             ${formatSeconds(exported.seconds)}, peak RSS ${formatMegabytes(exported.rss)}`,
      );
      return {
        users: size,
        workspaces,
        memberships,
        import_s: imported.seconds,
        import_rss_peak: imported.rss,
        export_s: exported.seconds,
        export_rss_peak: exported.rss,
        rss_idle: rssIdle,
        rss_peak: rssPeak,
        me_key: meKey,
        me_token: meToken,
        workspaces_list: workspacesList,
        v1_page: v1Page,
        users_list: usersList,
        users_list_rss_peak: usersListRss,
        users_list_cold: usersListCold,
        users_list_warm: usersListWarm,
        login,
      };
    } finally {
      sampler.stop();
      await server.child.stop();
    }
  } finally {
    await database.drop();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The report

const ENGINE_NAMES: Record<Engine, string> = { postgres: 'PostgreSQL', sqlite: 'SQLite' };

function markdown(results: Results): string {
  const sections: string[] = [
    '# Scaling benchmark',
    '',
    'Written by `npm run bench:scale`. For each engine and number of users: a fresh database seeded by ' +
      `\`users migrate\` of a generated users file (an admin every ${ADMIN_EVERY} users; the others annotators in ` +
      `1 or 2 of one shared workspace per ${USERS_PER_WORKSPACE} users, and, by Argilla's rule, each in a workspace ` +
      `named after it), then the server under load, one scenario at a time (${CONNECTIONS} connections; ` +
      `${LARGE_CONNECTIONS} for the lists that grow with the data and for logins), then \`users export\`. ` +
      `\`/api/me\` and \`/api/workspaces\` rotate over ${LOAD_USERS} annotators' keys, the JWT and login ` +
      `scenarios over ${TOKEN_USERS} of them. Rates are autocannon's means per second; RSS is sampled every ` +
      `${RSS_SAMPLE_MS} ms. The chart: [scale.svg](scale.svg).`,
  ];
  for (const engine of ['postgres', 'sqlite'] as const) {
    const run = results[engine];
    if (!run) continue;
    const { machine } = run;
    const sizes = run.sizes;
    const header = `| | ${sizes.map((size) => `${size.users.toLocaleString('en-US')} users`).join(' | ')} |`;
    const rule = `| --- | ${sizes.map(() => '---').join(' | ')} |`;
    const row = (label: string, cell: (size: SizeResult) => string) =>
      `| ${label} | ${sizes.map((size) => cell(size)).join(' | ')} |`;
    const load = (summary: LoadSummary, unit = 'req/s') =>
      `${formatRate(summary.rps, unit)}, p99 ${formatMs(summary.p99)}` +
      (summary.failures > 0 ? ` (**${summary.failures} failed**)` : '');
    sections.push(
      '',
      `## ${ENGINE_NAMES[engine]}`,
      '',
      `${machine.date}: ${machine.cpu}, ${machine.cores} cores, ${machine.memory}, Node ${machine.node}, ` +
        `${machine.database}; ${run.duration} s per scenario after 1 s of warm-up.`,
      '',
      header,
      rule,
      row(
        'workspaces / memberships',
        (s) => `${s.workspaces.toLocaleString('en-US')} / ${s.memberships.toLocaleString('en-US')}`,
      ),
      row('`users migrate` of the file', (s) => `${formatSeconds(s.import_s)}, ${formatMegabytes(s.import_rss_peak)}`),
      row('`GET /api/me`, API key', (s) => load(s.me_key)),
      row('`GET /api/me`, JWT', (s) => load(s.me_token)),
      row('`GET /api/workspaces`, annotator', (s) => load(s.workspaces_list)),
      row('`GET /api/v1/users?workspace=…&limit=50`', (s) => load(s.v1_page)),
      row('`GET /api/users`, under load', (s) => load(s.users_list)),
      row(
        '`GET /api/users`, first (built)',
        (s) =>
          `first byte ${formatMs(s.users_list_cold.ttfb)}, all ${formatMs(s.users_list_cold.total)}, ` +
          formatMegabytes(s.users_list_cold.bytes),
      ),
      row(
        '`GET /api/users`, again (kept)',
        (s) => `first byte ${formatMs(s.users_list_warm.ttfb)}, all ${formatMs(s.users_list_warm.total)}`,
      ),
      row('server RSS while `GET /api/users` under load', (s) => formatMegabytes(s.users_list_rss_peak)),
      row('login (argon2id)', (s) => load(s.login, 'logins/s')),
      row('`users export`', (s) => `${formatSeconds(s.export_s)}, ${formatMegabytes(s.export_rss_peak)}`),
      row('server RSS idle / peak', (s) => `${formatMegabytes(s.rss_idle)} / ${formatMegabytes(s.rss_peak)}`),
    );
  }
  return sections.join('\n') + '\n';
}

const METRICS: { key: keyof SizeResult; label: string; colour: string }[] = [
  { key: 'me_key', label: 'GET /api/me (API key)', colour: '#1f77b4' },
  { key: 'me_token', label: 'GET /api/me (JWT)', colour: '#17becf' },
  { key: 'v1_page', label: 'v1 page of 50', colour: '#2ca02c' },
  { key: 'workspaces_list', label: 'GET /api/workspaces', colour: '#ff7f0e' },
  { key: 'users_list', label: 'GET /api/users', colour: '#d62728' },
  { key: 'login', label: 'login (per second)', colour: '#9467bd' },
];

function chart(results: Results): string {
  const engines = (['postgres', 'sqlite'] as const).filter((engine) => results[engine]);
  const xs = [...new Set(engines.flatMap((engine) => results[engine]!.sizes.map((size) => size.users)))].sort(
    (a, b) => a - b,
  );
  const seriesOf = (pick: (size: SizeResult) => number, label: string, colour: string): Series[] =>
    engines.map((engine) => ({
      label: `${label}, ${ENGINE_NAMES[engine]}`,
      colour,
      dashed: engine === 'sqlite',
      points: results[engine]!.sizes.map((size) => [size.users, pick(size)] as [number, number]),
    }));
  const loadSeries = (field: 'rps' | 'p99') =>
    METRICS.flatMap(({ key, label, colour }) => seriesOf((size) => (size[key] as LoadSummary)[field], label, colour));
  return renderChart(
    'argilla-users as the number of users grows',
    [
      { title: 'Throughput', unit: 'requests per second', log: true, series: loadSeries('rps') },
      { title: 'Latency, p99', unit: 'milliseconds', log: true, series: loadSeries('p99') },
      {
        title: 'Server memory, and CLI times',
        unit: 'MB (RSS) · seconds ×10 (CLI)',
        log: true,
        series: [
          ...seriesOf((size) => size.rss_peak / 1024 / 1024, 'server peak RSS', '#8c564b'),
          ...seriesOf((size) => size.rss_idle / 1024 / 1024, 'server idle RSS', '#c49c94'),
          ...seriesOf((size) => size.import_s * 10, 'users migrate', '#e377c2'),
          ...seriesOf((size) => size.export_s * 10, 'users export', '#7f7f7f'),
        ],
      },
    ],
    xs,
    {
      colours: [
        ...METRICS.map(({ label, colour }) => [label, colour] as [string, string]),
        ['server peak RSS (MB)', '#8c564b'],
        ['server idle RSS (MB)', '#c49c94'],
        ['users migrate (s ×10)', '#e377c2'],
        ['users export (s ×10)', '#7f7f7f'],
      ],
      dashes: engines.map((engine) => [ENGINE_NAMES[engine], engine === 'sqlite'] as [string, boolean]),
    },
  );
}

function writeAtomically(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  installSignalHandlers(stopAllLoads);
  await waitForBuild();
  const files = mkdtempSync(join(tmpdir(), 'argilla-bench-scale-'));
  onCleanup('users files', () => rmSync(files, { recursive: true, force: true }));
  const results: Results = existsSync(JSON_FILE) ? (JSON.parse(readFileSync(JSON_FILE, 'utf8')) as Results) : {};
  for (const engine of options.engines) {
    const machine = await describeMachine(engine);
    console.log(`Scaling benchmark on ${machine.database}: ${options.sizes.join(', ')} users`);
    const sizes: SizeResult[] = [];
    for (const size of options.sizes) sizes.push(await measureSize(engine, size, options.duration, files));
    results[engine] = { machine, duration: options.duration, sizes };
    writeAtomically(JSON_FILE, JSON.stringify(results, null, 2) + '\n');
    writeAtomically(MARKDOWN_FILE, await formatMarkdown(markdown(results), MARKDOWN_FILE));
    writeAtomically(SVG_FILE, chart(results));
  }
  console.log(
    `Written to ${['scale.json', 'scale.md', 'scale.svg'].map((name) => `bench/results/${name}`).join(', ')}`,
  );
}

main()
  .catch((error) => {
    if (!(error instanceof AbortedError)) {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    }
    process.exitCode = 1;
  })
  .finally(() => runCleanups());
