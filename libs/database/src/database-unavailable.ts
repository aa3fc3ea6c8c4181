import type { DataSource } from 'typeorm';

/** The database cannot be reached right now; the API answers 503 and recovers once it is back. */
export class DatabaseUnavailableError extends Error {
  constructor(override readonly cause?: unknown) {
    super('Database unavailable');
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * PostgreSQL SQLSTATE classes in which every error means the database cannot serve us right now, whatever the
 * query: the fault is the server's state or its refusal of our session, never the request.
 */
const UNAVAILABLE_SQLSTATE_CLASSES = new Set([
  '08', // connection exception
  '28', // invalid authorization: the role may not log in (28000) or its password is refused (28P01)
  '53', // insufficient resources: too many connections (53300), disk full, out of memory
  '57', // operator intervention: admin (57P01) or crash (57P02) shutdown, cannot connect now (57P03), dropped (57P04)
]);

/** The database does not exist (dropped under a running server, or not created yet). */
const INVALID_CATALOG_NAME = '3D000';

/**
 * 55000 (object not in prerequisite state) is an ordinary query error too; PostgreSQL raises it with this message
 * at connection time when the database is closed to connections (`ALTER DATABASE … ALLOW_CONNECTIONS false`).
 */
const OBJECT_NOT_IN_PREREQUISITE_STATE = '55000';
const NOT_ACCEPTING_CONNECTIONS = 'is not currently accepting connections';

const SQLSTATE = /^[0-9A-Z]{5}$/;

const UNAVAILABLE_CODES = new Set([
  // node-postgres and Node's sockets
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  // SQLite: the file is locked for too long, or cannot be opened
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
]);

const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection is not established',
  'terminating connection',
  'the database system is starting up',
  'the database system is shutting down',
];

function isUnavailableCode(code: string, message: unknown): boolean {
  if (UNAVAILABLE_CODES.has(code)) return true;
  if (!SQLSTATE.test(code)) return false;
  if (UNAVAILABLE_SQLSTATE_CLASSES.has(code.slice(0, 2)) || code === INVALID_CATALOG_NAME) return true;
  return (
    code === OBJECT_NOT_IN_PREREQUISITE_STATE &&
    typeof message === 'string' &&
    message.includes(NOT_ACCEPTING_CONNECTIONS)
  );
}

/** True when an error (a TypeORM error, a driver error, or one they wrap) means the database is unreachable. */
const RELEASED_RUNNER_ERRORS = new Set(['QueryRunnerAlreadyReleasedError', 'QueryRunnerProviderAlreadyReleasedError']);

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  // Duck-typed: socket errors come from Node's own realm, where `instanceof Error` may not hold.
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  const code = (error as { code?: unknown }).code;
  const message = (error as { message?: unknown }).message;
  if (typeof code === 'string' && isUnavailableCode(code, message)) return true;
  // TypeORM releases a PostgreSQL query runner whose connection died; the transaction's next statement then
  // fails with one of these errors (from the query runner, or from the entity manager bound to it) instead of the
  // connection's own.
  if (RELEASED_RUNNER_ERRORS.has(String((error as { name?: unknown }).name))) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((text) => message.includes(text))) return true;
  const nested = [(error as { driverError?: unknown }).driverError, (error as { cause?: unknown }).cause];
  const errors = (error as { errors?: unknown }).errors; // AggregateError from a dual-stack connect
  if (Array.isArray(errors)) nested.push(...errors);
  return nested.some((inner) => inner !== undefined && isDatabaseUnavailable(inner, depth + 1));
}

interface PgClientEvents {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

interface PgPoolEvents {
  on(event: 'acquire', listener: (client: PgClientEvents) => void): unknown;
}

const ignoreLostSession = (): void => undefined;

/**
 * Keeps a lost PostgreSQL session from ending the process. node-postgres reports it as an `error` event on the
 * client, and an `error` event without a listener is thrown. pg-pool removes its own listener when it hands a
 * client out, and TypeORM adds one only a promise callback later: a session ended in the packet that completes
 * its startup or its previous query (`pg_terminate_backend`, a dropped database) crashed the server. Every client
 * gets a listener of its own when first handed out (clients opened before this call included); the failure still
 * reaches the query in flight (a 503) and the pool drops the client.
 */
export function survivePostgresConnectionLoss(dataSource: DataSource): DataSource {
  if (dataSource.options.type !== 'postgres') return dataSource;
  const pool = (dataSource.driver as unknown as { master: PgPoolEvents }).master;
  const guarded = new WeakSet<PgClientEvents>();
  pool.on('acquire', (client) => {
    if (guarded.has(client)) return;
    guarded.add(client);
    client.on('error', ignoreLostSession);
  });
  return dataSource;
}
