import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { UserRole } from '@argilla/database';
import { LinkedIdentitiesService, toUserV1Response, UsersRepository } from '@argilla/users';
import { parseRole } from '../cli-errors';
import { CliOutput } from '../cli-output';
import { Lookup } from '../lookup';
import { identityJson } from './identities.command';

interface ListUsersOptions {
  role?: UserRole;
  workspace?: string;
  json?: boolean;
}

@SubCommand({
  name: 'list',
  description:
    'List users, oldest first, as a table (or JSON with --json), with the OpenID providers each signs in through. ' +
    'API keys and hashes are not shown',
})
export class ListUsersCommand extends CommandRunner {
  constructor(
    private readonly users: UsersRepository,
    private readonly lookup: Lookup,
    private readonly output: CliOutput,
    private readonly identities: LinkedIdentitiesService,
  ) {
    super();
  }

  async run(_args: string[], options: ListUsersOptions): Promise<void> {
    // A misspelt workspace is an error, not an empty list.
    if (options.workspace !== undefined) await this.lookup.workspace(options.workspace);
    const [users, identities] = await Promise.all([
      this.users.search({ role: options.role, workspace: options.workspace }),
      this.identities.byUser(),
    ]);
    if (options.json) {
      this.output.json(
        // The v1 API's user (no API key), its workspaces and its identities at OpenID providers.
        users.map(({ user, workspaces }) => {
          const { id, username, first_name, last_name, role, ...rest } = toUserV1Response(user);
          const linked = (identities.get(user.id) ?? []).map(identityJson);
          return { id, username, first_name, last_name, role, workspaces, identities: linked, ...rest };
        }),
      );
      return;
    }
    if (users.length === 0) {
      this.output.line('No users found.');
      return;
    }
    this.output.table(
      ['USERNAME', 'ROLE', 'FIRST NAME', 'LAST NAME', 'STATUS', 'WORKSPACES', 'SSO'],
      users.map(({ user, workspaces }) => [
        user.username,
        user.role,
        user.firstName,
        user.lastName ?? '',
        user.disabled ? 'disabled' : 'enabled',
        workspaces.join(', '),
        [...new Set((identities.get(user.id) ?? []).map((identity) => identity.provider))].join(', '),
      ]),
    );
  }

  @Option({ flags: '--role <role>', description: 'Only users with this role: admin, annotator or owner' })
  parseRole(value: string): string {
    return parseRole(value);
  }

  @Option({ flags: '--workspace <name>', description: 'Only the members of this workspace' })
  parseWorkspace(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'Print a JSON array instead of a table' })
  parseJson(): boolean {
    return true;
  }
}
