import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthService } from '@argilla/auth';
import { ForbiddenOperationError, UnauthorizedError } from '@argilla/common';
import { currentAuditOrigin } from '@argilla/database';
import { isAccessTokenSecret } from '@argilla/users';
import { ACCESS_METADATA, AccessLevel } from './access.decorator';
import { AuthenticatedRequest } from './current-user.decorator';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** What a personal access token of scope `read` may do. */
const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * Authenticates every route not marked `@Access('public')`. `X-Argilla-Api-Key` decides alone when present
 * (the Argilla client also sends the key as a Bearer value); otherwise `Authorization: Bearer <JWT>`.
 * A personal access token goes in `X-Argilla-Api-Key` too, recognised by its prefix (an API key never has it, so
 * API keys take the old path untouched); a `read` one is refused (403) on any method but GET and HEAD, before the
 * request's body is looked at. Credentials anywhere else (query string, cookies) are ignored.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const level = this.reflector.getAllAndOverride<AccessLevel | undefined>(ACCESS_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (level === 'public') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const apiKey = request.headers['x-argilla-api-key'];
    let principal;
    if (typeof apiKey === 'string' && isAccessTokenSecret(apiKey)) {
      const found = await this.auth.authenticateAccessToken(apiKey);
      if (found.scope === 'read' && !READ_METHODS.has(request.method)) throw new ForbiddenOperationError();
      principal = { user: found.user, workspaces: found.workspaces };
      request.authenticatedBy = 'access_token';
    } else if (apiKey !== undefined) {
      principal = await this.auth.authenticateApiKey(Array.isArray(apiKey) ? '' : apiKey);
      request.authenticatedBy = 'api_key';
    } else {
      const bearer = BEARER.exec(request.headers.authorization ?? '');
      if (!bearer) throw new UnauthorizedError();
      const { sessionId, ...withWorkspaces } = await this.auth.authenticateBearer(bearer[1]);
      principal = withWorkspaces;
      request.authenticatedBy = 'token';
      request.sessionId = sessionId;
    }
    request.principal = principal;
    request.user = principal.user;
    const origin = currentAuditOrigin();
    if (origin) origin.actor = { type: 'user', id: principal.user.id, name: principal.user.username };
    return true;
  }
}
