import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { NAME_MAX_LENGTH, NAME_PATTERN, now } from '@argilla/common';
import { bulkInsert, Database, User, USER_ROLES, UserRole, Workspace } from '@argilla/database';

/** One user of an Argilla users file (`.users.yml`), checked. */
export interface ImportedUser {
  username: string;
  firstName: string;
  lastName: string | null;
  role: UserRole;
  apiKey: string;
  passwordHash: string;
  /** Workspace names to join, in order, without repeats. */
  workspaces: string[];
  disabled: boolean;
}

/** A checked users file: its users, and workspaces to create even if nobody joins them. */
export interface UsersFile {
  users: ImportedUser[];
  workspaces: string[];
}

/** A users file that cannot be imported; nothing was written. */
export class UsersFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsersFileError';
  }
}

const HASH_PREFIX = /^\$(2[aby]|argon2(id|i|d))\$/;
/** Names per lookup query (`IN (...)`). */
const BATCH_SIZE = 1_000;

const USER_COLUMNS = [
  ['id', 'uuid'],
  ['first_name', 'varchar'],
  ['last_name', 'varchar'],
  ['username', 'varchar'],
  ['role', 'varchar'],
  ['api_key', 'text'],
  ['password_hash', 'text'],
  ['inserted_at', 'timestamp'],
  ['updated_at', 'timestamp'],
  ['disabled', 'boolean'],
] as const;
const WORKSPACE_COLUMNS = [
  ['id', 'uuid'],
  ['name', 'varchar'],
  ['inserted_at', 'timestamp'],
  ['updated_at', 'timestamp'],
] as const;
const MEMBERSHIP_COLUMNS = [
  ['id', 'uuid'],
  ['workspace_id', 'uuid'],
  ['user_id', 'uuid'],
  ['inserted_at', 'timestamp'],
  ['updated_at', 'timestamp'],
] as const;

function chunks<T>(items: T[], size = BATCH_SIZE): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

const validName = (name: unknown): name is string =>
  typeof name === 'string' && NAME_PATTERN.test(name) && name.length <= NAME_MAX_LENGTH;

/**
 * Reads a users file: Argilla's list of users, or (what `users export` writes when some workspace has no member)
 * a mapping with `users` (that list) and `workspaces` (names to create).
 *
 * Each entry: `username`, `api_key` and `hashed_password` (required), `full_name` (becomes first_name), `email`
 * (ignored), `workspaces`, `disabled`. Without a `role` key, Argilla's rules apply: no `workspaces` key (or null)
 * makes an admin, a list (even empty) an annotator, and every user first joins a workspace named after it. With a
 * `role` key (`users export` writes one), the entry is taken literally: that role, `first_name` and `last_name`,
 * and exactly the listed workspaces. The first problem found is reported with the entry's number and username,
 * and the field.
 */
export async function parseUsersFile(text: string): Promise<UsersFile> {
  // Loaded here only: no other command needs a YAML parser.
  const { load } = await import('js-yaml');
  let data: unknown;
  try {
    // Duplicate keys in an entry are an error too.
    data = load(text);
  } catch (error) {
    throw new UsersFileError(`not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) return { users: [], workspaces: [] };
  let entries: unknown = data;
  let workspaces: string[] = [];
  if (!Array.isArray(data)) {
    const mapping = data as Record<string, unknown>;
    // A mapping without either key is most likely one user's entry, not in a list.
    if (typeof data !== 'object' || !('users' in mapping || 'workspaces' in mapping)) {
      throw new UsersFileError('expected a list of users at the top level');
    }
    const { users, workspaces: names, ...others } = mapping;
    const unknown = Object.keys(others);
    if (unknown.length > 0) {
      throw new UsersFileError(`unknown top-level key '${unknown[0]}' (expected 'users' and 'workspaces')`);
    }
    if (users !== undefined && users !== null && !Array.isArray(users)) {
      throw new UsersFileError("top-level 'users' must be a list");
    }
    if (names !== undefined && names !== null && !Array.isArray(names)) {
      throw new UsersFileError("top-level 'workspaces' must be a list");
    }
    const invalid = ((names as unknown[] | undefined | null) ?? []).find((name) => !validName(name));
    if (invalid !== undefined) {
      throw new UsersFileError(
        `top-level 'workspaces' has an invalid workspace name '${String(invalid)}' (must match "${NAME_PATTERN.source}")`,
      );
    }
    entries = users ?? [];
    workspaces = [...new Set((names as string[] | undefined | null) ?? [])];
  }

  const usernames = new Map<string, number>();
  const apiKeys = new Map<string, number>();
  const users = (entries as unknown[]).map((entry: unknown, index): ImportedUser => {
    const number = index + 1;
    const where = (username?: unknown): string =>
      typeof username === 'string' ? `entry ${number} (username '${username}')` : `entry ${number}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new UsersFileError(`${where()}: expected a mapping of fields`);
    }
    const fields = entry as Record<string, unknown>;
    const fail = (field: string, problem: string): never => {
      throw new UsersFileError(`${where(fields.username)}: field '${field}' ${problem}`);
    };
    const requiredString = (field: string): string => {
      const value = fields[field];
      if (value === undefined || value === null || value === '') fail(field, 'is required');
      if (typeof value !== 'string') fail(field, 'must be a string');
      if ((value as string).includes('\u0000')) fail(field, 'contains a NUL character');
      return value as string;
    };
    const optionalString = (field: string): string | null => {
      const value = fields[field];
      if (value === undefined || value === null) return null;
      if (typeof value !== 'string') fail(field, 'must be a string');
      if ((value as string).includes('\u0000')) fail(field, 'contains a NUL character');
      return value as string;
    };

    const username = requiredString('username');
    if (!NAME_PATTERN.test(username)) fail('username', `does not match regex "${NAME_PATTERN.source}"`);
    if (username.length > NAME_MAX_LENGTH) fail('username', `is longer than ${NAME_MAX_LENGTH} characters`);
    const apiKey = requiredString('api_key');
    const passwordHash = requiredString('hashed_password');
    if (!HASH_PREFIX.test(passwordHash)) fail('hashed_password', 'is not a bcrypt ($2a$, $2b$, $2y$) or argon2 hash');
    const fullName = optionalString('full_name');
    const firstName = optionalString('first_name');
    const lastName = optionalString('last_name');
    if (fields.disabled !== undefined && fields.disabled !== null && typeof fields.disabled !== 'boolean') {
      fail('disabled', 'must be true or false');
    }
    const role = fields.role;
    if (role !== undefined && !(USER_ROLES as readonly unknown[]).includes(role)) {
      fail('role', `must be one of ${USER_ROLES.map((name) => `'${name}'`).join(', ')}`);
    }

    const listed = fields.workspaces;
    if (listed !== undefined && listed !== null && !Array.isArray(listed)) fail('workspaces', 'must be a list');
    for (const name of (listed as unknown[] | undefined | null) ?? []) {
      if (!validName(name)) {
        fail('workspaces', `has an invalid workspace name '${String(name)}' (must match "${NAME_PATTERN.source}")`);
      }
    }

    const earlier = usernames.get(username);
    if (earlier !== undefined) fail('username', `repeats entry ${earlier}`);
    usernames.set(username, number);
    const earlierKey = apiKeys.get(apiKey);
    if (earlierKey !== undefined) fail('api_key', `repeats the api_key of entry ${earlierKey}`);
    apiKeys.set(apiKey, number);

    const names = (listed as string[] | undefined | null) ?? [];
    const literal = role !== undefined;
    return {
      username,
      firstName: firstName ?? fullName ?? '',
      lastName,
      role: literal ? (role as UserRole) : listed === undefined || listed === null ? 'admin' : 'annotator',
      apiKey,
      passwordHash,
      workspaces: [...new Set(literal ? names : [username, ...names])],
      disabled: fields.disabled === true,
    };
  });
  return { users, workspaces };
}

