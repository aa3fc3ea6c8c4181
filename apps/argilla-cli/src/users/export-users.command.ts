import { chmod, writeFile } from 'node:fs/promises';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { formatUsersFile, UsersExporter } from '@argilla/users';
import { CliOutput } from '../cli-output';
import { pyRepr } from '../python-repr';

interface ExportUsersOptions {
  file?: string;
  force?: boolean;
}

@SubCommand({
  name: 'export',
  description:
    'Write every user (password hash and API key included), workspace and membership as a users file, which ' +
    '`users migrate` imports as it was. To standard output, or to --file (created readable by its owner only)',
})
export class ExportUsersCommand extends CommandRunner {
  constructor(
    private readonly exporter: UsersExporter,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run(_args: string[], options: ExportUsersOptions): Promise<void> {
    const data = await this.exporter.export();
    const workspaces = new Set([...data.emptyWorkspaces, ...data.users.flatMap((user) => user.workspaces)]).size;
    const summary = `${data.users.length} users, ${workspaces} workspaces`;
    const text = await formatUsersFile(
      data,
      `Argilla users: ${summary}. It holds password hashes and API keys: keep it secret.\n` +
        'Import it with: argilla-cli users migrate --file <this file>',
    );
    if (options.file === undefined) {
      process.stdout.write(text);
      return;
    }
    try {
      // Owner-only, and never over an existing file unless asked.
      await writeFile(options.file, text, { mode: 0o600, flag: options.force ? 'w' : 'wx' });
      if (options.force) await chmod(options.file, 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        throw new Error(`File ${pyRepr(options.file)} already exists: choose another path, or add --force`);
      }
      throw new Error(`Cannot write ${pyRepr(options.file)}: ${code ?? error}`);
    }
    this.output.line(`Exported ${summary} to ${pyRepr(options.file)}`);
  }

  @Option({ flags: '--file <path>', description: 'Write to this file instead of standard output' })
  parseFile(value: string): string {
    return value;
  }

  @Option({ flags: '--force', description: 'Overwrite the file if it exists' })
  parseForce(): boolean {
    return true;
  }
}
