import { Inject } from '@nestjs/common';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { SETTINGS, Settings } from '@argilla/config';
import { Database, describeStep } from '@argilla/database';
import { CliOutput } from '../cli-output';

interface MigrateOptions {
  revision?: string;
  force?: boolean;
}

@SubCommand({
  name: 'migrate',
  description: 'Upgrade or downgrade the database schema to a revision (default: head)',
})
export class MigrateCommand extends CommandRunner {
  constructor(
    private readonly database: Database,
    private readonly output: CliOutput,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {
    super();
  }

  async run(_args: string[], options: MigrateOptions): Promise<void> {
    const runner = await this.database.migrations();
    const steps = await runner.migrate(options.revision ?? 'head', (step) => this.output.line(describeStep(step)), {
      force: options.force === true,
      onForcedLosses: (losses) => this.output.line(`Going ahead (--force), losing ${losses.join('; ')}.`),
      downgradeContext: { tokenLifetimeSeconds: this.settings.auth.tokenExpirationMinutes * 60 },
    });
    const current = await runner.current();
    const at = current === null ? 'base (empty)' : `revision '${current}'${current === runner.head ? ' (head)' : ''}`;
    this.output.line(steps.length === 0 ? `Database already at ${at}: nothing to do.` : `Database now at ${at}.`);
  }

  @Option({
    flags: '-r, --revision <revision>',
    description: "Target: 'head', a release tag such as '1.7', a revision id, or 'base'",
  })
  parseRevision(value: string): string {
    return value;
  }

  @Option({
    flags: '--force',
    description:
      'Downgrade even when it would lose security state (disabled users, ended tokens, password hashes ' +
      "Argilla 1.8 cannot verify), owners (who become admins) or rows of Argilla's dataset tables",
  })
  parseForce(): boolean {
    return true;
  }

  // Argilla's documentation writes `database migrate --version 1.7`.
  @Option({ flags: '--version <revision>', description: 'Same as --revision', name: 'revision' })
  parseVersion(value: string): string {
    return value;
  }
}
