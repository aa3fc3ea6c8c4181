import { Command, CommandRunner } from 'nest-commander';
import { CreateDefaultCommand } from './create-default.command';
import { CreateUserCommand } from './create-user.command';
import { MigrateUsersCommand } from './migrate-users.command';

@Command({
  name: 'users',
  description: 'Manage users: create, create_default, migrate',
  subCommands: [CreateUserCommand, CreateDefaultCommand, MigrateUsersCommand],
})
export class UsersCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.outputHelp({ error: true });
    process.exitCode = 2;
  }
}
