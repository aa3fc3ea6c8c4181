import { ForbiddenOperationError } from '@argilla/common';
import { hasAdminRights, User } from '@argilla/database';

/**
 * Who may do what: checked after authentication and validation, before any lookup. "Admin" means a user with
 * admin rights: role `admin` (Argilla 1.8's) or `owner` (Argilla 1.11's name for it).
 */
export function requireAdmin(user: User): void {
  if (!hasAdminRights(user.role)) throw new ForbiddenOperationError();
}

export function isAdmin(user: User): boolean {
  return hasAdminRights(user.role);
}
