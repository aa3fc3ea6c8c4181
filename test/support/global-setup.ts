import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { postgresReachable } from './postgres';

/**
 * Decides once which engines the end-to-end suites run on. SQLite always; PostgreSQL when it answers.
 * Under CI=true (or TEST_REQUIRE_POSTGRES=true) an unreachable PostgreSQL fails the run instead of skipping it.
 */
export default async function globalSetup(): Promise<void> {
  const required = process.env.CI === 'true' || process.env.TEST_REQUIRE_POSTGRES === 'true';
  const wanted = (process.env.TEST_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim());
  const engines: string[] = wanted.filter((engine) => engine === 'sqlite');
  if (wanted.includes('postgres')) {
    if (await postgresReachable()) engines.push('postgres');
    else if (required) throw new Error('PostgreSQL is unreachable and CI=true: the PostgreSQL suites are mandatory.');
    else process.stderr.write('\nPostgreSQL is unreachable: running the end-to-end suites on SQLite only.\n');
  }
  process.env.TEST_ENGINES_AVAILABLE = engines.join(',');
  // Names this run's PostgreSQL databases, so that the global teardown finds the ones suites handed on.
  process.env.TEST_RUN_ID = randomBytes(4).toString('hex');

  const cli = join(__dirname, '..', '..', 'dist', 'apps', 'argilla-cli', 'main.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run 'npm run build' first (npm test does).`);
}
