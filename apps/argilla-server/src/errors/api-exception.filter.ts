import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '@argilla/common';
import { isDatabaseUnavailable } from '@argilla/database';
import { envelope } from './api-errors';
import { PlainHttpError } from './plain-http.error';

/** body-parser marks its errors with `type` and `status`; they are the client's fault, never a 500. */
interface BodyParserError {
  type: string;
  status: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as Partial<BodyParserError>).type === 'string' &&
    typeof (error as Partial<BodyParserError>).status === 'number'
  );
}

const INVALID_BODY = envelope('ValidationError', {
  model: 'Request',
  errors: [{ loc: ['body'], msg: 'request body is not valid JSON or form data', type: 'value_error.jsondecode' }],
});

/** Writes every error as Argilla's envelope; nothing internal (stack, SQL) ever reaches the client. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body, headers } = this.translate(error);
    for (const [name, value] of Object.entries(headers ?? {})) response.setHeader(name, value);
    if (status === HttpStatus.INTERNAL_SERVER_ERROR) {
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    if (status === HttpStatus.UNAUTHORIZED) response.setHeader('WWW-Authenticate', 'Bearer');
    response.status(status).json(body);
  }

  private translate(error: unknown): { status: number; body: unknown; headers?: Record<string, string> } {
    if (error instanceof DomainError) {
      return { status: error.status, body: envelope(error.code, error.params), headers: error.headers };
    }
    if (error instanceof PlainHttpError) return { status: error.status, body: { detail: error.message } };
    if (isDatabaseUnavailable(error)) {
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        body: envelope('ServiceUnavailableError', { detail: 'Database unavailable' }),
      };
    }
    if (isBodyParserError(error) && error.status === HttpStatus.PAYLOAD_TOO_LARGE) {
      return {
        status: HttpStatus.PAYLOAD_TOO_LARGE,
        body: envelope('PayloadTooLargeError', { detail: 'Request body is too large' }),
      };
    }
    if (isBodyParserError(error) && error.status < 500) {
      return { status: HttpStatus.UNPROCESSABLE_ENTITY, body: INVALID_BODY };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      // Nest reports a body that does not parse as a 400; Argilla (FastAPI) answers it as a 422.
      if (status === HttpStatus.BAD_REQUEST) return { status: HttpStatus.UNPROCESSABLE_ENTITY, body: INVALID_BODY };
      if (status === HttpStatus.NOT_FOUND) return { status, body: { detail: 'Not Found' } };
      if (status === HttpStatus.METHOD_NOT_ALLOWED) return { status, body: { detail: 'Method Not Allowed' } };
      if (status === HttpStatus.PAYLOAD_TOO_LARGE) {
        return { status, body: envelope('PayloadTooLargeError', { detail: 'Request body is too large' }) };
      }
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
