import { applyDecorators } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { ErrorEnvelopeDto } from './responses';

export const ApiValidationError = (): MethodDecorator =>
  ApiUnprocessableEntityResponse({
    description: 'Invalid request (each failing field listed)',
    type: ErrorEnvelopeDto,
  });

export const ApiNotFound = (what: string): MethodDecorator =>
  ApiNotFoundResponse({ description: `${what} not found`, type: ErrorEnvelopeDto });

export const ApiConflict = (what: string): MethodDecorator =>
  ApiConflictResponse({ description: `${what} already exists`, type: ErrorEnvelopeDto });

/** Every route taking a path id answers 422 on an id that is not a UUID. */
export const ApiIdRoute = (...notFound: string[]): MethodDecorator =>
  applyDecorators(ApiValidationError(), ...(notFound.length ? [ApiNotFound(notFound.join(' or '))] : []));
