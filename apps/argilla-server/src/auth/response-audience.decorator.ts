import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { HIDE_API_KEYS, ResponseAudience, SHOW_API_KEYS } from '@argilla/users';
import { AuthenticatedRequest } from './current-user.decorator';

/**
 * Whether the answer may show API keys: not to a request made with a personal access token, which must not be a way
 * to read the lasting key it stands in for (API keys and a login's JWT see them, as Argilla's clients expect).
 */
export const Audience = createParamDecorator((_data: unknown, context: ExecutionContext): ResponseAudience =>
  context.switchToHttp().getRequest<AuthenticatedRequest>().authenticatedBy === 'access_token'
    ? HIDE_API_KEYS
    : SHOW_API_KEYS,
);
