import { Injectable } from '@nestjs/common';
import { EntityManager, Raw } from 'typeorm';
import { parseTimestamp, toStoredTimestamp } from '@argilla/common';
import { Database, toStoredId, UserSession } from '@argilla/database';
import { UserWithWorkspaces } from './user-response';
import { toUserWithWorkspaces, USER_COLUMNS, UserRow, workspacesColumn } from './users.repository';

interface SessionUserRow extends UserRow {
  session_last_seen_at: Date | string | null;
}

/** A bearer JWT's user, and whether its session still exists (with when it was last seen). */
export interface UserWithSession {
  principal: UserWithWorkspaces;
  /** Null when the session has ended (or belongs to another user). */
  sessionLastSeenAt: Date | null;
}

/**
 * Reads and writes of sessions. The bearer check reads the user, its workspaces and its session in one prepared
 * query (the session by primary key), so that a JWT with a session costs no extra round trip. The session is a
 * scalar subquery, not a LEFT JOIN: on SQLite the join made the statement three times as slow (42 against 13 µs,
 * same plan of two index lookups), which took 40% off the bearer JWT path.
 */
@Injectable()
export class UserSessionsRepository {
  private readonly byUsernameAndSession;
  private readonly touch;
  private readonly trim;

  constructor(private readonly database: Database) {
    this.byUsernameAndSession = database.prepared<SessionUserRow>(
      'argilla_user_by_username_with_session',
      `SELECT ${USER_COLUMNS}, ${workspacesColumn(database.engine)},
         (SELECT s.last_seen_at FROM user_sessions s WHERE s.id = $1 AND s.user_id = u.id) AS session_last_seen_at
       FROM users u WHERE u.username = $2`,
    );
    // Only when the stored time is older than the cutoff: replicas racing on one session write it once.
    this.touch = database.prepared<{ id: string }>(
      'argilla_user_session_touch',
      'UPDATE user_sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $3 RETURNING id',
    );
    // SQLite wants a LIMIT before an OFFSET; -1 is none.
    this.trim = database.prepared<{ id: string }>(
      'argilla_user_sessions_trim',
      `DELETE FROM user_sessions WHERE id IN (SELECT id FROM user_sessions WHERE user_id = $1
         ORDER BY created_at DESC, id DESC ${database.engine === 'postgres' ? 'OFFSET $2' : 'LIMIT -1 OFFSET $2'})
       RETURNING id`,
    );
  }

  async findUserWithSession(username: string, sessionId: string): Promise<UserWithSession | null> {
    if (username.includes('\u0000')) return null;
    const [row] = await this.byUsernameAndSession([toStoredId(sessionId), username]);
    if (!row) return null;
    return {
      principal: toUserWithWorkspaces(row),
      sessionLastSeenAt: row.session_last_seen_at === null ? null : parseTimestamp(row.session_last_seen_at),
    };
  }

  /** Sets `last_seen_at` to `at` unless it is already `cutoff` or later. */
  async touchLastSeen(sessionId: string, at: Date, cutoff: Date): Promise<void> {
    await this.touch([toStoredTimestamp(at), toStoredId(sessionId), toStoredTimestamp(cutoff)]);
  }

  /** Deletes the user's sessions but the `keep` most recent; how many. */
  async trimOfUser(userId: string, keep: number): Promise<number> {
    return (await this.trim([toStoredId(userId), keep])).length;
  }

  async page(userId: string, limit: number, offset: number): Promise<{ items: UserSession[]; total: number }> {
    const [items, total] = await (
      await this.manager()
    ).findAndCount(UserSession, {
      where: { userId },
      order: { createdAt: 'DESC', id: 'ASC' },
      skip: offset,
      take: limit,
    });
    return { items, total };
  }

  async ofUser(userId: string): Promise<UserSession[]> {
    return (await this.manager()).find(UserSession, { where: { userId }, order: { createdAt: 'DESC', id: 'ASC' } });
  }

  async findOne(userId: string, id: string, manager: EntityManager): Promise<UserSession | null> {
    return manager.findOneBy(UserSession, { userId, id });
  }

  async delete(id: string, manager: EntityManager): Promise<void> {
    await manager.delete(UserSession, { id });
  }

  /** Ends every session of the user; the sessions ended. */
  async deleteAllOfUser(userId: string, manager: EntityManager): Promise<UserSession[]> {
    const sessions = await manager.find(UserSession, {
      where: { userId },
      order: { createdAt: 'DESC', id: 'ASC' },
      lock: this.database.engine === 'postgres' ? { mode: 'pessimistic_write' } : undefined,
    });
    if (sessions.length > 0) await manager.delete(UserSession, { userId });
    return sessions;
  }

  /** Deletes the sessions expired at `at`; how many. */
  async deleteExpired(at: Date): Promise<number> {
    const result = await (
      await this.manager()
    ).delete(UserSession, {
      expiresAt: Raw((column) => `${column} <= :at`, { at: toStoredTimestamp(at) }),
    });
    return result.affected ?? 0;
  }

  private async manager(): Promise<EntityManager> {
    return (await this.database.dataSource()).manager;
  }
}
