import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { constants } from 'node:fs';
import { access, link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { PRIVATE_FILE_MODE } from '@argilla/common';
import { UsersExporter, UsersExportSummary } from '@argilla/users';
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
    if (options.file === undefined) {
      await this.exporter.export(writeToStdout, header);
      return;
    }
    const summary = await writeFileAtomically(options.file, Boolean(options.force), (write) =>
      this.exporter.export(write, header),
    );
    this.output.line(`Exported ${describe(summary)} to ${pyRepr(options.file)}`);
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

function describe(summary: UsersExportSummary): string {
  return `${summary.users} users, ${summary.workspaces} workspaces`;
}

function header(summary: UsersExportSummary): string {
  return (
    `Argilla users: ${describe(summary)}. It holds password hashes and API keys: keep it secret.\n` +
    'Import it with: argilla-cli users migrate --file <this file>'
  );
}

/** Writes to standard output, waiting while it is full (a slow reader of a pipe keeps the memory at a chunk). */
async function writeToStdout(text: string): Promise<void> {
  if (text.length > 0 && !process.stdout.write(text)) await once(process.stdout, 'drain');
}

function alreadyExists(path: string): Error {
  return new Error(`File ${pyRepr(path)} already exists: choose another path, or add --force`);
}

function fileError(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EEXIST') return alreadyExists(path);
  return new Error(`Cannot write ${pyRepr(path)}: ${code ?? error}`);
}

/**
 * Writes `path` owner-only (0600) through `produce`, never leaving half a file: the text goes to a new file beside
 * it, which then takes the path, over an existing file only with `force` (renamed over it: the old file stays
 * whole until then), otherwise hard-linked to it, which fails if the path exists (checked at the start too, so
 * that a long export does not run for nothing), as the JWT secret file is placed. On any failure the new file is
 * removed and the path is as it was.
 */
async function writeFileAtomically<T>(
  path: string,
  force: boolean,
  produce: (write: (text: string) => Promise<void>) => Promise<T>,
): Promise<T> {
  if (!force) {
    const exists = await access(path, constants.F_OK).then(
      () => true,
      () => false,
    );
    if (exists) throw alreadyExists(path);
  }
  const partial = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  const file = await open(partial, 'wx', PRIVATE_FILE_MODE).catch((error: unknown) => {
    throw fileError(path, error);
  });
  let renamed = false;
  try {
    let result: T;
    try {
      result = await produce(async (text) => {
        if (text.length > 0) await file.write(text);
      });
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      if (force) {
        await rename(partial, path);
        renamed = true;
      } else {
        await link(partial, path);
      }
    } catch (error) {
      throw fileError(path, error);
    }
    return result;
  } finally {
    if (!renamed) await unlink(partial).catch(() => undefined);
  }
}
