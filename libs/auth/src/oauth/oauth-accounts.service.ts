import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { LastAdminError, now, UnauthorizedError } from '@argilla/common';
import type { OAuthProviderSettings } from '@argilla/config';
import {
  AuditLog,
  Database,
  hasAdminRights,
  isUniqueViolation,
  OAuthIdentity,
  OAuthMembership,
  toStoredId,
  User,
  Workspace,
  WorkspaceUser,
} from '@argilla/database';
import { UsersRepository, UsersService } from '@argilla/users';
import {
  adminFromClaims,
  Claims,
  mayLink,
  namesFromClaims,
  usernameFromClaims,
  workspacesFromClaims,
} from './oauth-claims';

/**
 * Who a verified ID token signs in: the user linked to (provider, `sub`), or on a first sign-in a new user (or a local
 * account the provider's linking rule allows taking over); then the role and the provider's workspaces from the
 * claims, at every sign-in.
 */
@Injectable()
export class OAuthAccountsService {
  private readonly logger = new Logger('SingleSignOn');

  constructor(
    private readonly database: Database,
    private readonly users: UsersService,
    private readonly usersRepository: UsersRepository,
    private readonly audit: AuditLog,
  ) {}

  /** The user to issue a token to; 401 when this identity may not sign in (disabled, or an unlinked username). */
  async signIn(provider: OAuthProviderSettings, claims: Claims, allowedWorkspaces: readonly string[]): Promise<User> {
    const subject = typeof claims.sub === 'string' ? claims.sub : '';
    if (subject === '') throw new UnauthorizedError();
    const user =
      (await this.linkedUser(provider.name, subject)) ?? (await this.firstSignIn(provider, claims, allowedWorkspaces));
    if (user.disabled) {
      this.logger.warn(`Refused sign-in of disabled user '${user.username}' through ${provider.name}`);
      throw new UnauthorizedError();
    }
    await this.applyRole(provider, claims, user);
    await this.applyWorkspaces(provider, claims, user);
    return this.users.getById(user.id);
  }

  private async linkedUser(provider: string, subject: string): Promise<User | null> {
    return this.database.transaction(async (manager) => {
      const identity = await manager.findOneBy(OAuthIdentity, { provider, subject });
      if (!identity) return null;
      await manager.update(OAuthIdentity, { id: identity.id }, { lastSignInAt: now() });
      return manager.findOneBy(User, { id: identity.userId });
    });
  }

  private async firstSignIn(
    provider: OAuthProviderSettings,
    claims: Claims,
    allowedWorkspaces: readonly string[],
  ): Promise<User> {
    const subject = claims.sub as string;
    const username = usernameFromClaims(claims);
    if (!username) {
      this.logger.warn(
        `Refused first sign-in through ${provider.name}: no preferred_username or email to name the user`,
      );
      throw new UnauthorizedError();
    }
    const email = typeof claims.email === 'string' ? claims.email : null;
    const existing = await this.usersRepository.findByUsername(username);
    if (existing) {
      const linkedElsewhere = await this.database.transaction((manager) =>
        manager.existsBy(OAuthIdentity, { provider: provider.name, userId: existing.id }),
      );
      if (linkedElsewhere || !mayLink(provider.linkExisting, provider.linkEmailDomains, claims, username)) {
        this.logger.warn(
          `Refused first sign-in through ${provider.name} (sub '${subject}'): the username '${username}' belongs ` +
            `to a local account not linked to this identity (link_existing: ${provider.linkExisting})`,
        );
        throw new UnauthorizedError();
      }
      // A disabled account is not linked: the refusal below leaves nothing behind.
      if (existing.disabled) return existing;
      await this.link(provider.name, subject, existing.id, email);
      this.logger.warn(
        `Linked the local account '${username}' to ${provider.name} (sub '${subject}', email '${email ?? ''}') ` +
          `under link_existing: ${provider.linkExisting}`,
      );
      return existing;
    }
    const existingWorkspaces = await this.existingWorkspaces(allowedWorkspaces);
    const { user } = await this.users.create({
      ...namesFromClaims(claims, username),
      username,
      role: 'annotator',
      // Nobody knows it: such a user signs in through its provider (or an admin sets a password).
      password: randomBytes(32).toString('base64url'),
      workspaces: existingWorkspaces,
    });
    try {
      await this.link(provider.name, subject, user.id, email);
    } catch (error) {
      // A concurrent first sign-in of the same identity linked it first: that user stands, this one goes.
      if (!isUniqueViolation(error)) throw error;
      await this.users.delete(user.id, { lastAdmin: 'allow' });
      const linked = await this.linkedUser(provider.name, subject);
      if (!linked) throw error;
      return linked;
    }
    this.logger.log(`Created user '${username}' on first sign-in through ${provider.name} (sub '${subject}')`);
    return user;
  }

