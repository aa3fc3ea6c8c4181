// `npm run bench:import`: generates a users file of 10,000 users (Argilla's format, bcrypt hashes) and times
// `argilla-cli users migrate` on it, as a whole process, on a fresh SQLite file and a fresh PostgreSQL database.
// Usage: npm run bench:import [-- --users N] [--runs N] [--engine sqlite|postgres]
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

const HASH_1234 = '$2y$05$eaw.j2Kaw8s8vpscVIZMfuqSIX3OLmxA21WjtWicDdn0losQ91Hw.';
const CLI = join(__dirname, '..', 'dist', 'apps', 'argilla-cli', 'main.js');
const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

/** N users: a tenth admins (no workspaces key), the rest annotators in 2 of 20 shared workspaces. */
function usersFile(count: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(`- username: user-${i}`, `  full_name: User ${i}`, `  email: user-${i}@example.com`);
    lines.push(`  api_key: ${randomUUID()}`, `  hashed_password: ${HASH_1234}`);
    if (i % 10 !== 0) lines.push(`  workspaces: [team-${i % 20}, team-${(i + 7) % 20}]`);
  }
  return lines.join('\n') + '\n';
}

function run(args: string[], env: Record<string, string>): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`argilla-cli ${args.join(' ')} failed:\n${result.stderr}`);
  return seconds;
}

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function timeImport(engine: string, file: string): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), 'argilla-bench-'));
  const env: Record<string, string> = { ARGILLA_HOME_PATH: home };
  const database = `argilla_bench_${randomBytes(4).toString('hex')}`;
  if (engine === 'postgres') {
    await admin(`CREATE DATABASE ${database}`);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${database}`;
    env.ARGILLA_DATABASE_URL = url.toString();
  }
  try {
    run(['database', 'migrate'], env);
    return run(['users', 'migrate', '--file', file], env);
  } finally {
    if (engine === 'postgres') await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    rmSync(home, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const count = Number(option('users', '10000'));
  const runs = Number(option('runs', '3'));
  const engines = option('engine', 'sqlite,postgres').split(',');
  const folder = mkdtempSync(join(tmpdir(), 'argilla-bench-file-'));
  const file = join(folder, 'users.yaml');
  writeFileSync(file, usersFile(count));
  console.log(`Importing ${count} users (${runs} runs per engine, wall time of the argilla-cli process):\n`);
  console.log('| engine | median | min | max |');
  console.log('|---|---|---|---|');
  try {
    for (const engine of engines) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push(await timeImport(engine, file));
      times.sort((a, b) => a - b);
      const f = (s: number) => `${s.toFixed(2)} s`;
      console.log(
        `| ${engine} | ${f(times[Math.floor(times.length / 2)])} | ${f(times[0])} | ${f(times[times.length - 1])} |`,
      );
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
