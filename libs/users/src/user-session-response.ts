import { formatTimestamp } from '@argilla/common';
import { UserSession } from '@argilla/database';

/** A session as the API shows it. */
export interface UserSessionResponse {
  id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  client: string | null;
  user_agent: string | null;
  /** The single sign-on provider signed in through; null for a password login. */
  provider: string | null;
  /** Whether the request asking is made with this session. */
  current: boolean;
}

export function toUserSessionResponse(session: UserSession, currentSessionId?: string): UserSessionResponse {
  return {
    id: session.id,
    created_at: formatTimestamp(session.createdAt),
    last_seen_at: formatTimestamp(session.lastSeenAt),
    expires_at: formatTimestamp(session.expiresAt),
    client: session.client,
    user_agent: session.userAgent,
    provider: session.provider,
    current: session.id === currentSessionId,
  };
}
