import { Inject } from '@nestjs/common';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { SETTINGS, Settings } from '@argilla/config';
import { AuditLog, Database, describeStep, REVISIONS } from '@argilla/database';
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
    private readonly audit: AuditLog,
  ) {
    super();
  }

  async run(_args: string[], options: MigrateOptions): Promise<void> {
    const runner = await this.database.migrations();
    const before = await runner.current();
    const steps = await runner.migrate(options.revision ?? 'head', (step) => this.output.line(describeStep(step)), {
      force: options.force === true,
      onForcedLosses: (losses) => this.output.line(`Going ahead (--force), losing ${losses.join('; ')}.`),
      downgradeContext: { tokenLifetimeSeconds: this.settings.auth.tokenExpirationMinutes * 60 },
    });
    const current = await runner.current();
    const at = current === null ? 'base (empty)' : `revision '${current}'${current === runner.head ? ' (head)' : ''}`;
    this.output.line(steps.length === 0 ? `Database already at ${at}: nothing to do.` : `Database now at ${at}.`);
    if (steps.length > 0 && hasAuditLog(current)) {
      await this.database.transaction((manager) =>
        this.audit.record(manager, {
          action: 'database.migrated',
          target: { type: 'database', name: this.database.engine },
          details: { from: before, to: current, steps: steps.length },
        }),
      );
    }
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

/** Whether the schema at `revision` has the audit log (`audit_events`, revision 9c3e5a7b1d24 and later). */
function hasAuditLog(revision: string | null): boolean {
  const index = REVISIONS.findIndex((step) => step.id === revision);
  return index >= 0 && index >= REVISIONS.findIndex((step) => step.id === '9c3e5a7b1d24');
}