/** Imports a whole users file in one transaction, with bulk inserts (a few statements whatever the size). */
@Injectable()
export class UsersImporter {
  constructor(private readonly database: Database) {}

  /** Writes every user or none. `onUser` is told of each user once it is checked, before anything is written. */
  async import(file: UsersFile, onUser?: (user: ImportedUser, index: number) => void): Promise<void> {
    const { users } = file;
    await this.database.transaction(async (manager) => {
      await this.assertNotInDatabase(manager, users);
      users.forEach((user, index) => onUser?.(user, index));
      const workspaceIds = await this.findOrCreateWorkspaces(manager, file);
      // Each user a little later than the one before: listings (oldest first) keep the file's order.
      const rows = users.map((user) => ({ user, id: randomUUID(), at: now() }));
      await bulkInsert(
        manager,
        'users',
        USER_COLUMNS,
        rows.map(({ user, id, at }) => [
          id,
          user.firstName,
          user.lastName,
          user.username,
          user.role,
          user.apiKey,
          user.passwordHash,
          at,
          at,
          user.disabled,
        ]),
      );
      await bulkInsert(
        manager,
        'workspaces_users',
        MEMBERSHIP_COLUMNS,
        rows.flatMap(({ user, id }) =>
          user.workspaces.map((name) => {
            // Each membership a little later than the one before: a user's workspaces list in the file's order.
            const time = now();
            return [randomUUID(), workspaceIds.get(name)!, id, time, time];
          }),
        ),
      );
    });
  }

  private async assertNotInDatabase(manager: EntityManager, users: ImportedUser[]): Promise<void> {
    const position = new Map(users.map((user, index) => [user.username, index + 1]));
    for (const batch of chunks(users)) {
      const taken = await manager.find(User, {
        select: { username: true },
        where: { username: In(batch.map((user) => user.username)) },
      });
      if (taken.length > 0) {
        const username = taken[0].username;
        throw new UsersFileError(
          `entry ${position.get(username)} (username '${username}'): field 'username' already exists in the database`,
        );
      }
      const keys = await manager.find(User, {
        select: { apiKey: true },
        where: { apiKey: In(batch.map((user) => user.apiKey)) },
      });
      if (keys.length > 0) {
        const user = batch.find((candidate) => candidate.apiKey === keys[0].apiKey)!;
        throw new UsersFileError(
          `entry ${position.get(user.username)} (username '${user.username}'): field 'api_key' already exists in the database`,
        );
      }
    }
  }

  /** The id of every workspace of the file and of its users, creating the missing ones. */
  private async findOrCreateWorkspaces(manager: EntityManager, file: UsersFile): Promise<Map<string, string>> {
    const names = [...new Set([...file.workspaces, ...file.users.flatMap((user) => user.workspaces)])];
    const ids = new Map<string, string>();
    for (const batch of chunks(names)) {
      const existing = await manager.find(Workspace, { select: { id: true, name: true }, where: { name: In(batch) } });
      for (const workspace of existing) ids.set(workspace.name, workspace.id);
    }
    const missing = names
      .filter((name) => !ids.has(name))
      .map((name) => {
        const at = now();
        return [randomUUID(), name, at, at] as const;
      });
    await bulkInsert(manager, 'workspaces', WORKSPACE_COLUMNS, missing);
    for (const [id, name] of missing) ids.set(name, id);
    return ids;
  }
}
