import 'reflect-metadata';
import type { Command, CommanderError } from 'commander';
import { CommandFactory, CommandRunnerService } from 'nest-commander';
import { userInfo } from 'node:os';
import { InvalidSettingsError, loadSettings, SERVER_VERSION } from '@argilla/config';
import { runWithAuditOrigin } from '@argilla/database';
import { UsageError } from './cli-errors';
import { CliModule } from './cli.module';

/** Exit codes: 0 done, 1 validation or runtime error, 2 usage error (unknown option, bad choice). */
const EXIT_ERROR = 1;
const EXIT_USAGE = 2;

const verbose = process.argv.includes('--verbose') || Boolean(process.env.DEBUG);
if (process.argv.includes('--verbose')) process.argv.splice(process.argv.indexOf('--verbose'), 1);

function fail(error: unknown): void {
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  if (verbose && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n');
  else process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = EXIT_ERROR;
}

/** Commander prints usage errors itself; this only turns them into exit code 2 (help and version: 0). */
function exitOnUsageError(error: Error): never {
  process.exit((error as CommanderError).exitCode === 0 ? 0 : EXIT_USAGE);
}

/** nest-commander installs the exit override on the root command only; subcommands need it too. */
function overrideExits(command: Command): void {
  command.exitOverride(exitOnUsageError);
  command.commands.forEach((sub) => overrideExits(sub as Command));
}

/**
 * A reader that stops early (`argilla-cli users list | head`) closes the pipe: the rest of the output has nowhere
 * to go, which is no failure of the command. It finishes what it was doing, and its exit code says how that went.
 */
function ignoreClosedOutput(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}

async function main(): Promise<void> {
  ignoreClosedOutput();
  let settings;
  try {
    settings = loadSettings();
  } catch (error) {
    if (error instanceof InvalidSettingsError) return fail(error);
    throw error;
  }
  const app = await CommandFactory.createWithoutRunning(CliModule.forRoot(settings), {
    logger: verbose ? ['error', 'warn'] : false,
    cliName: 'argilla-cli',
    version: SERVER_VERSION,
    serviceErrorHandler: fail,
    errorHandler: exitOnUsageError,
  });
  try {
    const runner = app.get(CommandRunnerService) as unknown as { commander: Command };
    runner.commander
      .name('argilla-cli')
      .description('Manage an Argilla users server: database, users, workspaces, audit')
      // Root options only before the command, so that `database migrate --version 1.7` reaches migrate.
      .enablePositionalOptions();
    overrideExits(runner.commander);
    // Every event the command records names the operating-system user who ran it.
    await runWithAuditOrigin({ actor: { type: 'cli', name: operatingSystemUser() } }, () =>
      CommandFactory.runApplication(app),
    );
  } finally {
    await app.close();
  }
}

/** The operating-system user running the CLI (a container may have no name for its uid: then `uid <n>`). */
function operatingSystemUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER || process.env.LOGNAME || `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

main().catch(fail);
