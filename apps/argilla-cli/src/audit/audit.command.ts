import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { AuditLog } from '@argilla/database';
import { AuditQuery, auditFilters, toAuditEventResponse } from '@argilla/users';
import { validated } from '../cli-errors';
import { CliOutput } from '../cli-output';

interface AuditListOptions {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  since?: string;
  until?: string;
  limit?: number | string;
  offset?: number | string;
  json?: boolean;
}

/** Longer texts are cut in the table (the JSON has them whole). */
const DETAILS_SHOWN = 60;

@SubCommand({
  name: 'list',
  description:
    'The audit log, newest first (50 events unless --limit), with the filters of GET /api/v1/audit: who changed ' +
    'which user, workspace, membership, password, key or token, the imports, the logins and the migrations',
})
export class AuditListCommand extends CommandRunner {
  constructor(
    private readonly audit: AuditLog,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run(_args: string[], options: AuditListOptions): Promise<void> {
    const query = validated(AuditQuery, {
      actor: options.actor,
      action: options.action,
      target_type: options.targetType,
      target_id: options.targetId,
      since: options.since,
      until: options.until,
      limit: options.limit,
      offset: options.offset,
    });
    const { items, total } = await this.audit.page(auditFilters(query), query.limit, query.offset);
    const events = items.map(toAuditEventResponse);
    if (options.json) {
      this.output.json({ items: events, total });
      return;
    }
    if (events.length === 0) {
      this.output.line(total === 0 ? 'No events.' : `No events on this page (${total} in all).`);
      return;
    }
    this.output.table(
      ['TIME', 'ACTOR', 'ACTION', 'TARGET', 'CLIENT', 'DETAILS'],
      events.map((event) => [
        event.time,
        `${event.actor.type}:${event.actor.name}`,
        event.action,
        `${event.target.type}:${event.target.name ?? event.target.id ?? ''}`,
        event.client ?? '',
        shorten(JSON.stringify(event.details)),
      ]),
    );
    if (total > events.length) this.output.line(`${events.length} of ${total} events (see --limit and --offset).`);
  }

  @Option({ flags: '--actor <name>', description: "An actor's name (username, operating-system user, system) or id" })
  parseActor(value: string): string {
    return value;
  }

  @Option({ flags: '--action <action>', description: 'An action, such as user.created' })
  parseAction(value: string): string {
    return value;
  }

  @Option({ flags: '--target-type <type>', description: 'A target type: user, workspace, personal_access_token, …' })
  parseTargetType(value: string): string {
    return value;
  }

  @Option({ flags: '--target-id <id>', description: "A target's id" })
  parseTargetId(value: string): string {
    return value;
  }

  @Option({ flags: '--since <time>', description: 'Events at or after this time (ISO 8601; UTC without a zone)' })
  parseSince(value: string): string {
    return value;
  }

  @Option({ flags: '--until <time>', description: 'Events before this time (ISO 8601; UTC without a zone)' })
  parseUntil(value: string): string {
    return value;
  }

  @Option({ flags: '--limit <n>', description: 'How many events (1 to 500; 50 by default)' })
  parseLimit(value: string): number | string {
    return /^\d+$/.test(value) ? Number(value) : value;
  }

  @Option({ flags: '--offset <n>', description: 'How many of the newest to skip' })
  parseOffset(value: string): number | string {
    return /^\d+$/.test(value) ? Number(value) : value;
  }

  @Option({ flags: '--json', description: 'Print JSON ({items, total}, as the API answers) instead of a table' })
  parseJson(): boolean {
    return true;
  }
}

@Command({
  name: 'audit',
  description: 'Read the audit log: list',
  subCommands: [AuditListCommand],
})
export class AuditCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.outputHelp({ error: true });
    process.exitCode = 2;
  }
}

function shorten(text: string): string {
  return text.length > DETAILS_SHOWN ? `${text.slice(0, DETAILS_SHOWN - 1)}…` : text;
}
