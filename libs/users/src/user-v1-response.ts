import { formatTimestamp } from '@argilla/common';
import { User } from '@argilla/database';

/**
 * The v1 user shape (as in later Argilla releases): no `full_name` or `workspaces`, `last_name` null when unset;
 * plus `disabled`.
 */
export interface UserV1Response {
  id: string;
  first_name: string;
  last_name: string | null;
  username: string;
  role: string;
  disabled: boolean;
  inserted_at: string;
  updated_at: string;
}

export function toUserV1Response(user: User): UserV1Response {
  return {
    id: user.id,
    first_name: user.firstName,
    last_name: user.lastName,
    username: user.username,
    role: user.role,
    disabled: user.disabled,
    inserted_at: formatTimestamp(user.insertedAt),
    updated_at: formatTimestamp(user.updatedAt),
  };
}
