import { formatTimestamp } from '@argilla/common';
import { PersonalAccessToken, TokenScope } from '@argilla/database';

/** A personal access token as the API shows it: never the secret (but on creation) nor its hash. */
export interface AccessTokenResponse {
  id: string;
  name: string;
  scope: TokenScope;
  /** The start of the secret, to tell tokens apart. */
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

export function toAccessTokenResponse(token: PersonalAccessToken): AccessTokenResponse {
  return {
    id: token.id,
    name: token.name,
    scope: token.scope,
    prefix: token.prefix,
    created_at: formatTimestamp(token.createdAt),
    expires_at: token.expiresAt === null ? null : formatTimestamp(token.expiresAt),
    last_used_at: token.lastUsedAt === null ? null : formatTimestamp(token.lastUsedAt),
  };
}
