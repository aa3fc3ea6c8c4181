import { formatTimestamp } from '@argilla/common';
import { User } from '@argilla/database';

/** A user and the names of its workspaces (membership order). */
export interface UserWithWorkspaces {
  user: User;
  workspaces: string[];
}

/** Argilla 1.8's User shape. `last_name` is omitted when null. */
export interface UserResponse {
  id: string;
  first_name: string;
  last_name?: string;
  full_name: string;
  username: string;
  role: string;
  workspaces: string[];
  api_key: string;
  inserted_at: string;
  updated_at: string;
}

export function toUserResponse({ user, workspaces }: UserWithWorkspaces): UserResponse {
  return {
    id: user.id,
    first_name: user.firstName,
    ...(user.lastName !== null ? { last_name: user.lastName } : {}),
    full_name: user.lastName !== null ? `${user.firstName} ${user.lastName}` : user.firstName,
    username: user.username,
    role: user.role,
    workspaces,
    api_key: user.apiKey,
    inserted_at: formatTimestamp(user.insertedAt),
    updated_at: formatTimestamp(user.updatedAt),
  };
}
