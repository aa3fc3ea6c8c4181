import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityAlreadyExistsError, EntityNotFoundError, JsonArrayParts, now, parseTimestamp } from '@argilla/common';
import {
  AuditLog,
  AuditTarget,
  Database,
  isForeignKeyViolation,
  fromStoredId,
  isUniqueViolation,
  toStoredId,
  User,
  Workspace,
  WorkspaceUser,
} from '@argilla/database';
import {
  HIDE_API_KEYS,
  ResponseAudience,
  SHOW_API_KEYS,
  toUserResponse,
  UsersRepository,
  UsersService,
  UserWithWorkspaces,
} from '@argilla/users';
import { toWorkspaceResponse } from './workspace-response';

/** How many workspaces' member lists are kept serialised at a time (each rebuilt when the data changes). */
const MEMBER_LISTS_KEPT = 256;
/** Workspaces serialised at a time for GET /api/workspaces. */
const LIST_CHUNK = 2_000;

interface WorkspaceRow {
  id: string;
  name: string;
  inserted_at: Date | string;
  updated_at: Date | string;
}

// Workspaces created together share a time: the name keeps their order stable.
const ALL_WORKSPACES = 'SELECT id, name, inserted_at, updated_at FROM workspaces ORDER BY inserted_at, name';

function toWorkspace(row: WorkspaceRow): Workspace {
  return Object.assign(new Workspace(), {
    id: fromStoredId(row.id),
    name: row.name,
    insertedAt: parseTimestamp(row.inserted_at),
    updatedAt: parseTimestamp(row.updated_at),
  });
}

@Injectable()
export class WorkspacesService {
  private readonly names;
  private readonly all;
  private readonly listBody: () => Promise<Buffer[]>;
  private readonly cachedNames: () => Promise<string[]>;
  private readonly membersBody: (workspaceId: string) => Promise<Buffer>;
  private readonly membersBodyWithoutKeys: (workspaceId: string) => Promise<Buffer>;

  constructor(
    private readonly database: Database,
    private readonly users: UsersService,
    private readonly userRows: UsersRepository,
    private readonly audit: AuditLog,
  ) {
    // Workspaces created together share a time: the name keeps their order stable.
    this.names = database.prepared<{ name: string }>(
      'argilla_workspace_names',
      'SELECT name FROM workspaces ORDER BY inserted_at, name',
    );
    this.all = database.prepared<WorkspaceRow>('argilla_all_workspaces', ALL_WORKSPACES);
    // Built a chunk of workspaces at a time (one each user at 100,000 users): never every row at once.
    this.listBody = database.versioned(async () => {
      const json = new JsonArrayParts();
      await database.readSnapshot((reader) =>
        reader.chunks<WorkspaceRow>(ALL_WORKSPACES, LIST_CHUNK, (rows) =>
          json.add(rows.map((row) => toWorkspaceResponse(toWorkspace(row)))),
        ),
      );
      return json.finish();
    });
    this.cachedNames = database.versioned(async () => (await this.names([])).map((row) => row.name));
    const membersBody = (audience: ResponseAudience) => async (workspaceId: string) =>
      Buffer.from(JSON.stringify((await this.members(workspaceId)).map((user) => toUserResponse(user, audience))));
    this.membersBody = database.versionedByKey(membersBody(SHOW_API_KEYS), MEMBER_LISTS_KEPT);
    this.membersBodyWithoutKeys = database.versionedByKey(membersBody(HIDE_API_KEYS), MEMBER_LISTS_KEPT);
  }

  /**
   * `GET /api/workspaces`'s body, serialised once per data version (as `GET /api/users`): a change committed by
   * any replica, the CLI or plain SQL is in the next answer.
   */
  listResponseBody(): Promise<Buffer[]> {
    return this.listBody();
  }

  /**
   * `GET /api/workspaces/{id}/users`'s body, serialised once per data version; 404 for an unknown workspace. Without
   * API keys for a personal access token.
   */
  membersResponseBody(workspaceId: string, audience: ResponseAudience = SHOW_API_KEYS): Promise<Buffer> {
    return audience.apiKeys ? this.membersBody(workspaceId) : this.membersBodyWithoutKeys(workspaceId);
  }

  /** Every workspace, oldest first (one prepared query; no entity hydration for what is only listed). */
  async list(): Promise<Workspace[]> {
    return (await this.all([])).map(toWorkspace);
  }

  /**
   * Every workspace name, oldest first (an admin's `GET /api/me`): read once per data version. The array is
   * shared: callers must not change it.
   */
  listNames(): Promise<string[]> {
    return this.cachedNames();
  }

  /** Every workspace, oldest first, with its number of members (the CLI's list). */
  async listWithMemberCounts(): Promise<{ workspace: Workspace; members: number }[]> {
    const [workspaces, counts] = await Promise.all([this.list(), this.memberCounts()]);
    return workspaces.map((workspace) => ({ workspace, members: counts.get(workspace.id) ?? 0 }));
  }

  private async memberCounts(): Promise<Map<string, number>> {
    const dataSource = await this.database.dataSource();
    const rows: { workspace_id: string; members: string | number }[] = await dataSource
      .getRepository(WorkspaceUser)
      .createQueryBuilder('membership')
      .select('membership.workspace_id', 'workspace_id')
      .addSelect('COUNT(*)', 'members')
      .groupBy('membership.workspace_id')
      .getRawMany();
    return new Map(rows.map((row) => [fromStoredId(row.workspace_id), Number(row.members)]));
  }

