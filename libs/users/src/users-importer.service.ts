import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { now } from '@argilla/common';
import { AuditLog, bulkInsert, Database, OAuthIdentity } from '@argilla/database';
import { chunks, findOrCreateWorkspaces } from './find-or-create-workspaces';
import { ImportedUser, UsersFile, UsersFileError } from './users-file.parser';
import { UsersRepository } from './users.repository';

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
const MEMBERSHIP_COLUMNS = [
  ['id', 'uuid'],
  ['workspace_id', 'uuid'],
  ['user_id', 'uuid'],
  ['inserted_at', 'timestamp'],
  ['updated_at', 'timestamp'],
] as const;
const IDENTITY_COLUMNS = [
  ['id', 'uuid'],
  ['provider', 'varchar'],
  ['subject', 'varchar'],
  ['user_id', 'uuid'],
  ['email', 'varchar'],
  ['created_at', 'timestamp'],
  ['last_sign_in_at', 'timestamp'],
] as const;
const PROVIDER_MEMBERSHIP_COLUMNS = [
  ['membership_id', 'uuid'],
  ['provider', 'varchar'],
  ['created_at', 'timestamp'],
] as const;

/** The tables an import writes to. */
const ANALYSED_TABLES = ['users', 'workspaces', 'workspaces_users', 'oauth_identities', 'oauth_memberships'];

/** Imports a whole users file in one transaction, with bulk inserts (a few statements whatever the size). */
@Injectable()
export class UsersImporter {
  constructor(
    private readonly database: Database,
    private readonly repository: UsersRepository,
    private readonly audit: AuditLog,
  ) {}

  /**
   * Writes every user or none. `onUser` is told of each user once it is checked, before anything is written.
   * On PostgreSQL the tables written are analysed afterwards: until autovacuum gets to them, the planner would
   * plan every request's lookup on the statistics of the tables before the import (with 100,000 users imported
   * into an empty database, `GET /api/me` ran ten times slower).
   */
  async import(file: UsersFile, onUser?: (user: ImportedUser, index: number) => void, source?: string): Promise<void> {
    await this.write(file, onUser, source);
    if (this.database.engine === 'postgres' && file.users.length > 0) {
      const dataSource = await this.database.dataSource();
      await dataSource.query(`ANALYZE ${ANALYSED_TABLES.join(', ')}`);
    }
  }

  private async write(
    file: UsersFile,
    onUser: ((user: ImportedUser, index: number) => void) | undefined,
    source: string | undefined,
  ): Promise<void> {
    const { users } = file;
    await this.database.transaction(async (manager) => {
      await this.assertNotInDatabase(manager, users);
      users.forEach((user, index) => onUser?.(user, index));
      const workspaceIds = await findOrCreateWorkspaces(manager, [
        ...file.workspaces,
        ...users.flatMap((user) => user.workspaces),
      ]);
      // The rows are generated as each statement's batch is built: only a batch of them is held at a time.
      const ids = users.map(() => randomUUID());
      await bulkInsert(
        manager,
        'users',
        USER_COLUMNS,
        (function* () {
          for (const [index, user] of users.entries()) {
            // Each user a little later than the one before: listings (oldest first) keep the file's order.
            const at = now();
            const { firstName, lastName, username, role, apiKey, passwordHash, disabled } = user;
            yield [ids[index], firstName, lastName, username, role, apiKey, passwordHash, at, at, disabled];
          }
        })(),
      );
      // The memberships a provider's claims granted, [membership id, provider]: few, kept as they are generated.
      const granted: [string, string][] = [];
      await bulkInsert(
        manager,
        'workspaces_users',
        MEMBERSHIP_COLUMNS,
        (function* () {
          for (const [index, user] of users.entries()) {
            for (const name of user.workspaces) {
              // Each membership a little later than the one before: a user's workspaces list in the file's order.
              const time = now();
              const id = randomUUID();
              for (const grant of user.providerWorkspaces ?? []) {
                if (grant.workspace === name) granted.push([id, grant.provider]);
              }
              yield [id, workspaceIds.get(name)!, ids[index], time, time];
            }
          }
        })(),
      );
      const at = now();
      await bulkInsert(
        manager,
        'oauth_identities',
        IDENTITY_COLUMNS,
        users.flatMap((user, index) =>
          (user.identities ?? []).map((identity) => [
            randomUUID(),
            identity.provider,
            identity.subject,
            ids[index],
            identity.email,
            at,
            at,
          ]),
        ),
      );
      await bulkInsert(
        manager,
        'oauth_memberships',
        PROVIDER_MEMBERSHIP_COLUMNS,
        granted.map(([membershipId, provider]) => [membershipId, provider, at]),
      );
      // One event for the whole file: its name and the count, not its content.
      await this.audit.record(manager, {
        action: 'users.imported',
        target: { type: 'users_file', name: source ?? null },
        details: { count: users.length },
      });
    });
  }

  private async assertNotInDatabase(manager: EntityManager, users: ImportedUser[]): Promise<void> {
    const position = new Map(users.map((user, index) => [user.username, index + 1]));
    // The first of the file's users whose username, then whose API key, is taken: one statement each.
    const takenNames = new Set(
      await this.repository.takenUsernames(
        users.map((user) => user.username),
        manager,
      ),
    );
    const byName = users.find((user) => takenNames.has(user.username));
    if (byName !== undefined) {
      throw new UsersFileError(
        `entry ${position.get(byName.username)} (username '${byName.username}'): field 'username' already exists in the database`,
      );
    }
    const takenKeys = new Set(
      await this.repository.takenApiKeys(
        users.map((user) => user.apiKey),
        manager,
      ),
    );
    const byKey = users.find((user) => takenKeys.has(user.apiKey));
    if (byKey !== undefined) {
      throw new UsersFileError(
        `entry ${position.get(byKey.username)} (username '${byKey.username}'): field 'api_key' already exists in the database`,
      );
    }
    await this.assertIdentitiesNotLinked(manager, users, position);
  }

  /** An identity links one user: one already linked in the database cannot be linked again. */
  private async assertIdentitiesNotLinked(
    manager: EntityManager,
    users: ImportedUser[],
    position: Map<string, number>,
  ): Promise<void> {
    const owners = new Map(
      users.flatMap((user) =>
        (user.identities ?? []).map((identity) => [JSON.stringify([identity.provider, identity.subject]), user]),
      ),
    );
    if (owners.size === 0) return;
    let taken: OAuthIdentity | undefined;
    for (const batch of chunks([...owners.keys()].map((key) => JSON.parse(key) as [string, string]))) {
      const linked = await manager.find(OAuthIdentity, {
        select: { provider: true, subject: true },
        where: {
          provider: In([...new Set(batch.map(([provider]) => provider))]),
          subject: In(batch.map(([, s]) => s)),
        },
      });
      taken = linked.find((identity) => owners.has(JSON.stringify([identity.provider, identity.subject])));
      if (taken !== undefined) break;
    }
    if (taken === undefined) return;
    const user = owners.get(JSON.stringify([taken.provider, taken.subject]))!;
    throw new UsersFileError(
      `entry ${position.get(user.username)} (username '${user.username}'): field 'identities' has the identity ` +
        `('${taken.provider}', '${taken.subject}'), which is already linked to another user in the database`,
    );
  }
}
