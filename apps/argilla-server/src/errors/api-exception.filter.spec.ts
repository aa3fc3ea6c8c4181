import type { ArgumentsHost } from '@nestjs/common';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { EntityAlreadyExistsError } from '@argilla/common';
import { ApiExceptionFilter } from './api-exception.filter';

function postgresError(code: string, message: string, severity = 'ERROR'): DatabaseError {
  return Object.assign(new DatabaseError(message, message.length, 'error'), { code, severity });
}

/** What the filter writes for `error`: status and body. */
function answer(error: unknown): { status: number; body: unknown } {
  const written = { status: 0, body: undefined as unknown };
  const response = {
    setHeader: () => undefined,
    status(status: number) {
      written.status = status;
      return this;
    },
    json(body: unknown) {
      written.body = body;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  const filter = new ApiExceptionFilter();
  (filter as unknown as { logger: { error: () => void } }).logger = { error: () => undefined };
  filter.catch(error, host);
  return written;
}

const UNAVAILABLE = {
  status: 503,
  body: { detail: { code: 'argilla.api.errors::ServiceUnavailableError', params: { detail: 'Database unavailable' } } },
};

describe('ApiExceptionFilter and the database', () => {
  it.each([
    ['3D000 database dropped', postgresError('3D000', 'database "argilla" does not exist', 'FATAL')],
    [
      '55000 not accepting connections',
      postgresError('55000', 'database "argilla" is not currently accepting connections', 'FATAL'),
    ],
    [
      '28P01 authentication failed',
      postgresError('28P01', 'password authentication failed for user "argilla"', 'FATAL'),
    ],
    ['53300 too many connections', postgresError('53300', 'too many connections for database "argilla"', 'FATAL')],
    [
      '57P01 administrator shutdown',
      new QueryFailedError(
        'SELECT 1',
        [],
        postgresError('57P01', 'terminating connection due to administrator command', 'FATAL'),
      ),
    ],
  ])('answers %s with 503', (_name, error) => {
    expect(answer(error)).toEqual(UNAVAILABLE);
  });

  it('keeps an error of the query a 500', () => {
    const error = new QueryFailedError('SELECT', [], postgresError('42P01', 'relation "users" does not exist'));
    expect(answer(error)).toEqual({
      status: 500,
      body: {
        detail: {
          code: 'argilla.api.errors::GenericServerError',
          params: { type: 'QueryFailedError', message: 'Internal server error' },
        },
      },
    });
  });

  it('keeps a name already taken a 409', () => {
    expect(answer(new EntityAlreadyExistsError('ada', 'User', 'username'))).toEqual({
      status: 409,
      body: { detail: { code: 'argilla.api.errors::EntityAlreadyExistsError', params: { name: 'ada', type: 'User' } } },
    });
  });
});
