import { CommandRunner, SubCommand } from 'nest-commander';
import { Database, EARLIER_REVISIONS } from '@argilla/database';
import { CliOutput } from '../cli-output';

@SubCommand({
  name: 'revisions',
  description: 'List the release tags, the revision chain and the revision the database is at',
})
export class RevisionsCommand extends CommandRunner {
  constructor(
    private readonly database: Database,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run(): Promise<void> {
    const runner = await this.database.migrations();
    const current = await runner.current();
    const out = this.output;

    out.heading('Tagged revisions');
    for (const [tag, id] of Object.entries(runner.tags)) out.line(`• ${tag} (revision: '${id}')`);

    out.line('');
    out.heading('Revisions');
    for (const revision of [...runner.revisions].reverse()) {
      const head = revision.id === runner.head ? ' (head)' : '';
      out.line(`${revision.parent ?? '<base>'} -> ${revision.id}${head}, ${revision.description}`);
    }

    out.line('');
    out.heading('Current revision');
    if (current === null) {
      out.line("None: the database is empty. Run 'argilla-cli database migrate'.");
    } else if (current in EARLIER_REVISIONS) {
      out.line(
        `${current} (argilla-users 1.8.0's, before Argilla's dataset tables: 'argilla-cli database migrate' ` +
          `adopts it as '${EARLIER_REVISIONS[current]}' and brings it to head)`,
      );
    } else {
      const tags = runner.tagsOf(current).map((tag) => `tag ${tag}`);
      const marks = [current === runner.head ? 'head' : null, ...tags].filter(Boolean).join(', ');
      out.line(`${current}${marks ? ` (${marks})` : ''}`);
    }
  }
}
