import { formatTimestamp } from '@argilla/common';
import { User } from '@argilla/database';

/** A user and the names of its workspaces (membership order). */
export interface UserWithWorkspaces {
  user: User;
  workspaces: string[];
}

/**
 * Argilla 1.8's User shape. `last_name` is omitted when null. `api_key` is null in answers to a request made with a
 * personal access token: a token must not be a way to read the lasting key it is meant to stand in for.
 */
export interface UserResponse {
  id: string;
  first_name: string;
  last_name?: string;
  full_name: string;
  username: string;
  role: string;
  workspaces: string[];
  api_key: string | null;
  inserted_at: string;
  updated_at: string;
}

/** Whether answers to a request show API keys: not to one made with a personal access token. */
export interface ResponseAudience {
  apiKeys: boolean;
}

export const SHOW_API_KEYS: ResponseAudience = { apiKeys: true };
export const HIDE_API_KEYS: ResponseAudience = { apiKeys: false };

export function toUserResponse(
  { user, workspaces }: UserWithWorkspaces,
  audience: ResponseAudience = SHOW_API_KEYS,
): UserResponse {
  return {
    id: user.id,
    first_name: user.firstName,
    ...(user.lastName !== null ? { last_name: user.lastName } : {}),
    full_name: user.lastName !== null ? `${user.firstName} ${user.lastName}` : user.firstName,
    username: user.username,
    role: user.role,
    workspaces,
    api_key: audience.apiKeys ? user.apiKey : null,
    inserted_at: formatTimestamp(user.insertedAt),
    updated_at: formatTimestamp(user.updatedAt),
  };
}
