import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  EntityAlreadyExistsError,
  EntityNotFoundError,
  JsonArrayParts,
  LastAdminError,
  now,
  SelfDisableError,
} from '@argilla/common';
import {
  AuditLog,
  AuditTarget,
  currentAuditOrigin,
  Database,
  hasAdminRights,
  isUniqueViolation,
  NewAuditEvent,
  PersonalAccessToken,
  User,
  UserRole,
  UserSession,
} from '@argilla/database';
import { generateApiKey } from './api-key';
import { findOrCreateWorkspaces } from './find-or-create-workspaces';
import { PasswordHasher } from './password-hasher';
import { HIDE_API_KEYS, ResponseAudience, SHOW_API_KEYS, toUserResponse, UserWithWorkspaces } from './user-response';
import { toUserV1Response } from './user-v1-response';
import { UserFilters, UsersRepository } from './users.repository';

/** Users serialised at a time for GET /api/users. */
const LIST_CHUNK = 2_000;

/**
 * How many v1 pages (filters, limit and offset) are kept serialised for the current data version: the most recent
 * asked. At most 500 users a page, about 100 KB, so at most about 6 MB.
 */
const V1_PAGES_KEPT = 64;

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

/**
 * Whether deleting the last enabled admin or owner is refused: `refuse` for the v1 API and the CLI, `allow` for
 * `DELETE /api/users/{id}`, which keeps Argilla 1.8's rule (no admin check).
 */
export type LastAdminRule = 'refuse' | 'allow';

/** The rules and transactions of user changes; reads are UsersRepository's. */
@Injectable()
export class UsersService {
  private readonly listBody: () => Promise<Buffer[]>;
  private readonly listBodyWithoutKeys: () => Promise<Buffer[]>;
  private readonly v1Page: (key: string) => Promise<Buffer>;

  constructor(
    private readonly database: Database,
    private readonly repository: UsersRepository,
    private readonly passwords: PasswordHasher,
    private readonly audit: AuditLog,
  ) {
    // Built a chunk of users at a time: the answer's bytes, never every user's objects at once.
    const body = (audience: ResponseAudience) => async () => {
      const json = new JsonArrayParts();
      await this.repository.listInChunks(LIST_CHUNK, (users) =>
        json.add(users.map((user) => toUserResponse(user, audience))),
      );
      return json.finish();
    };
    this.listBody = database.versioned(body(SHOW_API_KEYS));
    this.listBodyWithoutKeys = database.versioned(body(HIDE_API_KEYS));
    this.v1Page = database.versionedByKey(async (key: string) => {
      const { filters, limit, offset } = JSON.parse(key) as { filters: UserFilters; limit: number; offset: number };
      const { items, total } = await this.repository.page(filters, limit, offset);
      return Buffer.from(JSON.stringify({ items: items.map(toUserV1Response), total }));
    }, V1_PAGES_KEPT);
  }

  /**
   * `GET /api/v1/users`'s body for a page, serialised: kept for the current data version, so that asking a page
   * again (a list shown to several admins, a workspace's first page) costs one indexed read until users,
   * workspaces or memberships change on any replica. The page statement counts every match, which grows with them.
   */
  v1PageResponseBody(filters: UserFilters, limit: number, offset: number): Promise<Buffer> {
    const { workspace, role, q } = filters;
    return this.v1Page(JSON.stringify({ filters: { workspace, role, q }, limit, offset }));
  }

  /**
   * `GET /api/users`'s body, serialised: built again only when users, workspaces or memberships changed since
   * (on any replica), else one indexed read of the data version. Without API keys for a personal access token.
   */
  listResponseBody(audience: ResponseAudience = SHOW_API_KEYS): Promise<Buffer[]> {
    return audience.apiKeys ? this.listBody() : this.listBodyWithoutKeys();
  }

  /** The user, or 404. */
  async getById(id: string): Promise<User> {
    const user = await this.repository.findById(id);
    if (!user) throw new EntityNotFoundError(id, 'User');
    return user;
  }

