import { ForbiddenOperationError } from '@argilla/common';
import { User } from '@argilla/database';

/** Who may do what: checked after authentication and validation, before any lookup. */
export function requireAdmin(user: User): void {
  if (user.role !== 'admin') throw new ForbiddenOperationError();
}

export function isAdmin(user: User): boolean {
  return user.role === 'admin';
}
