// `npm run bench:import`: generates a users file of 10,000 users (Argilla's format, bcrypt hashes) and times
// `argilla-cli users migrate` on it, as a whole process, on a fresh SQLite file and a fresh PostgreSQL database.
// Usage: npm run bench:import [-- --users N] [--runs N] [--engine sqlite|postgres]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEngine, timeUsersImport } from './lib/database';
import { installSignalHandlers, onCleanup, runCleanups } from './lib/processes';
import { median } from './lib/stats';
import { generateUsers, usersYaml } from './lib/users-file';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

async function main(): Promise<void> {
  const count = Number(option('users', '10000'));
  const runs = Number(option('runs', '3'));
  const engines = option('engine', 'sqlite,postgres').split(',').map(parseEngine);
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(runs) || runs < 1 || runs > 100) {
    throw new Error('--users and --runs must be positive integers (--runs at most 100)');
  }
  const folder = mkdtempSync(join(tmpdir(), 'argilla-bench-file-'));
  onCleanup('users file', () => rmSync(folder, { recursive: true, force: true }));
  const file = join(folder, 'users.yaml');
  // A tenth admins (no workspaces key), the rest annotators in 2 of 20 shared workspaces.
  writeFileSync(
    file,
    usersYaml(generateUsers({ count, adminEvery: 10, sharedWorkspaces: 20, membershipsOf: () => 2 })),
  );
  console.log(`Importing ${count} users (${runs} runs per engine, wall time of the argilla-cli process):\n`);
  console.log('| engine | median | min | max |');
  console.log('|---|---|---|---|');
  for (const engine of engines) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await timeUsersImport(engine, file));
    const f = (s: number) => `${s.toFixed(2)} s`;
    console.log(`| ${engine} | ${f(median(times))} | ${f(Math.min(...times))} | ${f(Math.max(...times))} |`);
  }
}

installSignalHandlers(() => undefined);
main()
  .catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  })
  .finally(() => runCleanups());
