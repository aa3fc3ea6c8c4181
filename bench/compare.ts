// `npm run bench:compare -- --base DIR [--engine postgres|sqlite] [--rounds N] [--seconds S]`: S1 and S2 of this
// checkout against another one (DIR, a checkout of another commit with its own `npm ci && npm run build`), both
// servers up at once on databases seeded alike, their loads alternating in short rounds. On a shared machine the
// rate drifts by tens of percent within minutes; two rates measured seconds apart drift together, so the median of
// the per-round ratios says which build is faster where two separate runs of `npm run bench` cannot.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Request as LoadRequest } from 'autocannon';
import { createFreshDatabase, Engine, parseEngine } from './lib/database';
import { readOptions } from './lib/options';
import { runLoad, stopAllLoads } from './lib/load';
import {
  childEnv,
  installSignalHandlers,
  onCleanup,
  ROOT,
  runCleanups,
  runCli,
  SERVER,
  waitForBuild,
} from './lib/processes';
import { formatRate, median } from './lib/stats';
import { GeneratedUser, generateUsers, usersYaml } from './lib/users-file';
import { assertAlive, loginAll, RunningServer, startServer } from './lib/server';

const CONNECTIONS = 32;
const SEED_USERS = 1_000;
/** As `npm run bench`: 200 annotators spread over the seed carry the load. */
const isLoadUser = (user: GeneratedUser): boolean => user.index % 5 === 1;

interface Options {
  base: string;
  engine: Engine;
  rounds: number;
  seconds: number;
}

function parseOptions(argv: string[]): Options {
  const values = readOptions(
    argv,
    ['base', 'engine', 'rounds', 'seconds'],
    '--base DIR, --engine, --rounds N, --seconds S',
  );
  const base = values.get('base');
  if (!base) throw new Error('--base DIR is required: a checkout of the commit to compare with, built');
  const number = (name: string, fallback: number) => {
    const value = Number(values.get(name) ?? fallback);
    if (!(value > 0)) throw new Error(`--${name} must be a positive number`);
    return value;
  };
  return {
    base: resolve(base),
    engine: parseEngine(values.get('engine') ?? 'sqlite'),
    rounds: Math.round(number('rounds', 20)),
    seconds: number('seconds', 2),
  };
}

interface Side {
  name: string;
  server: RunningServer;
  s1: LoadRequest[];
  s2: LoadRequest[];
}

/** A fresh database seeded with `file` by the side's own CLI, its server, and its load users' JWTs. */
async function startSide(
  name: string,
  root: string,
  engine: Engine,
  file: string,
  loadUsers: GeneratedUser[],
): Promise<Side> {
  const cli = join(root, 'dist', 'apps', 'argilla-cli', 'main.js');
  const database = await createFreshDatabase(engine);
  const env = childEnv(database.env);
  await runCli(['database', 'migrate'], env, cli);
  await runCli(['users', 'migrate', '--file', file], env, cli);
  const server = await startServer(database.env, join(root, 'dist', 'apps', 'argilla-server', 'main.js'));
  onCleanup(`${name} server`, () => server.child.stop());
  const tokens = await loginAll(server.baseUrl, loadUsers);
  const get = (headers: Record<string, string>): LoadRequest => ({ method: 'GET', path: '/api/me', headers });
  return {
    name,
    server,
    s1: loadUsers.map((user) => get({ 'x-argilla-api-key': user.apiKey })),
    s2: tokens.map((token) => get({ authorization: `Bearer ${token}` })),
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const baseServer = join(options.base, 'dist', 'apps', 'argilla-server', 'main.js');
  if (!existsSync(baseServer))
    throw new Error(`${baseServer} is missing: run npm ci && npm run build in ${options.base}`);
  if (resolve(baseServer) === resolve(SERVER)) throw new Error('--base is this checkout: give another one');
  installSignalHandlers(stopAllLoads);
  await waitForBuild();

  const files = mkdtempSync(join(tmpdir(), 'argilla-bench-files-'));
  onCleanup('users file', () => rmSync(files, { recursive: true, force: true }));
  const users = generateUsers({
    count: SEED_USERS,
    adminEvery: 100,
    sharedWorkspaces: 20,
    membershipsOf: (i) => 1 + (i % 2),
  });
  const file = join(files, 'users.yaml');
  writeFileSync(file, usersYaml(users));
  const loadUsers = users.filter(isLoadUser);

  console.log(`Comparing ${ROOT} (this) with ${options.base} (base) on ${options.engine}…`);
  const sides = [
    await startSide('base', options.base, options.engine, file, loadUsers),
    await startSide('this', ROOT, options.engine, file, loadUsers),
  ];
  const lines = [
    `| | base req/s | this req/s | this / base (median of ${options.rounds} rounds) |`,
    '|---|---|---|---|',
  ];
  for (const scenario of ['S1', 'S2'] as const) {
    const requests = (side: Side) => (scenario === 'S1' ? side.s1 : side.s2);
    // Warm both (JIT, caches) before measuring.
    for (const side of sides) {
      await runLoad({ baseUrl: side.server.baseUrl, requests: requests(side), connections: CONNECTIONS }, 2);
    }
    const rates: Record<string, number[]> = { base: [], this: [] };
    const ratios: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      // Alternate who goes first, so that neither always meets the machine a few seconds later.
      const order = round % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) {
        const result = await runLoad(
          { baseUrl: side.server.baseUrl, requests: requests(side), connections: CONNECTIONS },
          options.seconds,
        );
        if (result.failures > 0) throw new Error(`${scenario} on ${side.name}: ${result.failureDetail}`);
        rates[side.name].push(result.total / options.seconds);
      }
      assertAlive(...sides.map((side) => side.server));
      ratios.push(rates.this[round] / rates.base[round]);
    }
    const line =
      `| ${scenario} \`GET /api/me\`, ${scenario === 'S1' ? 'API key' : 'bearer JWT'} | ` +
      `${formatRate(median(rates.base))} | ${formatRate(median(rates.this))} | ${median(ratios).toFixed(2)} ` +
      `(${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) |`;
    console.log(line);
    lines.push(line);
  }
  console.log(`\n${lines.join('\n')}`);
}

main()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  })
  .finally(() => runCleanups());
