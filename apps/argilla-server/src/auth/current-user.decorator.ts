import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { User } from '@argilla/database';

export interface AuthenticatedRequest extends Request {
  user?: User;
}

/** The authenticated caller. Fails loudly when no guard authenticated the request (a public route asking for it). */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): User => {
  const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new Error('CurrentUser used on a route the authentication guard did not authenticate');
  return user;
});
