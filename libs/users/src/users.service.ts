import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager, In, SelectQueryBuilder } from 'typeorm';
import { EntityAlreadyExistsError, EntityNotFoundError, LastAdminError, now, SelfDisableError } from '@argilla/common';
import {
  ADMIN_ROLES,
  Database,
  hasAdminRights,
  isUniqueViolation,
  toStoredId,
  User,
  UserRole,
  Workspace,
  WorkspaceUser,
} from '@argilla/database';
import { generateApiKey } from './api-key';
import { PasswordHasher } from './password-hasher';
import { groupNamesByUser, UserQueries } from './user-queries';
import { toUserResponse, UserWithWorkspaces } from './user-response';

export interface UserFilters {
  role?: UserRole;
  /** A workspace name: only its members. */
  workspace?: string;
  /** A username prefix. */
  q?: string;
}

/** What `update` may change; undefined leaves a field as it is, a null last name removes it. */
export interface UserChanges {
  firstName?: string;
  lastName?: string | null;
  role?: UserRole;
  disabled?: boolean;
  /** Who asks: an admin may not disable itself. */
  actorId?: string;
}

/** What creating a user takes; the API and the CLI validate their input into this. */
export interface NewUser {
  firstName: string;
  lastName?: string | null;
  username: string;
  role?: UserRole | null;
  /** A clear-text password to hash, or… */
  password?: string;
  /** …a hash to store as it is (imports). */
  passwordHash?: string;
  /** Generated when not given. */
  apiKey?: string;
  /** Workspace names to join, in order; missing workspaces are created. */
  workspaces?: string[];
}

/** The most ids one `IN (...)` list carries. */
const MAX_IN_LIST = 1_000;

@Injectable()
export class UsersService {
  private readonly queries: UserQueries;
  private readonly listBody: () => Promise<Buffer>;

  constructor(
    private readonly database: Database,
    private readonly passwords: PasswordHasher,
  ) {
    this.queries = new UserQueries(database);
    this.listBody = database.versioned(async () =>
      Buffer.from(JSON.stringify((await this.queries.list()).map(toUserResponse))),
    );
  }

  /** Every user, oldest first, with its workspaces: two queries whatever the number of users. */
  list(): Promise<UserWithWorkspaces[]> {
    return this.queries.list();
  }

  /**
   * `GET /api/users`'s body, serialised: built again only when users, workspaces or memberships changed since
   * (on any replica), else one indexed read of the data version.
   */
  listResponseBody(): Promise<Buffer> {
    return this.listBody();
  }

  /**
   * One page of users, oldest first (ties broken by username, then id: a stable order, so pages neither repeat
   * nor skip users while others are created), with the number of users matching the filters.
   */
  async page(filters: UserFilters, limit: number, offset: number): Promise<{ items: User[]; total: number }> {
    const query = await this.filtered(filters);
    const total = await query.getCount();
    const items = await query.offset(offset).limit(limit).getMany();
    return { items, total };
  }

  /** Every user matching the filters, oldest first, with its workspaces (the CLI's list). */
  async search(filters: UserFilters): Promise<UserWithWorkspaces[]> {
    return this.manyWithWorkspaces(await (await this.filtered(filters)).getMany());
  }

