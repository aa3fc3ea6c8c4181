import { SubCommand } from 'nest-commander';
import { EntityAlreadyExistsError } from '@argilla/common';
import { CreateWorkspaceDto } from '@argilla/workspaces';
import { validated } from '../cli-errors';
import { pyRepr } from '../python-repr';
import { WorkspaceCommand } from './workspace-command';

@SubCommand({ name: 'create', arguments: '<name>', description: 'Create a workspace, unless it exists' })
export class CreateWorkspaceCommand extends WorkspaceCommand {
  async run([name]: string[]): Promise<void> {
    const input = validated(CreateWorkspaceDto, { name });
    try {
      await this.workspaces.create(input.name);
    } catch (error) {
      if (!(error instanceof EntityAlreadyExistsError)) throw error;
      this.output.line(`Workspace with name ${pyRepr(name)} already exists in database. Skipping...`);
      return;
    }
    this.output.line(`Workspace ${pyRepr(name)} successfully created.`);
  }
}
