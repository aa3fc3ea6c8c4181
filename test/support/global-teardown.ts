import { dropRunDatabases, runId } from './database-pool';

/** Drops the PostgreSQL databases the suites handed on to each other (database-pool.ts). */
export default async function globalTeardown(): Promise<void> {
  const run = runId();
  if (run && (process.env.TEST_ENGINES_AVAILABLE ?? '').includes('postgres')) await dropRunDatabases(run);
}