  private async filtered(filters: UserFilters): Promise<SelectQueryBuilder<User>> {
    const dataSource = await this.database.dataSource();
    const query = dataSource.getRepository(User).createQueryBuilder('user');
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

  async findById(id: string): Promise<User | null> {
    const dataSource = await this.database.dataSource();
    return dataSource.getRepository(User).findOneBy({ id });
  }

  async getById(id: string): Promise<User> {
    const user = await this.findById(id);
    if (!user) throw new EntityNotFoundError(id, 'User');
    return user;
  }

  async findByUsername(username: string): Promise<User | null> {
    return (await this.queries.findByUsername(username))?.user ?? null;
  }

  /** One stored password hash of each kind (algorithm and parameters), for timing the verifications. */
  passwordHashSamples(): Promise<string[]> {
    return this.queries.passwordHashSamples();
  }

  /** Lookup by indexed equality: the key is never compared character by character in application code. */
  async findByApiKey(apiKey: string): Promise<User | null> {
    return (await this.queries.findByApiKey(apiKey))?.user ?? null;
  }

  /** The user and its workspaces in one prepared query (the authentication path). */
  findByApiKeyWithWorkspaces(apiKey: string): Promise<UserWithWorkspaces | null> {
    return this.queries.findByApiKey(apiKey);
  }

  findByUsernameWithWorkspaces(username: string): Promise<UserWithWorkspaces | null> {
    return this.queries.findByUsername(username);
  }

  /** The user with its own workspaces (membership order). */
  async withWorkspaces(user: User): Promise<UserWithWorkspaces> {
    const dataSource = await this.database.dataSource();
    const names = await this.workspaceNamesByUser(dataSource.manager, [user.id]);
    return { user, workspaces: names.get(user.id) ?? [] };
  }

  /**
   * Several users with their workspaces, in the order given. Beyond a thousand users, every membership is read
   * instead of an `IN (...)` list, which the engines cap (SQLite at 32,766 parameters, PostgreSQL at 65,535).
   */
  async manyWithWorkspaces(users: User[]): Promise<UserWithWorkspaces[]> {
    if (users.length === 0) return [];
    const dataSource = await this.database.dataSource();
    const names = await this.workspaceNamesByUser(
      dataSource.manager,
      users.length <= MAX_IN_LIST ? users.map((user) => user.id) : undefined,
    );
    return users.map((user) => ({ user, workspaces: names.get(user.id) ?? [] }));
  }

  /**
   * Creates the user and joins it to its workspaces (creating the missing ones), all in one transaction.
   * A taken username or API key is a 409, also when two requests race for it.
   */
  async create(input: NewUser): Promise<UserWithWorkspaces> {
    const passwordHash = input.passwordHash ?? (await this.passwords.hash(input.password ?? ''));
    const apiKey = input.apiKey ?? generateApiKey();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.database.transaction((manager) => this.insertUser(manager, input, passwordHash, apiKey));
      } catch (error) {
        if (!isUniqueViolation(error) || attempt === 3) throw error;
        // Lost a race with a concurrent creation: a 409 if the username or key is now taken; otherwise it was
        // a workspace created meanwhile, which the next attempt reuses.
        await this.assertAvailable((await this.database.dataSource()).manager, input.username, apiKey);
      }
    }
  }

  private async insertUser(
    manager: EntityManager,
    input: NewUser,
    passwordHash: string,
    apiKey: string,
  ): Promise<UserWithWorkspaces> {
    await this.assertAvailable(manager, input.username, apiKey);
    const at = now();
    const user = manager.create(User, {
      id: randomUUID(),
      firstName: input.firstName,
      lastName: input.lastName ?? null,
      username: input.username,
      role: input.role ?? 'annotator',
      apiKey,
      passwordHash,
      insertedAt: at,
      updatedAt: at,
    });
    await manager.insert(User, user);
    const workspaces = await this.findOrCreateWorkspaces(manager, input.workspaces ?? []);
    if (workspaces.length > 0) {
      await manager.insert(
        WorkspaceUser,
        workspaces.map((workspace) => {
          // Each a little later than the one before, so that listing memberships by time keeps the caller's order.
          const joinedAt = now();
          return {
            id: randomUUID(),
            workspaceId: workspace.id,
            userId: user.id,
            insertedAt: joinedAt,
            updatedAt: joinedAt,
          };
        }),
      );
    }
    return { user, workspaces: workspaces.map((workspace) => workspace.name) };
  }

  /** Deletes the user (its memberships go with it) and returns it as it was (Argilla 1.8's rule: no admin check). */
  async delete(id: string): Promise<UserWithWorkspaces> {
    const view = await this.withWorkspaces(await this.getById(id));
    await this.database.transaction((manager) => manager.delete(User, { id }));
    return view;
  }

  /**
   * Deletes the user unless it is the last enabled admin or owner (409): the check and the deletion are one
   * transaction, like `update`'s. Returns the user as it was.
   */
  async remove(id: string): Promise<UserWithWorkspaces> {
    const view = await this.withWorkspaces(await this.getById(id));
    await this.database.transaction(async (manager) => {
      await this.database.lockDataVersion(manager);
      const user = await manager.findOneBy(User, { id });
      if (!user) throw new EntityNotFoundError(id, 'User');
      await this.assertNotLastAdmin(manager, user);
      await manager.delete(User, { id });
    });
    return view;
  }

  /**
   * Changes names, role and the disabled flag; disabling also ends every token issued before it
   * (`tokens_valid_after`, as a password change does). Demoting to annotator or disabling the last enabled admin
   * or owner is refused (409), and so is an admin disabling itself; the check and the change are one
   * transaction, with the admins' rows locked on PostgreSQL, so two concurrent demotions cannot both pass.
   * Between `admin` and `owner` is no demotion: both have every right.
   */
  async update(id: string, changes: UserChanges): Promise<User> {
    await this.database.transaction(async (manager) => {
      await this.database.lockDataVersion(manager);
      const user = await manager.findOneBy(User, { id });
      if (!user) throw new EntityNotFoundError(id, 'User');
      if (changes.disabled === true && changes.actorId === id) throw new SelfDisableError(id);
      const demoted = changes.role !== undefined && !hasAdminRights(changes.role);
      if (demoted || changes.disabled === true) await this.assertNotLastAdmin(manager, user);
      const at = now();
      const values: Partial<User> = { updatedAt: at };
      if (changes.firstName !== undefined) values.firstName = changes.firstName;
      if (changes.lastName !== undefined) values.lastName = changes.lastName;
      if (changes.role !== undefined) values.role = changes.role;
      if (changes.disabled !== undefined) values.disabled = changes.disabled;
      // Disabling ends every token issued before it, so that enabling the user again does not revive them.
      if (changes.disabled === true) values.tokensValidAfter = at;
      await manager.update(User, { id }, values);
    });
    return this.getById(id);
  }

  /** Replaces the user's API key with a new random one: the old key is refused from the next request on. */
  async rotateApiKey(id: string): Promise<User> {
    const apiKey = generateApiKey();
    const updatedAt = now();
    const result = await this.database.transaction((manager) => manager.update(User, { id }, { apiKey, updatedAt }));
    if (!result.affected) throw new EntityNotFoundError(id, 'User');
    return this.getById(id);
  }

  /**
   * Sets a new password and ends every token issued before (`tokens_valid_after`). The API key stays, unless
   * `rotateApiKey`: then a new one replaces it in the same update.
   */
  async changePassword(id: string, password: string, options: { rotateApiKey?: boolean } = {}): Promise<User> {
    const passwordHash = await this.passwords.hash(password);
    const at = now();
    const changes = {
      passwordHash,
      tokensValidAfter: at,
      updatedAt: at,
      ...(options.rotateApiKey ? { apiKey: generateApiKey() } : {}),
    };
    const result = await this.database.transaction((manager) => manager.update(User, { id }, changes));
    if (!result.affected) throw new EntityNotFoundError(id, 'User');
    return this.getById(id);
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.database.transaction((manager) => manager.update(User, { id }, { passwordHash, updatedAt: now() }));
  }

  /**
   * Refuses (409) to take away the last enabled user with admin rights, admins and owners counted together. Their
   * rows are locked on PostgreSQL (SQLite's transactions are serialised), so two concurrent changes cannot both pass.
   */
  private async assertNotLastAdmin(manager: EntityManager, user: User): Promise<void> {
    if (!hasAdminRights(user.role) || user.disabled) return;
    const admins = manager
      .createQueryBuilder(User, 'user')
      .select('user.id')
      .where('user.role IN (:...roles)', { roles: ADMIN_ROLES })
      .andWhere('user.disabled = :disabled', { disabled: false });
    if (this.database.engine === 'postgres') admins.setLock('pessimistic_write');
    if ((await admins.getMany()).length <= 1) throw new LastAdminError(user.id);
  }

  private async assertAvailable(manager: EntityManager, username: string, apiKey: string): Promise<void> {
    if (await manager.existsBy(User, { username })) {
      throw new EntityAlreadyExistsError(username, 'User', 'username');
    }
    if (await manager.existsBy(User, { apiKey })) {
      throw new EntityAlreadyExistsError(username, 'User', 'api_key');
    }
  }

  private async findOrCreateWorkspaces(manager: EntityManager, names: string[]): Promise<Workspace[]> {
    const unique = [...new Set(names)];
    if (unique.length === 0) return [];
    const existing = await manager.findBy(Workspace, { name: In(unique) });
    const byName = new Map(existing.map((workspace) => [workspace.name, workspace]));
    const missing = unique
      .filter((name) => !byName.has(name))
      .map((name) => {
        // Each a little later than the one before, so that listing workspaces by time keeps the order they were named in.
        const insertedAt = now();
        return manager.create(Workspace, { id: randomUUID(), name, insertedAt, updatedAt: insertedAt });
      });
    if (missing.length > 0) await manager.insert(Workspace, missing);
    for (const workspace of missing) byName.set(workspace.name, workspace);
    return unique.map((name) => byName.get(name)!);
  }

  /** Workspace names per user id, each list in membership order; all users when `userIds` is not given. */
  private async workspaceNamesByUser(manager: EntityManager, userIds?: string[]): Promise<Map<string, string[]>> {
    const query = manager
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