  private async link(provider: string, subject: string, userId: string, email: string | null): Promise<void> {
    const at = now();
    await this.database.transaction((manager) =>
      manager.insert(OAuthIdentity, {
        id: randomUUID(),
        provider,
        subject,
        userId,
        email,
        createdAt: at,
        lastSignInAt: at,
      }),
    );
  }

  private async existingWorkspaces(names: readonly string[]): Promise<string[]> {
    if (names.length === 0) return [];
    const found = await this.database.transaction((manager) => manager.findBy(Workspace, { name: In([...names]) }));
    const known = new Set(found.map((workspace) => workspace.name));
    return names.filter((name) => known.has(name));
  }

  /** Admin or annotator as the claims say; an owner stays owner, and the last admin is not demoted (logged). */
  private async applyRole(provider: OAuthProviderSettings, claims: Claims, user: User): Promise<void> {
    const admin = adminFromClaims(provider, claims);
    if (admin === undefined || user.role === 'owner' || hasAdminRights(user.role) === admin) return;
    try {
      await this.users.update(user.id, { role: admin ? 'admin' : 'annotator' });
    } catch (error) {
      if (!(error instanceof LastAdminError)) throw error;
      this.logger.warn(`Kept '${user.username}' admin although ${provider.name}'s claims do not: the last admin`);
    }
  }

  /**
   * Joins the workspaces the claims name (existing ones only) and leaves those this provider granted earlier that
   * the claims no longer name. Memberships granted by hand are never touched, nor marked.
   */
  private async applyWorkspaces(provider: OAuthProviderSettings, claims: Claims, user: User): Promise<void> {
    const wanted = workspacesFromClaims(provider, claims);
    if (wanted === undefined) return;
    await this.database.transaction(async (manager) => {
      await this.database.lockDataVersion(manager);
      const workspaces = wanted.length > 0 ? await manager.findBy(Workspace, { name: In(wanted) }) : [];
      const wantedIds = new Set(workspaces.map((workspace) => workspace.id));
      const memberships = await manager.findBy(WorkspaceUser, { userId: user.id });
      const marks = await this.marksOf(manager, memberships);
      const removed = memberships.filter(
        (membership) => marks.get(membership.id) === provider.name && !wantedIds.has(membership.workspaceId),
      );
      if (removed.length > 0) await manager.delete(WorkspaceUser, { id: In(removed.map((m) => toStoredId(m.id))) });
      const names =
        removed.length > 0
          ? new Map(
              (await manager.findBy(Workspace, { id: In(removed.map((m) => toStoredId(m.workspaceId))) })).map((w) => [
                w.id,
                w.name,
              ]),
            )
          : new Map<string, string>();
      for (const membership of removed) {
        await this.audit.record(manager, {
          action: 'workspace.member_removed',
          target: { type: 'workspace', id: membership.workspaceId, name: names.get(membership.workspaceId) ?? null },
          details: { user_id: user.id, username: user.username, provider: provider.name },
        });
      }
      const joined = new Set(memberships.map((membership) => membership.workspaceId));
      for (const workspace of workspaces) {
        if (joined.has(workspace.id)) continue;
        const at = now();
        const id = randomUUID();
        await manager.insert(WorkspaceUser, {
          id,
          workspaceId: workspace.id,
          userId: user.id,
          insertedAt: at,
          updatedAt: at,
        });
        await manager.insert(OAuthMembership, { membershipId: id, provider: provider.name, createdAt: at });
        await this.audit.record(manager, {
          action: 'workspace.member_added',
          target: { type: 'workspace', id: workspace.id, name: workspace.name },
          details: { user_id: user.id, username: user.username, provider: provider.name },
        });
      }
    });
  }

  private async marksOf(manager: EntityManager, memberships: WorkspaceUser[]): Promise<Map<string, string>> {
    if (memberships.length === 0) return new Map();
    const marks = await manager.findBy(OAuthMembership, { membershipId: In(memberships.map((m) => toStoredId(m.id))) });
    return new Map(marks.map((mark) => [mark.membershipId, mark.provider]));
  }
}
