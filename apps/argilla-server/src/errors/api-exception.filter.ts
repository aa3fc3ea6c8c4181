import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { isDatabaseUnavailable } from '@argilla/database';
import { envelope } from './api-errors';

/** body-parser marks its errors with `type` and `status`; they are the client's fault, never a 500. */
interface BodyParserError extends Error {
  type: string;
  status: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    error instanceof Error &&
    typeof (error as Partial<BodyParserError>).type === 'string' &&
    typeof (error as Partial<BodyParserError>).status === 'number'
  );
}

/** Writes every error as Argilla's envelope; nothing internal (stack, SQL) ever reaches the client. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.translate(error);
    if (status >= 500 && status !== HttpStatus.SERVICE_UNAVAILABLE) {
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    response.status(status).json(body);
  }

  private translate(error: unknown): { status: number; body: unknown } {
    if (isDatabaseUnavailable(error)) {
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        body: envelope('ServiceUnavailableError', { detail: 'Database unavailable' }),
      };
    }
    if (isBodyParserError(error)) {
      const tooLarge = error.type === 'entity.too.large';
      return {
        status: error.status,
        body: envelope(tooLarge ? 'PayloadTooLargeError' : 'BadRequestError', {
          detail: tooLarge ? 'Request body is too large' : 'Request body is not valid',
        }),
      };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      if (status === HttpStatus.NOT_FOUND) return { status, body: { detail: 'Not Found' } };
      if (status === HttpStatus.METHOD_NOT_ALLOWED) return { status, body: { detail: 'Method Not Allowed' } };
      return { status, body: envelope(error.name.replace(/Exception$/, 'Error'), { detail: error.message }) };
    }
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: envelope('GenericServerError', {
        type: typeof error === 'object' && error !== null ? error.constructor.name : typeof error,
        message: 'Internal server error',
      }),
    };
  }
}
