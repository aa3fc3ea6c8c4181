import { Injectable } from '@nestjs/common';
import { Database, OAuthIdentity, Workspace } from '@argilla/database';
import { LinkedIdentitiesService } from './linked-identities.service';
import { UsersRepository } from './users.repository';

/** One user as `users export` writes it: the users file's fields, with the role and names spelled out. */
export interface ExportedUser {
  username: string;
  first_name: string;
  last_name?: string;
  role: string;
  api_key: string;
  hashed_password: string;
  workspaces: string[];
  disabled: boolean;
  /** Identities at OpenID providers (single sign-on), when the user has any. */
  identities?: { provider: string; subject: string; email?: string }[];
  /** Of `workspaces`, those each provider's claims granted, when any. */
  provider_workspaces?: Record<string, string[]>;
}

export interface UsersExport {
  users: ExportedUser[];
  /** Workspaces nobody belongs to (they would be lost otherwise). */
  emptyWorkspaces: string[];
}

/**
 * Reads every user, workspace and membership into the users file format, users by username (so that two exports
 * of the same data are the same file). Each entry carries `role`, so that `users migrate` takes it literally: the
 * same role, names and workspaces, in the same order.
 */
@Injectable()
export class UsersExporter {
  constructor(
    private readonly database: Database,
    private readonly users: UsersRepository,
    private readonly identities: LinkedIdentitiesService,
  ) {}

  async export(): Promise<UsersExport> {
    const dataSource = await this.database.dataSource();
    const [users, workspaces, identities, providerWorkspaces] = await Promise.all([
      this.users.list(),
      dataSource.getRepository(Workspace).find({ select: { name: true } }),
      this.identities.byUser(),
      this.identities.providerWorkspacesByUser(),
    ]);
    const joined = new Set(users.flatMap((entry) => entry.workspaces));
    return {
      users: users
        .sort((a, b) => (a.user.username < b.user.username ? -1 : 1))
        .map(({ user, workspaces: names }) => ({
          username: user.username,
          first_name: user.firstName,
          ...(user.lastName !== null ? { last_name: user.lastName } : {}),
          role: user.role,
          api_key: user.apiKey,
          hashed_password: user.passwordHash,
          workspaces: names,
          disabled: user.disabled,
          ...exportedIdentities(identities.get(user.id), providerWorkspaces.get(user.id)),
        })),
      emptyWorkspaces: workspaces
        .map((workspace) => workspace.name)
        .filter((name) => !joined.has(name))
        .sort(),
    };
  }
}

function exportedIdentities(
  identities: OAuthIdentity[] | undefined,
  providerWorkspaces: Map<string, string[]> | undefined,
): Pick<ExportedUser, 'identities' | 'provider_workspaces'> {
  return {
    ...(identities
      ? {
          identities: identities.map(({ provider, subject, email }) => ({
            provider,
            subject,
            ...(email !== null ? { email } : {}),
          })),
        }
      : {}),
    ...(providerWorkspaces ? { provider_workspaces: Object.fromEntries(providerWorkspaces) } : {}),
  };
}

/**
 * The export as YAML: Argilla's list of users, or, when some workspaces have no member, a mapping with `workspaces`
 * (those) and `users` (the list), which `users migrate` reads too.
 */
export async function formatUsersFile(data: UsersExport, header: string): Promise<string> {
  const { dump } = await import('js-yaml');
  const body = data.emptyWorkspaces.length > 0 ? { workspaces: data.emptyWorkspaces, users: data.users } : data.users;
  const comments = header
    .split('\n')
    .map((line) => `# ${line}\n`)
    .join('');
  return comments + dump(body, { lineWidth: -1, noRefs: true });
}
