import { QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { DatabaseUnavailableError, isDatabaseUnavailable } from './database-unavailable';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('isDatabaseUnavailable', () => {
  it.each([
    withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
    withCode('terminating connection due to administrator command', '57P01'),
    new Error('Connection terminated unexpectedly'),
    new QueryFailedError('SELECT 1', [], withCode('the database system is shutting down', '57P03')),
    new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], ''),
    new DatabaseUnavailableError(),
    new QueryRunnerAlreadyReleasedError(),
  ])('recognises %p', (error) => {
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
});
