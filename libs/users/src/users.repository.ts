import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager, SelectQueryBuilder } from 'typeorm';
import { now, parseTimestamp } from '@argilla/common';
import {
  ADMIN_ROLES,
  Database,
  fromStoredId,
  selectWhereIn,
  toStoredId,
  User,
  UserRole,
  Workspace,
  WorkspaceUser,
} from '@argilla/database';
import { UserWithWorkspaces } from './user-response';

export interface UserFilters {
  role?: UserRole;
  /** A workspace name: only its members. */
  workspace?: string;
  /** A username prefix. */
  q?: string;
}

/** The most ids one `IN (...)` list carries. */
const MAX_IN_LIST = 1_000;

/** The characters of bcrypt's and argon2's encoded salts and hashes. */
const BASE64_CHARACTERS = './+ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** What the hot lookups select: the user's columns and its workspace names in membership order. */
export interface UserRow {
  id: string;
  first_name: string;
  last_name: string | null;
  username: string;
  role: User['role'];
  api_key: string;
  password_hash: string;
  inserted_at: Date | string;
  updated_at: Date | string;
  disabled: boolean | number;
  tokens_valid_after: Date | string | null;
  workspaces: string[] | string | null;
}

export const USER_COLUMNS =
  'u.id, u.first_name, u.last_name, u.username, u.role, u.api_key, u.password_hash, u.inserted_at, u.updated_at, ' +
  'u.disabled, u.tokens_valid_after';

/** The names of the user's workspaces, as an array (PostgreSQL) or a JSON array (SQLite). */
export function workspacesColumn(engine: 'postgres' | 'sqlite'): string {
  return engine === 'postgres'
    ? `COALESCE((SELECT array_agg(w.name ORDER BY m.inserted_at) FROM workspaces_users m
         JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = u.id), '{}') AS workspaces`
    : `(SELECT json_group_array(name) FROM (SELECT w.name FROM workspaces_users m
         JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = u.id ORDER BY m.inserted_at)) AS workspaces`;
}

/**
 * A page of users with the number matching (`total`, a window over the filtered rows), filtered by workspace name,
 * role and username prefix when asked, in that order of parameters; then the limit and the offset.
 */
function pageStatement(byWorkspace: boolean, byRole: boolean, byPrefix: boolean): string {
  let next = 1;
  const parameter = () => `$${next++}`;
  const join = byWorkspace
    ? ' JOIN workspaces_users m ON m.user_id = u.id JOIN workspaces w ON w.id = m.workspace_id AND w.name = ' +
      parameter()
    : '';
  const conditions: string[] = [];
  if (byRole) conditions.push(`u.role = ${parameter()}`);
  if (byPrefix) conditions.push(`substr(u.username, 1, ${parameter()}) = ${parameter()}`);
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  return (
    `SELECT ${USER_COLUMNS}, NULL AS workspaces, COUNT(*) OVER () AS total FROM users u${join}${where} ` +
    `ORDER BY u.inserted_at, u.username, u.id LIMIT ${parameter()} OFFSET ${parameter()}`
  );
}

export function toUserWithWorkspaces(row: UserRow): UserWithWorkspaces {
  const user = Object.assign(new User(), {
    id: fromStoredId(row.id),
    firstName: row.first_name,
    lastName: row.last_name,
    username: row.username,
    role: row.role,
    apiKey: row.api_key,
    passwordHash: row.password_hash,
    insertedAt: parseTimestamp(row.inserted_at),
    updatedAt: parseTimestamp(row.updated_at),
    // SQLite answers 0 or 1.
    disabled: Boolean(row.disabled),
    tokensValidAfter: row.tokens_valid_after === null ? null : parseTimestamp(row.tokens_valid_after),
  });
  const workspaces =
    typeof row.workspaces === 'string' ? (JSON.parse(row.workspaces) as string[]) : (row.workspaces ?? []);
  return { user, workspaces };
}

/**
 * Reads and row writes of users. The hot lookups (every authenticated request makes one) are prepared statements
 * by indexed equality that bring the user's workspaces along, so that `GET /api/me` needs no second query.
 * Methods that take a `manager` run inside the caller's transaction; UsersService holds the rules.
 */
@Injectable()
export class UsersRepository {
  private readonly byApiKey;
  private readonly byUsername;
  private readonly hashSamples;
  /** The page statements, one per combination of filters. */
  private readonly pages = new Map<
    string,
    (parameters: unknown[]) => Promise<(UserRow & { total: string | number })[]>
  >();

  constructor(private readonly database: Database) {
    const select = `SELECT ${USER_COLUMNS}, ${workspacesColumn(database.engine)} FROM users u`;
    this.byApiKey = database.prepared<UserRow>('argilla_user_by_api_key', `${select} WHERE u.api_key = $1`);
    this.byUsername = database.prepared<UserRow>('argilla_user_by_username', `${select} WHERE u.username = $1`);
    // Grouped by the hash up to its salt: the first 40 characters stripped of their trailing base64 (the salt's
    // start) leave `$2b$12$` or `$argon2id$v=19$m=19456,p=1,t=2$`, in the same way on both engines.
    this.hashSamples = database.prepared<{ sample: string }>(
      'argilla_password_hash_samples',
      `SELECT MIN(password_hash) AS sample FROM users
       GROUP BY rtrim(substr(password_hash, 1, 40), '${BASE64_CHARACTERS}')`,
    );
  }

