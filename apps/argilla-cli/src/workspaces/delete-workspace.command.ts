import { SubCommand } from 'nest-commander';
import { pyRepr } from '../python-repr';
import { WorkspaceCommand } from './workspace-command';

@SubCommand({
  name: 'delete',
  arguments: '<name>',
  description: 'Delete a workspace and its memberships (its users stay)',
})
export class DeleteWorkspaceCommand extends WorkspaceCommand {
  async run([name]: string[]): Promise<void> {
    const workspace = await this.lookup.workspace(name);
    await this.workspaces.delete(workspace.id);
    this.output.line(`Workspace ${pyRepr(name)} successfully deleted.`);
  }
}
