import { Injectable } from '@nestjs/common';
import { EntityManager, Raw } from 'typeorm';
import { parseTimestamp, toStoredTimestamp } from '@argilla/common';
import { Database, PersonalAccessToken, TokenScope } from '@argilla/database';
import { UserWithWorkspaces } from './user-response';
import { toUserWithWorkspaces, USER_COLUMNS, UserRow, workspacesColumn } from './users.repository';

interface TokenUserRow extends UserRow {
  token_id: string;
  token_scope: TokenScope;
  token_created_at: Date | string;
  token_expires_at: Date | string | null;
  token_last_used_at: Date | string | null;
}

/** What authentication needs of a token: the token's own fields, as stored, and its user with its workspaces. */
export interface TokenWithUser {
  /** The id as stored (what the writes below take). */
  storedId: string;
  scope: TokenScope;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  principal: UserWithWorkspaces;
}

/**
 * Reads and writes of personal access tokens. The authentication lookup is one prepared query by indexed equality
 * of the secret's hash, bringing the user and its workspaces along (as the API-key lookup does).
 */
@Injectable()
export class PersonalAccessTokensRepository {
  private readonly byHash;
  private readonly touch;
  private readonly deleteStored;

  constructor(private readonly database: Database) {
    this.byHash = database.prepared<TokenUserRow>(
      'argilla_access_token_by_hash',
      `SELECT t.id AS token_id, t.scope AS token_scope, t.created_at AS token_created_at, t.expires_at AS token_expires_at,
         t.last_used_at AS token_last_used_at, ${USER_COLUMNS}, ${workspacesColumn(database.engine)}
       FROM personal_access_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`,
    );
    // Only when the stored time is older than the cutoff: replicas racing on one token write it once.
    this.touch = database.prepared<{ id: string }>(
      'argilla_access_token_touch',
      `UPDATE personal_access_tokens SET last_used_at = $1
       WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3) RETURNING id`,
    );
    this.deleteStored = database.prepared<{ id: string }>(
      'argilla_access_token_delete',
      'DELETE FROM personal_access_tokens WHERE id = $1 RETURNING id',
    );
  }

  async findByHash(tokenHash: string): Promise<TokenWithUser | null> {
    const [row] = await this.byHash([tokenHash]);
    if (!row) return null;
    return {
      storedId: row.token_id,
      scope: row.token_scope,
      createdAt: parseTimestamp(row.token_created_at),
      expiresAt: row.token_expires_at === null ? null : parseTimestamp(row.token_expires_at),
      lastUsedAt: row.token_last_used_at === null ? null : parseTimestamp(row.token_last_used_at),
      principal: toUserWithWorkspaces(row),
    };
  }

  /** Sets `last_used_at` to `at` unless it is already `cutoff` or later. */
  async touchLastUsed(storedId: string, at: Date, cutoff: Date): Promise<void> {
    await this.touch([toStoredTimestamp(at), storedId, toStoredTimestamp(cutoff)]);
  }

  async deleteByStoredId(storedId: string): Promise<void> {
    await this.deleteStored([storedId]);
  }

  /** The user's tokens, oldest first (ties broken by name). */
  async ofUser(userId: string, manager?: EntityManager): Promise<PersonalAccessToken[]> {
    return (manager ?? (await this.manager())).find(PersonalAccessToken, {
      where: { userId },
      order: { createdAt: 'ASC', name: 'ASC' },
    });
  }

  async page(userId: string, limit: number, offset: number): Promise<{ items: PersonalAccessToken[]; total: number }> {
    const [items, total] = await (
      await this.manager()
    ).findAndCount(PersonalAccessToken, {
      where: { userId },
      order: { createdAt: 'ASC', name: 'ASC' },
      skip: offset,
      take: limit,
    });
    return { items, total };
  }

  async existsByName(userId: string, name: string, manager: EntityManager): Promise<boolean> {
    return manager.existsBy(PersonalAccessToken, { userId, name });
  }

  async insert(token: PersonalAccessToken, manager: EntityManager): Promise<void> {
    await manager.insert(PersonalAccessToken, token);
  }

  async findOne(userId: string, id: string, manager: EntityManager): Promise<PersonalAccessToken | null> {
    return manager.findOneBy(PersonalAccessToken, { userId, id });
  }

  async findByName(userId: string, name: string, manager: EntityManager): Promise<PersonalAccessToken | null> {
    return manager.findOneBy(PersonalAccessToken, { userId, name });
  }

  async delete(id: string, manager: EntityManager): Promise<void> {
    await manager.delete(PersonalAccessToken, { id });
  }

  /** Ends every token of the user (a password change, disabling). */
  async deleteAllOfUser(userId: string, manager: EntityManager): Promise<void> {
    await manager.delete(PersonalAccessToken, { userId });
  }

  /** Deletes the tokens expired at `at`; how many. */
  async deleteExpired(at: Date): Promise<number> {
    const result = await (
      await this.manager()
    ).delete(PersonalAccessToken, {
      expiresAt: Raw((column) => `${column} <= :at`, { at: toStoredTimestamp(at) }),
    });
    return result.affected ?? 0;
  }

  private async manager(): Promise<EntityManager> {
    return (await this.database.dataSource()).manager;
  }
}