  /** One stored hash of each kind (algorithm and parameters) in the users table: one scan, a row per kind. */
  async passwordHashSamples(): Promise<string[]> {
    return (await this.hashSamples([])).map((row) => row.sample);
  }

  /**
   * Every user with its workspaces, oldest first, handed to `take` `size` users at a time: each user's workspace
   * names come with it (an indexed subquery per user), through a cursor in one snapshot (PostgreSQL), so that no more
   * than a chunk of users and their memberships is ever held (GET /api/users of 100,000 users: reading the 249,000
   * memberships whole instead held 60 MB more on PostgreSQL and 135 MB more on SQLite, and was 0.7 s faster on
   * PostgreSQL, as fast on SQLite).
   */
  async listInChunks(size: number, take: (users: UserWithWorkspaces[]) => void): Promise<void> {
    await this.database.readSnapshot(async (reader) => {
      // Users imported together share a time: the username keeps their order stable.
      await reader.chunks<UserRow>(
        `SELECT ${USER_COLUMNS}, ${workspacesColumn(this.database.engine)} FROM users u ` +
          'ORDER BY u.inserted_at, u.username',
        size,
        (rows) => take(rows.map(toUserWithWorkspaces)),
      );
    });
  }

  /**
   * One page of users, oldest first (ties broken by username, then id: a stable order, so pages neither repeat
   * nor skip users while others are created), with the number of users matching the filters: one prepared
   * statement (the total by a window function), and a count of its own only for a page past the end.
   */
  async page(filters: UserFilters, limit: number, offset: number): Promise<{ items: User[]; total: number }> {
    const shape = [filters.workspace !== undefined, filters.role !== undefined, filters.q !== undefined] as const;
    const key = shape.map(Number).join('');
    let statement = this.pages.get(key);
    if (!statement) {
      statement = this.database.prepared<UserRow & { total: string | number }>(
        `argilla_users_page_${key}`,
        pageStatement(...shape),
      );
      this.pages.set(key, statement);
    }
    const parameters: unknown[] = [];
    if (filters.workspace !== undefined) parameters.push(filters.workspace);
    if (filters.role !== undefined) parameters.push(filters.role);
    if (filters.q !== undefined) parameters.push(filters.q.length, filters.q);
    const rows = await statement([...parameters, limit, offset]);
    const items = rows.map((row) => toUserWithWorkspaces(row).user);
    if (rows.length > 0) return { items, total: Number(rows[0].total) };
    return { items, total: offset === 0 ? 0 : await (await this.filtered(filters)).getCount() };
  }

  async search(filters: UserFilters): Promise<UserWithWorkspaces[]> {
    return this.manyWithWorkspaces(await (await this.filtered(filters)).getMany());
  }

  private async filtered(filters: UserFilters): Promise<SelectQueryBuilder<User>> {
    const query = (await this.manager()).createQueryBuilder(User, 'user');
    if (filters.role) query.andWhere('user.role = :role', { role: filters.role });
    if (filters.q) {
      query.andWhere('substr(user.username, 1, :length) = :prefix', { length: filters.q.length, prefix: filters.q });
    }
    if (filters.workspace) {
      query
        .innerJoin(WorkspaceUser, 'membership', 'membership.user_id = user.id')
        .innerJoin(Workspace, 'workspace', 'workspace.id = membership.workspace_id')
        .andWhere('workspace.name = :workspace', { workspace: filters.workspace });
    }
    return query.orderBy('user.inserted_at', 'ASC').addOrderBy('user.username', 'ASC').addOrderBy('user.id', 'ASC');
  }

  async findById(id: string, manager?: EntityManager): Promise<User | null> {
    return (manager ?? (await this.manager())).findOneBy(User, { id });
  }

  async findByUsername(username: string): Promise<User | null> {
    return (await this.findByUsernameWithWorkspaces(username))?.user ?? null;
  }

  /** Lookup by indexed equality: the key is never compared character by character in application code. */
  async findByApiKey(apiKey: string): Promise<User | null> {
    return (await this.findByApiKeyWithWorkspaces(apiKey))?.user ?? null;
  }

  /** The user and its workspaces in one prepared query (the authentication path). */
  async findByApiKeyWithWorkspaces(apiKey: string): Promise<UserWithWorkspaces | null> {
    if (apiKey.includes('\u0000')) return null;
    const [row] = await this.byApiKey([apiKey]);
    return row ? toUserWithWorkspaces(row) : null;
  }

  async findByUsernameWithWorkspaces(username: string): Promise<UserWithWorkspaces | null> {
    // No stored name has a NUL (PostgreSQL text cannot hold one, and validation refuses it): no such user.
    if (username.includes('\u0000')) return null;
    const [row] = await this.byUsername([username]);
    return row ? toUserWithWorkspaces(row) : null;
  }

