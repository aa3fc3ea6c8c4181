import { SubCommand } from 'nest-commander';
import { EntityAlreadyExistsError } from '@argilla/common';
import { pyRepr } from '../python-repr';
import { WorkspaceCommand } from './workspace-command';

@SubCommand({
  name: 'add-user',
  arguments: '<workspace> <username>',
  description: 'Make a user a member of a workspace',
})
export class AddWorkspaceUserCommand extends WorkspaceCommand {
  async run([name, username]: string[]): Promise<void> {
    const workspace = await this.lookup.workspace(name);
    const user = await this.lookup.user(username);
    try {
      await this.workspaces.addMember(workspace.id, user.id);
    } catch (error) {
      if (!(error instanceof EntityAlreadyExistsError)) throw error;
      this.output.line(`User ${pyRepr(username)} is already a member of workspace ${pyRepr(name)}. Skipping...`);
      return;
    }
    this.output.line(`User ${pyRepr(username)} successfully added to workspace ${pyRepr(name)}.`);
  }
}
