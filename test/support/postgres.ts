import { Client } from 'pg';

/** The server the PostgreSQL suites use; each suite creates its own database there and drops it afterwards. */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export async function postgresReachable(): Promise<boolean> {
  const client = new Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs one statement on the admin database. */
export async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A guard against pointing the suites at a real database: every name they touch must say `test`. */
export function assertTestDatabaseName(name: string): void {
  if (!/test/i.test(name) || !/^[a-z0-9_]+$/.test(name)) {
    throw new Error(`Refusing to use database '${name}': test databases must have 'test' in their name.`);
  }
}

export function postgresUrlFor(database: string): string {
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}
