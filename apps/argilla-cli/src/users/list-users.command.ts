import { Option, SubCommand } from 'nest-commander';
import { formatTimestamp } from '@argilla/common';
import { UserRole } from '@argilla/database';
import { parseRole } from '../cli-errors';
import { UserCommand } from './user-command';

interface ListUsersOptions {
  role?: UserRole;
  workspace?: string;
  json?: boolean;
}

@SubCommand({
  name: 'list',
  description: 'List users, oldest first, as a table (or JSON with --json). API keys and hashes are not shown',
})
export class ListUsersCommand extends UserCommand {
  async run(_args: string[], options: ListUsersOptions): Promise<void> {
    // A misspelt workspace is an error, not an empty list.
    if (options.workspace !== undefined) await this.lookup.workspace(options.workspace);
    const users = await this.users.search({ role: options.role, workspace: options.workspace });
    if (options.json) {
      this.output.json(
        users.map(({ user, workspaces }) => ({
          id: user.id,
          username: user.username,
          first_name: user.firstName,
          last_name: user.lastName,
          role: user.role,
          workspaces,
          disabled: user.disabled,
          inserted_at: formatTimestamp(user.insertedAt),
          updated_at: formatTimestamp(user.updatedAt),
        })),
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
