import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, Settings } from '@argilla/config';
import { DatabaseModule } from '@argilla/database';
import { UsersModule } from '@argilla/users';
import { CliOutput } from './cli-output';
import { DatabaseCommand } from './database/database.command';
import { MigrateCommand } from './database/migrate.command';
import { RevisionsCommand } from './database/revisions.command';
import { Prompt } from './prompt';
import { CreateDefaultCommand } from './users/create-default.command';
import { CreateUserCommand } from './users/create-user.command';
import { MigrateUsersCommand } from './users/migrate-users.command';
import { UsersCommand } from './users/users.command';

@Module({})
export class CliModule {
  static forRoot(settings: Settings): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(settings), DatabaseModule, UsersModule],
      providers: [
        CliOutput,
        Prompt,
        DatabaseCommand,
        MigrateCommand,
        RevisionsCommand,
        UsersCommand,
        CreateUserCommand,
        CreateDefaultCommand,
        MigrateUsersCommand,
      ],
    };
  }
}
