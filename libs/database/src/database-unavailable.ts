/** The database cannot be reached right now; the API answers 503 and recovers once it is back. */
export class DatabaseUnavailableError extends Error {
  constructor(override readonly cause?: unknown) {
    super('Database unavailable');
    this.name = 'DatabaseUnavailableError';
  }
}

const UNAVAILABLE_CODES = new Set([
  // node-postgres and Node's sockets
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  // PostgreSQL: connection exceptions (class 08) and operator intervention (class 57)
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
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

/** True when an error (a TypeORM error, a driver error, or one they wrap) means the database is unreachable. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  // Duck-typed: socket errors come from Node's own realm, where `instanceof Error` may not hold.
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  // TypeORM releases a PostgreSQL query runner whose connection died; the transaction's next statement then
  // fails with this error instead of the connection's own.
  if ((error as { name?: unknown }).name === 'QueryRunnerAlreadyReleasedError') return true;
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((text) => message.includes(text))) return true;
  const nested = [(error as { driverError?: unknown }).driverError, (error as { cause?: unknown }).cause];
  const errors = (error as { errors?: unknown }).errors; // AggregateError from a dual-stack connect
  if (Array.isArray(errors)) nested.push(...errors);
  return nested.some((inner) => inner !== undefined && isDatabaseUnavailable(inner, depth + 1));
}
