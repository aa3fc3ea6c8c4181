import { readFile } from 'node:fs/promises';
import { Inject } from '@nestjs/common';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { SETTINGS, Settings } from '@argilla/config';
import { parseUsersFile, UsersFile, UsersFileError, UsersImporter } from '@argilla/users';
import { CliOutput } from '../cli-output';
import { pyRepr } from '../python-repr';

interface MigrateUsersOptions {
  file?: string;
}

@SubCommand({
  name: 'migrate',
  description:
    'Import the users of an Argilla users file (YAML): all of them in one transaction, or none. ' +
    'Users without a workspaces key become admins, the others annotators; each also joins a workspace ' +
    'named after it. Missing workspaces are created. Entries with a role key (as users export writes them) ' +
    'are taken literally: that role, first_name, last_name and exactly the listed workspaces.',
})
export class MigrateUsersCommand extends CommandRunner {
  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly importer: UsersImporter,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run(_args: string[], options: MigrateUsersOptions): Promise<void> {
    const path = options.file ?? this.settings.auth.usersDbFile;
    this.output.line(`Starting users migration process using file ${pyRepr(path)}`);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new Error(`Cannot read the users file ${pyRepr(path)}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
    try {
      const file = await parseUsersFile(text);
      if (process.stdout.isTTY) {
        await this.importWithProgressBar(file, path);
      } else {
        await this.importer.import(
          file,
          (user) => this.output.line(`Migrating User with username ${pyRepr(user.username)}`),
          path,
        );
      }
    } catch (error) {
      if (error instanceof UsersFileError) {
        throw new Error(`Invalid users file ${pyRepr(path)}, nothing was imported: ${error.message}`);
      }
      throw error;
    }
    this.output.line('Users migration process successfully finished');
  }

  /** At a terminal: one bar instead of a line per user. Loaded only here, so other commands start faster. */
  private async importWithProgressBar(file: UsersFile, path: string): Promise<void> {
    const { SingleBar, Presets } = await import('cli-progress');
    const bar = new SingleBar(
      { format: 'Migrating users [{bar}] {value}/{total} {username}', hideCursor: true },
      Presets.shades_classic,
    );
    bar.start(file.users.length, 0, { username: '' });
    try {
      await this.importer.import(file, (user, index) => bar.update(index + 1, { username: user.username }), path);
    } finally {
      bar.stop();
    }
  }

  @Option({
    flags: '--file <path>',
    description: 'The users file (default: ARGILLA_LOCAL_AUTH_USERS_DB_FILE, or .users.yml)',
  })
  parseFile(value: string): string {
    return value;
  }
}
