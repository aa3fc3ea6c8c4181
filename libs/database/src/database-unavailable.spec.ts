import { EventEmitter } from 'node:events';
import { DatabaseError } from 'pg';
import {
  DataSource,
  QueryFailedError,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';
import { DatabaseUnavailableError, isDatabaseUnavailable, survivePostgresConnectionLoss } from './database-unavailable';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** An error as node-postgres builds it from PostgreSQL's ErrorResponse (fields as PostgreSQL 15 sends them). */
function postgresError(code: string, message: string, severity = 'ERROR', routine?: string): DatabaseError {
  return Object.assign(new DatabaseError(message, message.length, 'error'), { code, severity, routine });
}

const failedQuery = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

describe('isDatabaseUnavailable', () => {
  it.each([
    withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
    withCode('terminating connection due to administrator command', '57P01'),
    new Error('Connection terminated unexpectedly'),
    new QueryFailedError('SELECT 1', [], withCode('the database system is shutting down', '57P03')),
    new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], ''),
    new DatabaseUnavailableError(),
    new QueryRunnerAlreadyReleasedError(),
    new QueryRunnerProviderAlreadyReleasedError(),
    withCode('database is locked', 'SQLITE_BUSY'),
    withCode('unable to open database file', 'SQLITE_CANTOPEN'),
  ])('recognises %p', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  // What PostgreSQL 15 answers when a session cannot start or is ended under the server.
  it.each([
    ['08006 connection failure', postgresError('08006', 'connection failure', 'FATAL')],
    ['08001 cannot establish a connection', postgresError('08001', 'could not connect to server', 'FATAL')],
    ['08P01 protocol violation', postgresError('08P01', 'invalid frontend message type 0', 'FATAL')],
    [
      '28000 role may not log in (ALTER ROLE … NOLOGIN)',
      postgresError('28000', 'role "argilla" is not permitted to log in', 'FATAL', 'InitializeSessionUserId'),
    ],
    [
      '28000 role does not exist',
      postgresError('28000', 'role "argilla" does not exist', 'FATAL', 'InitializeSessionUserId'),
    ],
    [
      '28P01 wrong password',
      postgresError('28P01', 'password authentication failed for user "argilla"', 'FATAL', 'auth_failed'),
    ],
    [
      '53300 database connection limit',
      postgresError('53300', 'too many connections for database "argilla"', 'FATAL', 'CheckMyDatabase'),
    ],
    [
      '53300 role connection limit',
      postgresError('53300', 'too many connections for role "argilla"', 'FATAL', 'InitializeSessionUserId'),
    ],
    ['53300 max_connections', postgresError('53300', 'sorry, too many clients already', 'FATAL')],
    ['53100 disk full', postgresError('53100', 'could not extend file "base/16384/16385": No space left on device')],
    ['53200 out of memory', postgresError('53200', 'out of memory')],
    [
      '57P01 admin shutdown (pg_terminate_backend)',
      postgresError('57P01', 'terminating connection due to administrator command', 'FATAL', 'ProcessInterrupts'),
    ],
    [
      '57P02 crash shutdown',
      postgresError('57P02', 'terminating connection because of crash of another server process', 'WARNING'),
    ],
    [
      '57P03 cannot connect now',
      postgresError('57P03', 'the database system is not yet accepting connections', 'FATAL'),
    ],
    ['57P04 database dropped', postgresError('57P04', 'database dropped', 'FATAL')],
    [
      '3D000 database dropped under the server',
      postgresError('3D000', 'database "argilla" does not exist', 'FATAL', 'InitPostgres'),
    ],
    [
      '55000 ALLOW_CONNECTIONS false',
      postgresError('55000', 'database "argilla" is not currently accepting connections', 'FATAL', 'CheckMyDatabase'),
    ],
    [
      '3D000 wrapped by TypeORM',
      failedQuery(postgresError('3D000', 'database "argilla" does not exist', 'FATAL', 'InitPostgres')),
    ],
    [
      '28P01 inside an AggregateError',
      new AggregateError([postgresError('28P01', 'password authentication failed for user "argilla"', 'FATAL')], ''),
    ],
  ])('recognises PostgreSQL %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    withCode('duplicate key value violates unique constraint', '23505'),
    new QueryFailedError(
      'INSERT',
      [],
      withCode('UNIQUE constraint failed: users.username', 'SQLITE_CONSTRAINT_UNIQUE'),
    ),
    new TypeError('x is undefined'),
    'a string',
  ])('does not mistake %p for an outage', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  // Errors of one query: the request or the code is at fault, not the database's availability (409 or 500).
  it.each([
    ['23505 unique violation', postgresError('23505', 'duplicate key value violates unique constraint "users_pkey"')],
    ['23503 foreign key violation', postgresError('23503', 'insert or update on table "workspaces_users" violates')],
    ['23502 not null violation', postgresError('23502', 'null value in column "username" violates not-null')],
    ['22012 division by zero', postgresError('22012', 'division by zero')],
    ['22P02 invalid input', postgresError('22P02', 'invalid input syntax for type uuid: "x"')],
    ['42P01 undefined table', postgresError('42P01', 'relation "users" does not exist')],
    ['42601 syntax error', postgresError('42601', 'syntax error at or near "SELEC"')],
    ['42703 undefined column', postgresError('42703', 'column "api_key" does not exist')],
    ['42501 insufficient privilege', postgresError('42501', 'permission denied for table users')],
    ['40001 serialization failure', postgresError('40001', 'could not serialize access due to concurrent update')],
    ['40P01 deadlock', postgresError('40P01', 'deadlock detected')],
    ['55P03 lock not available', postgresError('55P03', 'could not obtain lock on row in relation "users"')],
    [
      '55000 with another message',
      postgresError('55000', 'currval of sequence "users_id_seq" is not yet defined in this session'),
    ],
    ['23505 wrapped by TypeORM', failedQuery(postgresError('23505', 'duplicate key value violates unique constraint'))],
    ['a code that is not a SQLSTATE', withCode('bad header', 'ERR_INVALID_HTTP_TOKEN')],
  ])('keeps PostgreSQL %s an ordinary error', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('survivePostgresConnectionLoss', () => {
  function fakeDataSource(type: string, pool: EventEmitter): DataSource {
    return { options: { type }, driver: { master: pool } } as unknown as DataSource;
  }

  it('gives every client an error listener when first handed out, so a lost session is not thrown', () => {
    const pool = new EventEmitter();
    const dataSource = fakeDataSource('postgres', pool);
    expect(survivePostgresConnectionLoss(dataSource)).toBe(dataSource);
    const client = new EventEmitter();
    pool.emit('acquire', client);
    pool.emit('acquire', client);
    expect(client.listenerCount('error')).toBe(1);
    expect(() =>
      client.emit('error', postgresError('57P01', 'terminating connection due to administrator command', 'FATAL')),
    ).not.toThrow();
  });

  it('leaves SQLite alone', () => {
    const dataSource = { options: { type: 'better-sqlite3' } } as unknown as DataSource;
    expect(survivePostgresConnectionLoss(dataSource)).toBe(dataSource);
  });
});
