import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, Settings } from '@argilla/config';
import { DatabaseModule } from '@argilla/database';
import { CliOutput } from './cli-output';
import { DatabaseCommand } from './database/database.command';
import { MigrateCommand } from './database/migrate.command';
import { RevisionsCommand } from './database/revisions.command';

@Module({})
export class CliModule {
  static forRoot(settings: Settings): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(settings), DatabaseModule],
      providers: [CliOutput, DatabaseCommand, MigrateCommand, RevisionsCommand],
    };
  }
}
