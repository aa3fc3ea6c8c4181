import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityNotFoundError } from '@argilla/common';
import { AuditLog, Database, isForeignKeyViolation, User, UserSession } from '@argilla/database';
import { UserSessionsRepository, UserWithSession } from './user-sessions.repository';

/** `last_seen_at` is written at most this often per session: not a write per request. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;
/** A user keeps at most this many sessions: signing in once more ends the oldest. */
export const MAX_SESSIONS_PER_USER = 100;
/** The longest `User-Agent` kept. */
const MAX_USER_AGENT = 512;

/** Where a sign-in came from. */
export interface SessionOrigin {
  /** The client's address. */
  client?: string;
  userAgent?: string;
  /** The single sign-on provider; none for a password login. */
  provider?: string;
}

/**
 * Sessions: one per sign-in, created when its JWT is issued, checked on every request that presents the JWT (by the
 * `sid` claim), listed, and ended. Nothing is cached in the process: an ended session is refused by the next request
 * on every replica.
 */
@Injectable()
export class UserSessionsService {
  constructor(
    private readonly database: Database,
    private readonly repository: UserSessionsRepository,
    private readonly audit: AuditLog,
  ) {}

  /**
   * A new session of the user, lasting until `expiresAt` (its JWT's expiry); the user's oldest sessions past
   * MAX_SESSIONS_PER_USER end. Null when the user no longer exists (deleted meanwhile). The sign-in is recorded
   * (`login.succeeded`) in the transaction that writes the session.
   */
  async start(user: User, expiresAt: Date, origin: SessionOrigin): Promise<UserSession | null> {
    const userId = user.id;
    // The wall clock, to the millisecond: a session's times order nothing that the shared microsecond clock (`now`)
    // must keep in order.
    const at = new Date();
    const session = Object.assign(new UserSession(), {
      id: randomUUID(),
      userId,
      createdAt: at,
      lastSeenAt: at,
      expiresAt,
      client: origin.client ?? null,
      userAgent: origin.userAgent ? origin.userAgent.slice(0, MAX_USER_AGENT) : null,
      provider: origin.provider ?? null,
    });
    try {
      await this.database.transaction(async (manager) => {
        await manager.insert(UserSession, session);
        await this.audit.record(manager, {
          action: 'login.succeeded',
          actor: { type: 'user', id: user.id, name: user.username },
          target: { type: 'user', id: user.id, name: user.username },
          details: { session_id: session.id, provider: session.provider, user_agent: session.userAgent },
        });
      });
    } catch (error) {
      if (isForeignKeyViolation(error)) return null;
      throw error;
    }
    await this.repository.trimOfUser(userId, MAX_SESSIONS_PER_USER);
    return session;
  }

  /**
   * The user named by a JWT's `sub`, and whether the session `sessionId` of that user still exists: one prepared
   * query. `last_seen_at` is written when it is a minute old or more.
   */
  async check(username: string, sessionId: string): Promise<UserWithSession | null> {
    const found = await this.repository.findUserWithSession(username, sessionId);
    if (!found || found.sessionLastSeenAt === null) return found;
    const at = new Date();
    const cutoff = new Date(at.getTime() - LAST_SEEN_RESOLUTION_MS);
    if (found.sessionLastSeenAt.getTime() < cutoff.getTime()) {
      await this.repository.touchLastSeen(sessionId, at, cutoff);
    }
    return found;
  }

  /** The user's sessions, newest first. */
  page(userId: string, limit: number, offset: number): Promise<{ items: UserSession[]; total: number }> {
    return this.repository.page(userId, limit, offset);
  }

  list(userId: string): Promise<UserSession[]> {
    return this.repository.ofUser(userId);
  }

  /** Ends the user's session `sessionId` and returns it; 404 when the user has no such session. */
  async end(userId: string, sessionId: string): Promise<UserSession> {
    return this.database.transaction(async (manager) => {
      const session = await this.repository.findOne(userId, sessionId, manager);
      if (!session) throw new EntityNotFoundError(sessionId, 'UserSession');
      await this.repository.delete(session.id, manager);
      return session;
    });
  }

  /** Ends every session of the user; the sessions ended, newest first. */
  endAll(userId: string): Promise<UserSession[]> {
    return this.database.transaction((manager) => this.repository.deleteAllOfUser(userId, manager));
  }

  /** Deletes every expired session (the periodic sweep); how many. */
  purgeExpired(): Promise<number> {
    return this.repository.deleteExpired(new Date());
  }
}