  /**
   * Creates the user and joins it to its workspaces (creating the missing ones), all in one transaction.
   * A taken username or API key is a 409, also when two requests race for it.
   */
  async create(input: NewUser, options: { auditAction?: string } = {}): Promise<UserWithWorkspaces> {
    const passwordHash = input.passwordHash ?? (await this.passwords.hash(input.password ?? ''));
    const apiKey = input.apiKey ?? generateApiKey();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.database.transaction(async (manager) => {
          const created = await this.insertUser(manager, input, passwordHash, apiKey);
          await this.audit.record(manager, {
            action: options.auditAction ?? 'user.created',
            target: userTarget(created.user),
            details: { role: created.user.role, workspaces: created.workspaces },
          });
          return created;
        });
      } catch (error) {
        if (!isUniqueViolation(error) || attempt === 3) throw error;
        // Lost a race with a concurrent creation: a 409 if the username or key is now taken; otherwise it was
        // a workspace created meanwhile, which the next attempt reuses.
        await this.assertAvailable(input.username, apiKey);
      }
    }
  }

  private async insertUser(
    manager: EntityManager,
    input: NewUser,
    passwordHash: string,
    apiKey: string,
  ): Promise<UserWithWorkspaces> {
    await this.assertAvailable(input.username, apiKey, manager);
    const at = now();
    const user = Object.assign(new User(), {
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
    await this.repository.insert(user, manager);
    const names = [...new Set(input.workspaces ?? [])];
    const ids = await findOrCreateWorkspaces(manager, names);
    await this.repository.addMemberships(
      user.id,
      names.map((name) => ids.get(name)!),
      manager,
    );
    return { user, workspaces: names };
  }

  /**
   * Deletes the user (its memberships go with it) and returns it as it was. With `lastAdmin: 'refuse'`, the last
   * enabled admin or owner is not deleted (409), the check and the deletion being one transaction like `update`'s;
   * with `'allow'`, there is no admin check (Argilla 1.8's rule, kept by `DELETE /api/users/{id}`).
   */
  async delete(id: string, options: { lastAdmin: LastAdminRule }): Promise<UserWithWorkspaces> {
    const view = await this.repository.withWorkspaces(await this.getById(id));
    await this.database.transaction(async (manager) => {
      await this.database.lockDataVersion(manager);
      const user = await this.repository.findById(id, manager);
      if (!user) throw new EntityNotFoundError(id, 'User');
      if (options.lastAdmin === 'refuse') await this.assertNotLastAdmin(manager, user);
      await this.repository.delete(id, manager);
      await this.audit.record(manager, {
        action: 'user.deleted',
        target: userTarget(user),
        details: { role: user.role },
      });
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
      const user = await this.repository.findById(id, manager);
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
      await this.repository.update(id, values, manager);
      // …and its personal access tokens and sessions, in the same transaction.
      if (changes.disabled === true) {
        await manager.delete(PersonalAccessToken, { userId: id });
        await manager.delete(UserSession, { userId: id });
      }
      for (const event of updateEvents(user, changes)) await this.audit.record(manager, event);
    });
    return this.getById(id);
  }

  /** Replaces the user's API key with a new random one: the old key is refused from the next request on. */
  async rotateApiKey(id: string): Promise<User> {
    const values = { apiKey: generateApiKey(), updatedAt: now() };
    const found = await this.database.transaction(async (manager) => {
      const user = await this.repository.findById(id, manager);
      if (!user || !(await this.repository.update(id, values, manager))) return false;
      await this.audit.record(manager, { action: 'user.api_key_rotated', target: userTarget(user) });
      return true;
    });
    if (!found) throw new EntityNotFoundError(id, 'User');
    return this.getById(id);
  }

  /**
   * Sets a new password and ends every token issued before (`tokens_valid_after`) and every personal access token
   * and session of the user, in one transaction. The API key stays, unless `rotateApiKey`: then a new one replaces it in the
   * same update.
   */
  async changePassword(id: string, password: string, options: { rotateApiKey?: boolean } = {}): Promise<User> {
    const passwordHash = await this.passwords.hash(password);
    const at = now();
    const values = {
      passwordHash,
      tokensValidAfter: at,
      updatedAt: at,
      ...(options.rotateApiKey ? { apiKey: generateApiKey() } : {}),
    };
    const found = await this.database.transaction(async (manager) => {
      const user = await this.repository.findById(id, manager);
      if (!user || !(await this.repository.update(id, values, manager))) return false;
      await manager.delete(PersonalAccessToken, { userId: id });
      await manager.delete(UserSession, { userId: id });
      // Changed by the user itself, or reset by someone else (an admin, the CLI).
      const own = currentAuditOrigin()?.actor?.id === id;
      await this.audit.record(manager, {
        action: own ? 'user.password_changed' : 'user.password_reset',
        target: userTarget(user),
      });
      if (options.rotateApiKey) {
        await this.audit.record(manager, { action: 'user.api_key_rotated', target: userTarget(user) });
      }
      return true;
    });
    if (!found) throw new EntityNotFoundError(id, 'User');
    return this.getById(id);
  }

  /** A fresh hash of the same password (after a login with a legacy or weaker one): no token ends. */
  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.database.transaction((manager) =>
      this.repository.update(id, { passwordHash, updatedAt: now() }, manager),
    );
  }

  /**
   * Refuses (409) to take away the last enabled user with admin rights, admins and owners counted together. Their
   * rows are locked on PostgreSQL (SQLite's transactions are serialised), so two concurrent changes cannot both pass.
   */
  private async assertNotLastAdmin(manager: EntityManager, user: User): Promise<void> {
    if (!hasAdminRights(user.role) || user.disabled) return;
    if ((await this.repository.lockEnabledAdminIds(manager)).length <= 1) throw new LastAdminError(user.id);
  }

  private async assertAvailable(username: string, apiKey: string, manager?: EntityManager): Promise<void> {
    if (await this.repository.existsByUsername(username, manager)) {
      throw new EntityAlreadyExistsError(username, 'User', 'username');
    }
    if (await this.repository.existsByApiKey(apiKey, manager)) {
      throw new EntityAlreadyExistsError(username, 'User', 'api_key');
    }
  }
}

/** A user as an audit event's target. */
export function userTarget(user: User): AuditTarget {
  return { type: 'user', id: user.id, name: user.username };
}

/**
 * The events of an update, one per kind of change that changes something: names (`user.updated`, with the new
 * values), role (`user.role_changed`, from and to), and the disabled flag (`user.disabled` / `user.enabled`).
 */
function updateEvents(user: User, changes: UserChanges): NewAuditEvent[] {
  const events: NewAuditEvent[] = [];
  const target = userTarget(user);
  const names: Record<string, unknown> = {};
  if (changes.firstName !== undefined && changes.firstName !== user.firstName) names.first_name = changes.firstName;
  if (changes.lastName !== undefined && changes.lastName !== user.lastName) names.last_name = changes.lastName;
  if (Object.keys(names).length > 0) events.push({ action: 'user.updated', target, details: names });
  if (changes.role !== undefined && changes.role !== user.role) {
    events.push({ action: 'user.role_changed', target, details: { from: user.role, to: changes.role } });
  }
  if (changes.disabled !== undefined && changes.disabled !== user.disabled) {
    events.push({ action: changes.disabled ? 'user.disabled' : 'user.enabled', target });
  }
  return events;
}
