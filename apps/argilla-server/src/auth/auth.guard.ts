import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthService } from '@argilla/auth';
import { UnauthorizedError } from '@argilla/common';
import { ACCESS_METADATA, AccessLevel } from './access.decorator';
import { AuthenticatedRequest } from './current-user.decorator';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Authenticates every route not marked `@Access('public')`. `X-Argilla-Api-Key` decides alone when present
 * (the Argilla client also sends the key as a Bearer value); otherwise `Authorization: Bearer <JWT>`.
 * Credentials anywhere else (query string, cookies) are ignored.
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
    if (apiKey !== undefined) {
      principal = await this.auth.authenticateApiKey(Array.isArray(apiKey) ? '' : apiKey);
      request.authenticatedBy = 'api_key';
    } else {
      const bearer = BEARER.exec(request.headers.authorization ?? '');
      if (!bearer) throw new UnauthorizedError();
      principal = await this.auth.authenticateBearer(bearer[1]);
      request.authenticatedBy = 'token';
    }
    request.principal = principal;
    request.user = principal.user;
    return true;
  }
}
