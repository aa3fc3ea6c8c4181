import { Option, SubCommand } from 'nest-commander';
import { UserRole } from '@argilla/database';
import { UpdateUserDto } from '@argilla/users';
import { parseRole, UsageError, validated } from '../cli-errors';
import { pyRepr } from '../python-repr';
import { printUser } from './print-user';
import { UserCommand } from './user-command';

interface UpdateUserOptions {
  role?: UserRole;
  firstName?: string;
  lastName?: string;
}

@SubCommand({
  name: 'update',
  arguments: '<username>',
  description:
    "Change a user's role or names (the last enabled admin or owner cannot be demoted). An empty --last-name removes it",
})
export class UpdateUserCommand extends UserCommand {
  async run([username]: string[], options: UpdateUserOptions): Promise<void> {
    if (options.role === undefined && options.firstName === undefined && options.lastName === undefined) {
      throw new UsageError('nothing to change: give --role, --first-name or --last-name');
    }
    const input = validated(UpdateUserDto, {
      role: options.role,
      first_name: options.firstName,
      last_name: options.lastName === '' ? null : options.lastName,
    });
    const user = await this.lookup.user(username);
    const updated = await this.users.update(user.id, {
      role: input.role,
      firstName: input.first_name,
      lastName: input.last_name,
    });
    this.output.line(`User ${pyRepr(username)} successfully updated:`);
    printUser(this.output, updated);
  }

  @Option({ flags: '--role <role>', description: 'admin, annotator or owner (owner: the rights of admin)' })
  parseRole(value: string): string {
    return parseRole(value);
  }

  @Option({ flags: '--first-name <name>', description: 'A new first name' })
  parseFirstName(value: string): string {
    return value;
  }

  @Option({ flags: '--last-name <name>', description: 'A new last name ("" removes it)' })
  parseLastName(value: string): string {
    return value;
  }
}
