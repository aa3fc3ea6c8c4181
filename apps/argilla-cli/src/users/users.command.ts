import { Command, CommandRunner } from 'nest-commander';
import { CreateDefaultCommand } from './create-default.command';
import { CreateUserCommand } from './create-user.command';
import { DeleteUserCommand } from './delete-user.command';
import { DisableUserCommand, EnableUserCommand } from './disable-user.command';
import { ExportUsersCommand } from './export-users.command';
import { ListIdentitiesCommand, UnlinkIdentityCommand } from './identities.command';
import { ListUsersCommand } from './list-users.command';
import { MigrateUsersCommand } from './migrate-users.command';
import { ResetPasswordCommand } from './reset-password.command';
import { RotateApiKeyCommand } from './rotate-api-key.command';
import { EndSessionsCommand, ListSessionsCommand } from './sessions.command';
import { CreateTokenCommand, ListTokensCommand, RevokeTokenCommand } from './tokens.command';
import { UpdateUserCommand } from './update-user.command';

export const USER_SUBCOMMANDS = [
  CreateUserCommand,
  CreateDefaultCommand,
  MigrateUsersCommand,
  ListUsersCommand,
  UpdateUserCommand,
  DeleteUserCommand,
  ResetPasswordCommand,
  RotateApiKeyCommand,
  DisableUserCommand,
  EnableUserCommand,
  ExportUsersCommand,
  ListIdentitiesCommand,
  UnlinkIdentityCommand,
  ListTokensCommand,
  CreateTokenCommand,
  RevokeTokenCommand,
  ListSessionsCommand,
  EndSessionsCommand,
];

@Command({
  name: 'users',
  description:
    'Manage users: create, create_default, migrate, list, update, delete, reset-password, rotate-api-key, ' +
    'disable, enable, export, identities, unlink, tokens, create-token, revoke-token, sessions, end-sessions',
  subCommands: USER_SUBCOMMANDS,
})
export class UsersCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.outputHelp({ error: true });
    process.exitCode = 2;
  }
}
