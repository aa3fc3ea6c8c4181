import { Option, SubCommand } from 'nest-commander';
import { toWorkspaceResponse } from '@argilla/workspaces';
import { WorkspaceCommand } from './workspace-command';

/** The API's workspace with its number of members, in the order the CLI has always printed. */
const JSON_KEYS = ['id', 'name', 'members', 'inserted_at', 'updated_at'] as const;

@SubCommand({
  name: 'list',
  description: 'List workspaces, oldest first, with their number of members (JSON with --json)',
})
export class ListWorkspacesCommand extends WorkspaceCommand {
  async run(_args: string[], options: { json?: boolean }): Promise<void> {
    const rows = await this.workspaces.listWithMemberCounts();
    if (options.json) {
      this.output.json(
        rows.map(({ workspace, members }) => ({ ...toWorkspaceResponse(workspace), members })),
        JSON_KEYS,
      );
      return;
    }
    if (rows.length === 0) {
      this.output.line('No workspaces found.');
      return;
    }
    this.output.table(
      ['NAME', 'MEMBERS', 'CREATED'],
      rows.map(({ workspace, members }) => [
        workspace.name,
        String(members),
        workspace.insertedAt.toISOString().slice(0, 19).replace('T', ' '),
      ]),
    );
  }

  @Option({ flags: '--json', description: 'Print a JSON array instead of a table' })
  parseJson(): boolean {
    return true;
  }
}
