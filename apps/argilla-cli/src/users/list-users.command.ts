import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { UserRole } from '@argilla/database';
import { toUserV1Response, UsersRepository } from '@argilla/users';
import { parseRole } from '../cli-errors';
import { CliOutput } from '../cli-output';
import { Lookup } from '../lookup';

interface ListUsersOptions {
  role?: UserRole;
  workspace?: string;
  json?: boolean;
}

/** The v1 API's user (no API key) with its workspaces, in the order the CLI has always printed. */
const JSON_KEYS = [
  'id',
  'username',
  'first_name',
  'last_name',
  'role',
  'workspaces',
  'disabled',
  'inserted_at',
  'updated_at',
] as const;

@SubCommand({
  name: 'list',
  description: 'List users, oldest first, as a table (or JSON with --json). API keys and hashes are not shown',
})
export class ListUsersCommand extends CommandRunner {
  constructor(
    private readonly users: UsersRepository,
    private readonly lookup: Lookup,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run(_args: string[], options: ListUsersOptions): Promise<void> {
    // A misspelt workspace is an error, not an empty list.
    if (options.workspace !== undefined) await this.lookup.workspace(options.workspace);
    const users = await this.users.search({ role: options.role, workspace: options.workspace });
    if (options.json) {
      this.output.json(
        users.map(({ user, workspaces }) => ({ ...toUserV1Response(user), workspaces })),
        JSON_KEYS,
      );
      return;
    }
    if (users.length === 0) {
      this.output.line('No users found.');
      return;
    }
    this.output.table(
      ['USERNAME', 'ROLE', 'FIRST NAME', 'LAST NAME', 'STATUS', 'WORKSPACES'],
      users.map(({ user, workspaces }) => [
        user.username,
        user.role,
        user.firstName,
        user.lastName ?? '',
        user.disabled ? 'disabled' : 'enabled',
        workspaces.join(', '),
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