  /** The user with its own workspaces (membership order). */
  async withWorkspaces(user: User): Promise<UserWithWorkspaces> {
    const names = await this.workspaceNamesByUser([user.id]);
    return { user, workspaces: names.get(user.id) ?? [] };
  }

  /**
   * Several users with their workspaces, in the order given. Beyond a thousand users, every membership is read
   * instead of an `IN (...)` list, which the engines cap (SQLite at 32,766 parameters, PostgreSQL at 65,535).
   */
  async manyWithWorkspaces(users: User[]): Promise<UserWithWorkspaces[]> {
    if (users.length === 0) return [];
    const names = await this.workspaceNamesByUser(
      users.length <= MAX_IN_LIST ? users.map((user) => user.id) : undefined,
    );
    return users.map((user) => ({ user, workspaces: names.get(user.id) ?? [] }));
  }

  async existsByUsername(username: string, manager?: EntityManager): Promise<boolean> {
    return (manager ?? (await this.manager())).existsBy(User, { username });
  }

  async existsByApiKey(apiKey: string, manager?: EntityManager): Promise<boolean> {
    return (manager ?? (await this.manager())).existsBy(User, { apiKey });
  }

  /** Which of these usernames belong to a user already (one statement, whatever their number). */
  async takenUsernames(usernames: readonly string[], manager: EntityManager): Promise<string[]> {
    const rows = await selectWhereIn<{ username: string }>(
      manager,
      'SELECT username FROM users',
      'username',
      usernames,
    );
    return rows.map((row) => row.username);
  }

  /** Which of these API keys belong to a user already (one statement, whatever their number). */
  async takenApiKeys(apiKeys: readonly string[], manager: EntityManager): Promise<string[]> {
    const rows = await selectWhereIn<{ api_key: string }>(manager, 'SELECT api_key FROM users', 'api_key', apiKeys);
    return rows.map((row) => row.api_key);
  }

  /**
   * The ids of the enabled users with admin rights (admins and owners). On PostgreSQL their rows stay locked
   * until the transaction ends (SQLite's transactions are serialised), so two concurrent changes cannot both
   * count the same admins.
   */
  async lockEnabledAdminIds(manager: EntityManager): Promise<string[]> {
    const admins = manager
      .createQueryBuilder(User, 'user')
      .select('user.id')
      .where('user.role IN (:...roles)', { roles: ADMIN_ROLES })
      .andWhere('user.disabled = :disabled', { disabled: false });
    if (this.database.engine === 'postgres') admins.setLock('pessimistic_write');
    return (await admins.getMany()).map((user) => user.id);
  }

  async insert(user: User, manager: EntityManager): Promise<void> {
    await manager.insert(User, user);
  }

  /** Joins the user to the workspaces, in the order given: each membership a little later than the one before. */
  async addMemberships(userId: string, workspaceIds: string[], manager: EntityManager): Promise<void> {
    if (workspaceIds.length === 0) return;
    await manager.insert(
      WorkspaceUser,
      workspaceIds.map((workspaceId) => {
        const joinedAt = now();
        return { id: randomUUID(), workspaceId, userId, insertedAt: joinedAt, updatedAt: joinedAt };
      }),
    );
  }

  /** Whether a user had the id (and was changed). */
  async update(id: string, values: Partial<User>, manager: EntityManager): Promise<boolean> {
    return Boolean((await manager.update(User, { id }, values)).affected);
  }

  /** Deletes the user; its memberships go with it (foreign keys). */
  async delete(id: string, manager: EntityManager): Promise<void> {
    await manager.delete(User, { id });
  }

  private async manager(): Promise<EntityManager> {
    return (await this.database.dataSource()).manager;
  }

  /** Workspace names per user id, each list in membership order; all users when `userIds` is not given. */
  private async workspaceNamesByUser(userIds?: string[]): Promise<Map<string, string[]>> {
    const query = (await this.manager())
      .createQueryBuilder(WorkspaceUser, 'membership')
      .innerJoin(Workspace, 'workspace', 'workspace.id = membership.workspace_id')
      .select('membership.user_id', 'user_id')
      .addSelect('workspace.name', 'name')
      .orderBy('membership.inserted_at', 'ASC');
    if (userIds) query.where('membership.user_id IN (:...userIds)', { userIds: userIds.map(toStoredId) });
    const rows: { user_id: string; name: string }[] = await query.getRawMany();
    return groupNamesByUser(rows);
  }
}

/** Workspace names per user id (as the API shows ids), each list in the order of the rows (membership order). */
function groupNamesByUser(rows: readonly { user_id: string; name: string }[]): Map<string, string[]> {
  const names = new Map<string, string[]>();
  for (const row of rows) {
    const userId = fromStoredId(row.user_id);
    const list = names.get(userId);
    if (list) list.push(row.name);
    else names.set(userId, [row.name]);
  }
  return names;
}
