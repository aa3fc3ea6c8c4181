import { SubCommand } from 'nest-commander';
import { pyRepr } from '../python-repr';
import { WorkspaceCommand } from './workspace-command';

@SubCommand({
  name: 'remove-user',
  arguments: '<workspace> <username>',
  description: 'Remove a user from a workspace',
})
export class RemoveWorkspaceUserCommand extends WorkspaceCommand {
  async run([name, username]: string[]): Promise<void> {
    const workspace = await this.lookup.workspace(name);
    const user = await this.lookup.user(username);
    if (!(await this.workspaces.isMember(workspace.id, user.id))) {
      throw new Error(`User ${pyRepr(username)} is not a member of workspace ${pyRepr(name)}`);
    }
    await this.workspaces.removeMember(workspace.id, user.id);
    this.output.line(`User ${pyRepr(username)} successfully removed from workspace ${pyRepr(name)}.`);
  }
}
