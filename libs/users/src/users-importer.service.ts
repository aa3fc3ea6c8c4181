import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { NAME_MAX_LENGTH, NAME_PATTERN, now } from '@argilla/common';
import { bulkInsert, Database, User, UserRole, Workspace } from '@argilla/database';

/** One user of an Argilla users file (`.users.yml`), checked. */
export interface ImportedUser {
  username: string;
  firstName: string;
  role: UserRole;
  apiKey: string;
  passwordHash: string;
  /** The personal workspace (named after the user) first, then the listed ones, without repeats. */
  workspaces: string[];
  disabled: boolean;
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

/**
 * Reads an Argilla users file. Each entry: `username`, `api_key` and `hashed_password` (required),
 * `full_name` (becomes first_name), `email` (ignored), `workspaces` (absent or null: admin; a list, even empty:
 * annotator), `disabled`. The first problem found is reported with the entry's number and username, and the field.
 */
export async function parseUsersFile(text: string): Promise<ImportedUser[]> {
  // Loaded here only: no other command needs a YAML parser.
  const { load } = await import('js-yaml');
  let data: unknown;
  try {
    // Duplicate keys in an entry are an error too.
    data = load(text);
  } catch (error) {
    throw new UsersFileError(`not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) return [];
  if (!Array.isArray(data)) throw new UsersFileError('expected a list of users at the top level');

  const usernames = new Map<string, number>();
  const apiKeys = new Map<string, number>();
  return data.map((entry: unknown, index) => {
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

    const username = requiredString('username');
    if (!NAME_PATTERN.test(username)) fail('username', `does not match regex "${NAME_PATTERN.source}"`);
    if (username.length > NAME_MAX_LENGTH) fail('username', `is longer than ${NAME_MAX_LENGTH} characters`);
    const apiKey = requiredString('api_key');
    const passwordHash = requiredString('hashed_password');
    if (!HASH_PREFIX.test(passwordHash)) fail('hashed_password', 'is not a bcrypt ($2a$, $2b$, $2y$) or argon2 hash');
    const fullName = fields.full_name;
    if (fullName !== undefined && fullName !== null && typeof fullName !== 'string')
      fail('full_name', 'must be a string');
    if (fields.disabled !== undefined && fields.disabled !== null && typeof fields.disabled !== 'boolean') {
      fail('disabled', 'must be true or false');
    }

    const listed = fields.workspaces;
    if (listed !== undefined && listed !== null && !Array.isArray(listed)) fail('workspaces', 'must be a list');
    for (const name of (listed as unknown[] | undefined | null) ?? []) {
      if (typeof name !== 'string' || !NAME_PATTERN.test(name) || name.length > NAME_MAX_LENGTH) {
        fail('workspaces', `has an invalid workspace name '${String(name)}' (must match "${NAME_PATTERN.source}")`);
      }
    }

    const earlier = usernames.get(username);
    if (earlier !== undefined) fail('username', `repeats entry ${earlier}`);
    usernames.set(username, number);
    const earlierKey = apiKeys.get(apiKey);
    if (earlierKey !== undefined) fail('api_key', `repeats the api_key of entry ${earlierKey}`);
    apiKeys.set(apiKey, number);

    return {
      username,
      firstName: typeof fullName === 'string' ? fullName : '',
      role: listed === undefined || listed === null ? 'admin' : 'annotator',
      apiKey,
      passwordHash,
      workspaces: [...new Set([username, ...((listed as string[] | undefined | null) ?? [])])],
      disabled: fields.disabled === true,
    };
  });
}

/** Imports a whole users file in one transaction, with bulk inserts (a few statements whatever the size). */
@Injectable()
export class UsersImporter {
  constructor(private readonly database: Database) {}

  /** Writes every user or none. `onUser` is told of each user once it is checked, before anything is written. */
  async import(users: ImportedUser[], onUser?: (user: ImportedUser, index: number) => void): Promise<void> {
    await this.database.transaction(async (manager) => {
      await this.assertNotInDatabase(manager, users);
      users.forEach((user, index) => onUser?.(user, index));
      const at = now();
      const workspaceIds = await this.findOrCreateWorkspaces(manager, users, at);
      const rows = users.map((user) => ({ user, id: randomUUID() }));
      await bulkInsert(
        manager,
        'users',
        USER_COLUMNS,
        rows.map(({ user, id }) => [
          id,
          user.firstName,
          null,
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
          user.workspaces.map((name, position) => {
            // A millisecond apart within a user, so that its workspaces list in the file's order.
            const time = new Date(at.getTime() + position);
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

  /** The id of every workspace the users join, creating the missing ones. */
  private async findOrCreateWorkspaces(
    manager: EntityManager,
    users: ImportedUser[],
    at: Date,
  ): Promise<Map<string, string>> {
    const names = [...new Set(users.flatMap((user) => user.workspaces))];
    const ids = new Map<string, string>();
    for (const batch of chunks(names)) {
      const existing = await manager.find(Workspace, { select: { id: true, name: true }, where: { name: In(batch) } });
      for (const workspace of existing) ids.set(workspace.name, workspace.id);
    }
    const missing = names.filter((name) => !ids.has(name)).map((name) => [randomUUID(), name, at, at] as const);
    await bulkInsert(manager, 'workspaces', WORKSPACE_COLUMNS, missing);
    for (const [id, name] of missing) ids.set(name, id);
    return ids;
  }
}
