import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { User } from '@argilla/database';
import type { AuthenticatedBy } from '@argilla/auth';
import type { UserWithWorkspaces } from '@argilla/users';

export interface AuthenticatedRequest extends Request {
  user?: User;
  /** The user with its workspaces, as authentication read them. */
  principal?: UserWithWorkspaces;
  /** How the caller proved who it is: its API key or a personal access token (`X-Argilla-Api-Key`), or a bearer JWT. */
  authenticatedBy?: AuthenticatedBy;
  /** The session of a bearer JWT (none for an API key, a personal access token or a JWT of an earlier release). */
  sessionId?: string;
}

export type { AuthenticatedBy };

/** The authenticated caller. Fails loudly when no guard authenticated the request (a public route asking for it). */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): User => {
  const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new Error('CurrentUser used on a route the authentication guard did not authenticate');
  return user;
});

/** The caller with its workspaces (read with the credentials, so `GET /api/me` needs no second query). */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): UserWithWorkspaces => {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (!principal) throw new Error('CurrentPrincipal used on a route the authentication guard did not authenticate');
    return principal;
  },
);

/**
 * How the caller authenticated: `'api_key'` or `'access_token'` (`X-Argilla-Api-Key`), or `'token'`
 * (`Authorization: Bearer <JWT>`).
 */
export const CurrentAuthentication = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedBy => {
    const by = context.switchToHttp().getRequest<AuthenticatedRequest>().authenticatedBy;
    if (!by) throw new Error('CurrentAuthentication used on a route the authentication guard did not authenticate');
    return by;
  },
);

/** The session the request is made with, if any (a bearer JWT from a login). */
export const CurrentSession = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string | undefined =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().sessionId,
);