  async findByName(name: string): Promise<Workspace | null> {
    const dataSource = await this.database.dataSource();
    return dataSource.getRepository(Workspace).findOneBy({ name });
  }

  async getById(id: string): Promise<Workspace> {
    const dataSource = await this.database.dataSource();
    const workspace = await dataSource.getRepository(Workspace).findOneBy({ id });
    if (!workspace) throw new EntityNotFoundError(id, 'Workspace');
    return workspace;
  }

  /** A duplicate name is a 409, also when two requests race for it. */
  async create(name: string): Promise<Workspace> {
    const conflict = new EntityAlreadyExistsError(name, 'Workspace', 'name');
    try {
      return await this.database.transaction(async (manager) => {
        if (await manager.existsBy(Workspace, { name })) throw conflict;
        const at = now();
        const workspace = manager.create(Workspace, { id: randomUUID(), name, insertedAt: at, updatedAt: at });
        await manager.insert(Workspace, workspace);
        await this.audit.record(manager, { action: 'workspace.created', target: workspaceTarget(workspace) });
        return workspace;
      });
    } catch (error) {
      throw isUniqueViolation(error) ? conflict : error;
    }
  }

  /** Deletes the workspace (its memberships go with it) and returns it as it was; 404 when unknown. */
  async delete(id: string): Promise<Workspace> {
    const workspace = await this.getById(id);
    const deleted = await this.database.transaction(async (manager) => {
      const result = await manager.delete(Workspace, { id });
      if (!result.affected) return false;
      await this.audit.record(manager, { action: 'workspace.deleted', target: workspaceTarget(workspace) });
      return true;
    });
    if (!deleted) throw new EntityNotFoundError(id, 'Workspace');
    return workspace;
  }

  /** The workspaces a user belongs to, in the order it joined them. */
  async ofUser(userId: string): Promise<Workspace[]> {
    const dataSource = await this.database.dataSource();
    return dataSource
      .getRepository(Workspace)
      .createQueryBuilder('workspace')
      .innerJoin(WorkspaceUser, 'membership', 'membership.workspace_id = workspace.id')
      .where('membership.user_id = :userId', { userId: toStoredId(userId) })
      .orderBy('membership.inserted_at', 'ASC')
      .getMany();
  }

  async isMember(workspaceId: string, userId: string): Promise<boolean> {
    const dataSource = await this.database.dataSource();
    return dataSource.getRepository(WorkspaceUser).existsBy({ workspaceId, userId });
  }

  /** The members of a workspace, in the order they joined, each with all its workspaces. */
  async members(workspaceId: string): Promise<UserWithWorkspaces[]> {
    await this.getById(workspaceId);
    const dataSource = await this.database.dataSource();
    const users = await dataSource
      .getRepository(User)
      .createQueryBuilder('user')
      .innerJoin(WorkspaceUser, 'membership', 'membership.user_id = user.id')
      .where('membership.workspace_id = :workspaceId', { workspaceId: toStoredId(workspaceId) })
      .orderBy('membership.inserted_at', 'ASC')
      .getMany();
    return this.userRows.manyWithWorkspaces(users);
  }

  /** Adds the user to the workspace: 404 for an unknown workspace or user, 409 when it is already a member. */
  async addMember(workspaceId: string, userId: string): Promise<UserWithWorkspaces> {
    const workspace = await this.getById(workspaceId);
    const user = await this.users.getById(userId);
    const conflict = new EntityAlreadyExistsError(userId, 'User', 'membership');
    try {
      await this.database.transaction(async (manager) => {
        if (await manager.existsBy(WorkspaceUser, { workspaceId, userId })) throw conflict;
        const at = now();
        await manager.insert(WorkspaceUser, { id: randomUUID(), workspaceId, userId, insertedAt: at, updatedAt: at });
        await this.audit.record(manager, {
          action: 'workspace.member_added',
          target: workspaceTarget(workspace),
          details: { user_id: user.id, username: user.username },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict;
      // The user or the workspace was deleted meanwhile (foreign key): report it as not found.
      if (isForeignKeyViolation(error)) await Promise.all([this.getById(workspaceId), this.users.getById(userId)]);
      throw error;
    }
    return this.userRows.withWorkspaces(user);
  }

  /**
   * Removes the user from the workspace. Like Argilla 1.8, it looks up the membership itself: an unknown workspace,
   * an unknown user or a user that is not a member are all 404 `{"name": <user id>, "type": "User"}`.
   */
  async removeMember(workspaceId: string, userId: string): Promise<UserWithWorkspaces> {
    const removed = await this.database.transaction(async (manager) => {
      const result = await manager.delete(WorkspaceUser, { workspaceId, userId });
      if (!result.affected) return null;
      const [workspace, user] = await Promise.all([
        manager.findOneBy(Workspace, { id: workspaceId }),
        manager.findOneBy(User, { id: userId }),
      ]);
      await this.audit.record(manager, {
        action: 'workspace.member_removed',
        target: { type: 'workspace', id: workspaceId, name: workspace?.name ?? null },
        details: { user_id: userId, username: user?.username ?? null },
      });
      return user;
    });
    if (!removed) throw new EntityNotFoundError(userId, 'User');
    return this.userRows.withWorkspaces(removed);
  }
}

/** A workspace as an audit event's target. */
function workspaceTarget(workspace: Workspace): AuditTarget {
  return { type: 'workspace', id: workspace.id, name: workspace.name };
}
