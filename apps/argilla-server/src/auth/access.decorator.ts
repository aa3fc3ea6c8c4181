import { applyDecorators, SetMetadata } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../swagger';
import { ErrorEnvelopeDto } from '../docs/responses';

export const ACCESS_METADATA = 'argilla:access';

/** Who may call a route: anyone, any authenticated user, or admins only (role `admin` or `owner`). */
export type AccessLevel = 'public' | 'user' | 'admin';

/**
 * States a route's policy in one place: the guard reads it (public routes skip authentication) and Swagger
 * shows the security schemes and the 401/403 answers. Admin-only routes also call `requireAdmin` in the handler,
 * after validation, so that a 422 comes before a 403 (Argilla's order of checks).
 */
export function Access(level: AccessLevel): MethodDecorator & ClassDecorator {
  if (level === 'public') return SetMetadata(ACCESS_METADATA, level);
  const decorators = [
    SetMetadata(ACCESS_METADATA, level),
    ApiSecurity(API_KEY_SCHEME),
    ApiBearerAuth(BEARER_SCHEME),
    ApiUnauthorizedResponse({ description: 'Missing or invalid credentials', type: ErrorEnvelopeDto }),
    ApiServiceUnavailableResponse({ description: 'The database cannot be reached', type: ErrorEnvelopeDto }),
  ];
  if (level === 'admin') {
    decorators.push(
      ApiForbiddenResponse({ description: 'The caller is neither an admin nor an owner', type: ErrorEnvelopeDto }),
    );
  }
  return applyDecorators(...decorators);
}
