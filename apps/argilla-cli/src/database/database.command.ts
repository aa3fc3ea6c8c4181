import { Command, CommandRunner } from 'nest-commander';
import { MigrateCommand } from './migrate.command';
import { RevisionsCommand } from './revisions.command';

@Command({
  name: 'database',
  description: 'Manage the database schema: migrate, list revisions',
  subCommands: [MigrateCommand, RevisionsCommand],
})
export class DatabaseCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.outputHelp({ error: true });
    process.exitCode = 2;
  }
}
