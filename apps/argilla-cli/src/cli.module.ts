import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, Settings } from '@argilla/config';
import { AuditModule, DatabaseModule } from '@argilla/database';
import { UsersModule } from '@argilla/users';
import { WorkspacesModule } from '@argilla/workspaces';
import { AuditCommand, AuditListCommand } from './audit/audit.command';
import { CliOutput } from './cli-output';
import { DatabaseCommand } from './database/database.command';
import { MigrateCommand } from './database/migrate.command';
import { RevisionsCommand } from './database/revisions.command';
import { Lookup } from './lookup';
import { Prompt } from './prompt';
import { USER_SUBCOMMANDS, UsersCommand } from './users/users.command';
import { WORKSPACE_SUBCOMMANDS, WorkspacesCommand } from './workspaces/workspaces.command';

@Module({})
export class CliModule {
  static forRoot(settings: Settings): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(settings), DatabaseModule, AuditModule, UsersModule, WorkspacesModule],
      providers: [
        CliOutput,
        Prompt,
        Lookup,
        DatabaseCommand,
        MigrateCommand,
        RevisionsCommand,
        UsersCommand,
        ...USER_SUBCOMMANDS,
        WorkspacesCommand,
        ...WORKSPACE_SUBCOMMANDS,
        AuditCommand,
        AuditListCommand,
      ],
    };
  }
}
